//! Text normalisation and the Korean/English tokenizer shared by the index and entity resolution.
//!
//! Korean is indexed as character bigrams of each Hangul run, so that particles and endings
//! ("강남구에서", "강남구는") still share most tokens with the bare name, and so that no dictionary
//! has to be downloaded at build time. Latin words are lowercased and ASCII-folded by the analyzer's
//! filters. Every caller that needs "the same string, compared loosely" goes through [`compact`].

pub mod roman;

use std::borrow::Cow;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// NFC-normalised, lowercased, trimmed text with runs of white space folded to one space.
pub fn normalize(text: &str) -> String {
    // Most text is NFC already (all ASCII is); the quick check says so without composing.
    let nfc: Cow<str> = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    };
    let mut out = String::with_capacity(nfc.len());
    for word in nfc.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.to_lowercase()
}

/// The key two names are compared by: normalised, with white space and punctuation removed
/// ("Gangnam-gu" → "gangnamgu", "여성 고용률" → "여성고용률", "Women's" → "womens").
pub fn compact(text: &str) -> String {
    normalize(text).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Korean particles and endings that follow a name in speech ("마포구는", "강남구에서").
const PARTICLES: &[&str] = &[
    "에서는",
    "에서",
    "으로",
    "까지",
    "부터",
    "에게",
    "한테",
    "께서",
    "이랑",
    "하고",
    "께",
    // "about": "3시쯤", "강남쯤" — said like a particle after a time or a place.
    "쯤에",
    "쯤",
    "는요",
    "은요",
    "도요",
    "이요",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "의",
    "도",
    "로",
    "와",
    "과",
    "랑",
    "요",
];

/// Whether `word` is one of the particles that follow a name ("는", "에서", "이랑").
pub fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&word)
}

/// The compact key with one trailing particle removed, for each particle that fits
/// ("마포구는" → ["마포구"]). Empty for text that does not end in Hangul.
pub fn without_particle(key: &str) -> Vec<String> {
    split_particle(key).into_iter().map(|(stem, _)| stem).collect()
}

/// Like [`without_particle`], with the particle: ("마포구는") → [("마포구", "는")].
pub fn split_particle(key: &str) -> Vec<(String, String)> {
    if !key.chars().last().is_some_and(is_hangul) {
        return Vec::new();
    }
    PARTICLES
        .iter()
        .filter_map(|p| key.strip_suffix(p).map(|stem| (stem, *p)))
        .filter(|(stem, _)| stem.chars().count() >= 2)
        .map(|(stem, p)| (stem.to_string(), p.to_string()))
        .collect()
}

pub fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// One token with its byte offsets in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Hangul,
    Word,
    Other,
}

fn script_of(c: char) -> Script {
    if is_hangul(c) {
        Script::Hangul
    } else if c.is_alphanumeric() {
        Script::Word
    } else {
        Script::Other
    }
}

/// Splits text into runs of one script; Hangul runs become bigrams (a lone syllable stays a
/// unigram), other alphanumeric runs become words. Apostrophes inside words are dropped so that
/// "women's" and "womens" are one token.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut run_start: Option<(usize, Script)> = None;
    let flush = |start: usize, end: usize, script: Script, out: &mut Vec<Piece>| match script {
        Script::Hangul => push_bigrams(text, start, end, out),
        Script::Word => out.push(Piece { text: text[start..end].replace('\'', ""), from: start, to: end }),
        Script::Other => {}
    };
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let mut script = script_of(c);
        // "women's": keep the apostrophe inside a word so the word is not split in two.
        if c == '\'' && matches!(prev, Some(p) if p.is_alphanumeric() && !is_hangul(p)) {
            script = Script::Word;
        }
        match run_start {
            Some((start, s)) if s != script => {
                flush(start, i, s, &mut out);
                run_start = Some((i, script));
            }
            None => run_start = Some((i, script)),
            _ => {}
        }
        prev = Some(c);
    }
    if let Some((start, s)) = run_start {
        flush(start, text.len(), s, &mut out);
    }
    out
}

fn push_bigrams(text: &str, start: usize, end: usize, out: &mut Vec<Piece>) {
    let chars: Vec<(usize, char)> = text[start..end].char_indices().collect();
    if chars.len() == 1 {
        out.push(Piece { text: text[start..end].to_string(), from: start, to: end });
        return;
    }
    for w in chars.windows(2) {
        let from = start + w[0].0;
        let to = start + w[1].0 + w[1].1.len_utf8();
        out.push(Piece { text: text[from..to].to_string(), from, to });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        pieces(s).into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn hangul_runs_become_bigrams() {
        assert_eq!(texts("강남구에서"), ["강남", "남구", "구에", "에서"]);
        assert_eq!(texts("구 미세먼지"), ["구", "미세", "세먼", "먼지"]);
    }

    #[test]
    fn latin_words_and_mixed_scripts_split() {
        assert_eq!(texts("Gangnam-gu PM2.5"), ["Gangnam", "gu", "PM2", "5"]);
        assert_eq!(texts("women's 고용률"), ["womens", "고용", "용률"]);
    }

    #[test]
    fn compact_drops_space_and_punctuation() {
        assert_eq!(compact(" Gangnam-Gu "), "gangnamgu");
        assert_eq!(compact("여성 고용률"), "여성고용률");
        assert_eq!(compact("Women's employment rate"), "womensemploymentrate");
    }

    #[test]
    fn particles_come_off_names() {
        assert_eq!(without_particle("마포구는"), ["마포구"]);
        assert_eq!(without_particle("강남구에서"), ["강남구"]);
        assert!(without_particle("gangnam").is_empty());
        assert!(without_particle("구는").is_empty());
    }

    #[test]
    fn offsets_point_into_the_source() {
        let s = "마포구 air";
        for p in pieces(s) {
            assert_eq!(&s[p.from..p.to].replace('\'', ""), &p.text);
        }
    }
}
