//! Indicators said in the speaker's own words: "what percentage of small shops shut down",
//! "송파 국공립 어린이집 다니는 애들 비율". No list of names holds every way to say what an
//! indicator measures, so an indicator is found by how much of one of its names or synonyms the
//! words say: each phrase is a bag of word features (English stems; Korean letter pairs, since
//! endings and particles attach to words), weighted by how few indicators share the feature
//! ("rate" and "비율" say little, "daycare" and "폐업" much). The best phrase must be mostly
//! said, and clearly ahead of any other indicator's.

use super::loose::features;
use crate::city::City;
use crate::text::compact;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// The share of a phrase's weight that must be said.
const COVERED: f32 = 0.6;
/// How far ahead of the next indicator the best must be.
const AHEAD: f32 = 0.15;
/// Words that say nothing of what is measured.
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "in",
    "on",
    "for",
    "to",
    "with",
    "by",
    "and",
    "or",
    "per",
    "at",
    "from",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "it",
    "its",
    "i",
    "we",
    "you",
    "they",
    "my",
    "your",
    "what",
    "whats",
    "how",
    "many",
    "much",
    "show",
    "me",
    "us",
    "see",
    "can",
    "could",
    "would",
    "will",
    "like",
    "look",
    "looks",
    "number",
    "rate",
    "share",
    "percentage",
    "percent",
    "level",
    "levels",
    "our",
    "their",
    "this",
    "that",
    "there",
    "here",
    "do",
    "does",
    "did",
    "have",
    "has",
    "had",
    "get",
    "got",
    "out",
    "up",
    "down",
    "off",
    "over",
    "about",
    "into",
    "really",
    "very",
    "just",
    "now",
    "right",
    "today",
    "still",
    "all",
    "any",
    "some",
    "more",
    "most",
    "than",
    "then",
    "so",
    "if",
];

/// Whether a word asks for a figure ("how many", "비율", "몇 명").
/// Whether a word asks how many or what share ("how many", "rate", "몇", "비율"): more than a
/// word for figures in general ("numbers", "stats"), which a topic's screen has too.
pub fn count_or_rate(lang: &str, word: &str) -> bool {
    let key = compact(word);
    if lang == "en" {
        return matches!(
            key.as_str(),
            "many" | "share" | "percentage" | "percent" | "rate" | "rates" | "ratio" | "proportion"
        );
    }
    ["몇", "비율", "얼마나", "퍼센트"].iter().any(|f| key.starts_with(f))
        || (key.chars().count() > 1 && key.ends_with('률'))
}

pub fn figure(lang: &str, word: &str) -> bool {
    let key = compact(word);
    if lang == "en" {
        return matches!(
            key.as_str(),
            "many"
                | "number"
                | "numbers"
                | "share"
                | "percentage"
                | "percent"
                | "rate"
                | "rates"
                | "ratio"
                | "count"
                | "proportion"
                | "total"
                | "figure"
                | "figures"
                | "statistics"
                | "stats"
                | "score"
                | "scores"
                | "rating"
                | "ratings"
                | "index"
                | "level"
                | "levels"
        );
    }
    ["몇", "비율", "숫자", "건수", "얼마나", "퍼센트", "수치", "통계", "점수"].iter().any(|f| key.starts_with(f))
        || (key.chars().count() > 1 && key.ends_with('률'))
}

/// An indicator found, with the words that said it (`start..end`, in the words given).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: String,
    pub start: usize,
    pub end: usize,
    pub covered: f32,
}

pub struct Measures {
    lang: String,
    /// (indicator id, the phrase's features with their weights, the phrase's whole weight).
    phrases: Vec<(String, Vec<(String, f32)>, f32)>,
}

/// A word's features, for words that may say what is measured.
fn word_features(lang: &str, word: &str) -> Vec<String> {
    let key = compact(word);
    if key.is_empty() || (lang == "en" && STOP.contains(&key.as_str())) {
        return Vec::new();
    }
    // The word itself and its stem or letter pairs; a Korean word's own form says less than
    // its letters (particles), and an English one's stem is the same as its form or says it.
    // An English stem loses a final e as well ("create" and "created" are one).
    features(lang, &[word])
        .into_iter()
        .filter(|f| !f.starts_with("w=") || lang == "en")
        .map(|f| match f.strip_prefix("s=") {
            Some(stem) if stem.len() > 3 => format!("s={}", stem.trim_end_matches('e')),
            _ => f,
        })
        .collect()
}

impl Measures {
    pub fn new(city: &City, lang: &str) -> Measures {
        let mut raw: Vec<(String, Vec<String>)> = Vec::new();
        for i in &city.indicators {
            let (name, synonyms) =
                if lang == "ko" { (&i.name_ko, &i.synonyms_ko) } else { (&i.name_en, &i.synonyms_en) };
            for phrase in std::iter::once(name).chain(synonyms) {
                let mut fs: Vec<String> = phrase.split_whitespace().flat_map(|w| word_features(lang, w)).collect();
                fs.sort();
                fs.dedup();
                if !fs.is_empty() {
                    raw.push((i.id.clone(), fs));
                }
            }
        }
        // Inverse document frequency over indicators.
        let mut df: HashMap<&str, HashSet<&str>> = HashMap::default();
        for (id, fs) in &raw {
            for f in fs {
                df.entry(f.as_str()).or_default().insert(id.as_str());
            }
        }
        let n = city.indicators.len().max(1) as f32;
        let idf: HashMap<String, f32> =
            df.iter().map(|(f, ids)| (f.to_string(), (n / ids.len() as f32).ln().max(0.05))).collect();
        let phrases = raw
            .iter()
            .map(|(id, fs)| {
                let weighted: Vec<(String, f32)> = fs.iter().map(|f| (f.clone(), idf[f])).collect();
                let total = weighted.iter().map(|(_, w)| w).sum();
                (id.clone(), weighted, total)
            })
            .collect();
        Measures { lang: lang.to_string(), phrases }
    }

    /// The indicator `words` say most clearly, leaving out the words `taken` (names of places,
    /// people and the like).
    pub fn find(&self, words: &[&str], taken: impl Fn(usize) -> bool) -> Option<Found> {
        let mut at: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, w) in words.iter().enumerate().filter(|(i, _)| !taken(*i)) {
            for f in word_features(&self.lang, w) {
                at.entry(f).or_default().push(i);
            }
        }
        if at.is_empty() {
            return None;
        }
        // Per indicator, its best phrase: (covered, weight said, first word, last word, the
        // features said).
        type Best<'a> = (f32, f32, usize, usize, Vec<&'a str>);
        let mut best: HashMap<&str, Best> = HashMap::default();
        for (id, fs, total) in &self.phrases {
            let (mut said, mut first, mut last, mut heard) = (0.0f32, usize::MAX, 0usize, Vec::new());
            for (f, w) in fs {
                if let Some(positions) = at.get(f) {
                    said += w;
                    first = first.min(positions[0]);
                    last = last.max(positions[positions.len() - 1]);
                    heard.push(f.as_str());
                }
            }
            if said == 0.0 || *total <= 0.0 {
                continue;
            }
            let covered = said / total;
            let entry = best.entry(id.as_str()).or_insert((0.0, 0.0, 0, 0, Vec::new()));
            if (covered, said) > (entry.0, entry.1) {
                *entry = (covered, said, first, last, heard);
            }
        }
        let mut ranked: Vec<(&str, Best)> = best.into_iter().collect();
        ranked.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0).then(b.1 .1.total_cmp(&a.1 .1)).then(a.0.cmp(b.0)));
        let top = ranked.first()?.1 .0;
        // Of the indicators as well covered, the one whose words hold every other's and more
        // ("young people have jobs": the youth employment rate, not the employment rate).
        let close: Vec<&(&str, Best)> = ranked.iter().take_while(|r| top - r.1 .0 < AHEAD).collect();
        let holds = |a: &Best, b: &Best| b.4.iter().all(|f| a.4.contains(f)) && a.4.len() > b.4.len();
        let chosen = if close.len() == 1 {
            close[0]
        } else {
            *close.iter().find(|c| close.iter().all(|o| std::ptr::eq(*o, **c) || holds(&c.1, &o.1)))?
        };
        let (id, (covered, _, first, last, _)) = chosen;
        (*covered >= COVERED).then(|| Found { id: id.to_string(), start: *first, end: last + 1, covered: *covered })
    }
}

/// Indicators that are another's for one group of people ("청년 고용률" is "고용률" of the young,
/// "Women's employment rate" the employment rate of women): (indicator, group value) → the
/// group's own indicator. Said as a measure and a group ("청년들 일하는 비율"), the group's own
/// is meant.
pub struct Variants(HashMap<(String, String), String>);

impl Variants {
    pub fn new(city: &City, grammar: &crate::grammar::Grammar) -> Variants {
        let key = |w: &str| {
            let w = w.trim().trim_end_matches("'s").trim_end_matches("’s");
            super::spot::loose(w).unwrap_or_else(|| compact(w))
        };
        let groups: Vec<(&str, Vec<String>)> = ["age_group", "gender"]
            .iter()
            .filter_map(|slot| grammar.lists.get(*slot))
            .flatten()
            .map(|v| (v.value.as_str(), v.words.iter().map(|w| key(w)).collect()))
            .collect();
        let mut map = HashMap::default();
        for x in &city.indicators {
            for y in city.indicators.iter().filter(|y| y.id != x.id) {
                let pairs =
                    [(y.name_ko.clone(), x.name_ko.clone()), (y.name_en.to_lowercase(), x.name_en.to_lowercase())];
                for (whole, part) in pairs {
                    let Some(prefix) = whole.strip_suffix(part.as_str()).filter(|p| !p.trim().is_empty()) else {
                        continue;
                    };
                    let prefix = key(prefix);
                    for (value, keys) in &groups {
                        if keys.contains(&prefix) {
                            map.insert((x.id.clone(), value.to_string()), y.id.clone());
                        }
                    }
                }
            }
        }
        Variants(map)
    }

    /// The group's own indicator for `indicator`, if there is one.
    pub fn of(&self, indicator: &str, group: &str) -> Option<&str> {
        self.0.get(&(indicator.to_string(), group.to_string())).map(String::as_str)
    }
}
