//! Slot spotting: finds the names of districts, neighbourhoods, indicators, officials and the
//! grammar's list values in an utterance, allowing Korean particles ("마포구는") and one typo
//! in longer names ("Gannam", "employmnt"). Pure and in memory; the resolver later confirms
//! entities through the index.

use crate::city::City;
use crate::grammar::Grammar;
use crate::text::{compact, is_hangul, split_particle};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub slot: String,
    pub value: String,
}

/// A spotted slot: words `start..end` of the utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub slot: String,
    pub value: String,
    pub text: String,
    /// 1.0 exact, less for a typo match.
    pub quality: f32,
    /// A particle heard after the name ("는" in "마포구는"), which stays part of the sentence.
    pub particle: String,
}

pub struct Spotter {
    exact: HashMap<String, Vec<Entry>>,
    /// English names with their words' endings taken off (`loose`): "light roasted" finds
    /// "light roast", "ice mocha" finds "iced mocha".
    loose: HashMap<String, Vec<Entry>>,
    /// Single-deletion variants of every key of at least [`FUZZY_MIN`] characters → keys.
    deletions: HashMap<String, Vec<String>>,
    /// The longest key, in characters: a longer run of words is no name, even with a typo.
    longest: usize,
    /// The first two and the last two characters of every key that a typo may be found in,
    /// with its length: one edit leaves one end of a word as it was, so a run of words whose
    /// ends are both unknown at lengths one apart from its own has no name one edit away.
    ends: HashSet<(char, char, bool, usize)>,
    /// The last words spotted and their spans: one utterance is spotted by several readers
    /// (the templates, the loose stage, the names).
    last: Mutex<Option<(Vec<String>, Vec<Span>)>>,
}

const FUZZY_MIN: usize = 5;
const MAX_SPAN_WORDS: usize = 6;

/// A Latin-script name's words without their inflection endings (-ing, -ed, -es, -d, -s), so
/// that a recognizer's "roasted" or "ice" meets the grammar's "roast" or "iced". Other scripts:
/// None.
pub(super) fn loose(text: &str) -> Option<String> {
    if !text.chars().any(|c| c.is_ascii_alphabetic()) || text.chars().any(is_hangul) {
        return None;
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_lowercase();
            for ending in ["ing", "ed", "es", "d", "s"] {
                if let Some(stem) = w.strip_suffix(ending) {
                    if stem.chars().count() >= 3 {
                        return stem.to_string();
                    }
                }
            }
            w
        })
        .collect();
    Some(compact(&words.join(" ")))
}

/// A name without the city before it ("서울시립미술관" → "시립미술관", "Seoul Museum of Art" →
/// "museum of art"), when enough is left to name something.
fn without_city(name: &str) -> Vec<String> {
    let lower = name.to_lowercase();
    // Every reading: "서울시립미술관" is "시립미술관" (after "서울"), not "립미술관" (after "서울시").
    ["서울특별시", "서울시", "서울", "the seoul ", "seoul "]
        .iter()
        .filter_map(|p| lower.strip_prefix(p))
        .map(|rest| rest.trim())
        .map(|rest| rest.strip_prefix("metropolitan ").unwrap_or(rest))
        .filter(|rest| compact(rest).chars().count() >= if rest.chars().any(is_hangul) { 3 } else { 6 })
        .map(str::to_string)
        .collect()
}

fn deletions(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    (0..chars.len()).map(|i| chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect()).collect()
}

impl Spotter {
    pub fn new(city: &City, grammar: &Grammar) -> Spotter {
        let mut exact: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut add = |names: Vec<&String>, slot: &str, value: &str| {
            for n in names {
                let key = compact(n);
                if key.is_empty() {
                    continue;
                }
                let list = exact.entry(key).or_default();
                if !list.iter().any(|e| e.slot == slot && e.value == value) {
                    list.push(Entry { slot: slot.into(), value: value.into() });
                }
            }
        };
        // Order matters: earlier slots win when one name means two things.
        for d in &city.districts {
            add(
                [&d.name_ko, &d.name_en].into_iter().chain(&d.aliases_ko).chain(&d.aliases_en).collect(),
                "district",
                &d.code,
            );
        }
        for o in &city.officials {
            let names = [&o.title_ko, &o.title_en].into_iter().chain(&o.aliases_ko).chain(&o.aliases_en).collect();
            add(names, "official", &o.id);
        }
        // The city's own offices are named without the city ("시립미술관" for "서울시립미술관",
        // "museum of art" for "the Seoul Museum of Art"); where that names something else first,
        // the other holds (it was added before).
        for o in &city.officials {
            let names = [&o.title_ko, &o.title_en].into_iter().chain(&o.aliases_ko).chain(&o.aliases_en);
            let short: Vec<String> = names.flat_map(|n| without_city(n)).collect();
            add(short.iter().collect(), "official", &o.id);
        }
        for i in &city.indicators {
            add(
                [&i.name_ko, &i.name_en].into_iter().chain(&i.synonyms_ko).chain(&i.synonyms_en).collect(),
                "indicator",
                &i.id,
            );
        }
        // An indicator named without its measure ("youth unemployment", "adult obesity").
        for i in &city.indicators {
            let bare: Vec<String> = [&i.name_en]
                .into_iter()
                .chain(&i.synonyms_en)
                .filter_map(|n| {
                    let n = n.to_lowercase();
                    [" rate", " ratio", " annual average"].iter().find_map(|m| n.strip_suffix(m).map(str::to_string))
                })
                .filter(|n| n.chars().count() >= 6)
                .collect();
            add(bare.iter().collect(), "indicator", &i.id);
        }
        for n in &city.neighbourhoods {
            add(vec![&n.name_ko], "neighbourhood", &n.code);
        }
        for (list, values) in &grammar.lists {
            for v in values {
                add(v.words.iter().collect(), list, &v.value);
            }
        }
        let mut loose_keys: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut add_loose = |names: Vec<&String>, slot: &str, value: &str| {
            for key in names.into_iter().filter_map(|n| loose(n)).filter(|k| k.chars().count() >= 4) {
                let list = loose_keys.entry(key).or_default();
                if !list.iter().any(|e| e.slot == slot && e.value == value) {
                    list.push(Entry { slot: slot.into(), value: value.into() });
                }
            }
        };
        for (list, values) in &grammar.lists {
            for v in values {
                add_loose(v.words.iter().collect(), list, &v.value);
            }
        }
        for i in &city.indicators {
            add_loose([&i.name_en].into_iter().chain(&i.synonyms_en).collect(), "indicator", &i.id);
        }
        let mut dels: HashMap<String, Vec<String>> = HashMap::new();
        for key in exact.keys().filter(|k| k.chars().count() >= FUZZY_MIN) {
            for d in deletions(key) {
                dels.entry(d).or_default().push(key.clone());
            }
        }
        let longest = exact.keys().chain(loose_keys.keys()).map(|k| k.chars().count()).max().unwrap_or(0);
        let mut ends = HashSet::new();
        // Keys one shorter than the shortest searched too: a typo may be an extra letter.
        for key in exact.keys().filter(|k| k.chars().count() + 1 >= FUZZY_MIN) {
            let chars: Vec<char> = key.chars().collect();
            let n = chars.len();
            ends.insert((chars[0], chars[1], true, n));
            ends.insert((chars[n - 2], chars[n - 1], false, n));
        }
        Spotter { exact, loose: loose_keys, deletions: dels, longest, ends, last: Mutex::new(None) }
    }

    /// Entries for a compact key, with the match quality and any particle taken off: exact,
    /// then without a trailing particle, then with English endings taken off, then one edit away.
    fn lookup(&self, text: &str, key: &str) -> Option<(&[Entry], f32, String)> {
        if let Some(e) = self.exact.get(key) {
            return Some((e, 1.0, String::new()));
        }
        for (stem, particle) in split_particle(key) {
            if let Some(e) = self.exact.get(&stem) {
                return Some((e, 1.0, particle));
            }
        }
        // A title with its honorific ("1부시장님", "국장님께", "구청장님이랑"), people in the plural
        // ("청년들", "어르신들이", "여성분들"): the name.
        for suffix in ["님들", "분들", "님", "들"] {
            let Some(at) = key.rfind(suffix) else { continue };
            let (stem, after) = (&key[..at], &key[at + suffix.len()..]);
            if (after.is_empty() || crate::text::is_particle(after)) && stem.chars().count() >= 2 {
                if let Some(e) = self.exact.get(stem) {
                    return Some((e, 1.0, format!("{suffix}{after}")));
                }
            }
        }
        if let Some(e) = loose(text).and_then(|k| self.loose.get(&k)) {
            return Some((e, 0.9, String::new()));
        }
        // Longer than any name plus a typo: no name.
        if key.chars().count() > self.longest + 1 {
            return None;
        }
        self.lookup_typo(key).map(|(e, q)| (e, q, String::new()))
    }

    fn lookup_typo(&self, key: &str) -> Option<(&[Entry], f32)> {
        let n = key.chars().count();
        if n < FUZZY_MIN {
            return None;
        }
        // Korean names are short and close to each other (강남구/강서구): typos only in long ones.
        if key.chars().any(is_hangul) && n < 6 {
            return None;
        }
        let chars: Vec<char> = key.chars().collect();
        let (head, tail) = ((chars[0], chars[1], true), (chars[n - 2], chars[n - 1], false));
        let near =
            |(a, b, first): (char, char, bool)| (n - 1..=n + 1).any(|len| self.ends.contains(&(a, b, first, len)));
        if !near(head) && !near(tail) {
            return None;
        }
        // Same length (substitution), one more (insertion) or one less (deletion) character.
        // Of the keys found, the first in order, as before any was found.
        fn consider<'a>(first: &mut Option<&'a String>, k: &'a String) {
            if first.is_none_or(|f| k < f) {
                *first = Some(k);
            }
        }
        // An English word in one of its grammatical forms is that word, not a misspelt name
        // ("hanging up" is no "Hangang"): a typo keeps such an ending only where the name has it.
        let form = |k: &str| ["ing", "ed", "ly"].into_iter().find(|e| k.ends_with(e));
        let ending_kept = |k: &str| form(key).is_none_or(|e| k.ends_with(e));
        let mut first: Option<&String> = None;
        if let Some(keys) = self.deletions.get(key) {
            keys.iter().filter(|k| ending_kept(k)).for_each(|k| consider(&mut first, k));
        }
        let mut deleted = String::with_capacity(key.len());
        for i in 0..chars.len() {
            deleted.clear();
            deleted.extend(chars[..i].iter().chain(&chars[i + 1..]));
            if let Some(e) = self.exact.get(&deleted).filter(|_| ending_kept(&deleted)) {
                return Some((e.as_slice(), 0.85));
            }
            if let Some(keys) = self.deletions.get(&deleted) {
                keys.iter().filter(|k| k.chars().count() == n && ending_kept(k)).for_each(|k| consider(&mut first, k));
            }
        }
        first.and_then(|k| self.exact.get(k)).map(|e| (e.as_slice(), 0.85))
    }

    /// Whether either run of words is a name as it is written.
    fn is_exact(&self, a: &[&str], b: &[&str]) -> bool {
        [a, b].iter().any(|w| self.exact.contains_key(&compact(&w.join(" "))))
    }

    /// Non-overlapping spans, longest first, then leftmost.
    pub fn spot(&self, words: &[&str]) -> Vec<Span> {
        if let Ok(last) = self.last.lock() {
            if let Some((w, spans)) = last.as_ref().filter(|(w, _)| w.iter().eq(words.iter().copied())) {
                debug_assert_eq!(w.len(), words.len());
                return spans.clone();
            }
        }
        let spans = self.spot_anew(words);
        if let Ok(mut last) = self.last.lock() {
            *last = Some((words.iter().map(|w| w.to_string()).collect(), spans.clone()));
        }
        spans
    }

    fn spot_anew(&self, words: &[&str]) -> Vec<Span> {
        let mut taken = vec![false; words.len()];
        let mut spans = Vec::new();
        // A run's key is its words' keys joined: white space is what `compact` takes out.
        let keys: Vec<String> = words.iter().map(|w| compact(w)).collect();
        for len in (1..=MAX_SPAN_WORDS.min(words.len())).rev() {
            for start in 0..=words.len() - len {
                let end = start + len;
                if taken[start..end].iter().any(|t| *t) {
                    continue;
                }
                let key = keys[start..end].concat();
                if key.is_empty() {
                    continue;
                }
                let text = words[start..end].join(" ");
                if let Some((entries, quality, particle)) = self.lookup(&text, &key) {
                    // A near miss that is a name plus a word beside it ("a latte": "alatte" is
                    // "latte" and one letter) is that name, exactly, and the word.
                    if quality < 1.0 && len > 1 && self.is_exact(&words[start + 1..end], &words[start..end - 1]) {
                        continue;
                    }
                    let Some(first) = entries.first() else { continue };
                    taken[start..end].iter_mut().for_each(|t| *t = true);
                    spans.push(Span {
                        start,
                        end,
                        slot: first.slot.clone(),
                        value: first.value.clone(),
                        text,
                        quality,
                        particle,
                    });
                }
            }
        }
        spans.sort_by_key(|s| s.start);
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::loose;

    #[test]
    fn english_endings_come_off_and_other_scripts_are_left_alone() {
        assert_eq!(loose("light roasted"), loose("Light roast"));
        assert_eq!(loose("ice mocha"), loose("iced mocha"));
        assert_eq!(loose("double shots"), loose("double shot"));
        // Short words keep their letters ("red" is not "r").
        assert_eq!(loose("red").as_deref(), Some("red"));
        assert_eq!(loose("강남구"), None);
    }
}
