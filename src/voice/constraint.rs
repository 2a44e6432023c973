//! One Whisper decoding held to a [`Vocabulary`]: at each step whisper.cpp hands over the
//! logits, and every token that would start or continue a word the grammar cannot say there is
//! masked out.
//!
//! A constrained decoder turns any speech into grammar words, so it also measures how far it
//! was pushed: at each step, how much of the model's probability the grammar's tokens held.
//! Speech that is not a command keeps wanting other words, and the caller rejects it by the
//! mean of that figure.

use super::spaced::{compact, Position, Spaced};
use super::vocabulary::{is_word_char, LastWords, Vocabulary};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Below this fit, what was heard is not taken as a command: on the project's voice set, every
/// out-of-domain sentence forced into the city grammar scored below it, and most commands
/// above (`scpm bench voice`, see README).
pub const MIN_FIT: f32 = -3.0;

/// What leaving the grammar costs, in log-probability: the decoder leaves it only when the
/// model believes other words e^8 (about 3,000) times more than the grammar's. Less drops
/// commands that a voice says oddly; on the project's voice set (`scpm bench voice`), at -8
/// English accuracy is as without the sink, and office talk that slipped through is caught.
const SINK_PENALTY: f32 = -8.0;

/// Decoding states whose allowed tokens are kept: bounded in states and in token ids (a Korean
/// position after a skip word or in a query allows tens of thousands of byte tokens; 4,096 such
/// lists grew the process by ~330 MB on the voice set), so a service that runs for months does
/// not grow; a full cache starts over.
const CACHED_STATES: usize = 4096;
/// See [`CACHED_STATES`]: at most this many token ids in one cache (16 MB).
const CACHED_IDS: usize = 4 << 20;

/// The allowed tokens of decoding states, within [`CACHED_STATES`] and [`CACHED_IDS`].
struct Allowed<K> {
    lists: HashMap<K, Vec<u32>>,
    ids: usize,
}

impl<K: std::hash::Hash + Eq> Allowed<K> {
    fn new() -> Self {
        Allowed { lists: HashMap::new(), ids: 0 }
    }

    fn get(&self, key: &K) -> Option<&Vec<u32>> {
        self.lists.get(key)
    }

    fn insert(&mut self, key: K, ids: Vec<u32>) {
        if self.lists.len() >= CACHED_STATES || self.ids + ids.len() > CACHED_IDS {
            self.lists.clear();
            self.ids = 0;
        }
        self.ids += ids.len();
        if let Some(old) = self.lists.insert(key, ids) {
            self.ids -= old.len();
        }
    }
}

/// What a decoding is held to.
pub enum Hold {
    /// The grammar's words and word pairs, as text (English).
    Words(Vocabulary),
    /// The same on bytes, spacing ignored (Korean): see [`Spaced`].
    Spaced(Spaced),
}

/// The state of one constrained decoding: the vocabulary, each text token's text,
/// a cache of the tokens allowed after a partial word, and the running score. whisper.cpp runs a
/// beam's decoders on several threads at once, each calling [`Constraint::step`]: what a step
/// changes (the caches, the scores) is behind its own short lock, and the costly part (which
/// tokens a state allows) is worked out outside any lock.
pub struct Constraint {
    hold: Hold,
    /// The text of each text token (ids below end-of-text); `None` if not UTF-8.
    token_text: Vec<Option<String>>,
    /// Held on bytes: each text token's bytes, and the tokens by their first byte as the
    /// automaton reads it (spaces and punctuation out; those that are nothing else under 256).
    token_bytes: Vec<Vec<u8>>,
    by_first_byte: HashMap<u16, Vec<u32>>,
    /// Held on bytes: the tokens allowed at a position, at most `CACHED_STATES` of them.
    allowed_at: Mutex<Allowed<Position>>,
    eot: usize,
    /// The length of the logits whisper.cpp passes: text tokens, then special ones.
    pub n_vocab: usize,
    /// The text tokens allowed in a state ("prev|partial"), at most `CACHED_STATES` of them.
    allowed: Mutex<Allowed<String>>,
    /// For each text a decoder had written before a step: the log of the probability mass the
    /// grammar left the model at that step. Kept per text, not summed, because a beam search
    /// interleaves the steps of hypotheses that are later dropped.
    kept: Mutex<HashMap<String, f32>>,
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
    first_note: Mutex<Option<f32>>,
}

impl Constraint {
    pub fn new(vocab: Vocabulary, token_text: Vec<Option<String>>, n_vocab: usize) -> Constraint {
        let eot = token_text.len();
        let note_tokens = (0..eot)
            .filter(|&i| token_text[i].as_deref().is_some_and(|t| t.trim_start().starts_with(['(', '[', '♪', '*'])))
            .collect();
        Constraint {
            hold: Hold::Words(vocab),
            token_text,
            token_bytes: Vec::new(),
            by_first_byte: HashMap::new(),
            allowed_at: Mutex::new(Allowed::new()),
            eot,
            n_vocab,
            allowed: Mutex::new(Allowed::new()),
            kept: Mutex::default(),
            sink: None,
            note_tokens,
            first_note: Mutex::default(),
        }
    }

    /// A decoding held to `spaced` on bytes (`token_bytes`: each text token's bytes, as the model
    /// has them).
    pub fn on_bytes(spaced: Spaced, token_bytes: Vec<Vec<u8>>, n_vocab: usize) -> Constraint {
        let token_text = token_bytes.iter().map(|b| std::str::from_utf8(b).ok().map(str::to_string)).collect();
        let mut c = Constraint::new(Vocabulary::default(), token_text, n_vocab);
        for (id, bytes) in token_bytes.iter().enumerate() {
            let key = compact(bytes).first().map_or(256, |b| u16::from(*b));
            c.by_first_byte.entry(key).or_default().push(id as u32);
        }
        c.hold = Hold::Spaced(spaced);
        c.token_bytes = token_bytes;
        c
    }

    /// Gives the masked probability to `token` (a special token that never appears in text),
    /// which the decoder may then choose as "out of the grammar"; see [`Constraint::left_grammar`].
    pub fn with_sink(mut self, token: usize) -> Constraint {
        self.sink = (token > self.eot && token < self.n_vocab).then_some(token);
        self
    }

    /// Held on bytes: a whole sentence of the grammar spaced as its words are (see
    /// [`Spaced::respace`]); `None` otherwise.
    pub fn respace(&self, text: &str) -> Option<String> {
        match &self.hold {
            Hold::Spaced(spaced) => spaced.respace(text),
            Hold::Words(_) => None,
        }
    }

    /// Whether the hypothesis `tokens` left the grammar (took the sink).
    pub fn left_grammar(&self, tokens: &[i32]) -> bool {
        self.sink.is_some_and(|sink| tokens.iter().any(|&t| usize::try_from(t).is_ok_and(|t| t == sink)))
    }

    /// Starts a new utterance.
    pub fn reset(&self) {
        lock(&self.kept).clear();
        *lock(&self.first_note) = None;
    }

    /// The probability the model gave, before the grammar held it, to beginning with a note —
    /// "(" as in "(speaking in foreign language)" — rather than words: high for speech it does
    /// not take for English.
    pub fn first_note(&self) -> Option<f32> {
        *lock(&self.first_note)
    }

    /// How well the speech fit the grammar along the hypothesis that won (its token ids): the
    /// mean, over its decoding steps, of the log of the probability the model gave to what the
    /// grammar allowed (0: all of it; 0 when no step was held, as in free text).
    pub fn fit(&self, tokens: &[i32]) -> f32 {
        let kept = lock(&self.kept);
        let steps: Vec<f32> =
            (0..=tokens.len()).filter_map(|n| kept.get(&self.text_of(&tokens[..n])).copied()).collect();
        if steps.is_empty() {
            0.0
        } else {
            steps.iter().sum::<f32>() / steps.len() as f32
        }
    }

    fn allowed_after(&self, at: LastWords<'_>, case: Case) -> Vec<u32> {
        let Hold::Words(vocab) = &self.hold else { return Vec::new() };
        // The word before the last matters only where free text may open: elsewhere it is
        // left out of the key, so the cache does not hold the same state many times.
        let at = if vocab.opens_free_text_after(at.prev) { at } else { LastWords { before: None, ..at } };
        let key = format!("{}|{}|{}|{case:?}", at.before.unwrap_or(""), at.prev.unwrap_or(""), at.partial);
        if let Some(ids) = lock(&self.allowed).get(&key) {
            return ids.clone();
        }
        let ids: Vec<u32> = self
            .token_text
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.as_deref()
                    .is_some_and(|t| !t.is_empty() && natural_case(t, case) && vocab.allows(at, &t.to_lowercase()))
            })
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        lock(&self.allowed).insert(key, ids.clone());
        ids
    }

    /// The text tokens allowed at a position of the byte automaton: between words, tokens that
    /// are only spaces or punctuation; and those whose bytes go on from there.
    fn allowed_on_bytes(&self, at: &Position) -> Vec<u32> {
        if let Some(ids) = lock(&self.allowed_at).get(at) {
            return ids.clone();
        }
        let Hold::Spaced(spaced) = &self.hold else { return Vec::new() };
        let firsts = spaced.next_bytes(at);
        let mut ids: Vec<u32> = Vec::new();
        if spaced.between_words(at) {
            ids.extend(self.by_first_byte.get(&256).into_iter().flatten());
        }
        for (b, allowed) in firsts.iter().enumerate() {
            let Some(tokens) = self.by_first_byte.get(&(b as u16)).filter(|_| *allowed) else { continue };
            ids.extend(tokens.iter().filter(|&&id| {
                let bytes = compact(&self.token_bytes[id as usize]);
                !spaced.feed(at, &bytes).is_dead()
            }));
        }
        lock(&self.allowed_at).insert(at.clone(), ids.clone());
        ids
    }

    /// What the hold allows after `written` (the decoded text): the allowed text tokens,
    /// whether the text may end here, and whether it stands between words; `None` in English
    /// free text (anything goes).
    fn allowed(&self, decoded: &[i32], written: &str) -> Option<(Vec<u32>, bool, bool)> {
        match &self.hold {
            Hold::Words(vocab) => {
                let text = written.to_lowercase();
                if vocab.in_free_text(&text) {
                    return None;
                }
                let at = vocab.last_words(&text);
                let complete = vocab.complete(at.before, at.prev, at.partial);
                let case = Case::of(written.rsplit(|c: char| !is_word_char(c)).next().unwrap_or(""));
                let ids = self.allowed_after(at, case);
                Some((ids, complete, complete))
            }
            Hold::Spaced(spaced) => {
                let at = spaced.feed(&spaced.start(), &compact(&self.bytes_of(decoded)));
                let (may_end, between) = (spaced.may_end(&at), spaced.between_words(&at));
                Some((self.allowed_on_bytes(&at), may_end, between))
            }
        }
    }

    /// The bytes of decoded text tokens (special tokens left out).
    fn bytes_of(&self, decoded: &[i32]) -> Vec<u8> {
        decoded
            .iter()
            .filter_map(|&id| usize::try_from(id).ok().and_then(|i| self.token_bytes.get(i)))
            .flatten()
            .copied()
            .collect()
    }

    /// One decoding step: `decoded` are the token ids this decoder chose so far, `logits` the
    /// next token's (all of the vocabulary, special tokens after the text ones). Masks what
    /// the grammar cannot say, and scores how much of the model's belief the grammar kept.
    pub fn step(&self, decoded: &[i32], logits: &mut [f32]) {
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
        let Some((allowed, may_end, complete)) = self.allowed(decoded, &written) else { return };
        let before = log_sum_exp(logits);
        if written.is_empty() && lock(&self.first_note).is_none() {
            let notes: Vec<f32> = self.note_tokens.iter().filter_map(|&i| logits.get(i).copied()).collect();
            *lock(&self.first_note) = Some((log_sum_exp(&notes) - before).exp());
        }
        // What the model wanted most, for RUST_LOG=scpm::voice::constraint=trace.
        let wanted = tracing::enabled!(tracing::Level::TRACE).then(|| {
            let top = logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
            self.token_text.get(top).cloned().flatten().unwrap_or_else(|| format!("<special {top}>"))
        });
        let kept_logits: Vec<(usize, f32)> =
            allowed.into_iter().filter_map(|i| logits.get(i as usize).map(|l| (i as usize, *l))).collect();
        logits.iter_mut().take(eot).for_each(|l| *l = f32::NEG_INFINITY);
        for (i, l) in kept_logits {
            logits[i] = l;
        }
        if !may_end {
            if let Some(l) = logits.get_mut(eot) {
                *l = f32::NEG_INFINITY;
            }
        }
        let kept = log_sum_exp(logits) - before;
        if let Some(wanted) = wanted {
            tracing::trace!("after {written:?} the model wanted {wanted:?}; the grammar kept {kept:.2}");
        }
        if kept.is_finite() {
            lock(&self.kept).insert(written, kept);
        }
        // The masked mass, log(1 - e^kept) of what was there, goes to the sink — only between
        // words. Inside a word the grammar can still finish ("ice" of "iced"), what the model
        // wanted instead is how the speaker ended or spelled it, not other words: the word is
        // finished as the grammar has it (on real speech, "iced mocha" said "ice mocha").
        if let Some(sink) = self.sink.filter(|&i| i < logits.len()) {
            let masked = before + (-f64::from(kept).exp()).ln_1p() as f32;
            // Nothing masked: -inf; everything masked: all of it.
            logits[sink] = match (complete, kept.is_finite()) {
                // Nothing may follow (a word no token can finish): the hypothesis leaves.
                (_, false) => before + SINK_PENALTY,
                (false, true) => f32::NEG_INFINITY,
                (true, true) => masked + SINK_PENALTY,
            };
        } else if !kept.is_finite() {
            // No sink and nothing allowed: the hypothesis ends (whisper.cpp must have a token).
            if let Some(l) = logits.get_mut(eot) {
                *l = 0.0;
            }
        }
    }

    /// The decoded text: what the beam's hypotheses are told apart by. Held on bytes, its
    /// bytes one character each (a token may end inside a Hangul syllable).
    fn text_of(&self, decoded: &[i32]) -> String {
        if matches!(self.hold, Hold::Spaced(_)) {
            return self.bytes_of(decoded).into_iter().map(char::from).collect();
        }
        decoded
            .iter()
            .filter_map(|&id| usize::try_from(id).ok().and_then(|i| self.token_text.get(i)).and_then(|t| t.as_deref()))
            .collect()
    }
}

/// A cache or score, whatever a panicked step left it as (a run starts with `reset`).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
    fn a_step_masks_other_words_and_ends_only_on_a_whole_word() {
        let tokens: Vec<Option<String>> =
            [" mo", "cha", "ga", " rose", ","].iter().map(|t| Some(t.to_string())).collect();
        let c = Constraint::new(Vocabulary::from_phrases(["mocha", "roast"]), tokens, 6);
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
    fn masked_belief_goes_to_the_sink_between_words_and_a_hypothesis_that_takes_it_ends() {
        let tokens: Vec<Option<String>> =
            [" mo", "cha", "ga", " rose", ","].iter().map(|t| Some(t.to_string())).collect();
        // Five text tokens, end-of-text (5), and a special token as the sink (6).
        let c = Constraint::new(Vocabulary::from_phrases(["mocha", "roast"]), tokens, 7).with_sink(6);
        // After " mo" the model wants "ga" (not a word) ten times more than "cha": inside a
        // word the grammar can finish, the word is finished — nothing goes to the sink.
        let mut logits = vec![f32::NEG_INFINITY; 7];
        logits[1] = 0.0;
        logits[2] = 10_f32.ln();
        c.step(&[0], &mut logits);
        assert!(logits[6] == f32::NEG_INFINITY, "no leaving the grammar inside a word: {}", logits[6]);
        assert!((logits[1] - 0.0).abs() < 1e-6, "what the grammar allows keeps its own logit");
        // After " mocha" the model wants " rose" ten times more than ",": between words, the
        // masked belief goes to the sink, less the penalty.
        let mut logits = vec![f32::NEG_INFINITY; 7];
        logits[4] = 0.0;
        logits[3] = 10_f32.ln();
        c.step(&[0, 1], &mut logits);
        let masked = 10_f32.ln() + SINK_PENALTY; // as a logit beside the kept ones
        assert!((logits[6] - masked).abs() < 1e-4, "the sink holds what was masked, less the penalty: {}", logits[6]);
        // A hypothesis that took the sink may only end.
        let mut logits = vec![0.0_f32; 7];
        c.step(&[0, 1, 6], &mut logits);
        assert!(logits[5] == 0.0 && logits.iter().filter(|l| l.is_finite()).count() == 1);
        assert!(c.left_grammar(&[0, 1, 6]) && !c.left_grammar(&[0, 1]));
        // The fit follows the hypothesis that won, not every hypothesis the beam tried.
        let mut logits = vec![0.0_f32; 7];
        c.step(&[3], &mut logits); // " rose": a path the beam dropped, everything masked
        let fit = (1.0 / 11.0_f32).ln(); // both steps of " mocha" kept 1 of 11
        assert!((c.fit(&[0, 1]) - fit).abs() < 1e-4, "{}", c.fit(&[0, 1]));
    }

    #[test]
    fn the_first_step_measures_how_much_the_model_wanted_a_note() {
        let tokens: Vec<Option<String>> =
            [" mo", "cha", " (", "[", " rose"].iter().map(|t| Some(t.to_string())).collect();
        let c = Constraint::new(Vocabulary::from_phrases(["mocha"]), tokens, 6);
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
