//! The matcher: text → [`Intent`] or a deterministic *not understood* with a reason.
//!
//! 1. Normalise: NFC, lowercase, punctuation out, the grammar's skip words out.
//! 2. Spot slots ([`spot`]): names of districts, indicators, officials, … and list values.
//! 3. For each reading (which spotted names are slots), take the names out of the text, find
//!    candidate forms ([`forms`]: template text without slots, with the slots it allows) whose
//!    slots fit, through a character-bigram index, and score them by edit distance
//!    ([`similarity`]). Templates with `{query}` match their text around the free-text span.
//! 4. Accept the best only above [`ACCEPT`]: a near miss is *not understood*, never a guess.
//! 5. Nothing accepted: the loose stage ([`loose`]) weighs what was said against every
//!    command's sentences, for what no template says.
//! 6. A cancel phrase anywhere wins, unless the whole utterance is a command containing it.
//!
//! No I/O: the matcher is built once from the city and the grammar and then only computes.

mod asking;
mod clauses;
mod cues;
mod forms;
pub mod loose;
mod measures;
pub mod names;
mod prefer;
mod retrieve;
pub mod similarity;
pub mod spoken;
pub mod spot;
pub mod talk;

use crate::city::City;
use crate::grammar::{Grammar, EXPANSION_LIMIT, QUERY_SLOT};
use crate::text::{compact, normalize, split_particle};
use forms::{Compiler, SlotMask};
use retrieve::{bigrams_of, Grams, Group};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;
use spot::{Span, Spotter};
use std::collections::BTreeMap;

/// Below this similarity an utterance is not understood.
pub const ACCEPT: f32 = 0.8;
/// Below this similarity a template's match is a near miss, which what was named may overrule.
const NEAR_MISS: f32 = 0.9;
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
    /// The key's distinct bigrams, as sorted ids (for the Dice coefficient); moved into
    /// [`Matcher::grams`] when the matcher is built.
    gram_ids: Vec<u32>,
    allowed: SlotMask,
    required: SlotMask,
    /// For `{query}` sentences: the key split around the free text, and the bigrams of the
    /// fixed text.
    around_query: Option<(Vec<char>, Vec<char>)>,
    /// Sorted bigram ids of the fixed text of a `{query}` sentence.
    query_grams: Vec<u32>,
    text: String,
}

pub struct Matcher {
    lang: String,
    grammar: Grammar,
    spotter: Spotter,
    sentences: Vec<Sentence>,
    gram_ids: HashMap<(char, char), u32>,
    /// Sentences grouped by the slots they allow and require, each group with its postings.
    groups: Vec<Group>,
    /// Per bigram id, the `{query}` sentences whose fixed text has it.
    query_postings: HashMap<u32, Vec<u32>>,
    /// Per sentence, how many distinct bigrams its key has (beside the sentences: read for
    /// thousands of candidates per reading, it must stay in the cache).
    gram_len: Vec<u16>,
    /// Every sentence's distinct bigram ids, sorted, in one array.
    grams: Grams,
    cancel_keys: HashSet<String>,
    skip: HashSet<String>,
    slot_bits: HashMap<String, SlotMask>,
    /// The understanding stage for what no template says ([`loose`]).
    loose: loose::Loose,
    /// Everyday words and what names decide ([`names`]).
    names: names::Names,
}

/// Particles taken off the end of a Korean free-text query.
const QUERY_PARTICLES: &[&str] = &["에서", "에", "으로", "이랑", "하고", "에게"];

/// How a text was written, beyond its words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// It ends with a question mark.
    pub question: bool,
    /// Where its last sentence starts, in words.
    pub sentence: usize,
}

/// Whether the text was written as a question (typed, or a recognizer's punctuation): Korean
/// asks with the same words it tells with ("차 막혀?" / "차 막혀.").
fn question(text: &str) -> bool {
    text.trim_end().ends_with(['?', '？'])
}

/// A slot no template uses: a reading that needs it matches nothing.
const UNUSED_SLOT: SlotMask = 1 << 31;

impl Matcher {
    pub fn new(city: &City, grammar: Grammar) -> Matcher {
        let spotter = Spotter::new(city, &grammar);
        let names = names::Names::new(city, &grammar);
        let skip: HashSet<String> = grammar.skip_words.iter().map(|w| compact(w)).collect();
        let mut slot_bits = HashMap::default();
        let mut sentences = Vec::new();
        let mut cancel_keys = HashSet::default();
        {
            let mut compiler = Compiler::new(&grammar.rules, &skip, &mut slot_bits);
            for (ci, command) in grammar.commands.iter().enumerate() {
                let mut forms = Vec::new();
                for t in &command.templates {
                    forms.extend(compiler.forms(t, EXPANSION_LIMIT));
                }
                for form in forms {
                    if command.def.intent == "cancel" {
                        cancel_keys.insert(form.key.iter().collect::<String>());
                    }
                    let around_query = form.query_at.map(|at| (form.key[..at].to_vec(), form.key[at..].to_vec()));
                    sentences.push(Sentence {
                        command: ci,
                        gram_ids: Vec::new(),
                        key: form.key,
                        allowed: form.allowed,
                        required: form.required,
                        around_query,
                        query_grams: Vec::new(),
                        text: format!("{}: {}", command.file, form.text),
                    });
                }
            }
        }
        let mut gram_ids: HashMap<(char, char), u32> = HashMap::default();
        let mut groups: Vec<Group> = Vec::new();
        let mut query_sentences = Vec::new();
        for (i, s) in sentences.iter_mut().enumerate() {
            if let Some((before, after)) = &s.around_query {
                let fixed: Vec<char> = before.iter().chain(after.iter()).copied().collect();
                for b in bigrams_of(&fixed) {
                    let next = gram_ids.len() as u32;
                    s.query_grams.push(*gram_ids.entry(b).or_insert(next));
                }
                s.query_grams.sort_unstable();
                query_sentences.push(i as u32);
                continue;
            }
            let gi = match groups.iter().position(|g| g.allowed == s.allowed && g.required == s.required) {
                Some(gi) => gi,
                None => {
                    groups.push(Group {
                        allowed: s.allowed,
                        required: s.required,
                        postings: HashMap::default(),
                        members: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            groups[gi].members.push(i as u32);
            for b in bigrams_of(&s.key) {
                let next = gram_ids.len() as u32;
                let id = *gram_ids.entry(b).or_insert(next);
                groups[gi].postings.entry(id).or_default().ids.push(i as u32);
                s.gram_ids.push(id);
            }
            s.gram_ids.sort_unstable();
        }
        // Postings sorted by key length: a reading only looks at sentences whose length can
        // still reach the acceptance threshold.
        let key_len = |id: &u32| sentences[*id as usize].key.len().min(u16::MAX as usize) as u16;
        for group in &mut groups {
            for posting in group.postings.values_mut() {
                posting.ids.sort_unstable_by_key(|id| (key_len(id), *id));
                posting.lens = posting.ids.iter().map(key_len).collect();
            }
        }
        let gram_len = sentences.iter().map(|s| s.gram_ids.len().min(u16::MAX as usize) as u16).collect();
        let mut grams = Grams { at: Vec::with_capacity(sentences.len() + 1), ids: Vec::new() };
        for s in &mut sentences {
            grams.at.push(grams.ids.len() as u32);
            grams.ids.append(&mut s.gram_ids);
        }
        grams.at.push(grams.ids.len() as u32);
        // Per bigram of their fixed text, the `{query}` sentences that have it.
        let mut query_postings: HashMap<u32, Vec<u32>> = HashMap::default();
        for &id in &query_sentences {
            for &g in &sentences[id as usize].query_grams {
                query_postings.entry(g).or_default().push(id);
            }
        }
        let loose = loose::Loose::new(&grammar.lang, grammar.commands.len(), &sentences);
        Matcher {
            lang: grammar.lang.clone(),
            loose,
            names,
            grammar,
            spotter,
            sentences,
            gram_ids,
            groups,
            query_postings,
            gram_len,
            grams,
            cancel_keys,
            skip,
            slot_bits,
        }
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

    /// Compiled forms per command, in grammar order (what a command costs the matcher).
    pub fn forms_per_command(&self) -> Vec<usize> {
        let mut counts = vec![0; self.grammar.commands.len()];
        for s in &self.sentences {
            counts[s.command] += 1;
        }
        counts
    }

    /// How the text was written: as a question, and where its last sentence starts, in words
    /// ("별일 없지? 전체 현황 좀": at "전체").
    fn shape(&self, text: &str) -> Shape {
        const ENDS: [char; 4] = ['.', '?', '!', '？'];
        let body = text.trim_end().trim_end_matches(ENDS);
        let sentence = body.rfind(ENDS).map_or(0, |at| self.words(&body[..at]).len());
        Shape { question: question(text), sentence }
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
                    Outcome::Understood(intent) if intent.name != command.def.intent => Some(format!(
                        "got intent {} (via {}), expected {}",
                        intent.name, intent.matched, command.def.intent
                    )),
                    Outcome::Understood(intent) => {
                        let mut expected = command.def.fixed.clone();
                        expected.extend(example.slots.clone());
                        (intent.slots != expected).then(|| {
                            format!("slots {:?}, expected {:?} (via {})", intent.slots, expected, intent.matched)
                        })
                    }
                };
                if let Some(p) = problem {
                    failures.push((command.file.clone(), example.text.clone(), p));
                }
            }
        }
        failures
    }

    /// The command in `text`: a template's, else the loose stage's ([`loose`]).
    pub fn parse(&self, text: &str) -> Outcome {
        self.parse_with(text, true)
    }

    /// The loose stage alone on `text`, which the templates did not take (`not_matched`, their
    /// answer, kept when the loose stage has nothing either).
    pub fn parse_loosely(&self, text: &str, not_matched: Outcome) -> Outcome {
        let words = self.words(text);
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        if refs.is_empty() || !matches!(not_matched, Outcome::NotUnderstood { .. }) {
            return not_matched;
        }
        self.loose.understand(self, &refs, self.shape(text), not_matched)
    }

    /// As [`Matcher::parse`]; without `loose`, templates only.
    pub fn parse_with(&self, text: &str, loose: bool) -> Outcome {
        let words = self.words(text);
        if words.iter().all(|w| compact(w).is_empty()) {
            return Outcome::NotUnderstood {
                reason: "nothing to understand: the utterance is empty".into(),
                closest: None,
                score: 0.0,
            };
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let refs = self.corrected(refs);
        let outcome = match self.best(&refs) {
            not_matched @ Outcome::NotUnderstood { .. } if loose => {
                match self.loose.understand(self, &refs, self.shape(text), not_matched) {
                    refused @ Outcome::NotUnderstood { .. } => self.clause_command(text, &refs).unwrap_or(refused),
                    understood => understood,
                }
            }
            // A near miss is a guess: what was named may say otherwise.
            Outcome::Understood(near) if loose && near.confidence < NEAR_MISS => {
                Outcome::Understood(self.loose.second_opinion(self, &refs, self.shape(text), near))
            }
            outcome => outcome,
        };
        // Talk that holds a cancel word ("we should cancel the picnic") cancels nothing.
        let talk =
            || !matches!(&outcome, Outcome::Understood(_)) && talk::asked_or_talk(&self.lang, &refs, question(text));
        if let Some(cancel) = self.cancel_anywhere(&refs, question(text)).filter(|_| !talk()) {
            // Cancel wins, unless the whole utterance is a command that merely contains the
            // word ("실행 취소" is undo).
            let contains_it = matches!(&outcome, Outcome::Understood(i)
                if i.name != "cancel" && i.confidence >= 0.9 && self.cancel_keys.iter().any(|k| compact(&i.matched).contains(k.as_str())));
            if !contains_it {
                return Outcome::Understood(cancel);
            }
        }
        match outcome {
            Outcome::Understood(intent) if loose => Outcome::Understood(prefer::prefer(self, text, &refs, intent)),
            outcome => outcome,
        }
    }

    /// The best reading of the words, or why there is none.
    fn best(&self, refs: &[&str]) -> Outcome {
        let spans = self.spotter.spot(refs);
        let mut best: Option<(f32, usize, Vec<Span>, Option<String>)> = None;
        // One zeroed counter per sentence, shared by the readings (each leaves it zeroed).
        let mut counts = vec![0u16; self.sentences.len()];
        for variant in variants(&spans) {
            let (key, offsets) = self.key(&refs, &variant);
            let mask = variant.iter().fold(0, |m, s| m | self.slot_bits.get(&s.slot).copied().unwrap_or(UNUSED_SLOT));
            for (score, si, query) in self.score(&key, mask, &offsets, &refs, &spans, &variant, &mut counts) {
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
        let heard = spans;
        let Some((score, si, spans, query)) = best else {
            return Outcome::NotUnderstood {
                reason: "no command is anything like this".into(),
                closest: None,
                score: 0.0,
            };
        };
        let sentence = &self.sentences[si];
        // A place named outright and read as a plain word that the sentence does not have is a
        // place dropped: "Nowon population by age" is not the city's population by age.
        let dropped = heard.iter().find(|h| {
            (h.slot == "district" || h.slot == "neighbourhood")
                && h.quality >= 1.0
                && !spans.iter().any(|s| s.start == h.start)
                && !sentence.key.iter().collect::<String>().contains(&compact(&h.text))
        });
        if let Some(place) = dropped {
            return Outcome::NotUnderstood {
                reason: format!("no command I know says “{}” with a place ({})", sentence.text, place.text),
                closest: Some(sentence.text.clone()),
                score,
            };
        }
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
        let quality = spans.iter().map(|s| s.quality).fold(1.0f32, f32::min);
        for span in spans {
            // The first name heard for a slot counts ("강남구 말고 마포구" is not in the grammar).
            if !slot_text.contains_key(&span.slot) {
                slots.insert(span.slot.clone(), span.value.clone());
                slot_text.insert(span.slot, span.text);
            }
        }
        if let Some(mut q) = query {
            // "청년 창업에 (대한 제안)": the particle belongs to the sentence, not the query.
            // Only particles no noun ends with ("도로" ends in 로, "마을" in 을).
            if self.lang == "ko" {
                if let Some((stem, _)) =
                    split_particle(&q).into_iter().find(|(_, p)| QUERY_PARTICLES.contains(&p.as_str()))
                {
                    q = stem.trim_end().to_string();
                }
            }
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

    fn cancel_anywhere(&self, words: &[&str], question: bool) -> Option<Intent> {
        // "얼마나 됐어?", "초안 다 됐어?" ask how far along something is; "됐어" alone is never
        // mind.
        let asks = self.lang == "ko"
            && (question || words.iter().any(|w| talk::korean_question(&compact(w)) || compact(w) == "다"));
        for start in 0..words.len() {
            for end in start + 1..=words.len().min(start + 4) {
                let key = compact(&words[start..end].join(""));
                // A change of mind ends what was said, or stands alone ("never mind that"); a
                // cancel word that talk goes on after is talk ("never mind him, he's just grumpy").
                let goes_on = words.len() - end > 2;
                if self.cancel_keys.contains(&key) && !(asks && key.starts_with('됐')) && !goes_on {
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

    /// The match key of the words without the chosen spans, and where each word starts in the
    /// key (for cutting out a free-text query).
    fn key(&self, words: &[&str], spans: &[Span]) -> (Vec<char>, Vec<usize>) {
        let mut key = Vec::new();
        let mut offsets = Vec::with_capacity(words.len() + 1);
        let mut i = 0;
        while i < words.len() {
            if let Some(span) = spans.iter().find(|s| s.start == i) {
                for _ in span.start..span.end {
                    offsets.push(key.len());
                }
                // "서초구도": the name is the slot, the particle stays words ("{district} 도 …").
                key.extend(span.particle.chars());
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
}

/// The spans to try as slots: all, none, and each on its own (and, for few spans, every
/// subset). A topic word that is also an alias ("교통") then still matches its literal sentence.
fn variants(spans: &[Span]) -> Vec<Vec<Span>> {
    let mut out = subsets(spans);
    // A particle heard after a name may or may not be in the sentence ("{official} 한테 …").
    let without: Vec<Vec<Span>> = out
        .iter()
        .filter(|v| v.iter().any(|s| !s.particle.is_empty()))
        .map(|v| v.iter().map(|s| Span { particle: String::new(), ..s.clone() }).collect())
        .collect();
    out.extend(without);
    out
}

fn subsets(spans: &[Span]) -> Vec<Vec<Span>> {
    if spans.len() <= 3 {
        return (0..1u32 << spans.len())
            .map(|mask| {
                spans.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, s)| s.clone()).collect()
            })
            .collect();
    }
    let mut out = vec![spans.to_vec(), Vec::new()];
    for i in 0..spans.len() {
        out.push(vec![spans[i].clone()]);
        out.push(spans.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| s.clone()).collect());
    }
    out
}
