//! The grammar's sentences as a byte automaton that ignores spacing: how Whisper's Korean
//! decoding is held to the grammar. Three things make Korean unlike English here:
//! - Whisper's tokens are byte-level, and a Hangul syllable is three UTF-8 bytes that often
//!   span two tokens, so a token is often not text at all: everything here works on bytes.
//! - Korean spacing is loose ("바꿔 줘", "바꿔줘"; "화면으로" for the grammar's "화면" + "으로"):
//!   spaces and clause punctuation are left out on both sides, and the words run together.
//! - With spacing gone, word pairs say little (particles such as "다", "을" pair with almost
//!   anything), so the hold is the templates themselves: a decoding may only spell a prefix of
//!   one of the grammar's sentences, slots standing for the city's names and the lists' words.
//!
//! The automaton is the templates' tree (rules inlined, words as byte chains), with each slot a
//! shared trie of its values entered and left like a call; skip words may stand at any word
//! boundary (not twice in a row); the wake phrase may stand before a sentence or alone. A
//! search query (the free-text slot) is one or more words the city and the grammar know —
//! names, topic words, the grammar's own words of two syllables or more — each with a particle
//! or not: Korean puts the query first ("강남구 불법주차 민원 찾아 줘"), and free text there
//! would leave every utterance unheld and ungated.

use crate::grammar::template::Node;
use crate::grammar::{Grammar, QUERY_SLOT};
use std::collections::{BTreeSet, HashMap};

/// Bytes that are not part of a word: spaces and the punctuation that ends a clause. Quotes,
/// dashes and brackets are not among them: a decoder pushed out of the grammar would write
/// them on and on.
fn ignored(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b',' | b'.' | b'?' | b'!')
}

/// Text as the automaton reads it: spaces and punctuation out, ASCII lower-case.
pub fn compact(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().filter(|b| !ignored(**b)).map(u8::to_ascii_lowercase).collect()
}

/// A slot's values (or the skip words) as a byte trie.
#[derive(Debug, Clone, Default)]
struct Trie {
    children: Vec<Vec<(u8, u32)>>,
    terminal: Vec<bool>,
}

impl Trie {
    fn new<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Trie {
        let mut t = Trie { children: vec![Vec::new()], terminal: vec![false] };
        for v in values {
            let bytes = compact(v.as_ref().as_bytes());
            if bytes.is_empty() {
                continue;
            }
            let mut node = 0usize;
            for b in bytes {
                node = match t.children[node].iter().find(|(c, _)| *c == b) {
                    Some(&(_, next)) => next as usize,
                    None => {
                        t.children.push(Vec::new());
                        t.terminal.push(false);
                        let next = t.children.len() - 1;
                        t.children[node].push((b, next as u32));
                        next
                    }
                };
            }
            t.terminal[node] = true;
        }
        t
    }

    fn child(&self, node: u32, b: u8) -> Option<u32> {
        self.children[node as usize].iter().find(|(c, _)| *c == b).map(|&(_, n)| n)
    }
}

/// One place decoded text may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct State {
    /// A state of the templates' automaton; inside a slot, the state after it.
    at: u32,
    /// Inside a slot (or a skip word): which trie, and where in it.
    inside: Option<(u16, u32)>,
    /// The last thing read was a skip word (another may not follow at once).
    skipped: bool,
    /// Skip words read so far (at most [`SKIPS_AT_MOST`]).
    skips: u8,
    /// The last byte read ended a word.
    between: bool,
}

/// Where decoded text may stand: the states it may be in (none: it left the grammar).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position(BTreeSet<State>);

impl Position {
    pub fn is_dead(&self) -> bool {
        self.0.is_empty()
    }
}

/// The automaton of a grammar's sentences.
#[derive(Debug, Clone)]
pub struct Spaced {
    /// Byte edges of each template state.
    edges: Vec<Vec<(u8, u32)>>,
    /// Moves that read nothing.
    eps: Vec<Vec<u32>>,
    /// Slots entered from a state: (trie, the state after the slot).
    calls: Vec<Vec<(u16, u32)>>,
    /// States where a sentence may end.
    accept: Vec<bool>,
    /// States where a word of a template ends.
    word_ends: Vec<bool>,
    tries: Vec<Trie>,
    /// The skip words' trie (an index into `tries`), if the grammar has any.
    skip: Option<u16>,
}

/// Skip words in one sentence, at most: a person says "음, 지금 좀 …" — two or three — while speech
/// forced into the grammar fills the gaps between its words with them (the keywords of a
/// real clip that is no command came out as "흰색 다 로 모두 모든 모두 불 모두 를 모두 바꿔 모두").
const SKIPS_AT_MOST: u8 = 3;

/// What may follow a word of a search query.
const PARTICLES: &[&str] = &[
    "의", "을", "를", "이", "가", "은", "는", "에", "에서", "로", "으로", "와", "과", "도", "만", "에게", "랑", "하고",
];
/// The longest search query, in words.
const QUERY_WORDS_AT_MOST: usize = 3;
/// The query's pseudo-slots (not names a grammar can use: they hold a space).
const QUERY_WORDS: &str = "query words";
const QUERY_PARTICLES: &str = "query particles";

struct Builder<'g> {
    net: Spaced,
    grammar: &'g Grammar,
    slots: &'g HashMap<String, Vec<String>>,
    trie_of: HashMap<String, u16>,
}

impl Builder<'_> {
    fn state(&mut self) -> u32 {
        let n = &mut self.net;
        n.edges.push(Vec::new());
        n.eps.push(Vec::new());
        n.calls.push(Vec::new());
        n.accept.push(false);
        n.word_ends.push(false);
        (n.edges.len() - 1) as u32
    }

    fn bytes(&mut self, from: u32, text: &str) -> u32 {
        let mut at = from;
        for b in compact(text.as_bytes()) {
            let next = self.state();
            self.net.edges[at as usize].push((b, next));
            at = next;
        }
        self.net.word_ends[at as usize] = true;
        at
    }

    fn trie(&mut self, slot: &str) -> u16 {
        if let Some(&t) = self.trie_of.get(slot) {
            return t;
        }
        let values = self.slots.get(slot).map(Vec::as_slice).unwrap_or_default();
        self.net.tries.push(Trie::new(values));
        let id = (self.net.tries.len() - 1) as u16;
        self.trie_of.insert(slot.to_string(), id);
        id
    }

    /// Adds `node` from state `from`; returns the state it ends at.
    fn node(&mut self, node: &Node, from: u32) -> u32 {
        match node {
            Node::Word(w) => self.bytes(from, w),
            Node::Slot(s) if s == QUERY_SLOT => {
                // One to `QUERY_WORDS_AT_MOST` known words, each with a particle or not.
                let (words, particles) = (self.trie(QUERY_WORDS), self.trie(QUERY_PARTICLES));
                let end = self.state();
                let mut at = from;
                for _ in 0..QUERY_WORDS_AT_MOST {
                    let particle = self.state();
                    let after = self.state();
                    self.net.calls[at as usize].push((words, particle));
                    self.net.calls[particle as usize].push((particles, after));
                    self.net.eps[particle as usize].push(after);
                    self.net.eps[after as usize].push(end);
                    at = after;
                }
                end
            }
            Node::Slot(s) => {
                let trie = self.trie(s);
                let after = self.state();
                self.net.calls[from as usize].push((trie, after));
                after
            }
            Node::Rule(r) => match self.grammar.rules.get(r) {
                Some(body) => self.node(body, from),
                None => from,
            },
            Node::Seq(nodes) => nodes.iter().fold(from, |at, n| self.node(n, at)),
            Node::Alt(alts) => {
                let end = self.state();
                for alt in alts {
                    let at = self.node(alt, from);
                    self.net.eps[at as usize].push(end);
                }
                end
            }
        }
    }
}

/// The words a search query is made of: every slot's values (the city's names, the lists'
/// words) and the grammar's topic words ("불법주차", "민원"). Not the templates' own words: those
/// are mostly endings and particles, with which a query could spell any talk.
fn query_words(grammar: &Grammar, slots: &HashMap<String, Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = slots.values().flatten().cloned().collect();
    out.extend(grammar.words.topics.values().flatten().cloned());
    out
}

impl Spaced {
    /// The automaton of `grammar`'s sentences, its slots standing for `slots`' values, the
    /// wake phrase allowed before a sentence or alone.
    pub fn new(grammar: &Grammar, slots: &HashMap<String, Vec<String>>, wake: &str) -> Spaced {
        let mut slots = slots.clone();
        slots.insert(QUERY_WORDS.into(), query_words(grammar, &slots));
        slots.insert(QUERY_PARTICLES.into(), PARTICLES.iter().map(|p| p.to_string()).collect());
        let slots = &slots;
        let empty = Spaced {
            edges: vec![],
            eps: vec![],
            calls: vec![],
            accept: vec![],
            word_ends: vec![],
            tries: vec![],
            skip: None,
        };
        let mut b = Builder { net: empty, grammar, slots, trie_of: HashMap::new() };
        let start = b.state();
        let sentences = b.state();
        b.net.eps[start as usize].push(sentences);
        if !compact(wake.as_bytes()).is_empty() {
            let woken = b.bytes(start, wake);
            b.net.accept[woken as usize] = true;
            b.net.eps[woken as usize].push(sentences);
        }
        for command in &grammar.commands {
            for template in &command.templates {
                let end = b.node(template, sentences);
                b.net.accept[end as usize] = true;
            }
        }
        if !grammar.skip_words.is_empty() {
            b.net.tries.push(Trie::new(&grammar.skip_words));
            b.net.skip = Some((b.net.tries.len() - 1) as u16);
        }
        b.net
    }

    /// Where the automaton stands before anything is read.
    pub fn start(&self) -> Position {
        self.closure(BTreeSet::from([State { at: 0, inside: None, skipped: false, skips: 0, between: true }]))
    }

    /// Everything reachable without reading: moves, slots and skip words entered, slots left
    /// where a value ends.
    fn closure(&self, states: BTreeSet<State>) -> Position {
        let mut todo: Vec<State> = states.into_iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(s) = todo.pop() {
            if !seen.insert(s) {
                continue;
            }
            match s.inside {
                Some((trie, node)) => {
                    if self.tries[trie as usize].terminal[node as usize] {
                        let skipped = Some(trie) == self.skip;
                        let skips = s.skips + u8::from(skipped);
                        todo.push(State { at: s.at, inside: None, skipped, skips, between: true });
                    }
                }
                None => {
                    let at = s.at as usize;
                    todo.extend(self.eps[at].iter().map(|&e| State { at: e, ..s }));
                    todo.extend(self.calls[at].iter().map(|&(trie, after)| State {
                        at: after,
                        inside: Some((trie, 0)),
                        skipped: false,
                        skips: s.skips,
                        between: s.between,
                    }));
                    if let Some(skip) = self.skip.filter(|_| s.between && !s.skipped && s.skips < SKIPS_AT_MOST) {
                        todo.push(State {
                            at: s.at,
                            inside: Some((skip, 0)),
                            skipped: false,
                            skips: s.skips,
                            between: true,
                        });
                    }
                }
            }
        }
        Position(seen)
    }

    /// Reads bytes (already compacted) from a position.
    pub fn feed(&self, from: &Position, bytes: &[u8]) -> Position {
        let mut at = from.clone();
        for &b in bytes {
            let mut next = BTreeSet::new();
            for s in &at.0 {
                match s.inside {
                    Some((trie, node)) => {
                        if let Some(child) = self.tries[trie as usize].child(node, b) {
                            next.insert(State { inside: Some((trie, child)), between: false, ..*s });
                        }
                    }
                    None => {
                        for &(edge, to) in &self.edges[s.at as usize] {
                            if edge == b {
                                let between = self.word_ends[to as usize];
                                next.insert(State { at: to, inside: None, skipped: false, skips: s.skips, between });
                            }
                        }
                    }
                }
            }
            at = self.closure(next);
            if at.is_dead() {
                break;
            }
        }
        at
    }

    /// Whether a sentence (or the wake phrase alone) may end here.
    pub fn may_end(&self, at: &Position) -> bool {
        at.0.iter().any(|s| s.inside.is_none() && self.accept[s.at as usize])
    }

    /// Whether the text stands between words here (not inside a word or a name).
    pub fn between_words(&self, at: &Position) -> bool {
        at.0.iter().any(|s| s.between)
    }

    /// Text the automaton reads whole, spaced as the grammar's words are: one of its sentences
    /// as Whisper wrote it ("모든 불다파 란색으로") has its words found again ("모든 불 다 파란색
    /// 으로"), so the matcher reads skip words and particles as words. `None` when the text is
    /// not a whole sentence.
    pub fn respace(&self, text: &str) -> Option<String> {
        let bytes = compact(text.as_bytes());
        let mut positions = vec![self.start()];
        for &b in &bytes {
            let next = self.feed(positions.last()?, &[b]);
            if next.is_dead() {
                return None;
            }
            positions.push(next);
        }
        let mut at = *positions.last()?.0.iter().find(|s| s.inside.is_none() && self.accept[s.at as usize])?;
        // Back from the end: a state before each byte that leads to the one after it.
        let mut ends = vec![false; bytes.len() + 1];
        for i in (1..=bytes.len()).rev() {
            ends[i] = at.between;
            at = *positions[i - 1]
                .0
                .iter()
                .find(|p| self.feed(&Position(BTreeSet::from([**p])), &[bytes[i - 1]]).0.contains(&at))?;
        }
        let mut out = Vec::with_capacity(bytes.len() * 2);
        for (i, b) in bytes.iter().enumerate() {
            out.push(*b);
            if ends[i + 1] && i + 1 < bytes.len() {
                out.push(b' ');
            }
        }
        String::from_utf8(out).ok()
    }

    /// The bytes that may come next at a position.
    pub fn next_bytes(&self, at: &Position) -> [bool; 256] {
        let mut out = [false; 256];
        for s in &at.0 {
            match s.inside {
                Some((trie, node)) => {
                    self.tries[trie as usize].children[node as usize].iter().for_each(|(b, _)| out[*b as usize] = true)
                }
                None => self.edges[s.at as usize].iter().for_each(|(b, _)| out[*b as usize] = true),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The automaton of a Korean grammar with these templates and a colour list.
    fn spaced(templates: &[&str]) -> Spaced {
        let dir = tempfile::tempdir().expect("tempdir");
        let ko = dir.path().join("ko");
        std::fs::create_dir_all(&ko).expect("grammar folder");
        let common = "intents = [\"lights\"]\nskip_words = [\"좀\"]\n[rules]\nlights = \"[모든] 불[을]\"\n[lists]\n\
                      color = [{ words = [\"파란색\", \"빨간색\"], value = \"blue\" }]\n";
        std::fs::write(ko.join("_common.toml"), common).expect("_common");
        let quoted: Vec<String> = templates.iter().map(|t| format!("{t:?}")).collect();
        let commands = format!(
            "[[command]]\nintent = \"lights\"\ntemplates = [{}]\nexamples = [{{ text = \"불 꺼 줘\" }}]\n",
            quoted.join(", ")
        );
        std::fs::write(ko.join("lights.toml"), commands).expect("lights.toml");
        let grammar = Grammar::load(dir.path(), "ko").expect("the grammar loads");
        let slots = HashMap::from([("color".to_string(), vec!["파란색".to_string(), "빨간색".to_string()])]);
        Spaced::new(&grammar, &slots, "코뿔소")
    }

    fn read(s: &Spaced, text: &str) -> Position {
        s.feed(&s.start(), &compact(text.as_bytes()))
    }

    #[test]
    fn only_the_sentences_spacing_aside() {
        let s = spaced(&["<lights> {color}[으로] [다] 바꿔 줘", "불 꺼 줘"]);
        assert!(s.may_end(&read(&s, "모든 불을 파란색으로 바꿔줘")));
        assert!(s.may_end(&read(&s, "모든불을 파란 색으로 다 바꿔 줘.")));
        assert!(s.may_end(&read(&s, "코뿔소, 불 꺼 줘")), "after the wake phrase");
        assert!(s.may_end(&read(&s, "코뿔소")), "the wake phrase alone");
        assert!(s.may_end(&read(&s, "불 좀 꺼 줘")), "a skip word");
        assert!(read(&s, "불 좀 좀 꺼 줘").is_dead(), "not twice in a row");
        assert!(s.may_end(&read(&s, "좀 불 좀 꺼 좀 줘")), "three skip words");
        assert!(!s.may_end(&read(&s, "좀 불 좀 꺼 좀 줘 좀")), "not four");
        let half = read(&s, "모든 불을 파란");
        assert!(!half.is_dead() && !s.may_end(&half) && !s.between_words(&half));
        assert!(s.between_words(&read(&s, "모든 불을")));
        assert!(read(&s, "모든 불다 해").is_dead(), "“다” only after the colour");
        assert!(read(&s, "커피").is_dead());
        assert_eq!(s.respace("모든 불좀파 란색으로다 바꿔줘.").as_deref(), Some("모든 불 좀 파란색 으로 다 바꿔 줘"));
        assert_eq!(s.respace("모든 불을 파란"), None, "not a whole sentence");
    }

    #[test]
    fn a_syllable_split_across_tokens_is_read_byte_by_byte() {
        let s = spaced(&["{color}[으로] 바꿔 줘"]);
        let bytes = "파란색".as_bytes();
        let half = s.feed(&s.start(), &bytes[..4]); // 파 and the first byte of 란
        assert!(!half.is_dead() && !s.between_words(&half));
        let next = s.next_bytes(&half);
        assert!(next[bytes[4] as usize] && !next[b'a' as usize]);
        assert!(s.between_words(&s.feed(&half, &bytes[4..])));
    }

    #[test]
    fn a_search_query_is_known_words_with_particles() {
        let s = spaced(&["{query} 찾아 줘", "불 꺼 줘"]);
        assert!(s.may_end(&read(&s, "빨간색 파란색을 찾아 줘")), "a list's words, a particle");
        assert!(read(&s, "빨간색 파란색 빨간색 파란색 찾아 줘").is_dead(), "four words are too many");
        assert!(read(&s, "아무 말이나 찾아 줘").is_dead(), "words nobody knows");
        assert_eq!(s.respace("빨간색의파란색찾아줘").as_deref(), Some("빨간색 의 파란색 찾아 줘"));
    }
}
