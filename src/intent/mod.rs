//! The matcher: text → [`Intent`] or a deterministic *not understood* with a reason.
//!
//! 1. Normalise: NFC, lowercase, punctuation out, the grammar's skip words out.
//! 2. Cancel first: a cancel phrase anywhere in the utterance wins.
//! 3. Spot slots ([`spot`]): names of districts, indicators, officials, … and list values.
//! 4. Build match keys (compact text, each slot one placeholder) with and without each spotted
//!    span, find candidate sentences through a character-bigram index, and score them by
//!    weighted edit distance ([`similarity`]). Templates with `{query}` match their text around
//!    the free-text span.
//! 5. Accept the best only above [`ACCEPT`]: a near miss is *not understood*, never a guess.
//!
//! No I/O: the matcher is built once from the city and the grammar and then only computes.

pub mod similarity;
pub mod spot;

use crate::city::City;
use crate::grammar::template::Piece;
use crate::grammar::{Grammar, QUERY_SLOT};
use crate::text::{compact, normalize};
use serde::Serialize;
use similarity::{is_placeholder, similarity as sim, PLACEHOLDER_BASE};
use spot::{Span, Spotter};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Below this similarity an utterance is not understood.
pub const ACCEPT: f32 = 0.8;
const CANDIDATES: usize = 40;
const MAX_WORDS: usize = 40;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Intent {
    pub name: String,
    /// Slot values: codes and ids for city slots, list values, free text for `query`.
    pub slots: BTreeMap<String, String>,
    /// The words each slot was heard as (for resolution through the index).
    pub slot_text: BTreeMap<String, String>,
    pub confidence: f32,
    /// The grammar file and template sentence that matched.
    pub matched: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub enum Outcome {
    Understood(Intent),
    NotUnderstood { reason: String, closest: Option<String>, score: f32 },
}

struct Sentence {
    command: usize,
    key: Vec<char>,
    /// How many distinct bigrams the key has (for the Dice coefficient).
    grams: u32,
    /// For `{query}` sentences: the key split around the free text, and the bigrams of the
    /// fixed text.
    around_query: Option<(Vec<char>, Vec<char>)>,
    query_grams: Vec<(char, char)>,
    text: String,
}

pub struct Matcher {
    lang: String,
    grammar: Grammar,
    spotter: Spotter,
    sentences: Vec<Sentence>,
    bigrams: HashMap<(char, char), Vec<u32>>,
    query_sentences: Vec<u32>,
    cancel_keys: HashSet<String>,
    skip: HashSet<String>,
    placeholders: HashMap<String, char>,
}

fn bigrams_of(key: &[char]) -> Vec<(char, char)> {
    let mut v: Vec<(char, char)> = key.windows(2).map(|w| (w[0], w[1])).collect();
    if key.len() == 1 {
        v.push((key[0], key[0]));
    }
    v.sort();
    v.dedup();
    v
}

impl Matcher {
    pub fn new(city: &City, grammar: Grammar) -> Matcher {
        let spotter = Spotter::new(city, &grammar);
        let mut placeholders: HashMap<String, char> = HashMap::new();
        let slot_char = |name: &str, placeholders: &mut HashMap<String, char>| -> char {
            let next = PLACEHOLDER_BASE + placeholders.len() as u32;
            *placeholders.entry(name.to_string()).or_insert_with(|| char::from_u32(next).unwrap_or('\u{F0000}'))
        };
        let skip: HashSet<String> = grammar.skip_words.iter().map(|w| compact(w)).collect();
        let mut sentences = Vec::new();
        let mut seen: HashSet<(Vec<char>, Option<usize>)> = HashSet::new();
        let mut cancel_keys = HashSet::new();
        for (ci, command) in grammar.commands.iter().enumerate() {
            for sentence in grammar.sentences(command) {
                let mut key = Vec::new();
                let mut around = None;
                let mut text = Vec::new();
                for piece in &sentence {
                    match piece {
                        Piece::Word(w) => {
                            let c = compact(w);
                            if !skip.contains(&c) {
                                key.extend(c.chars());
                                text.push(w.clone());
                            }
                        }
                        Piece::Slot(s) if s == QUERY_SLOT => {
                            around = Some(key.len());
                            text.push("{query}".into());
                        }
                        Piece::Slot(s) => {
                            key.push(slot_char(s, &mut placeholders));
                            text.push(format!("{{{s}}}"));
                        }
                    }
                }
                if command.def.intent == "cancel" {
                    cancel_keys.insert(key.iter().collect::<String>());
                }
                let around_query = around.map(|at| (key[..at].to_vec(), key[at..].to_vec()));
                // Many sentences differ only in skipped words or spacing: keep the first.
                if !seen.insert((key.clone(), around)) {
                    continue;
                }
                let query_grams = around_query
                    .as_ref()
                    .map(|(b, a)| bigrams_of(&b.iter().chain(a.iter()).copied().collect::<Vec<_>>()))
                    .unwrap_or_default();
                sentences.push(Sentence {
                    command: ci,
                    grams: bigrams_of(&key).len() as u32,
                    key,
                    around_query,
                    query_grams,
                    text: format!("{}: {}", command.file, text.join(" ")),
                });
            }
        }
        let mut bigrams: HashMap<(char, char), Vec<u32>> = HashMap::new();
        let mut query_sentences = Vec::new();
        for (i, s) in sentences.iter().enumerate() {
            if s.around_query.is_some() {
                query_sentences.push(i as u32);
            }
            for b in bigrams_of(&s.key) {
                bigrams.entry(b).or_default().push(i as u32);
            }
        }
        Matcher { lang: grammar.lang.clone(), grammar, spotter, sentences, bigrams, query_sentences, cancel_keys, skip, placeholders }
    }

    pub fn lang(&self) -> &str {
        &self.lang
    }

    pub fn grammar(&self) -> &Grammar {
        &self.grammar
    }

    /// How many sentences the grammar expands to (slots open).
    pub fn sentence_count(&self) -> usize {
        self.sentences.len()
    }

    fn words(&self, text: &str) -> Vec<String> {
        let cleaned: String = normalize(text)
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '\'' || c == '-' { c } else { ' ' })
            .collect();
        cleaned
            .split_whitespace()
            .filter(|w| !self.skip.contains(&compact(w)))
            .take(MAX_WORDS)
            .map(String::from)
            .collect()
    }

    /// Runs every example sentence of the grammar; returns (file, sentence, problem) for each
    /// one that does not give its command's intent and exactly its slots.
    pub fn check_examples(&self) -> Vec<(String, String, String)> {
        let mut failures = Vec::new();
        for command in &self.grammar.commands {
            for example in &command.def.examples {
                let problem = match self.parse(&example.text) {
                    Outcome::NotUnderstood { reason, .. } => Some(format!("not understood: {reason}")),
                    Outcome::Understood(intent) if intent.name != command.def.intent => {
                        Some(format!("got intent {} (via {}), expected {}", intent.name, intent.matched, command.def.intent))
                    }
                    Outcome::Understood(intent) => {
                        let mut expected = command.def.fixed.clone();
                        expected.extend(example.slots.clone());
                        (intent.slots != expected)
                            .then(|| format!("slots {:?}, expected {:?} (via {})", intent.slots, expected, intent.matched))
                    }
                };
                if let Some(p) = problem {
                    failures.push((command.file.clone(), example.text.clone(), p));
                }
            }
        }
        failures
    }

    pub fn parse(&self, text: &str) -> Outcome {
        let words = self.words(text);
        if words.iter().all(|w| compact(w).is_empty()) {
            return Outcome::NotUnderstood { reason: "nothing to understand: the utterance is empty".into(), closest: None, score: 0.0 };
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        if let Some(intent) = self.cancel_anywhere(&refs) {
            return Outcome::Understood(intent);
        }
        let spans = self.spotter.spot(&refs);
        let mut best: Option<(f32, usize, Vec<Span>, Option<String>)> = None;
        for variant in variants(&spans) {
            let (key, offsets) = self.key(&refs, &variant);
            for (score, si, query) in self.score(&key, &offsets, &refs, &spans, &variant) {
                // On a tie, the reading with fewer slots wins: a literal word in a template is more
                // specific than a name that happens to fit a slot ("미세먼지" the topic, not the indicator).
                let better = best.as_ref().is_none_or(|(b, bsi, bv, _)| {
                    score > *b + 1e-6 || ((score - *b).abs() <= 1e-6 && (variant.len(), si) < (bv.len(), *bsi))
                });
                if better {
                    best = Some((score, si, variant.clone(), query));
                }
            }
        }
        let Some((score, si, spans, query)) = best else {
            return Outcome::NotUnderstood { reason: "no command is anything like this".into(), closest: None, score: 0.0 };
        };
        let sentence = &self.sentences[si];
        if score < ACCEPT {
            return Outcome::NotUnderstood {
                reason: format!("not a command I know (closest: \"{}\", {:.0}% alike)", sentence.text, score * 100.0),
                closest: Some(sentence.text.clone()),
                score,
            };
        }
        let command = &self.grammar.commands[sentence.command];
        let mut slots: BTreeMap<String, String> = command.def.fixed.clone();
        let mut slot_text = BTreeMap::new();
        let expected: HashSet<char> = sentence.key.iter().copied().filter(|c| is_placeholder(*c)).collect();
        let quality = spans.iter().map(|s| s.quality).fold(1.0f32, f32::min);
        for span in spans {
            // Only slots the sentence has: a spotted name the command does not take is just words.
            if self.placeholders.get(&span.slot).is_some_and(|c| expected.contains(c)) {
                slots.insert(span.slot.clone(), span.value.clone());
                slot_text.insert(span.slot, span.text);
            }
        }
        if let Some(q) = query {
            slots.insert(QUERY_SLOT.into(), q.clone());
            slot_text.insert(QUERY_SLOT.into(), q);
        }
        Outcome::Understood(Intent {
            name: command.def.intent.clone(),
            slots,
            slot_text,
            confidence: (score * quality).min(1.0),
            matched: sentence.text.clone(),
        })
    }

    fn cancel_anywhere(&self, words: &[&str]) -> Option<Intent> {
        for start in 0..words.len() {
            for end in start + 1..=words.len().min(start + 4) {
                let key = compact(&words[start..end].join(""));
                if self.cancel_keys.contains(&key) {
                    return Some(Intent {
                        name: "cancel".into(),
                        slots: BTreeMap::new(),
                        slot_text: BTreeMap::new(),
                        confidence: 1.0,
                        matched: format!("cancel phrase \"{}\"", words[start..end].join(" ")),
                    });
                }
            }
        }
        None
    }

    /// The match key of the words with the chosen spans as placeholders, and where each word
    /// starts in the key (for cutting out a free-text query).
    fn key(&self, words: &[&str], spans: &[Span]) -> (Vec<char>, Vec<usize>) {
        let mut key = Vec::new();
        let mut offsets = Vec::with_capacity(words.len() + 1);
        let mut i = 0;
        while i < words.len() {
            if let Some(span) = spans.iter().find(|s| s.start == i) {
                for _ in span.start..span.end {
                    offsets.push(key.len());
                }
                key.push(self.placeholders.get(&span.slot).copied().unwrap_or('\u{F00FF}'));
                i = span.end;
            } else {
                offsets.push(key.len());
                key.extend(compact(words[i]).chars());
                i += 1;
            }
        }
        offsets.push(key.len());
        (key, offsets)
    }

    /// Candidate sentences for a key with their similarity (and the query text for `{query}`).
    fn score(&self, key: &[char], offsets: &[usize], words: &[&str], spans: &[Span], variant: &[Span]) -> Vec<(f32, usize, Option<String>)> {
        let grams = bigrams_of(key);
        // Dense counts: one slot per sentence, reset through the list of those touched.
        let mut counts = vec![0u16; self.sentences.len()];
        let mut touched = Vec::new();
        for g in &grams {
            for &id in self.bigrams.get(g).map(Vec::as_slice).unwrap_or_default() {
                let c = &mut counts[id as usize];
                if *c == 0 {
                    touched.push(id);
                }
                *c += 1;
            }
        }
        let mut ranked: Vec<(f32, u32)> = touched
            .into_iter()
            .filter(|id| self.sentences[*id as usize].around_query.is_none())
            .map(|id| {
                let n = counts[id as usize] as f32;
                (2.0 * n / (grams.len() as u32 + self.sentences[id as usize].grams).max(1) as f32, id)
            })
            .collect();
        let by_rank = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if ranked.len() > CANDIDATES {
            ranked.select_nth_unstable_by(CANDIDATES, by_rank);
            ranked.truncate(CANDIDATES);
        }
        let mut out: Vec<(f32, usize, Option<String>)> =
            ranked.iter().map(|(_, id)| (sim(key, &self.sentences[*id as usize].key), *id as usize, None)).collect();
        let have: HashSet<(char, char)> = grams.into_iter().collect();
        // A name the free text swallowed could have been the sentence's own slot ("noise in
        // Gangnam"): such a reading loses a tie against the one that takes the name as a slot.
        let swallowed: Vec<&Span> = spans.iter().filter(|s| !variant.contains(s)).collect();
        out.extend(self.query_sentences.iter().filter_map(|id| {
            let (s, id, q) = self.score_query(*id as usize, key, offsets, words, &have)?;
            let (i, j) = q.as_ref().map(|q| q.1).unwrap_or((0, 0));
            let penalty = if swallowed.iter().any(|sp| sp.start < j && sp.end > i) { 0.02 } else { 0.0 };
            Some((s - penalty, id, q.map(|q| q.0)))
        }));
        out
    }

    /// Best split of the words into (text before, free query, text after) for a `{query}` sentence.
    #[allow(clippy::type_complexity)]
    fn score_query(
        &self,
        id: usize,
        key: &[char],
        offsets: &[usize],
        words: &[&str],
        have: &HashSet<(char, char)>,
    ) -> Option<(f32, usize, Option<(String, (usize, usize))>)> {
        let sentence = &self.sentences[id];
        let (before, after) = sentence.around_query.as_ref()?;
        // Cheap filter: the sentence's fixed text must share most of its bigrams with the utterance.
        let want = &sentence.query_grams;
        if want.is_empty() || want.iter().filter(|b| have.contains(b)).count() * 10 < want.len() * 7 {
            return None;
        }
        let fixed: Vec<char> = before.iter().chain(after.iter()).copied().collect();
        let n = offsets.len() - 1;
        let mut best: Option<(f32, (String, (usize, usize)))> = None;
        for i in 0..n {
            for j in i + 1..=n {
                let (a, b) = (offsets[i], offsets[j]);
                if a == b || key[a..b].iter().any(|c| is_placeholder(*c)) {
                    continue;
                }
                let mut outside = key[..a].to_vec();
                outside.extend_from_slice(&key[b..]);
                let s = sim(&outside, &fixed);
                if best.as_ref().is_none_or(|(bs, _)| s > *bs) {
                    best = Some((s, (words[i..j].join(" "), (i, j))));
                }
            }
        }
        best.map(|(s, q)| (s, id, Some(q)))
    }
}

/// The spans to try as placeholders: all, none, and each on its own (and, for few spans, every
/// subset). A topic word that is also an alias ("교통") then still matches its literal sentence.
fn variants(spans: &[Span]) -> Vec<Vec<Span>> {
    if spans.len() <= 3 {
        return (0..1u32 << spans.len())
            .map(|mask| spans.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, s)| s.clone()).collect())
            .collect();
    }
    let mut out = vec![spans.to_vec(), Vec::new()];
    for i in 0..spans.len() {
        out.push(vec![spans[i].clone()]);
        out.push(spans.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| s.clone()).collect());
    }
    out
}
