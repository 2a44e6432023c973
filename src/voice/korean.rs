//! Korean speech through Vosk in grammar mode, constrained to the phrases of `grammars/ko` (when
//! Vosk decides Korean), or decoding freely for the partial transcript on the wall (when Whisper
//! decides: [`Korean::load_free`]).
//!
//! Two rules come from how libvosk behaves (see ../shared/notes/models.md): a grammar word that
//! is not in the model's vocabulary is silently dropped by libvosk, so every word is checked
//! here and the grammar fails to compile with the list; and grammar mode does not reject
//! out-of-grammar speech (it becomes a string of grammar words), so the caller asks for n-best
//! alternatives and accepts one only when the command matcher parses it as a whole command.

use super::vosk::{Model, Recognizer, Vosk, VoskError};
use crate::city::City;
use crate::grammar::phrases::{expand, slot_values};
use crate::grammar::Grammar;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

#[cfg(test)]
mod tests {
    #[test]
    fn unknown_words_split_into_known_ones() {
        let vocab = ["어린이", "보호", "구역", "공약", "은", "보호구"];
        let known = |w: &str| vocab.contains(&w);
        assert_eq!(super::respell("어린이보호구역", &known).as_deref(), Some("어린이 보호 구역"));
        assert_eq!(super::respell("공약은", &known).as_deref(), Some("공약 은"));
        assert_eq!(super::respell("공약", &known).as_deref(), Some("공약"));
        assert_eq!(super::respell("120", &known), None);
    }

    #[test]
    fn numbers_and_acronyms_are_read_out() {
        assert_eq!(super::sino_korean(120).as_deref(), Some("백이십"));
        assert_eq!(super::sino_korean(62).as_deref(), Some("육십이"));
        assert_eq!(super::sino_korean(1).as_deref(), Some("일"));
        assert_eq!(super::sino_korean(10_500).as_deref(), Some("만오백"));
        assert_eq!(super::spoken("종로1가").as_deref(), Some("종로일가"));
        assert_eq!(super::spoken("PM2.5").as_deref(), Some("피엠이점오"));
        assert_eq!(super::spoken("English로"), None);
    }
}

/// Phrases given to Vosk: every sentence with its slots sampled so that every word pair of the
/// grammar occurs (Vosk turns the list into a bigram model, so pairs are what matter).
pub const PHRASE_LIMIT: usize = 30_000;
const PER_SENTENCE: usize = 40;
const ALTERNATIVES: i32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum KoreanError {
    #[error(transparent)]
    Vosk(#[from] VoskError),
    #[error(
        "{} grammar words are not in the Korean model's vocabulary (Vosk would drop them silently): {}; \
         respell them in grammars/ko (e.g. split a particle: \"교통국장 에게\") or remove them",
        .0.len(), .0.iter().take(40).cloned().collect::<Vec<_>>().join(", ")
    )]
    OutOfVocabulary(Vec<String>),
}

pub struct Korean {
    recognizer: Recognizer,
    written_forms: Vec<(String, String)>,
    pub phrases: usize,
    pub words: usize,
}

/// The phrase list and what goes with it.
pub struct Phrases {
    /// Every phrase in words the model knows.
    pub phrases: Vec<String>,
    /// City names that cannot be said to this model (left out).
    pub unspeakable: Vec<String>,
    /// (spoken, written): "종로 일 가" is written "종로1가"; longest spoken form first.
    pub written_forms: Vec<(String, String)>,
}

/// Slots whose values are the city's names (data), as opposed to the grammar's own word lists.
const CITY_SLOTS: &[&str] = &["district", "indicator", "official", "neighbourhood"];

/// The phrase list for Vosk from the Korean grammar and the city's names, and the names that
/// cannot be spoken to this model (a word it does not know, such as digits in "120 다산콜"):
/// those are left out with a warning — say them by a synonym (data/*.toml) — while an unknown
/// word in the grammar itself fails the grammar (see [`out_of_vocabulary`]).
pub fn phrases(city: &City, grammar: &Grammar, known: impl Fn(&str) -> bool) -> Phrases {
    // Every lookup crosses into libvosk; the segmentation asks about the same pieces often.
    let cache = std::cell::RefCell::new(std::collections::HashMap::<String, bool>::new());
    let known = |w: &str| -> bool {
        if let Some(k) = cache.borrow().get(w) {
            return *k;
        }
        let k = known(w);
        cache.borrow_mut().insert(w.to_string(), k);
        k
    };
    let mut values = slot_values(city, grammar);
    // Spoken alternatives of the city's names are commands too.
    let indicators = values.entry("indicator".into()).or_default();
    indicators.extend(city.indicators.iter().flat_map(|i| i.synonyms_ko.iter().cloned()));
    let mut unspeakable = Vec::new();
    for slot in CITY_SLOTS {
        if let Some(list) = values.get_mut(*slot) {
            *list = std::mem::take(list)
                .into_iter()
                .filter_map(|v| {
                    let spoken = respell_phrase(&v, &known);
                    if spoken.is_none() {
                        unspeakable.push(v);
                    }
                    spoken
                })
                .collect();
            let mut seen = BTreeSet::new();
            list.retain(|v| seen.insert(v.clone()));
        }
    }
    // The grammar's own words are made hearable word by word; a word that cannot be stays as
    // written, for the vocabulary check to report.
    //
    // Runs of Hangul words are re-segmented as a whole into the fewest known words ("보여 줘" →
    // "보여줘"): long, distinct tokens keep Vosk's bigram model from wandering through short ones
    // ("줘", "요", "고"), which is what made it hear nonsense. The matcher ignores spacing.
    let written = expand(grammar, &values, PER_SENTENCE, PHRASE_LIMIT).0;
    let mut spoken_forms = BTreeSet::new();
    let mut phrases = Vec::with_capacity(written.len());
    for p in &written {
        let mut out: Vec<String> = Vec::new();
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut Vec<String>| {
            if !run.is_empty() {
                out.push(respell(run, &known).unwrap_or_else(|| run.clone()));
                run.clear();
            }
        };
        for w in p.split_whitespace() {
            if w.chars().any(|c| c.is_ascii_alphanumeric()) {
                flush(&mut run, &mut out);
                let heard = hearable(w, &known);
                // Numbers and acronyms come back from Vosk spelled out: remember how to write them.
                if let Some(h) = heard.as_ref().filter(|h| *h != w) {
                    spoken_forms.insert((h.clone(), w.to_string()));
                }
                out.push(heard.unwrap_or_else(|| w.to_string()));
            } else if respell(&format!("{run}{w}"), &known).is_some() || run.is_empty() {
                run.push_str(w);
            } else {
                flush(&mut run, &mut out);
                run.push_str(w);
            }
        }
        flush(&mut run, &mut out);
        phrases.push(out.join(" "));
    }
    let mut seen = BTreeSet::new();
    phrases.retain(|p| seen.insert(p.clone()));
    let mut written_forms: Vec<(String, String)> = spoken_forms.into_iter().collect();
    written_forms.sort_by_key(|(spoken, _)| std::cmp::Reverse(spoken.len()));
    Phrases { phrases, unspeakable, written_forms }
}

/// A word the model does not know, spelled as the fewest known words that make it up:
/// "어린이보호구역" → "어린이 보호 구역", "공약은" → "공약 은". The matcher compares text without
/// spaces, so the respelled phrase still parses as the command. None when no split exists.
pub fn respell(word: &str, known: &impl Fn(&str) -> bool) -> Option<String> {
    if known(word) {
        return Some(word.to_string());
    }
    let bounds: Vec<usize> = word.char_indices().map(|(i, _)| i).chain([word.len()]).collect();
    let n = bounds.len() - 1;
    // best[i]: fewest pieces covering the first i characters, and where the last piece starts.
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for end in 1..=n {
        for start in 0..end {
            let (Some((pieces, _)), piece) = (best[start], &word[bounds[start]..bounds[end]]) else { continue };
            if known(piece) && best[end].is_none_or(|(p, _)| pieces + 1 < p) {
                best[end] = Some((pieces + 1, start));
            }
        }
    }
    best[n]?;
    let mut pieces = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        pieces.push(&word[bounds[start]..bounds[end]]);
        end = start;
    }
    pieces.reverse();
    Some(pieces.join(" "))
}

/// A number as it is read in Sino-Korean ("120" → "백이십"), up to 99,999.
pub fn sino_korean(n: u64) -> Option<String> {
    const DIGITS: [&str; 10] = ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"];
    const UNITS: [(u64, &str); 4] = [(10_000, "만"), (1_000, "천"), (100, "백"), (10, "십")];
    if n == 0 {
        return Some("영".into());
    }
    if n >= 100_000 {
        return None;
    }
    let (mut rest, mut out) = (n, String::new());
    for (unit, name) in UNITS {
        let d = rest / unit;
        rest %= unit;
        if d > 1 {
            out.push_str(DIGITS[d as usize]);
        }
        if d > 0 {
            out.push_str(name);
        }
    }
    if rest > 0 {
        out.push_str(DIGITS[rest as usize]);
    }
    Some(out)
}

/// The Korean names of Latin capitals, for acronyms ("CCTV" → "씨씨티비").
fn letter_name(c: char) -> Option<&'static str> {
    const NAMES: [&str; 26] = [
        "에이",
        "비",
        "씨",
        "디",
        "이",
        "에프",
        "지",
        "에이치",
        "아이",
        "제이",
        "케이",
        "엘",
        "엠",
        "엔",
        "오",
        "피",
        "큐",
        "알",
        "에스",
        "티",
        "유",
        "브이",
        "더블유",
        "엑스",
        "와이",
        "제트",
    ];
    c.is_ascii_uppercase().then(|| NAMES[(c as u8 - b'A') as usize])
}

/// How a written word is said: digits read as numbers ("종로1가" → "종로일가", "2.5" → "이점오"),
/// acronyms letter by letter. None for other Latin text ("English"), which has no one reading.
pub fn spoken(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let run: String = chars[i..].iter().take_while(|c| c.is_ascii_digit()).collect();
            i += run.len();
            out.push_str(&sino_korean(run.parse().ok()?)?);
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                out.push('점');
                i += 1;
                while let Some(d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                    out.push_str(&sino_korean(u64::from(*d as u8 - b'0'))?);
                    i += 1;
                }
            }
        } else if c.is_ascii_alphabetic() {
            out.push_str(letter_name(c)?);
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Some(out)
}

/// A word as the model can hear it: spoken form, then split into known words.
fn hearable(word: &str, known: &impl Fn(&str) -> bool) -> Option<String> {
    respell(word, known).or_else(|| respell(&spoken(word)?, known))
}

/// Every word of a phrase made hearable; None if one cannot be.
fn respell_phrase(phrase: &str, known: &impl Fn(&str) -> bool) -> Option<String> {
    phrase.split_whitespace().map(|w| hearable(w, known)).collect::<Option<Vec<_>>>().map(|w| w.join(" "))
}

/// Words of `phrases` that `model` does not know, sorted.
pub fn out_of_vocabulary(model: &Model, phrases: &[String]) -> Vec<String> {
    let words: BTreeSet<&str> = phrases.iter().flat_map(|p| p.split_whitespace()).collect();
    words.into_iter().filter(|w| !model.knows(w)).map(str::to_string).collect()
}

impl Korean {
    /// Loads libvosk and the model, checks the grammar's words, and builds the recognizer.
    /// Also returns the city names that cannot be spoken to this model.
    /// `extra` phrases (the wake phrase) are recognized too.
    pub fn load(
        lib: &Path,
        model_dir: &Path,
        city: &City,
        grammar: &Grammar,
        extra: &[String],
    ) -> Result<(Korean, Vec<String>), KoreanError> {
        let vosk = Vosk::load(lib)?;
        let model = Arc::new(Model::load(vosk, model_dir)?);
        let Phrases { mut phrases, unspeakable, written_forms } = phrases(city, grammar, |w| model.knows(w));
        let known = |w: &str| model.knows(w);
        phrases.extend(extra.iter().filter_map(|p| respell(&p.split_whitespace().collect::<String>(), &known)));
        let oov = out_of_vocabulary(&model, &phrases);
        if !oov.is_empty() {
            return Err(KoreanError::OutOfVocabulary(oov));
        }
        let words = phrases.iter().flat_map(|p| p.split_whitespace()).collect::<BTreeSet<_>>().len();
        let recognizer = Recognizer::new(model, &phrases, ALTERNATIVES)?;
        let mut korean = Korean { recognizer, phrases: phrases.len(), words, written_forms };
        // The first utterance after loading stalls for about a second: pay it now.
        korean.recognizer.accept(&vec![0.0; 16_000]);
        korean.recognizer.finish_json();
        Ok((korean, unspeakable))
    }

    /// The live part only, when Whisper decides what was said: Vosk decoding freely for the
    /// partial transcript on the wall (no phrase list: its graph would cost ~250 MB, and real
    /// people's Korean never came out of it as a whole command; see README, "Voice").
    pub fn load_free(lib: &Path, model_dir: &Path) -> Result<Korean, KoreanError> {
        let vosk = Vosk::load(lib)?;
        let model = Arc::new(Model::load(vosk, model_dir)?);
        let recognizer = Recognizer::free(model)?;
        let mut korean = Korean { recognizer, phrases: 0, words: 0, written_forms: Vec::new() };
        korean.recognizer.accept(&vec![0.0; 16_000]);
        korean.recognizer.finish_json();
        Ok(korean)
    }

    /// Feeds audio as it arrives; returns the partial hypothesis (for the listening indicator).
    pub fn feed(&mut self, samples: &[f32]) -> String {
        self.recognizer.accept(samples);
        let json: serde_json::Value = serde_json::from_str(&self.recognizer.partial_json()).unwrap_or_default();
        self.written(json["partial"].as_str().unwrap_or_default())
    }

    /// Forgets the utterance streamed so far (another recognizer decided it, or it was too short).
    pub fn discard(&mut self) {
        self.recognizer.reset();
    }

    /// Ends the utterance: its n-best transcripts, best first (empty strings removed).
    pub fn finish(&mut self) -> Vec<String> {
        let json: serde_json::Value = serde_json::from_str(&self.recognizer.finish_json()).unwrap_or_default();
        let mut out: Vec<String> = match json["alternatives"].as_array() {
            Some(alts) => alts.iter().filter_map(|a| a["text"].as_str()).map(str::to_string).collect(),
            None => json["text"].as_str().map(|t| vec![t.to_string()]).unwrap_or_default(),
        };
        out.retain(|t| !t.trim().is_empty());
        for text in &mut out {
            *text = self.written(text);
        }
        out.dedup();
        out
    }

    /// Spelled-out numbers and acronyms back to their written form, on word boundaries.
    fn written(&self, text: &str) -> String {
        let mut padded = format!(" {} ", text.split_whitespace().collect::<Vec<_>>().join(" "));
        for (spoken, written) in &self.written_forms {
            padded = padded.replace(&format!(" {spoken} "), &format!(" {written} "));
        }
        padded.trim().to_string()
    }

    /// One whole utterance at once.
    pub fn recognize(&mut self, samples: &[f32]) -> Vec<String> {
        for chunk in samples.chunks(1_600) {
            self.recognizer.accept(chunk);
        }
        self.finish()
    }
}
