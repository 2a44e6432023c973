//! The names decide: when neither a template nor the evidence of the words gives a command, what
//! was named says it. A wall topic called by an everyday word ("구로구 단수 된 데 있어?" is
//! water in Guro), an indicator by its name, a person by what they handle and a word for their
//! role ("복지 담당하시는 분 좀 불러 봐"), a district's own head by the district ("송파
//! 구청장님이랑 화상 통화"). What to do follows from what was named: a person with a word that
//! asks for a call is called; a topic or an indicator is shown (the wall's default); a person
//! named without asking for a call is not called — that is asked back.
//!
//! The words come from the grammar's `_words.toml` (topics, roles, call words, district heads)
//! and the officials' `handles_*` lists in the city data; both are data, per language.

use super::spot::{loose, Span};
use super::{Intent, Matcher};
use crate::city::{City, Rank};
use crate::grammar::Grammar;
use crate::text::{compact, is_hangul};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// What an everyday word says.
#[derive(Debug, Clone, PartialEq)]
pub enum Cue {
    /// A wall topic (`show_topic`'s `topic`).
    Topic(String),
    /// "The person in charge" ("책임자", "whoever runs").
    Role,
    /// A request for a call ("연결해", "get me").
    Call,
    /// A district's own head ("구청장", "district mayor").
    DistrictHead,
    /// What an official handles (their id).
    Handles(String),
    /// Words that hold another word and mean something else ("air conditioning"): nothing.
    Unrelated,
}

/// An everyday word heard: words `start..end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub cue: Cue,
    pub text: String,
}

/// The most words one everyday phrase may span.
const MAX_WORDS: usize = 4;
/// How sure a reading by names is said to be (as the loose stage's: below a whole command).
const CONFIDENCE: f32 = 0.85;
/// Words that correct what was just said ("교통 말고 공기", "traffic, no, the air").
pub const CORRECTIONS: &[&str] = &["말고", "아니", "아니고", "아니라", "no", "not", "instead", "rather", "mean"];

pub struct Names {
    lang: String,
    /// Compact words → what they say.
    exact: HashMap<String, Vec<Cue>>,
    /// English: the words without their endings (`spot::loose`).
    stems: HashMap<String, Vec<Cue>>,
    /// The longest key, in characters (Korean keys are matched as prefixes of what was said).
    longest: usize,
    /// District code → the id of its head.
    district_heads: HashMap<String, String>,
    /// Ids of officials of the city as a whole ("mayor"), who are the district's head when
    /// said with a district ("call Dongdaemun's mayor").
    mayors: Vec<String>,
}

impl Names {
    pub fn new(city: &City, grammar: &Grammar) -> Names {
        let lang = grammar.lang.clone();
        let mut names = Names {
            lang: lang.clone(),
            exact: HashMap::default(),
            stems: HashMap::default(),
            longest: 0,
            district_heads: HashMap::default(),
            mayors: Vec::new(),
        };
        let words = &grammar.words;
        for (topic, list) in &words.topics {
            names.add(list, Cue::Topic(topic.clone()));
        }
        names.add(&words.people.role, Cue::Role);
        names.add(&words.people.call, Cue::Call);
        names.add(&words.people.district_head, Cue::DistrictHead);
        names.add(&words.unrelated, Cue::Unrelated);
        for o in &city.officials {
            names.add(if lang == "ko" { &o.handles_ko } else { &o.handles_en }, Cue::Handles(o.id.clone()));
            match o.rank {
                Rank::DistrictMayor => {
                    names.district_heads.insert(o.district.clone(), o.id.clone());
                }
                Rank::Mayor => names.mayors.push(o.id.clone()),
                _ => {}
            }
        }
        names
    }

    fn add(&mut self, list: &[String], cue: Cue) {
        for word in list {
            let key = compact(word);
            if key.is_empty() {
                continue;
            }
            self.longest = self.longest.max(key.chars().count());
            let cues = self.exact.entry(key).or_default();
            if !cues.contains(&cue) {
                cues.push(cue.clone());
            }
            if let Some(stem) = loose(word).filter(|s| s.chars().count() >= 4) {
                let cues = self.stems.entry(stem).or_default();
                if !cues.contains(&cue) {
                    cues.push(cue.clone());
                }
            }
        }
    }

    /// What words `start..end` say, if anything. Korean words carry endings ("불났어",
    /// "막히는데"): a key of two or more characters may be the start of the last word.
    fn lookup(&self, words: &[&str], start: usize, end: usize) -> Option<&[Cue]> {
        let text = words[start..end].join(" ");
        let key = compact(&text);
        if let Some(cues) = self.exact.get(&key) {
            return Some(cues);
        }
        if key.chars().any(is_hangul) {
            // The key must reach into the last word (shorter spans are looked up on their own).
            let before = compact(&words[start..end - 1].join(" ")).chars().count();
            let chars: Vec<char> = key.chars().collect();
            let from = (before + 1).max(2);
            for n in (from..chars.len().min(self.longest + 1)).rev() {
                if let Some(cues) = self.exact.get(&chars[..n].iter().collect::<String>()) {
                    return Some(cues);
                }
            }
            return None;
        }
        loose(&text).and_then(|k| self.stems.get(&k)).map(Vec::as_slice)
    }

    /// Every everyday word in `words`: longest first, then leftmost, not overlapping.
    pub fn find(&self, words: &[&str]) -> Vec<Hit> {
        let mut taken = vec![false; words.len()];
        let mut hits = Vec::new();
        for len in (1..=MAX_WORDS.min(words.len())).rev() {
            for start in 0..=words.len() - len {
                let end = start + len;
                if taken[start..end].iter().any(|t| *t) {
                    continue;
                }
                if let Some(cues) = self.lookup(words, start, end) {
                    taken[start..end].iter_mut().for_each(|t| *t = true);
                    let text = words[start..end].join(" ");
                    hits.extend(cues.iter().map(|cue| Hit { start, end, cue: cue.clone(), text: text.clone() }));
                }
            }
        }
        hits.sort_by_key(|h| h.start);
        hits
    }

    /// The command that what was named asks for, if it is clear: `names` are the city names
    /// heard (one per slot, corrections applied), `hits` the everyday words.
    pub(super) fn decide(&self, m: &Matcher, words: &[&str], names: &[Span], hits: &[Hit]) -> Option<Intent> {
        // In Korean the request comes last, after what led to it ("비 올 것 같은데 우산
        // 챙겼어?" asks about an umbrella, not the weather).
        let from = if self.lang == "ko" { last_clause(words) } else { 0 };
        let names: Vec<&Span> = names.iter().filter(|s| s.start >= from).collect();
        let hits: Vec<&Hit> = hits.iter().filter(|h| h.start >= from).collect();
        let has = |cue: &Cue| hits.iter().any(|h| &h.cue == cue);
        let call = has(&Cue::Call);
        let role = has(&Cue::Role);
        // "Who is writing the statement on fine dust?" asks about people, not for the wall.
        if !call && words[from..].iter().any(|w| matches!(compact(w).as_str(), "누가" | "who" | "whos")) {
            return None;
        }
        let topic_words = |s: &Span| hits.iter().any(|h| matches!(h.cue, Cue::Topic(_)) && h.start == s.start);
        let district = names.iter().find(|s| s.slot == "district");
        let mut official = names
            .iter()
            .find(|s| s.slot == "official")
            // An office named by its subject ("budget", "교통") is the topic unless a person is asked for.
            .filter(|s| call || role || !topic_words(s))
            .map(|s| (*s).clone());
        // "송파 구청장님", "Dongdaemun's mayor": the district's own head.
        let heads_district =
            has(&Cue::DistrictHead) || official.as_ref().is_some_and(|o| self.mayors.contains(&o.value));
        if let (Some(d), true) = (district, heads_district) {
            if let Some(id) = self.district_heads.get(&d.value) {
                let text = official.as_ref().map_or_else(|| d.text.clone(), |o| format!("{} {}", d.text, o.text));
                official = Some(span(d.start, "official", id, &text));
            }
        }
        // "whoever handles parks": what they handle, with a word for the person ("a taxi, call
        // one" is not the transport office).
        if official.is_none() && role {
            let mut handled = hits.iter().filter_map(|h| match &h.cue {
                Cue::Handles(id) => Some((h, id)),
                _ => None,
            });
            if let Some((h, id)) = handled.next() {
                if handled.all(|(_, other)| other == id) {
                    official = Some(span(h.start, "official", id, &h.text));
                }
            }
        }
        if call {
            let who = official?;
            return self.command(m, "call", &BTreeMap::new(), vec![who]);
        }
        if official.is_some() || role {
            // A person named without asking for a call: asked back, not guessed.
            return None;
        }
        let names: Vec<Span> = names.into_iter().cloned().collect();
        if !self.asks(words, &names, &hits) {
            return None;
        }
        let shown: Vec<Span> = names.iter().filter(|s| s.slot != "official").cloned().collect();
        if shown.iter().any(|s| s.slot == "indicator") {
            return self.command(m, "show_indicator", &BTreeMap::new(), shown);
        }
        let topic = topic(&hits, words)?;
        self.command(m, "show_topic", &BTreeMap::from([("topic".to_string(), topic)]), shown)
    }

    /// Whether what was said is shaped like a request: English talk that names a topic in
    /// passing ("my kid loves the subway") says much besides it. Korean statements are told by
    /// their endings before this stage.
    fn asks(&self, words: &[&str], names: &[Span], hits: &[&Hit]) -> bool {
        if self.lang != "en" {
            return true;
        }
        let named = |i: usize| {
            names.iter().any(|s| s.start <= i && i < s.end) || hits.iter().any(|h| h.start <= i && i < h.end)
        };
        let other = (0..words.len()).filter(|i| !named(*i) && !asking_word(words[*i])).count();
        other <= 2.max(words.len() * 2 / 5)
    }

    /// The command of `intent` with `fixed` slots that takes the names heard. Names the command
    /// cannot take are left out unless they are places: a place left out would show the wrong
    /// place.
    fn command(
        &self,
        m: &Matcher,
        intent: &str,
        fixed: &BTreeMap<String, String>,
        mut spans: Vec<Span>,
    ) -> Option<Intent> {
        let candidates: Vec<usize> = (0..m.grammar.commands.len())
            .filter(|c| {
                let def = &m.grammar.commands[*c].def;
                def.intent == intent && &def.fixed == fixed
            })
            .collect();
        let bit = |s: &Span| m.slot_bits.get(&s.slot).copied().unwrap_or(super::UNUSED_SLOT);
        let allowed = candidates.iter().fold(0, |a, c| a | m.loose.allowed(*c));
        spans.retain(|s| allowed & bit(s) != 0 || s.slot == "district" || s.slot == "neighbourhood");
        let mask = spans.iter().fold(0, |a, s| a | bit(s));
        let c = candidates.into_iter().find(|c| m.loose.fits(*c, mask))?;
        let how = format!(
            "understood by what was named: {}",
            spans.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(", ")
        );
        let mut found = super::loose::intent(m, c, &spans, how);
        found.confidence = CONFIDENCE;
        Some(found)
    }
}

/// A span for a name found by everyday words.
fn span(start: usize, slot: &str, value: &str, text: &str) -> Span {
    Span {
        start,
        end: start + 1,
        slot: slot.into(),
        value: value.into(),
        text: text.into(),
        quality: 1.0,
        particle: String::new(),
    }
}

/// The topic the everyday words name: one topic, or the one a correction ends on ("교통 말고
/// 공기"), or the one named most; none when two are named as often.
fn topic(hits: &[&Hit], words: &[&str]) -> Option<String> {
    let topics: Vec<(&Hit, &String)> = hits
        .iter()
        .filter_map(|h| match &h.cue {
            Cue::Topic(t) => Some((*h, t)),
            _ => None,
        })
        .collect();
    let (first, last) = (topics.first()?, topics.last()?);
    if topics.iter().all(|(_, t)| *t == first.1) {
        return Some(first.1.clone());
    }
    let corrected =
        words[first.0.end..last.0.start].iter().any(|w| CORRECTIONS.iter().any(|c| compact(w).starts_with(c)));
    if corrected {
        return Some(last.1.clone());
    }
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for (_, t) in &topics {
        *counts.entry(t).or_default() += 1;
    }
    let most = counts.values().copied().max()?;
    let mut top = counts.iter().filter(|(_, n)| **n == most);
    let (t, _) = top.next()?;
    top.next().is_none().then(|| (*t).clone())
}

/// Where the request starts in Korean: after the last word that ends a clause of context
/// ("…길인데", "…같은데", "…니까").
pub fn last_clause(words: &[&str]) -> usize {
    const CONNECTIVES: &[&str] = &["는데", "인데", "은데", "니까", "지만", "던데"];
    words.iter().rposition(|w| CONNECTIVES.iter().any(|c| compact(w).ends_with(c))).map_or(0, |i| i + 1)
}

/// English words that ask without naming anything: question and request frames, time, the
/// wall.
fn asking_word(word: &str) -> bool {
    const ASKING: &[&str] = &[
        "i",
        "i'd",
        "i'm",
        "me",
        "my",
        "we",
        "our",
        "us",
        "you",
        "it",
        "is",
        "are",
        "am",
        "be",
        "there",
        "any",
        "anything",
        "some",
        "what",
        "what's",
        "whats",
        "how",
        "how's",
        "hows",
        "which",
        "where",
        "who",
        "when",
        "do",
        "does",
        "can",
        "could",
        "would",
        "will",
        "want",
        "like",
        "need",
        "see",
        "show",
        "look",
        "check",
        "give",
        "get",
        "put",
        "bring",
        "pull",
        "up",
        "on",
        "in",
        "at",
        "of",
        "for",
        "from",
        "to",
        "with",
        "and",
        "about",
        "let",
        "let's",
        "lets",
        "screen",
        "wall",
        "today",
        "right",
        "currently",
        "these",
        "days",
        "this",
        "that",
        "many",
        "much",
        "so",
        "far",
        "far",
        "latest",
        "new",
        "recent",
        "current",
        "status",
        "situation",
        "out",
        "here",
        "going",
        "like",
        "looking",
        "doing",
        "quickly",
        "quick",
        "please",
        "again",
        "all",
        "city",
        "seoul",
        "whole",
        "around",
        "near",
        "by",
        "info",
        "information",
        "numbers",
        "figures",
        "data",
        "problem",
        "problems",
        "issues",
        "thing",
        "things",
    ];
    ASKING.contains(&word.to_lowercase().as_str())
}
