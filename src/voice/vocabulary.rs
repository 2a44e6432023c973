//! Grammar-constrained decoding for Whisper, word by word: while it decodes, every token that
//! would start or continue a word the grammar cannot say is masked out, so "moga" can only
//! come out as "mocha" and "light rose" as "light roast". The sentence structure is left to
//! the command matcher (fuzzy, trims edges); what the decoder gains is the right words.
//!
//! The decoding step that applies it is `constraint::Constraint`.

use crate::city::City;
use crate::grammar::template::Node;
use crate::grammar::{Grammar, QUERY_SLOT};
use std::collections::{HashMap, HashSet};

/// Characters that end a word and may stand between words. Brackets are not among them:
/// Whisper's "(speaking in foreign language)" is not speech.
const SEPARATORS: &[char] = &[' ', ',', '.', '?', '!', '-', ':', ';'];

pub(super) fn is_word_char(c: char) -> bool {
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
    /// Where free text (a search query) begins: after a word (key; "" for the start), when the
    /// word before it is one of these ("" the start, [`ANY`] whatever came before). Two words,
    /// not one: "of" opens a query in "complained of …" but not in "the trend of the …".
    free_after: HashMap<String, HashSet<String>>,
    /// Every prefix of every word in `successors`, per word: the look-up a decoding step makes.
    successor_prefixes: HashMap<String, HashSet<String>>,
    /// What follows a word that ends every sentence it is in.
    nothing: HashSet<String>,
    /// The grammar's skip words ("the", "please"): anywhere, and invisible to the word pairs.
    skip: HashSet<String>,
    skip_prefixes: HashSet<String>,
}

/// What each slot of a grammar can be: the city's names in the grammar's language with their
/// aliases and synonyms, and the grammar's own lists.
pub fn slot_words(city: &City, grammar: &Grammar) -> HashMap<String, Vec<String>> {
    let mut slot_words = crate::grammar::phrases::slot_values(city, grammar);
    let ko = grammar.lang == "ko";
    let mut add = |slot: &str, names: Vec<String>| {
        if let Some(list) = slot_words.get_mut(slot) {
            list.extend(names);
        }
    };
    add(
        "district",
        city.districts.iter().flat_map(|d| if ko { &d.aliases_ko } else { &d.aliases_en }).cloned().collect(),
    );
    add(
        "official",
        city.officials.iter().flat_map(|o| if ko { &o.aliases_ko } else { &o.aliases_en }).cloned().collect(),
    );
    add(
        "indicator",
        city.indicators.iter().flat_map(|i| if ko { &i.synonyms_ko } else { &i.synonyms_en }).cloned().collect(),
    );
    slot_words
}

/// A vocabulary's word lists, read by [`super::spaced::Spaced`], which holds Korean decoding.
pub struct Parts<'v> {
    pub words: &'v HashSet<String>,
    pub successors: &'v HashMap<String, HashSet<String>>,
    pub free_after: &'v HashMap<String, HashSet<String>>,
    pub skip: &'v HashSet<String>,
}

/// Where decoded text ends: its last two whole words (skip words left out; `None` at the
/// start) and the word being spelled after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LastWords<'t> {
    pub before: Option<&'t str>,
    pub prev: Option<&'t str>,
    pub partial: &'t str,
}

/// In a template's first words: from here on the grammar takes free text (a search query).
const FREE: &str = "*";
/// In `free_after`: whatever word came before.
const ANY: &str = "*";

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
        Vocabulary::of_sentences(grammar, slot_words(city, grammar))
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
        (vocab.successors, vocab.free_after) = word_pairs(grammar, &slot_words);
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

    /// The end of decoded text: its last two whole words that are not skip words (`None` at
    /// the start) and the word being spelled after them ("" when the text ends between words).
    pub fn last_words<'t>(&self, text: &'t str) -> LastWords<'t> {
        let mut words: Vec<&str> = text.split(|c: char| !is_word_char(c)).collect();
        let partial = words.pop().unwrap_or("");
        let mut whole = words.into_iter().rev().filter(|w| !w.is_empty() && !self.skip.contains(*w));
        let prev = whole.next();
        LastWords { before: whole.next(), prev, partial }
    }

    /// Whether decoded text has reached the grammar's free text (a search query): from there
    /// on, any word.
    pub fn in_free_text(&self, text: &str) -> bool {
        let mut words: Vec<&str> = text.split(|c: char| !is_word_char(c)).collect();
        words.pop(); // the word being spelled
        let mut before = None;
        if self.opens_free_text(None, None) {
            return true;
        }
        for word in words.into_iter().filter(|w| !w.is_empty() && !self.skip.contains(*w)) {
            if self.opens_free_text(before, Some(word)) {
                return true;
            }
            before = Some(word);
        }
        false
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
        // Free text that may open at the start may open after the phrase too.
        if self.free_after.contains_key("") {
            self.free_after.entry(last.clone()).or_default().insert(ANY.to_string());
        }
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
        Vocabulary {
            successors: HashMap::new(),
            successor_prefixes: HashMap::new(),
            free_after: HashMap::new(),
            ..self.clone()
        }
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

    pub fn parts(&self) -> Parts<'_> {
        Parts { words: &self.words, successors: &self.successors, free_after: &self.free_after, skip: &self.skip }
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

    /// Whether the grammar takes free text after `prev` said after `before` (then every word
    /// may follow).
    pub fn opens_free_text(&self, before: Option<&str>, prev: Option<&str>) -> bool {
        self.free_after
            .get(prev.unwrap_or(""))
            .is_some_and(|befores| befores.contains(ANY) || befores.contains(before.unwrap_or("")))
    }

    /// Whether the word before `prev` matters to what may follow it: only where free text
    /// may open.
    pub fn opens_free_text_after(&self, prev: Option<&str>) -> bool {
        self.free_after.contains_key(prev.unwrap_or(""))
    }

    /// `word` is a whole word that may follow `prev` (said after `before`); an empty word
    /// always may.
    pub fn complete(&self, before: Option<&str>, prev: Option<&str>, word: &str) -> bool {
        if word.is_empty()
            || word.chars().all(|c| c.is_ascii_digit())
            || self.opens_free_text(before, prev)
            || self.skip.contains(word)
        {
            return true;
        }
        match self.next_words(prev) {
            Some(next) => next.contains(word),
            None => self.words.contains(word),
        }
    }

    /// `word` can still become a word that may follow `prev` (said after `before`).
    fn open(&self, before: Option<&str>, prev: Option<&str>, word: &str) -> bool {
        if word.chars().all(|c| c.is_ascii_digit())
            || self.opens_free_text(before, prev)
            || self.skip_prefixes.contains(word)
        {
            return true;
        }
        match self.next_words(prev) {
            Some(_) => self.successor_prefixes.get(prev.unwrap_or("")).is_some_and(|p| p.contains(word)),
            None => self.prefixes.contains(word),
        }
    }

    /// Whether `text` (lower-case) may follow decoded text that ends as `at` says: every word
    /// it ends is a word of the grammar that may follow the one before, and the word it leaves
    /// open can still become one.
    pub fn allows(&self, at: LastWords<'_>, text: &str) -> bool {
        let mut before = at.before.map(str::to_string);
        let mut prev = at.prev.map(str::to_string);
        let mut word = at.partial.to_string();
        for c in text.chars() {
            if self.opens_free_text(before.as_deref(), prev.as_deref()) {
                return true;
            }
            if is_word_char(c) {
                word.push(c);
            } else if SEPARATORS.contains(&c) {
                if !self.complete(before.as_deref(), prev.as_deref(), &word) {
                    return false;
                }
                if !word.is_empty() && !self.skip.contains(&word) {
                    before = prev.replace(word.clone());
                }
                word.clear();
            } else {
                return false;
            }
        }
        word.is_empty() || self.open(before.as_deref(), prev.as_deref(), &word)
    }
}

/// Word pairs, and where free text opens (see [`Vocabulary`]'s fields of those names).
type WordPairs = (HashMap<String, HashSet<String>>, HashMap<String, HashSet<String>>);

/// The grammar's word pairs: for each word, the words that may follow it in some sentence
/// ("" for the first word of a sentence), slots standing for all of their values; and the two
/// words after which free text opens. Worked out on the template trees, not on their
/// expansions: a city grammar expands to millions of sentences.
fn word_pairs(grammar: &Grammar, slot_words: &HashMap<String, Vec<String>>) -> WordPairs {
    let mut pairs =
        Pairs { grammar, slot_words, pairs: HashMap::new(), free_after: HashMap::new(), rules: HashMap::new() };
    for command in &grammar.commands {
        for template in &command.templates {
            let shape = pairs.shape(template, 0);
            let start = HashSet::from([(Some(String::new()), String::new())]);
            pairs.link(&start, &shape.firsts);
        }
    }
    (pairs.pairs, pairs.free_after)
}

/// A template node's edges: the words it can start and end with (each last word with the
/// word before it, `None` when that comes before the node), and whether it can be empty.
#[derive(Clone, Default)]
struct Shape {
    firsts: HashSet<String>,
    lasts: HashSet<(Option<String>, String)>,
    empty: bool,
}

struct Pairs<'g> {
    grammar: &'g Grammar,
    slot_words: &'g HashMap<String, Vec<String>>,
    pairs: HashMap<String, HashSet<String>>,
    free_after: HashMap<String, HashSet<String>>,
    /// Each rule's shape, worked out once (its inner pairs are recorded then).
    rules: HashMap<String, Shape>,
}

impl Pairs<'_> {
    /// Records that `firsts` may follow `lasts`; free text among `firsts` opens after each
    /// last word when the word before it is the one recorded (any word when not known).
    fn link(&mut self, lasts: &HashSet<(Option<String>, String)>, firsts: &HashSet<String>) {
        let words: HashSet<String> = firsts.iter().filter(|f| *f != FREE).cloned().collect();
        for (before, last) in lasts {
            self.pairs.entry(last.clone()).or_default().extend(words.iter().cloned());
            if firsts.contains(FREE) {
                let before = before.clone().unwrap_or_else(|| ANY.to_string());
                self.free_after.entry(last.clone()).or_default().insert(before);
            }
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
        let before = words.len().checked_sub(2).map(|i| words[i].clone());
        shape.lasts.insert((before, last.clone()));
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
                let mut open: HashSet<(Option<String>, String)> = HashSet::new();
                shape.empty = true;
                for n in nodes {
                    let s = self.shape(n, depth);
                    self.link(&open, &s.firsts);
                    if shape.empty {
                        shape.firsts.extend(s.firsts.iter().cloned());
                    }
                    // A last word whose word before came before this node: now it is known,
                    // unless the sequence so far can be empty (then it may come from outside).
                    let mut lasts = HashSet::new();
                    for (before, last) in s.lasts {
                        if before.is_some() {
                            lasts.insert((before, last));
                            continue;
                        }
                        lasts.extend(open.iter().map(|(_, prev)| (Some(prev.clone()), last.clone())));
                        if shape.empty {
                            lasts.insert((None, last));
                        }
                    }
                    if s.empty {
                        open.extend(lasts);
                    } else {
                        open = lasts;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An English grammar of a `_common.toml` and one file of commands, loaded from a scratch folder.
    fn english_grammar(common: &str, commands: &str) -> Grammar {
        let dir = tempfile::tempdir().expect("tempdir");
        let en = dir.path().join("en");
        std::fs::create_dir_all(&en).expect("grammar folder");
        std::fs::write(en.join("_common.toml"), common).expect("_common.toml");
        std::fs::write(en.join("commands.toml"), commands).expect("commands.toml");
        Grammar::load(dir.path(), "en").expect("the grammar loads")
    }

    fn at<'t>(prev: Option<&'t str>, partial: &'t str) -> LastWords<'t> {
        LastWords { before: None, prev, partial }
    }

    /// The last whole word and the one being spelled.
    fn ends<'t>(v: &Vocabulary, text: &'t str) -> (Option<&'t str>, &'t str) {
        let at = v.last_words(text);
        (at.prev, at.partial)
    }

    #[test]
    fn tokens_continue_only_into_grammar_words() {
        let v = Vocabulary::from_phrases(["iced mocha", "light roast", "i'd like"]);
        assert!(v.allows(at(None, ""), " mocha"));
        assert!(v.allows(at(None, "mo"), "cha,"));
        assert!(!v.allows(at(None, "mo"), "ga"));
        assert!(!v.allows(at(None, ""), " rose"));
        assert!(v.allows(at(None, "i"), "'d"));
        assert!(v.allows(at(None, ""), " 16"));
        // A word left unfinished may not be ended by a separator.
        assert!(!v.allows(at(None, "mo"), " roast"));
        // Annotations are not speech.
        assert!(!v.allows(at(None, ""), " ("));
    }

    #[test]
    fn with_a_grammar_a_word_must_be_able_to_follow_the_one_before() {
        let grammar = english_grammar(
            "intents = [\"orderDrink\"]\nskip_words = [\"please\"]\n[rules]\n[lists]\n\
             drink = [{ words = [\"iced mocha\"], value = \"iced mocha\" }, { words = [\"latte\"], value = \"latte\" }]\n",
            "[[command]]\nintent = \"orderDrink\"\ntemplates = [\"(make|get) me [a|an] {drink}\"]\n\
             examples = [{ text = \"make me a latte\", slots = { drink = \"latte\" } }]\n",
        );
        let drinks = vec!["iced mocha".to_string(), "latte".to_string()];
        let v = Vocabulary::of_sentences(&grammar, HashMap::from([("drink".to_string(), drinks)]));
        assert!(v.allows(at(None, ""), " make"));
        assert!(!v.allows(at(None, ""), " me"), "a sentence does not start with “me”");
        assert!(v.allows(at(Some("me"), ""), " an"));
        assert!(v.allows(at(Some("an"), ""), " iced"));
        assert!(v.allows(at(Some("me"), ""), " latte"), "the optional article may be left out");
        assert!(!v.allows(at(Some("latte"), ""), " me"), "nothing follows the end of the sentence");
        assert!(!v.allows(at(Some("iced"), ""), " latte"), "“iced” is only ever followed by “mocha”");
        assert!(v.allows(at(Some("iced"), ""), " mocha."));
        assert!(v.complete(None, Some("a"), "latte"));
        assert!(v.allows(at(Some("me"), ""), " please"), "a skip word goes anywhere");
        assert!(v.allows(at(Some("me"), "please"), ", an"), "and the pair skips over it");
        assert_eq!(ends(&v, " make me please"), (Some("me"), "please"));
        assert!(!v.in_free_text(" make me a latte"));
        assert_eq!(ends(&v, " make me please "), (Some("me"), ""));
        assert!(!v.complete(None, Some("a"), "lat"));
        // The second decoding's constraint: the same words, in any order, and still only words.
        let loose = v.any_order();
        assert!(loose.allows(at(None, ""), " me"), "any word may start");
        assert!(loose.allows(at(Some("iced"), ""), " latte"), "and follow any other");
        assert!(!loose.allows(at(Some("iced"), ""), " tea"), "but not a word the grammar lacks");
        assert!(loose.allows(at(Some("me"), "please"), ", an"), "skip words stay skip words");
    }

    #[test]
    fn free_text_opens_only_where_a_sentence_takes_it() {
        let grammar = english_grammar(
            "intents = [\"search\", \"trend\"]\nskip_words = [\"the\"]\n[rules]\nfind = \"(search [for]|find)\"\n[lists]\n\
             district = [{ words = [\"mapo\"], value = \"mapo\" }]\n",
            "[[command]]\nintent = \"search\"\ntemplates = [\"<find> complaints (about|on) {query}\", \
             \"<find> {query} complaints\", \"(did anyone|has anyone) (complain|complained) (about|of) {query}\"]\n\
             examples = [{ text = \"find complaints about noise\", slots = { query = \"noise\" } }]\n\
             [[command]]\nintent = \"trend\"\ntemplates = [\"show the trend of recycling [in {district}]\"]\n\
             examples = [{ text = \"show the trend of recycling in mapo\", slots = { district = \"mapo\" } }]\n",
        );
        let places = HashMap::from([("district".to_string(), vec!["mapo".to_string()])]);
        let v = Vocabulary::of_sentences(&grammar, places);
        // "of" opens a query after "complain", not after "trend".
        assert!(v.opens_free_text(Some("complained"), Some("of")));
        assert!(!v.opens_free_text(Some("trend"), Some("of")));
        assert!(v.in_free_text(" did anyone complain of loud music"));
        assert!(!v.in_free_text(" show the trend of recycling in marco"));
        let after_of = |before| LastWords { before: Some(before), prev: Some("of"), partial: "" };
        assert!(v.allows(after_of("complain"), " bikes"));
        assert!(!v.allows(after_of("trend"), " bikes"), "after “the trend of”, only the sentence's words");
        assert!(v.allows(after_of("trend"), " recycling"));
        assert!(v.in_free_text(" find complaints about noise") && v.in_free_text(" search for noise"));
        assert!(!v.in_free_text(" did anyone complain"), "not before the query's place");
        // A query that opens a sentence opens whatever came before ("search" after the wake phrase).
        assert!(v.opens_free_text(Some("office"), Some("search")));
        assert!(
            !v.any_order().in_free_text(" did anyone complain of loud music"),
            "the second decoding has no free text"
        );
    }

    #[test]
    fn the_last_words_are_the_previous_whole_word_and_the_one_being_spelled() {
        let v = Vocabulary::from_phrases(["an iced mocha"]);
        assert_eq!(ends(&v, " an iced mo"), (Some("iced"), "mo"));
        assert_eq!(ends(&v, " an iced "), (Some("iced"), ""));
        assert_eq!(ends(&v, " an iced, "), (Some("iced"), ""));
        assert_eq!(ends(&v, "mocha"), (None, "mocha"));
        assert_eq!(ends(&v, ""), (None, ""));
        assert_eq!(ends(&v, " i'd"), (None, "i'd"));
    }
}
