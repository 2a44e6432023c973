//! A request said in parts: a name taken back before another ("노원구 말고 도봉구 교통",
//! "traffic in Songpa, no wait, Gangnam"), and a request in a clause of its own beside its reason
//! or a remark ("that's enough, hang up", "축소해 줘 전체가 안 보여").

use super::{names, talk, Matcher, Outcome, NEAR_MISS};
use crate::text::compact;

impl Matcher {
    /// The words with a name taken back left out: "노원구 말고 도봉구 교통", "traffic in Songpa,
    /// no wait, Gangnam" and "동작 아니 동대문 CCTV" mean the second name alone. Only a name
    /// followed by words of correction and then another name for the same slot is taken back.
    pub(super) fn corrected<'a>(&self, words: Vec<&'a str>) -> Vec<&'a str> {
        const ALSO: &[&str] = &["wait", "sorry", "i", "그", "아", "음", "어", "like"];
        let spans = self.spotter.spot(&words);
        let correcting = |w: &str| {
            let key = compact(w);
            names::CORRECTIONS.contains(&key.as_str()) || ALSO.contains(&key.as_str())
        };
        let taken_back = spans.iter().enumerate().find_map(|(i, a)| {
            let b = spans.get(i + 1).filter(|b| b.slot == a.slot && b.start > a.end)?;
            let between = &words[a.end..b.start];
            let corrects = between.iter().all(|w| correcting(w))
                && between.iter().any(|w| names::CORRECTIONS.contains(&compact(w).as_str()));
            corrects.then_some((a.start, b.start))
        });
        match taken_back {
            Some((from, to)) => words[..from].iter().chain(&words[to..]).copied().collect(),
            None => words,
        }
    }

    /// A request said with its reason or a remark around it, in a clause of its own ("that's
    /// enough, hang up", "Zoom out, I can't see the whole map", "축소해 줘 전체가 안 보여"):
    /// the last clause that is a whole command by the templates. The other clauses must read as
    /// a remark — short, or the speaker's own view ("I can't see…") — and none as talk: a
    /// command inside dictation or a report ("Take this down. First, strengthen…", "민원인이
    /// 이렇게 썼어요, …줄여 주세요") is not for the wall.
    pub(super) fn clause_command(&self, text: &str, refs: &[&str]) -> Option<Outcome> {
        if talk::talk(&self.lang, refs) {
            return None;
        }
        let clauses: Vec<Vec<String>> =
            clauses(&self.lang, text).iter().map(|c| self.words(c)).filter(|w| !w.is_empty()).collect();
        if clauses.len() < 2 {
            return None;
        }
        let (at, intent) = clauses.iter().enumerate().rev().find_map(|(at, words)| {
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            if refs.len() < 2 {
                return None;
            }
            match self.best(&refs) {
                Outcome::Understood(intent) if intent.confidence >= NEAR_MISS => Some((at, intent)),
                _ => None,
            }
        })?;
        let remark = |words: &Vec<String>| {
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            let own = self.lang == "en"
                && words.iter().any(|w| matches!(compact(w).as_str(), "i" | "im" | "id" | "ive" | "my" | "me"));
            !talk::talk(&self.lang, &refs) && (words.len() <= 4 || own)
        };
        if !clauses.iter().enumerate().all(|(i, words)| i == at || remark(words)) {
            return None;
        }
        let mut intent = intent;
        intent.matched = format!("{} (the clause “{}”)", intent.matched, clauses[at].join(" "));
        Some(Outcome::Understood(intent))
    }
}

/// The clauses of a text: split at punctuation, and in Korean also after a request's ending
/// ("축소해 줘 | 전체가 안 보여").
fn clauses(lang: &str, text: &str) -> Vec<String> {
    const REQUEST_ENDS: &[&str] = &["줘", "줘요", "주세요", "해", "해요", "봐", "봐요", "줄래", "줄래요"];
    let mut out = Vec::new();
    for part in text.split([',', '.', '?', '!', ';', '？', '，']) {
        let mut clause = String::new();
        let words: Vec<&str> = part.split_whitespace().collect();
        for (i, word) in words.iter().enumerate() {
            clause.push_str(word);
            clause.push(' ');
            // "축소해 줘": the helper verb after a request is still the request.
            let helper = words.get(i + 1).is_some_and(|w| ["줘", "주", "줄", "봐"].iter().any(|h| w.starts_with(h)));
            if lang == "ko" && !helper && REQUEST_ENDS.iter().any(|e| word.ends_with(e)) {
                out.push(std::mem::take(&mut clause));
            }
        }
        out.push(clause);
    }
    out.retain(|c| !c.trim().is_empty());
    out
}
