//! Candidate retrieval and scoring for the matcher: the sentences that share character bigrams
//! with a reading (searched only in the groups whose slots fit), then edit-distance scores,
//! with the free-text split for `{query}` sentences.

use super::forms::SlotMask;
use super::similarity::{self, similarity as sim};
use super::spot::Span;
use super::{Matcher, Sentence, ACCEPT, CANDIDATES};
use rustc_hash::FxHashMap as HashMap;

/// Sentences with the same slot signature, and per bigram id the ones that have it.
pub(super) struct Group {
    pub(super) allowed: SlotMask,
    pub(super) required: SlotMask,
    pub(super) postings: HashMap<u32, Vec<u32>>,
    pub(super) members: Vec<u32>,
}

/// Sentences visited per reading before common bigrams are skipped (see `score`).
const POSTINGS_BUDGET: usize = 4_000;
/// Partial matches recounted exactly when the budget ran out.
const RECOUNT: usize = 150;

/// Key lengths a sentence may have and still be accepted for a reading of length `len`
/// (with a margin, so that near misses can still be named as the closest command).
fn length_window(len: usize) -> (usize, usize) {
    let slack = 1.0 - ACCEPT + 0.1;
    let min = (len as f32 * (1.0 - slack)).floor() as usize;
    let max = (len as f32 / (1.0 - slack)).ceil() as usize + 1;
    (min, max)
}

/// How many ids two sorted lists share.
fn overlap(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

pub(super) fn bigrams_of(key: &[char]) -> Vec<(char, char)> {
    let mut v: Vec<(char, char)> = key.windows(2).map(|w| (w[0], w[1])).collect();
    if key.len() == 1 {
        v.push((key[0], key[0]));
    }
    v.sort();
    v.dedup();
    v
}

impl Matcher {
    /// Sentences whose slots fit `mask` and that share bigrams with `key`, with how many they
    /// share. Only the groups of sentences with fitting slots are searched.
    pub(super) fn candidates(&self, key: &[char], mask: SlotMask, counts: &mut [u16]) -> Vec<(u32, u16)> {
        let grams = bigrams_of(key);
        let ids: Vec<u32> = grams.iter().filter_map(|g| self.gram_ids.get(g).copied()).collect();
        let mut sorted_ids = ids.clone();
        sorted_ids.sort_unstable();
        let mut out: Vec<(u32, u16)> = Vec::new();
        // similarity = 1 - distance / longer length, and distance ≥ the difference in length.
        let (min_len, max_len) = length_window(key.len());
        let len_of = |id: &u32| self.sentences[*id as usize].key.len();
        for group in self.groups.iter().filter(|g| g.required & !mask == 0 && mask & !g.allowed == 0) {
            let mut postings: Vec<&[u32]> = ids
                .iter()
                .filter_map(|id| group.postings.get(id))
                .map(|p| {
                    &p[p.partition_point(|id| len_of(id) < min_len)..p.partition_point(|id| len_of(id) <= max_len)]
                })
                .collect();
            postings.sort_unstable_by_key(|p| p.len());
            // Rarest bigrams first; common ones ("보여", "sh") are counted only while the budget
            // lasts. If it ran out, the best partial matches are recounted exactly.
            let (mut spent, mut exact) = (0usize, true);
            let mut touched: Vec<u32> = Vec::new();
            for (n, posting) in postings.iter().enumerate() {
                if n >= 1 && spent + posting.len() > POSTINGS_BUDGET {
                    exact = false;
                    break;
                }
                spent += posting.len();
                for &sid in posting.iter() {
                    let c = &mut counts[sid as usize];
                    if *c == 0 {
                        touched.push(sid);
                    }
                    *c = c.saturating_add(1);
                }
            }
            if !exact && touched.len() > RECOUNT {
                // Most shared so far, then shortest (the Dice coefficient favours them).
                let rank = |id: &u32| {
                    (std::cmp::Reverse(counts[*id as usize]), self.sentences[*id as usize].gram_ids.len(), *id)
                };
                touched.select_nth_unstable_by_key(RECOUNT, rank);
                for id in &touched[RECOUNT..] {
                    counts[*id as usize] = 0;
                }
                touched.truncate(RECOUNT);
            }
            for id in touched {
                let c = if exact {
                    counts[id as usize]
                } else {
                    overlap(&sorted_ids, &self.sentences[id as usize].gram_ids) as u16
                };
                counts[id as usize] = 0;
                out.push((id, c));
            }
            if key.is_empty() {
                out.extend(
                    group.members.iter().filter(|id| self.sentences[**id as usize].key.is_empty()).map(|id| (*id, 0)),
                );
            }
        }
        out
    }

    /// Candidate sentences for a reading with their similarity (and the query text for `{query}`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn score(
        &self,
        key: &[char],
        mask: SlotMask,
        offsets: &[usize],
        words: &[&str],
        spans: &[Span],
        variant: &[Span],
        counts: &mut [u16],
    ) -> Vec<(f32, usize, Option<String>)> {
        let fits = |s: &Sentence| s.required & !mask == 0 && mask & !s.allowed == 0;
        let grams = bigrams_of(key);
        let pool = self.candidates(key, mask, counts);
        let mut ranked: Vec<(f32, u32)> = pool
            .iter()
            .filter(|(id, _)| {
                let s = &self.sentences[*id as usize];
                s.around_query.is_none() && fits(s)
            })
            .map(|&(id, n)| {
                (2.0 * n as f32 / (grams.len() + self.sentences[id as usize].gram_ids.len()).max(1) as f32, id)
            })
            .collect();
        let by_rank = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if ranked.len() > CANDIDATES {
            ranked.select_nth_unstable_by(CANDIDATES, by_rank);
            ranked.truncate(CANDIDATES);
        }
        let mut out: Vec<(f32, usize, Option<String>)> =
            ranked.iter().map(|(_, id)| (sim(key, &self.sentences[*id as usize].key), *id as usize, None)).collect();
        let mut have: Vec<u32> = grams.iter().filter_map(|g| self.gram_ids.get(g).copied()).collect();
        have.sort_unstable();
        // A name the free text swallowed could have been the sentence's own slot ("noise in
        // Gangnam"): such a reading loses a tie against the one that takes the name as a slot.
        let swallowed: Vec<&Span> = spans.iter().filter(|s| !variant.contains(s)).collect();
        out.extend(self.query_sentences.iter().filter(|id| fits(&self.sentences[**id as usize])).filter_map(|id| {
            let (s, id, q) = self.score_query(*id as usize, key, offsets, words, &have)?;
            let (i, j) = q.as_ref().map(|q| q.1).unwrap_or((0, 0));
            let penalty = 0.02 * swallowed.iter().filter(|sp| sp.start < j && sp.end > i).count() as f32;
            Some((s - penalty, id, q.map(|q| q.0)))
        }));
        out
    }

    /// Best split of the words into (text before, free query, text after) for a `{query}` sentence.
    #[allow(clippy::type_complexity)]
    pub(super) fn score_query(
        &self,
        id: usize,
        key: &[char],
        offsets: &[usize],
        words: &[&str],
        have: &[u32],
    ) -> Option<(f32, usize, Option<(String, (usize, usize))>)> {
        let sentence = &self.sentences[id];
        let (before, after) = sentence.around_query.as_ref()?;
        // Cheap filter: the sentence's fixed text must share most of its bigrams with the utterance.
        let want = &sentence.query_grams;
        if want.is_empty() || overlap(want, have) * 10 < want.len() * 7 {
            return None;
        }
        // Distances of the text before the query to every prefix of the key, and of the text
        // after it to every suffix: one pass each instead of one per split.
        let to_prefix = similarity::prefix_distances(before, key);
        let rev_key: Vec<char> = key.iter().rev().copied().collect();
        let rev_after: Vec<char> = after.iter().rev().copied().collect();
        let to_suffix = similarity::prefix_distances(&rev_after, &rev_key);
        let fixed_len = before.len() + after.len();
        let n = offsets.len() - 1;
        let mut best: Option<(f32, (usize, usize))> = None;
        for i in 0..n {
            for j in i + 1..=n {
                let (a, b) = (offsets[i], offsets[j]);
                // The free text is words the utterance has, and no name taken as a slot.
                if a == b || (i..j).any(|w| offsets[w] == offsets[w + 1]) {
                    continue;
                }
                let cost = to_prefix[a] + to_suffix[key.len() - b];
                let longest = (a + key.len() - b).max(fixed_len).max(1);
                let s = 1.0 - cost as f32 / longest as f32;
                if best.as_ref().is_none_or(|(bs, _)| s > *bs) {
                    best = Some((s, (i, j)));
                }
            }
        }
        best.map(|(s, (i, j))| (s, id, Some((words[i..j].join(" "), (i, j)))))
    }
}
