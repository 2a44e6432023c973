//! The expanded phrase list for a grammar-mode recognizer (Vosk for Korean): every sentence of
//! every template with its slots filled by real names. A sentence whose slots multiply beyond
//! `per_sentence` gets a covering sample instead (every value of every slot appears at least
//! once), and the whole list stops at `limit`; the report says what was cut.

use super::template::Piece;
use super::{Grammar, QUERY_SLOT};
use crate::city::City;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Serialize, Default)]
pub struct PhraseReport {
    pub phrases: usize,
    /// Sentences (slots open) in the grammar.
    pub sentences: usize,
    /// Sentences expanded in full.
    pub full: usize,
    /// Sentences whose slot combinations were sampled.
    pub sampled: usize,
    /// Sentences with free text (`{query}`), which a grammar-mode recognizer cannot cover.
    pub free_text: usize,
    /// True when `limit` stopped the expansion.
    pub truncated: bool,
    pub limit: usize,
}

/// What each slot can be, in the grammar's language.
pub fn slot_values(city: &City, grammar: &Grammar) -> HashMap<String, Vec<String>> {
    let ko = grammar.lang == "ko";
    let pick = |a: &String, b: &String| if ko { a.clone() } else { b.clone() };
    let mut v: HashMap<String, Vec<String>> = HashMap::new();
    for d in &city.districts {
        let list = v.entry("district".into()).or_default();
        list.push(pick(&d.name_ko, &d.name_en));
        list.extend(if ko { d.aliases_ko.iter().take(1) } else { d.aliases_en.iter().take(1) }.cloned());
    }
    for i in &city.indicators {
        v.entry("indicator".into()).or_default().push(pick(&i.name_ko, &i.name_en));
    }
    for o in &city.officials {
        v.entry("official".into()).or_default().push(pick(&o.title_ko, &o.title_en));
    }
    for n in &city.neighbourhoods {
        v.entry("neighbourhood".into()).or_default().push(n.name_ko.clone());
    }
    for (name, values) in &grammar.lists {
        v.entry(name.clone()).or_default().extend(values.iter().flat_map(|x| x.words.iter().cloned()));
    }
    for list in v.values_mut() {
        let mut seen = BTreeSet::new();
        list.retain(|x| seen.insert(x.clone()));
    }
    v
}

/// The phrase list and its report.
pub fn expand(
    grammar: &Grammar,
    values: &HashMap<String, Vec<String>>,
    per_sentence: usize,
    limit: usize,
) -> (Vec<String>, PhraseReport) {
    let mut per_sentence_phrases: Vec<Vec<String>> = Vec::new();
    let mut report = PhraseReport { limit, ..PhraseReport::default() };
    let empty = Vec::new();
    for command in &grammar.commands {
        for sentence in grammar.sentences(command) {
            report.sentences += 1;
            if sentence.iter().any(|p| matches!(p, Piece::Slot(s) if s == QUERY_SLOT)) {
                report.free_text += 1;
                continue;
            }
            let slots: Vec<&Vec<String>> = sentence
                .iter()
                .filter_map(|p| match p {
                    Piece::Slot(s) => Some(values.get(s).unwrap_or(&empty)),
                    Piece::Word(_) => None,
                })
                .collect();
            if slots.iter().any(|v| v.is_empty()) {
                continue;
            }
            let product = slots.iter().try_fold(1usize, |acc, v| acc.checked_mul(v.len())).unwrap_or(usize::MAX);
            let combos: Vec<Vec<usize>> = if product <= per_sentence {
                report.full += 1;
                (0..product)
                    .map(|mut n| {
                        slots
                            .iter()
                            .map(|v| {
                                let i = n % v.len();
                                n /= v.len();
                                i
                            })
                            .collect()
                    })
                    .collect()
            } else {
                report.sampled += 1;
                let rounds = slots.iter().map(|v| v.len()).max().unwrap_or(1);
                (0..rounds).map(|r| slots.iter().enumerate().map(|(k, v)| (r + k * 7) % v.len()).collect()).collect()
            };
            let mut phrases = Vec::with_capacity(combos.len());
            for combo in combos {
                let mut slot_i = 0;
                let words: Vec<&str> = sentence
                    .iter()
                    .map(|p| match p {
                        Piece::Word(w) => w.as_str(),
                        Piece::Slot(_) => {
                            let s = slots[slot_i][combo[slot_i]].as_str();
                            slot_i += 1;
                            s
                        }
                    })
                    .collect();
                phrases.push(words.join(" "));
            }
            per_sentence_phrases.push(phrases);
        }
    }
    // Over the limit, every sentence keeps its first phrases: take them round-robin.
    let mut out = BTreeSet::new();
    let longest = per_sentence_phrases.iter().map(Vec::len).max().unwrap_or(0);
    'rounds: for round in 0..longest {
        for phrases in &per_sentence_phrases {
            if let Some(p) = phrases.get(round) {
                out.insert(p.clone());
                if out.len() >= limit {
                    report.truncated = true;
                    break 'rounds;
                }
            }
        }
    }
    report.phrases = out.len();
    (out.into_iter().collect(), report)
}
