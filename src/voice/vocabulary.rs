//! Grammar-constrained decoding for Whisper, word by word: while it decodes, every token that
//! would start or continue a word the grammar cannot say is masked out, so "moga" can only
//! come out as "mocha" and "light rose" as "light roast". The sentence structure is left to
//! the command matcher (fuzzy, trims edges); what the decoder gains is the right words.
//!
//! A constrained decoder turns any speech into grammar words, so it also measures how far it
//! was pushed: at each step, how much of the model's probability the grammar's tokens held.
//! Speech that is not a command keeps wanting other words, and the caller rejects it by the
//! mean of that figure.

use crate::city::City;
use crate::grammar::template::Node;
use crate::grammar::{Grammar, QUERY_SLOT};
use std::collections::{HashMap, HashSet};

/// Below this fit, what was heard is not taken as a command: on the project's voice set, every
/// out-of-domain sentence forced into the city grammar scored below it, and most commands
/// above (`scpm bench voice`, see README).
pub const MIN_FIT: f32 = -3.0;

/// Characters that end a word and may stand between words. Brackets are not among them:
/// Whisper's "(speaking in foreign language)" is not speech.
const SEPARATORS: &[char] = &[' ', ',', '.', '?', '!', '-', ':', ';'];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// Free text as the vocabulary's words: lower-case, split at anything that is not a word character.
fn split_words(text: &str) -> Vec<String> {
    text.to_lowercase().split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The words a grammar can say, lower-case.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: HashSet<String>,
    prefixes: HashSet<String>,
    /// Which words may follow which (the grammar's word pairs; key "" for the first word).
    /// Empty: any word of the vocabulary may follow any other.
    successors: HashMap<String, HashSet<String>>,
    /// Every prefix of every word in `successors`, per word: the look-up a decoding step makes.
    successor_prefixes: HashMap<String, HashSet<String>>,
    /// What follows a word that ends every sentence it is in.
    nothing: HashSet<String>,
    /// The grammar's skip words ("the", "please"): anywhere, and invisible to the word pairs.
    skip: HashSet<String>,
    skip_prefixes: HashSet<String>,
}

/// In `successors`: from here on the grammar takes free text (a search query), any word.
const FREE: &str = "*";

impl Vocabulary {
    /// The words of free text (phrases, names): split at anything that is not a word character.
    pub fn from_phrases<S: AsRef<str>>(phrases: impl IntoIterator<Item = S>) -> Vocabulary {
        let mut v = Vocabulary::default();
        for phrase in phrases {
            split_words(phrase.as_ref()).iter().for_each(|w| v.add(w));
        }
        v
    }

    /// Every word of a grammar: its templates and rules, its lists, its skip words, its
    /// examples, and the city's names for the grammar's language with their aliases.
    pub fn of_grammar(city: &City, grammar: &Grammar) -> Vocabulary {
        let mut slot_words = crate::grammar::phrases::slot_values(city, grammar);
        if grammar.lang == "en" {
            let mut add = |slot: &str, names: Vec<String>| {
                if let Some(list) = slot_words.get_mut(slot) {
                    list.extend(names);
                }
            };
            add("district", city.districts.iter().flat_map(|d| d.aliases_en.iter().cloned()).collect());
            add("official", city.officials.iter().flat_map(|o| o.aliases_en.iter().cloned()).collect());
            add("indicator", city.indicators.iter().flat_map(|i| i.synonyms_en.iter().cloned()).collect());
        }
        Vocabulary::of_sentences(grammar, slot_words)
    }

    /// The words and word pairs of a grammar's sentences, with what each slot can be.
    pub fn of_sentences(grammar: &Grammar, mut slot_words: HashMap<String, Vec<String>>) -> Vocabulary {
        let mut phrases: Vec<String> = Vec::new();
        let mut slots: HashSet<String> = HashSet::new();
        fn words_of(node: &Node, out: &mut Vec<String>, slots: &mut HashSet<String>) {
            match node {
                Node::Word(w) => out.push(w.clone()),
                Node::Slot(s) => {
                    slots.insert(s.clone());
                }
                Node::Seq(nodes) | Node::Alt(nodes) => nodes.iter().for_each(|n| words_of(n, out, slots)),
                Node::Rule(_) => {}
            }
        }
        for command in &grammar.commands {
            command.templates.iter().for_each(|t| words_of(t, &mut phrases, &mut slots));
            phrases.extend(command.def.examples.iter().map(|e| e.text.clone()));
        }
        grammar.rules.values().for_each(|r| words_of(r, &mut phrases, &mut slots));
        phrases.extend(grammar.skip_words.iter().cloned());
        // Only the slots the grammar says: a coffee grammar has no district names.
        slot_words.retain(|slot, _| slots.contains(slot));
        phrases.extend(slot_words.values().flatten().cloned());
        let mut vocab = Vocabulary::from_phrases(phrases);
        vocab.successors = word_pairs(grammar, &slot_words);
        for word in grammar.skip_words.iter().map(|w| w.to_lowercase()) {
            vocab.skip_prefixes.extend(prefixes(&word));
            vocab.skip.insert(word);
        }
        vocab.successor_prefixes = vocab
            .successors
            .iter()
            .map(|(word, next)| (word.clone(), next.iter().flat_map(|n| prefixes(n)).collect()))
            .collect();
        vocab
    }

    /// The end of decoded text: its last whole word that is not a skip word (`None` at the
    /// start) and the word being spelled after it ("" when the text ends between words).
    pub fn last_words<'t>(&self, text: &'t str) -> (Option<&'t str>, &'t str) {
        let mut words: Vec<&str> = text.split(|c: char| !is_word_char(c)).collect();
        let partial = words.pop().unwrap_or("");
        (words.into_iter().rev().find(|w| !w.is_empty() && !self.skip.contains(*w)), partial)
    }

    /// Whether decoded text has reached the grammar's free text (a search query): from there
    /// on, any word.
    pub fn in_free_text(&self, text: &str) -> bool {
        let mut words: Vec<&str> = text.split(|c: char| !is_word_char(c)).collect();
        words.pop(); // the word being spelled
        self.free_after(None) || words.iter().any(|w| !w.is_empty() && self.free_after(Some(w)))
    }

    /// Lets `phrase` (a wake phrase) be said alone or before any sentence.
    pub fn allow_before_sentences(&mut self, phrase: &str) {
        let words = split_words(phrase);
        let (Some(first), Some(last)) = (words.first(), words.last()) else { return };
        words.iter().for_each(|w| self.add(w));
        if self.successors.is_empty() {
            return;
        }
        let starts = self.successors.get("").cloned().unwrap_or_default();
        self.successors.entry(String::new()).or_default().insert(first.clone());
        for pair in words.windows(2) {
            self.successors.entry(pair[0].clone()).or_default().insert(pair[1].clone());
        }
        self.successors.entry(last.clone()).or_default().extend(starts);
        for word in std::iter::once(String::new()).chain(words.iter().cloned()) {
            let next =
                self.successors.get(&word).map(|n| n.iter().flat_map(|w| prefixes(w)).collect()).unwrap_or_default();
            self.successor_prefixes.insert(word, next);
        }
    }

    /// The same words in any order: no word pairs.
    pub fn any_order(&self) -> Vocabulary {
        Vocabulary { successors: HashMap::new(), successor_prefixes: HashMap::new(), ..self.clone() }
    }

    fn add(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        self.prefixes.extend(prefixes(word));
        self.words.insert(word.to_string());
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The words allowed after `prev` (`None`: the first word); `None` when any may follow.
    fn next_words(&self, prev: Option<&str>) -> Option<&HashSet<String>> {
        if self.successors.is_empty() {
            return None;
        }
        match prev {
            // After a number, any word: numbers are not in the grammar's pairs.
            Some(p) if p.chars().all(|c| c.is_ascii_digit()) => None,
            _ => Some(self.successors.get(prev.unwrap_or("")).unwrap_or(&self.nothing)),
        }
    }

    /// Whether the grammar takes free text after `prev` (then every word may follow).
    fn free_after(&self, prev: Option<&str>) -> bool {
        self.successors.get(prev.unwrap_or("")).is_some_and(|s| s.contains(FREE))
    }

    /// `word` is a whole word that may follow `prev` (an empty word always may).
    pub fn complete(&self, prev: Option<&str>, word: &str) -> bool {
        if word.is_empty()
            || word.chars().all(|c| c.is_ascii_digit())
            || self.free_after(prev)
            || self.skip.contains(word)
        {
            return true;
        }
        match self.next_words(prev) {
            Some(next) => next.contains(word),
            None => self.words.contains(word),
        }
    }

    /// `word` can still become a word that may follow `prev`.
    fn open(&self, prev: Option<&str>, word: &str) -> bool {
        if word.chars().all(|c| c.is_ascii_digit()) || self.free_after(prev) || self.skip_prefixes.contains(word) {
            return true;
        }
        match self.next_words(prev) {
            Some(_) => self.successor_prefixes.get(prev.unwrap_or("")).is_some_and(|p| p.contains(word)),
            None => self.prefixes.contains(word),
        }
    }

    /// Whether `text` (lower-case) may follow decoded text that ends with the whole word
    /// `prev` and the partial word `partial`: every word it ends is a word of the grammar that
    /// may follow the one before, and the word it leaves open can still become one.
    pub fn allows(&self, prev: Option<&str>, partial: &str, text: &str) -> bool {
        let mut prev = prev.map(str::to_string);
        let mut word = partial.to_string();
        for c in text.chars() {
            if self.free_after(prev.as_deref()) {
                return true;
            }
            if is_word_char(c) {
                word.push(c);
            } else if SEPARATORS.contains(&c) {
                if !self.complete(prev.as_deref(), &word) {
                    return false;
                }
                if !word.is_empty() && !self.skip.contains(&word) {
                    prev = Some(word.clone());
                }
                word.clear();
            } else {
                return false;
            }
        }
        word.is_empty() || self.open(prev.as_deref(), &word)
    }
}

/// The grammar's word pairs: for each word, the words that may follow it in some sentence
/// ("" for the first word of a sentence), slots standing for all of their values. Worked out on
/// the template trees, not on their expansions: a city grammar expands to millions of sentences.
fn word_pairs(grammar: &Grammar, slot_words: &HashMap<String, Vec<String>>) -> HashMap<String, HashSet<String>> {
    let mut pairs = Pairs { grammar, slot_words, pairs: HashMap::new(), rules: HashMap::new() };
    for command in &grammar.commands {
        for template in &command.templates {
            let shape = pairs.shape(template, 0);
            pairs.link(&HashSet::from([String::new()]), &shape.firsts);
        }
    }
    pairs.pairs
}

/// A template node's edges: the words it can start and end with, and whether it can be empty.
#[derive(Clone, Default)]
struct Shape {
    firsts: HashSet<String>,
    lasts: HashSet<String>,
    empty: bool,
}

struct Pairs<'g> {
    grammar: &'g Grammar,
    slot_words: &'g HashMap<String, Vec<String>>,
    pairs: HashMap<String, HashSet<String>>,
    /// Each rule's shape, worked out once (its inner pairs are recorded then).
    rules: HashMap<String, Shape>,
}

impl Pairs<'_> {
    fn link(&mut self, lasts: &HashSet<String>, firsts: &HashSet<String>) {
        for last in lasts {
            self.pairs.entry(last.clone()).or_default().extend(firsts.iter().cloned());
        }
    }

    /// A run of words (a literal, a slot value): its inner pairs and its edges.
    fn words(&mut self, text: &str, shape: &mut Shape) {
        let words = split_words(text);
        let (Some(first), Some(last)) = (words.first(), words.last()) else {
            shape.empty = true;
            return;
        };
        shape.firsts.insert(first.clone());
        shape.lasts.insert(last.clone());
        for pair in words.windows(2) {
            self.pairs.entry(pair[0].clone()).or_default().insert(pair[1].clone());
        }
    }

    fn shape(&mut self, node: &Node, depth: usize) -> Shape {
        let mut shape = Shape::default();
        match node {
            Node::Word(w) => self.words(w, &mut shape),
            // Free text to the end of the sentence: whatever precedes it is followed by FREE.
            Node::Slot(s) if s == QUERY_SLOT => {
                shape.firsts.insert(FREE.to_string());
            }
            Node::Slot(s) => {
                let values = self.slot_words.get(s).cloned().unwrap_or_default();
                values.iter().for_each(|v| self.words(v, &mut shape));
            }
            Node::Rule(r) => {
                if let Some(known) = self.rules.get(r) {
                    return known.clone();
                }
                // Rules cannot refer to themselves (the grammar checks); the depth is a guard.
                if let (Some(rule), true) = (self.grammar.rules.get(r), depth < 32) {
                    shape = self.shape(rule, depth + 1);
                }
                self.rules.insert(r.clone(), shape.clone());
            }
            Node::Alt(nodes) => {
                for n in nodes {
                    let s = self.shape(n, depth);
                    shape.firsts.extend(s.firsts);
                    shape.lasts.extend(s.lasts);
                    shape.empty |= s.empty;
                }
            }
            Node::Seq(nodes) => {
                // What the sequence so far can end with, and whether it can be empty so far.
                let mut open: HashSet<String> = HashSet::new();
                shape.empty = true;
                for n in nodes {
                    let s = self.shape(n, depth);
                    self.link(&open, &s.firsts);
                    if shape.empty {
                        shape.firsts.extend(s.firsts.iter().cloned());
                    }
                    if s.empty {
                        open.extend(s.lasts);
                    } else {
                        open = s.lasts;
                    }
                    shape.empty &= s.empty;
                }
                shape.lasts = open;
            }
        }
        shape
    }
}

/// A word and every beginning of it.
fn prefixes(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().skip(1).map(|(i, _)| word[..i].to_string()).chain(std::iter::once(word.to_string()))
}

/// What leaving the grammar costs, in log-probability: the decoder leaves it only when the
/// model believes other words e^8 (about 3,000) times more than the grammar's. Less drops
/// commands that a voice says oddly; on the project's voice set (`scpm bench voice`), at -8
/// English accuracy is as without the sink, and office talk that slipped through is caught.
const SINK_PENALTY: f32 = -8.0;

/// Decoding states whose allowed tokens are kept (a few hundred token ids each): bounded, so a
/// service that runs for months does not grow; a full cache starts over.
const CACHED_STATES: usize = 4096;

/// The state of one constrained decoding: the vocabulary, each text token's text,
/// a cache of the tokens allowed after a partial word, and the running score.
pub struct Constraint {
    vocab: Vocabulary,
    /// The text of each text token (ids below end-of-text); `None` if not UTF-8.
    token_text: Vec<Option<String>>,
    eot: usize,
    /// The length of the logits whisper.cpp passes: text tokens, then special ones.
    pub n_vocab: usize,
    /// The text tokens allowed in a state ("prev|partial"), at most `CACHED_STATES` of them.
    allowed: HashMap<String, Vec<u32>>,
    /// For each text a decoder had written before a step: the log of the probability mass the
    /// grammar left the model at that step. Kept per text, not summed, because a beam search
    /// interleaves the steps of hypotheses that are later dropped.
    kept: HashMap<String, f32>,
    /// A special token that stands for "the speech leaves the grammar here": it gets the
    /// probability of every token the grammar masked, so that the decoder ranks hypotheses by
    /// the model's own probabilities (masking alone would hand the masked belief to whatever
    /// the grammar allows, and a forced path would score as well as a heard one). A hypothesis
    /// that takes it ends there, and the caller rejects it.
    sink: Option<usize>,
    /// Tokens that open a note rather than words: "(", "[", "♪", "*". Whisper's English model
    /// writes speech it cannot take for English as "(speaking in foreign language)".
    note_tokens: Vec<usize>,
    /// The probability the model gave, at the first step, to opening such a note.
    first_note: Option<f32>,
}

impl Constraint {
    pub fn new(vocab: Vocabulary, token_text: Vec<Option<String>>, n_vocab: usize) -> Constraint {
        let eot = token_text.len();
        let note_tokens = (0..eot)
            .filter(|&i| token_text[i].as_deref().is_some_and(|t| t.trim_start().starts_with(['(', '[', '♪', '*'])))
            .collect();
        Constraint {
            vocab,
            token_text,
            eot,
            n_vocab,
            allowed: HashMap::new(),
            kept: HashMap::new(),
            sink: None,
            note_tokens,
            first_note: None,
        }
    }

    /// Gives the masked probability to `token` (a special token that never appears in text),
    /// which the decoder may then choose as "out of the grammar"; see [`Constraint::left_grammar`].
    pub fn with_sink(mut self, token: usize) -> Constraint {
        self.sink = (token > self.eot && token < self.n_vocab).then_some(token);
        self
    }

    /// Whether the hypothesis `tokens` left the grammar (took the sink).
    pub fn left_grammar(&self, tokens: &[i32]) -> bool {
        self.sink.is_some_and(|sink| tokens.iter().any(|&t| usize::try_from(t).is_ok_and(|t| t == sink)))
    }

    /// Starts a new utterance.
    pub fn reset(&mut self) {
        self.kept.clear();
        self.first_note = None;
    }

    /// The probability the model gave, before the grammar held it, to beginning with a note —
    /// "(" as in "(speaking in foreign language)" — rather than words: high for speech it does
    /// not take for English.
    pub fn first_note(&self) -> Option<f32> {
        self.first_note
    }

    /// How well the speech fit the grammar along the hypothesis that won (its token ids): the
    /// mean, over its decoding steps, of the log of the probability the model gave to what the
    /// grammar allowed (0: all of it; 0 when no step was held, as in free text).
    pub fn fit(&self, tokens: &[i32]) -> f32 {
        let steps: Vec<f32> =
            (0..=tokens.len()).filter_map(|n| self.kept.get(&self.text_of(&tokens[..n])).copied()).collect();
        if steps.is_empty() {
            0.0
        } else {
            steps.iter().sum::<f32>() / steps.len() as f32
        }
    }

    fn allowed_after(&mut self, prev: Option<&str>, partial: &str, case: Case) -> Vec<u32> {
        let key = format!("{}|{partial}|{case:?}", prev.unwrap_or(""));
        if let Some(ids) = self.allowed.get(&key) {
            return ids.clone();
        }
        let ids: Vec<u32> = self
            .token_text
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.as_deref().is_some_and(|t| {
                    !t.is_empty() && natural_case(t, case) && self.vocab.allows(prev, partial, &t.to_lowercase())
                })
            })
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        if self.allowed.len() >= CACHED_STATES {
            self.allowed.clear();
        }
        self.allowed.insert(key, ids.clone());
        ids
    }

    /// One decoding step: `decoded` are the token ids this decoder chose so far, `logits` the
    /// next token's (all of the vocabulary, special tokens after the text ones). Masks what
    /// the grammar cannot say, and scores how much of the model's belief the grammar kept.
    pub fn step(&mut self, decoded: &[i32], logits: &mut [f32]) {
        let eot = self.eot;
        if self.left_grammar(decoded) {
            // Out of the grammar: this hypothesis can only end, at no further cost.
            logits.iter_mut().for_each(|l| *l = f32::NEG_INFINITY);
            if let Some(l) = logits.get_mut(eot) {
                *l = 0.0;
            }
            return;
        }
        let written = self.text_of(decoded);
        let text = written.to_lowercase();
        if self.vocab.in_free_text(&text) {
            return;
        }
        let (prev, partial) = self.vocab.last_words(&text);
        let case = Case::of(written.rsplit(|c: char| !is_word_char(c)).next().unwrap_or(""));
        let complete = self.vocab.complete(prev, partial);
        let before = log_sum_exp(logits);
        if written.is_empty() && self.first_note.is_none() {
            let notes: Vec<f32> = self.note_tokens.iter().filter_map(|&i| logits.get(i).copied()).collect();
            self.first_note = Some((log_sum_exp(&notes) - before).exp());
        }
        // What the model wanted most, for RUST_LOG=scpm::voice::vocabulary=trace.
        let wanted = tracing::enabled!(tracing::Level::TRACE).then(|| {
            let top = logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
            self.token_text.get(top).cloned().flatten().unwrap_or_else(|| format!("<special {top}>"))
        });
        let kept_logits: Vec<(usize, f32)> = self
            .allowed_after(prev, partial, case)
            .into_iter()
            .filter_map(|i| logits.get(i as usize).map(|l| (i as usize, *l)))
            .collect();
        logits.iter_mut().take(eot).for_each(|l| *l = f32::NEG_INFINITY);
        for (i, l) in kept_logits {
            logits[i] = l;
        }
        if !complete {
            if let Some(l) = logits.get_mut(eot) {
                *l = f32::NEG_INFINITY;
            }
        }
        let kept = log_sum_exp(logits) - before;
        if let Some(wanted) = wanted {
            tracing::trace!("after {written:?} the model wanted {wanted:?}; the grammar kept {kept:.2}");
        }
        if kept.is_finite() {
            self.kept.insert(written, kept);
        }
        // The masked mass, log(1 - e^kept) of what was there, goes to the sink.
        if let Some(sink) = self.sink.and_then(|i| logits.get_mut(i)) {
            let masked = before + (-f64::from(kept).exp()).ln_1p() as f32;
            // Nothing masked: -inf; everything masked: all of it.
            *sink = if kept.is_finite() { masked } else { before } + SINK_PENALTY;
        }
    }

    fn text_of(&self, decoded: &[i32]) -> String {
        decoded
            .iter()
            .filter_map(|&id| usize::try_from(id).ok().and_then(|i| self.token_text.get(i)).and_then(|t| t.as_deref()))
            .collect()
    }
}

/// How the word being spelled is written so far, which its next piece must keep.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    /// No word is being spelled.
    Start,
    /// One capital so far ("A"): lower-case ("America") or capitals ("AM") may follow.
    Open,
    /// Lower-case letters so far ("Gang", "gang"): only lower-case follows.
    Lower,
    /// Two or more capitals ("FUL"): only capitals follow.
    Upper,
}

impl Case {
    fn of(partial: &str) -> Case {
        let letters: Vec<char> = partial.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.is_empty() {
            Case::Start
        } else if letters.iter().any(|c| c.is_lowercase()) {
            Case::Lower
        } else if letters.len() == 1 {
            Case::Open
        } else {
            Case::Upper
        }
    }
}

/// Whether a token is written as words are: lower-case, capitalised, or all capitals, and a
/// word's pieces agree ("FULLSCREEn", "americaNo" do not). Other tokens ("MeRi") only spell a
/// word the model did not want in many small pieces; allowing them lets a constrained decoder
/// wander off and run out of tokens mid-word.
fn natural_case(token: &str, case: Case) -> bool {
    let starts_word = case == Case::Start || token.starts_with(|c: char| !is_word_char(c));
    // The piece that continues the word being spelled, and what the token starts after it.
    let (piece, rest) = if starts_word {
        ("", token)
    } else {
        token.split_at(token.find(|c: char| !is_word_char(c)).unwrap_or(token.len()))
    };
    let piece_fits = match case {
        _ if piece.is_empty() => true,
        Case::Lower => !piece.chars().any(char::is_uppercase),
        Case::Upper => !piece.chars().any(char::is_lowercase),
        Case::Open | Case::Start => !piece.chars().any(char::is_uppercase) || !piece.chars().any(char::is_lowercase),
    };
    piece_fits && rest.split(|c: char| !is_word_char(c)).all(word_case)
}

/// A whole word's case: lower-case, capitalised, or all capitals.
fn word_case(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    upper == 0 || (upper == letters.len() && letters.len() > 1) || (upper == 1 && letters[0].is_uppercase())
}

fn log_sum_exp(logits: &[f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return max;
    }
    let sum: f64 = logits.iter().map(|l| f64::from((l - max).exp())).sum();
    max + sum.ln() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_continue_only_into_grammar_words() {
        let v = Vocabulary::from_phrases(["iced mocha", "light roast", "i'd like"]);
        assert!(v.allows(None, "", " mocha"));
        assert!(v.allows(None, "mo", "cha,"));
        assert!(!v.allows(None, "mo", "ga"));
        assert!(!v.allows(None, "", " rose"));
        assert!(v.allows(None, "i", "'d"));
        assert!(v.allows(None, "", " 16"));
        // A word left unfinished may not be ended by a separator.
        assert!(!v.allows(None, "mo", " roast"));
        // Annotations are not speech.
        assert!(!v.allows(None, "", " ("));
    }

    #[test]
    fn with_a_grammar_a_word_must_be_able_to_follow_the_one_before() {
        let dir = std::env::temp_dir().join(format!("scpm-vocab-{}", std::process::id()));
        let en = dir.join("en");
        std::fs::create_dir_all(&en).unwrap();
        std::fs::write(
            en.join("_common.toml"),
            "intents = [\"orderDrink\"]\nskip_words = [\"please\"]\n[rules]\n[lists]\n\
             drink = [{ words = [\"iced mocha\"], value = \"iced mocha\" }, { words = [\"latte\"], value = \"latte\" }]\n",
        )
        .unwrap();
        std::fs::write(
            en.join("coffee.toml"),
            "[[command]]\nintent = \"orderDrink\"\ntemplates = [\"(make|get) me [a|an] {drink}\"]\n\
             examples = [{ text = \"make me a latte\", slots = { drink = \"latte\" } }]\n",
        )
        .unwrap();
        let grammar = Grammar::load(&dir, "en").unwrap();
        let drinks = vec!["iced mocha".to_string(), "latte".to_string()];
        let v = Vocabulary::of_sentences(&grammar, HashMap::from([("drink".to_string(), drinks)]));
        std::fs::remove_dir_all(&dir).ok();
        assert!(v.allows(None, "", " make"));
        assert!(!v.allows(None, "", " me"), "a sentence does not start with “me”");
        assert!(v.allows(Some("me"), "", " an"));
        assert!(v.allows(Some("an"), "", " iced"));
        assert!(v.allows(Some("me"), "", " latte"), "the optional article may be left out");
        assert!(!v.allows(Some("latte"), "", " me"), "nothing follows the end of the sentence");
        assert!(!v.allows(Some("iced"), "", " latte"), "“iced” is only ever followed by “mocha”");
        assert!(v.allows(Some("iced"), "", " mocha."));
        assert!(v.complete(Some("a"), "latte"));
        assert!(v.allows(Some("me"), "", " please"), "a skip word goes anywhere");
        assert!(v.allows(Some("me"), "please", ", an"), "and the pair skips over it");
        assert_eq!(v.last_words(" make me please"), (Some("me"), "please"));
        assert!(!v.in_free_text(" make me a latte"));
        assert_eq!(v.last_words(" make me please "), (Some("me"), ""));
        assert!(!v.complete(Some("a"), "lat"));
        // The second decoding's constraint: the same words, in any order, and still only words.
        let loose = v.any_order();
        assert!(loose.allows(None, "", " me"), "any word may start");
        assert!(loose.allows(Some("iced"), "", " latte"), "and follow any other");
        assert!(!loose.allows(Some("iced"), "", " tea"), "but not a word the grammar lacks");
        assert!(loose.allows(Some("me"), "please", ", an"), "skip words stay skip words");
    }

    #[test]
    fn tokens_in_odd_case_are_not_words() {
        use Case::*;
        assert!(natural_case(" mocha", Start) && natural_case(" Mocha", Lower) && natural_case(" MOCHA", Start));
        assert!(natural_case(",", Lower) && natural_case("cha", Lower) && natural_case("CHA", Upper));
        assert!(!natural_case("MeRi", Start) && !natural_case(" moCha", Start) && !natural_case("No", Lower));
        // A word's pieces keep its case: "FULL" + "SCREE", not "FULLSCREE" + "n" or "FIL" + "l".
        assert_eq!(Case::of("FULL"), Upper);
        assert!(natural_case("SCREE", Upper) && !natural_case("n", Upper) && !natural_case("CHA", Lower));
        assert_eq!(Case::of("A"), Open);
        assert!(natural_case("merica", Open) && natural_case("MERICA", Open) && !natural_case("Merica", Open));
        assert_eq!((Case::of(""), Case::of(" Gang")), (Start, Lower));
    }

    #[test]
    fn the_last_words_are_the_previous_whole_word_and_the_one_being_spelled() {
        let v = Vocabulary::from_phrases(["an iced mocha"]);
        assert_eq!(v.last_words(" an iced mo"), (Some("iced"), "mo"));
        assert_eq!(v.last_words(" an iced "), (Some("iced"), ""));
        assert_eq!(v.last_words(" an iced, "), (Some("iced"), ""));
        assert_eq!(v.last_words("mocha"), (None, "mocha"));
        assert_eq!(v.last_words(""), (None, ""));
        assert_eq!(v.last_words(" i'd"), (None, "i'd"));
    }

    #[test]
    fn a_step_masks_other_words_and_ends_only_on_a_whole_word() {
        let tokens: Vec<Option<String>> =
            [" mo", "cha", "ga", " rose", ","].iter().map(|t| Some(t.to_string())).collect();
        let mut c = Constraint::new(Vocabulary::from_phrases(["mocha", "roast"]), tokens, 6);
        let mut logits = vec![0.0_f32; 6]; // five text tokens and end-of-text
        c.step(&[0], &mut logits);
        assert!(logits[1].is_finite(), "“cha” finishes “mocha”");
        assert!(logits[2].is_infinite() && logits[3].is_infinite() && logits[4].is_infinite());
        assert!(logits[5].is_infinite(), "no end of text inside a word");
        let mut logits = vec![0.0_f32; 6];
        c.step(&[0, 1], &mut logits);
        assert!(logits[5].is_finite() && logits[4].is_finite(), "after “mocha”, an end or a comma");
        assert!(c.fit(&[0, 1]) < 0.0, "the grammar took some of the model's belief away");
        let mut logits = vec![-30.0_f32, 5.0, -30.0, -30.0, -30.0, -30.0];
        c.reset();
        c.step(&[0], &mut logits);
        assert!(c.fit(&[0, 1]) > -0.01, "the model wanted “cha”, which the grammar allows");
    }

    #[test]
    fn masked_belief_goes_to_the_sink_and_a_hypothesis_that_takes_it_ends() {
        let tokens: Vec<Option<String>> =
            [" mo", "cha", "ga", " rose", ","].iter().map(|t| Some(t.to_string())).collect();
        // Five text tokens, end-of-text (5), and a special token as the sink (6).
        let mut c = Constraint::new(Vocabulary::from_phrases(["mocha", "roast"]), tokens, 7).with_sink(6);
        // After " mo" the model wants "ga" (not a word) ten times more than "cha".
        let mut logits = vec![f32::NEG_INFINITY; 7];
        logits[1] = 0.0;
        logits[2] = 10_f32.ln();
        c.step(&[0], &mut logits);
        let masked = 10_f32.ln() + SINK_PENALTY; // as a logit beside the kept ones
        assert!((logits[6] - masked).abs() < 1e-4, "the sink holds what was masked, less the penalty: {}", logits[6]);
        assert!((logits[1] - 0.0).abs() < 1e-6, "what the grammar allows keeps its own logit");
        // A hypothesis that took the sink may only end.
        let mut logits = vec![0.0_f32; 7];
        c.step(&[0, 6], &mut logits);
        assert!(logits[5] == 0.0 && logits.iter().filter(|l| l.is_finite()).count() == 1);
        assert!(c.left_grammar(&[0, 6]) && !c.left_grammar(&[0, 1]));
        // The fit follows the hypothesis that won, not every hypothesis the beam tried.
        let mut logits = vec![0.0_f32; 7];
        c.step(&[3], &mut logits); // " rose": a path the beam dropped, everything masked
        assert!((c.fit(&[0, 1]) - (1.0 / 11.0_f32).ln()).abs() < 1e-4, "{}", c.fit(&[0, 1]));
    }

    #[test]
    fn the_first_step_measures_how_much_the_model_wanted_a_note() {
        let tokens: Vec<Option<String>> =
            [" mo", "cha", " (", "[", " rose"].iter().map(|t| Some(t.to_string())).collect();
        let mut c = Constraint::new(Vocabulary::from_phrases(["mocha"]), tokens, 6);
        // The model wants " (" and "[" three times as much as " mo": a note, as for foreign speech.
        let mut logits = vec![f32::NEG_INFINITY; 6];
        logits[0] = 0.0;
        logits[2] = 1.5_f32.ln();
        logits[3] = 1.5_f32.ln();
        c.step(&[], &mut logits);
        let note = c.first_note().expect("measured at the first step");
        assert!((note - 0.75).abs() < 1e-4, "{note}");
        // Only the first step counts, and a new utterance starts afresh.
        c.step(&[0], &mut vec![0.0; 6]);
        assert!((c.first_note().unwrap_or(0.0) - 0.75).abs() < 1e-4);
        c.reset();
        assert_eq!(c.first_note(), None);
    }
}
