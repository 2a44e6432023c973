//! Korean names in Latin letters, by the Revised Romanization of Korean (the Ministry of
//! Culture's system, used on Seoul's road signs): "역삼동" → "Yeoksam-dong", "종로1가" →
//! "Jongno 1-ga", "신림동" → "Sillim-dong". Syllables are read with the sound changes the
//! system writes between them (a final consonant carried into a silent initial, nasals before
//! ㄴ/ㅁ/ㄹ, ㄹㄹ), and a place's administrative suffix (동, 가, 로, 길, 구) is
//! hyphenated and lower-case. Text that is not Hangul passes through unchanged.

const INITIALS: [&str; 19] =
    ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"];
const VOWELS: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu",
    "ui", "i",
];
/// A final consonant at the end of a word or before another consonant.
const FINALS: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t",
    "t", "k", "t", "p", "t",
];
/// A final consonant carried into the next syllable's silent initial (ㅇ), as it is said.
const CARRIED: [&str; 28] = [
    "", "g", "kk", "gs", "n", "nj", "n", "d", "r", "lg", "lm", "lb", "ls", "lt", "lp", "r", "m", "b", "bs", "s", "ss",
    "ng", "j", "ch", "k", "t", "p", "",
];

/// The final's sound class before a nasal or ㄹ: 0 none, else which.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    None,
    K,
    T,
    P,
    L,
    N,
    M,
    Ng,
}

fn class(final_: usize) -> Class {
    match final_ {
        0 => Class::None,
        1 | 2 | 3 | 9 | 24 => Class::K,
        7 | 19 | 20 | 22 | 23 | 25 | 27 => Class::T,
        14 | 17 | 18 | 26 => Class::P,
        8 | 11 | 12 | 13 | 15 => Class::L,
        4..=6 => Class::N,
        10 | 16 => Class::M,
        _ => Class::Ng,
    }
}

/// One run of Hangul syllables, as (initial, vowel, final) indexes, romanised together.
fn syllables(run: &[(usize, usize, usize)]) -> String {
    let mut out = String::new();
    for (i, &(initial, vowel, final_)) in run.iter().enumerate() {
        // This syllable's initial, as the previous final leaves it.
        let previous = if i > 0 { Some(run[i - 1].2) } else { None };
        let initial_text = match previous.map(class) {
            // ㄴ/ㄹ + ㄹ → ll; ㅁ/ㅇ (and ㄱ/ㅂ turned nasal) + ㄹ → n.
            Some(Class::L | Class::N) if initial == 5 => "l",
            Some(Class::M | Class::Ng | Class::K | Class::P) if initial == 5 => "n",
            Some(Class::L) if initial == 2 => "l",
            _ => INITIALS[initial],
        };
        out.push_str(initial_text);
        out.push_str(VOWELS[vowel]);
        // This syllable's final, as the next initial makes it sound.
        let next = run.get(i + 1).map(|s| s.0);
        let final_text = match (class(final_), next) {
            (Class::None, _) => "",
            // Carried into a silent initial (ㅇ keeps its ng).
            (c, Some(11)) if c != Class::Ng => CARRIED[final_],
            (Class::K, Some(2 | 5 | 6)) => "ng",
            (Class::T, Some(2 | 5 | 6)) => "n",
            (Class::P, Some(2 | 5 | 6)) => "m",
            (Class::N, Some(5)) => "l",
            (Class::L, Some(2 | 5)) => "l",
            _ => FINALS[final_],
        };
        out.push_str(final_text);
    }
    out
}

fn jamo(c: char) -> Option<(usize, usize, usize)> {
    let n = (c as u32).checked_sub(0xAC00)?;
    (n < 11172).then(|| ((n / 588) as usize, ((n % 588) / 28) as usize, (n % 28) as usize))
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The suffixes of Korean place names, hyphenated after the name ("Yeoksam-dong").
const SUFFIXES: [(char, &str); 5] = [('동', "dong"), ('가', "ga"), ('로', "ro"), ('길', "gil"), ('구', "gu")];

/// A Korean place name in Latin letters: each word's Hangul romanised and capitalised, its
/// administrative suffix hyphenated ("역삼1동" → "Yeoksam 1-dong"). Not Hangul: unchanged.
pub fn place(name: &str) -> String {
    name.split_whitespace().map(word).collect::<Vec<_>>().join(" ")
}

fn word(w: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    // A suffix after at least one more syllable or a number: "역삼동", "종로1가", not "가".
    let suffix = chars.last().and_then(|c| SUFFIXES.iter().find(|(k, _)| k == c)).filter(|_| chars.len() >= 2);
    let (stem, suffix) = match suffix {
        Some((_, latin)) => (&chars[..chars.len() - 1], Some(*latin)),
        None => (&chars[..], None),
    };
    // The stem: Hangul runs romanised, digits set apart ("종로1" → "Jongno 1").
    let mut out = String::new();
    let mut run = Vec::new();
    let flush = |run: &mut Vec<(usize, usize, usize)>, out: &mut String| {
        if !run.is_empty() {
            if out.chars().last().is_some_and(|c| c.is_ascii_digit()) {
                out.push(' ');
            }
            // A 동 inside a name ("회현동2가"): "Hoehyeon-dong 2-ga".
            let dong = jamo('동');
            match run.split_last() {
                Some((last, stem)) if Some(*last) == dong && !stem.is_empty() => {
                    out.push_str(&capitalised(&syllables(stem)));
                    out.push_str("-dong");
                }
                _ => out.push_str(&capitalised(&syllables(run))),
            }
            run.clear();
        }
    };
    for &c in stem {
        match jamo(c) {
            Some(j) => run.push(j),
            None => {
                flush(&mut run, &mut out);
                if c.is_ascii_digit() && out.chars().last().is_some_and(|l| l.is_alphabetic()) {
                    out.push(' ');
                }
                out.push(c);
            }
        }
    }
    flush(&mut run, &mut out);
    match suffix {
        Some(latin) if out.is_empty() => latin.to_string(),
        Some(latin) => format!("{out}-{latin}"),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seoul_places_as_the_signs_write_them() {
        for (ko, en) in [
            ("역삼동", "Yeoksam-dong"),
            ("종로1가", "Jongno 1-ga"),
            ("신림동", "Sillim-dong"),
            ("삼성동", "Samseong-dong"),
            ("압구정동", "Apgujeong-dong"),
            ("청담동", "Cheongdam-dong"),
            ("합정동", "Hapjeong-dong"),
            ("서교동", "Seogyo-dong"),
            ("목동", "Mok-dong"),
            ("신월동", "Sinwol-dong"),
            ("을지로3가", "Euljiro 3-ga"),
            ("왕십리", "Wangsimni"),
            ("대치동", "Daechi-dong"),
            ("잠실동", "Jamsil-dong"),
            ("노량진동", "Noryangjin-dong"),
            ("흑석동", "Heukseok-dong"),
            ("북가좌동", "Bukgajwa-dong"),
            ("역삼1동", "Yeoksam 1-dong"),
            ("회현동2가", "Hoehyeon-dong 2-ga"),
            ("Gangnam-gu", "Gangnam-gu"),
        ] {
            assert_eq!(place(ko), en, "{ko}");
        }
    }
}
