//! Whether what the names stage heard is a request to the wall: shaped like one (a question, a
//! request for what the wall does, little besides the names), and not about the office's own
//! work (a document or a meeting on a topic, the speaker's own doing, an obligation, a refusal).

use super::cues::{
    asking_word, english_verb, CASE_PARTICLES, ENGLISH_FILLERS, ENGLISH_OPENINGS, ENGLISH_QUESTIONS,
    ENGLISH_WALL_VERBS, KOREAN_ASKING, KOREAN_FILLERS, KOREAN_SELF, KOREAN_WALL_VERBS, OFFICE_WORK,
};
use super::measures;
use super::names::{Hit, Names, CORRECTIONS};
use super::spot::Span;
use crate::text::compact;

impl Names {
    /// Whether what was said is about the office's own work, not for the wall: a document or
    /// a meeting on a topic ("교통 대책 보고서", "the budget slides"), the speaker's own doing
    /// ("저도 보고 있어요"), an obligation ("올려 주셔야 돼요"), a refusal ("can't take calls").
    /// The request is `words[from..]`.
    pub(super) fn about_work(&self, words: &[&str], from: usize, names: &[Span], hits: &[&Hit]) -> bool {
        let clause: Vec<String> = words[from..].iter().map(|w| compact(w)).collect();
        let wall_verb = clause.iter().any(|w| self.wall_verb(w));
        // A work word just after a name or a topic: what the work is about.
        let ends: Vec<usize> = names.iter().map(|s| s.end).chain(hits.iter().map(|h| h.end)).collect();
        let work = (from..words.len()).any(|j| {
            OFFICE_WORK.iter().any(|o| compact(words[j]).starts_with(o)) && ends.iter().any(|e| *e <= j && j <= e + 2)
        });
        if work && !wall_verb {
            return true;
        }
        if self.lang == "en" {
            // A refusal, or a question about what someone did ("did the director change…").
            return clause
                .iter()
                .any(|w| matches!(w.as_str(), "cant" | "cannot" | "wont" | "never" | "dont" | "doesnt"))
                || clause.first().is_some_and(|w| w == "did");
        }
        clause.iter().any(|w| KOREAN_SELF.contains(&w.as_str()))
            || clause.iter().enumerate().any(|(i, w)| {
                // "몇 개야", "어느 정도야" ask.
                let how_many = i > 0 && super::talk::korean_question(&clause[i - 1]);
                w.chars().count() > 1 && w.ends_with('야') && !w.ends_with("이야") && !asks_what(w) && !how_many
            })
    }

    /// Whether what was said is shaped like a request to the wall to show something: a
    /// question, a request for what the wall does, or little besides the names. Talk that
    /// names a topic in passing says much besides it ("Traffic on the Olympic Expressway is
    /// heavy this morning", "밖에 먼지 들어와"), or asks a person for what the wall does not do
    /// ("사진 몇 장만 보내 주세요"). The request is `words[from..]`.
    pub(super) fn asks(
        &self,
        words: &[&str],
        from: usize,
        question: bool,
        split: bool,
        names: &[Span],
        hits: &[&Hit],
    ) -> bool {
        let named = |i: usize| {
            names.iter().any(|s| s.start <= i && i < s.end) || hits.iter().any(|h| h.start <= i && i < h.end)
        };
        let correction = |w: &str| CORRECTIONS.contains(&compact(w).as_str()) || compact(w) == "wait";
        let clause: Vec<String> = words[from..].iter().map(|w| compact(w)).collect();
        let wall_verb = clause.iter().any(|w| self.wall_verb(w));
        if self.lang == "en" {
            // "…, pull it up": what the words before named, asked for.
            if super::cues::refers_back(&clause) {
                return true;
            }
            let filler = |w: &str| ENGLISH_FILLERS.contains(&compact(w).as_str());
            let other = (from..words.len())
                .filter(|i| !named(*i) && !asking_word(words[*i]) && !correction(words[*i]) && !filler(words[*i]))
                .count();
            let first = clause.iter().find(|w| !ENGLISH_FILLERS.contains(&w.as_str()));
            let asked = question
                || first.is_some_and(|w| ENGLISH_OPENINGS.contains(&w.as_str()))
                || clause.iter().any(|w| ENGLISH_QUESTIONS.contains(&w.as_str()) || measures::figure("en", w));
            if asked || wall_verb {
                // A polite frame before the wall's verb is no other matter ("I was wondering if
                // you could pull up…", "any chance you could put…").
                let at = (from..words.len()).find(|i| self.wall_verb(&compact(words[*i])));
                let framed = at.is_some_and(|at| words[from..at].iter().all(|w| POLITE.contains(&compact(w).as_str())));
                let other = match at {
                    Some(at) if framed => (at..words.len())
                        .filter(|i| {
                            !named(*i) && !asking_word(words[*i]) && !correction(words[*i]) && !filler(words[*i])
                        })
                        .count(),
                    _ => other,
                };
                return other <= 3;
            }
            // A phrase without a verb names what is wanted ("budget breakdown for Gangbuk");
            // talk that names a topic says something about it.
            let verb = clause.iter().any(|w| english_verb(w));
            return other == 0 || (!verb && other <= 3);
        }
        let last = clause.last().cloned().unwrap_or_default();
        // A request ("…주세요") is for the wall when its verb is something the wall does.
        let requests = ["줘", "줘요", "주세요", "줄래", "줄래요", "주시겠어요", "주실래요"];
        if let Some(ending) = requests.iter().find(|e| last.ends_with(*e)) {
            let own = last.strip_suffix(ending).unwrap_or_default();
            let before = clause.iter().rev().skip(1).take(3);
            return self.wall_verb(own) || before.into_iter().any(|w| self.wall_verb(w)) || clause.len() == 1;
        }
        if question {
            return true;
        }
        // An instruction to a person ("우산 챙겨 가세요"), not to the wall.
        if last.ends_with("세요") && !self.wall_verb(&last) && !KOREAN_ASKING.iter().any(|e| last.ends_with(e)) {
            return false;
        }
        let other = (from..words.len())
            .filter(|i| !named(*i) && !correction(words[*i]) && !KOREAN_FILLERS.contains(&compact(words[*i]).as_str()))
            .count();
        // After a sentence of its own, a bare request is its names alone ("…없지? 전체 현황
        // 좀"); "…닫아 줄래? 밖에 먼지 들어와" tells, it does not ask.
        other <= if split { 0 } else { 2 }
            || KOREAN_ASKING.iter().any(|e| last.ends_with(e))
            || clause.iter().any(|w| super::talk::korean_question(w) || measures::figure("ko", w))
    }

    /// Whether a (compact) word asks for something the wall does.
    pub(super) fn wall_verb(&self, word: &str) -> bool {
        if self.lang == "en" {
            return ENGLISH_WALL_VERBS.contains(&word);
        }
        KOREAN_WALL_VERBS
            .iter()
            .any(|v| word.strip_prefix(v).is_some_and(|rest| !CASE_PARTICLES.contains(&rest) || rest.is_empty()))
    }
}

/// Words of a polite English frame around a request ("I was wondering if you could…").
const POLITE: &[&str] = &[
    "i",
    "was",
    "wondering",
    "if",
    "you",
    "could",
    "can",
    "would",
    "will",
    "mind",
    "any",
    "chance",
    "possibly",
    "maybe",
    "be",
    "able",
    "to",
    "do",
    "think",
    "id",
    "like",
    "love",
    "want",
    "please",
    "kindly",
    "perhaps",
];

/// A question word with 야 ("뭐야", "얼마야"): it asks, unlike an obligation ("올려야").
fn asks_what(word: &str) -> bool {
    ["뭐야", "얼마야", "어디야", "몇이야", "누구야"].iter().any(|q| word.ends_with(q))
}
