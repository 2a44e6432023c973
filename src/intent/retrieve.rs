//! Candidate retrieval and scoring for the matcher: the sentences that share character bigrams
//! with a reading (searched only in the groups whose slots fit), then edit-distance scores,
//! with the free-text split for `{query}` sentences.

use super::forms::SlotMask;
use super::similarity::{self, Comparer};
use super::spot::Span;
use super::{Matcher, Sentence, ACCEPT, CANDIDATES};
use rustc_hash::FxHashMap as HashMap;

/// Sentences with the same slot signature, and per bigram id the ones that have it.
pub(super) struct Group {
    pub(super) allowed: SlotMask,
    pub(super) required: SlotMask,
    pub(super) postings: HashMap<u32, Posting>,
    pub(super) members: Vec<u32>,
}

/// The sentences of a group that have one bigram, shortest key first, with their key lengths
/// alongside (a reading looks only at the lengths that can still reach the threshold).
#[derive(Default)]
pub(super) struct Posting {
    pub(super) ids: Vec<u32>,
    pub(super) lens: Vec<u16>,
}

/// Every sentence's distinct bigram ids, sorted: sentence `i`'s are `ids[at[i]..at[i + 1]]`.
pub(super) struct Grams {
    pub(super) at: Vec<u32>,
    pub(super) ids: Vec<u32>,
}

impl Grams {
    fn of(&self, sentence: u32) -> &[u32] {
        &self.ids[self.at[sentence as usize] as usize..self.at[sentence as usize + 1] as usize]
    }
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
        for group in self.groups.iter().filter(|g| g.required & !mask == 0 && mask & !g.allowed == 0) {
            let mut postings: Vec<&[u32]> = ids
                .iter()
                .filter_map(|id| group.postings.get(id))
                .map(|p| {
                    &p.ids[p.lens.partition_point(|l| (*l as usize) < min_len)
                        ..p.lens.partition_point(|l| *l as usize <= max_len)]
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
                // Most shared so far, then shortest (the Dice coefficient favours them): ranked
                // by one packed key, computed once per sentence.
                let mut ranked: Vec<u64> = touched
                    .iter()
                    .map(|&id| {
                        let shared = u16::MAX - counts[id as usize];
                        let grams = self.gram_len[id as usize] as u64;
                        (shared as u64) << 48 | grams << 32 | id as u64
                    })
                    .collect();
                ranked.select_nth_unstable(RECOUNT);
                for key in &ranked[RECOUNT..] {
                    counts[*key as u32 as usize] = 0;
                }
                touched = ranked[..RECOUNT].iter().map(|key| *key as u32).collect();
            }
            for id in touched {
                let c = if exact { counts[id as usize] } else { overlap(&sorted_ids, self.grams.of(id)) as u16 };
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
        // The pool holds no `{query}` sentence, and only sentences whose slots fit (their groups').
        let mut ranked: Vec<(f32, u32)> = pool
            .iter()
            .map(|&(id, n)| (2.0 * n as f32 / (grams.len() + self.gram_len[id as usize] as usize).max(1) as f32, id))
            .collect();
        let by_rank = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if ranked.len() > CANDIDATES {
            ranked.select_nth_unstable_by(CANDIDATES, by_rank);
            ranked.truncate(CANDIDATES);
        }
        let comparer = Comparer::new(key);
        let mut out: Vec<(f32, usize, Option<String>)> = ranked
            .iter()
            .map(|(_, id)| (comparer.similarity(&self.sentences[*id as usize].key), *id as usize, None))
            .collect();
        let mut have: Vec<u32> = grams.iter().filter_map(|g| self.gram_ids.get(g).copied()).collect();
        have.sort_unstable();
        // A name the free text swallowed could have been the sentence's own slot ("noise in
        // Gangnam"): such a reading loses a tie against the one that takes the name as a slot.
        let swallowed: Vec<&Span> = spans.iter().filter(|s| !variant.contains(s)).collect();
        let mut distances = QueryDistances::new(key);
        out.extend(
            self.query_candidates(&have, counts)
                .into_iter()
                .filter(|id| fits(&self.sentences[*id as usize]))
                .filter_map(|id| {
                    let (s, id, q) = self.score_query(id as usize, &mut distances, offsets, words)?;
                    let (i, j) = q.as_ref().map(|q| q.1).unwrap_or((0, 0));
                    let penalty = 0.02 * swallowed.iter().filter(|sp| sp.start < j && sp.end > i).count() as f32;
                    Some((s - penalty, id, q.map(|q| q.0)))
                }),
        );
        out
    }

    /// The `{query}` sentences whose fixed text shares most of its bigrams (70 %) with the
    /// utterance's: counted through their postings, not sentence by sentence.
    fn query_candidates(&self, have: &[u32], counts: &mut [u16]) -> Vec<u32> {
        let mut touched: Vec<u32> = Vec::new();
        for posting in have.iter().filter_map(|g| self.query_postings.get(g)) {
            for &id in posting {
                let c = &mut counts[id as usize];
                if *c == 0 {
                    touched.push(id);
                }
                *c = c.saturating_add(1);
            }
        }
        let mut out: Vec<u32> = Vec::new();
        for id in touched {
            let want = self.sentences[id as usize].query_grams.len();
            if counts[id as usize] as usize * 10 >= want * 7 {
                out.push(id);
            }
            counts[id as usize] = 0;
        }
        out
    }

    /// Best split of the words into (text before, free query, text after) for a `{query}` sentence.
    #[allow(clippy::type_complexity)]
    fn score_query<'a>(
        &'a self,
        id: usize,
        distances: &mut QueryDistances<'a>,
        offsets: &[usize],
        words: &[&str],
    ) -> Option<(f32, usize, Option<(String, (usize, usize))>)> {
        let sentence = &self.sentences[id];
        let (before, after) = sentence.around_query.as_ref()?;
        let key_len = distances.key.len();
        let (to_prefix, to_suffix) = distances.of(before, after);
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
                let cost = to_prefix[a] + to_suffix[key_len - b];
                let longest = (a + key_len - b).max(fixed_len).max(1);
                let s = 1.0 - cost as f32 / longest as f32;
                if best.as_ref().is_none_or(|(bs, _)| s > *bs) {
                    best = Some((s, (i, j)));
                }
            }
        }
        best.map(|(s, (i, j))| (s, id, Some((words[i..j].join(" "), (i, j)))))
    }
}

/// For one reading: the distance of a `{query}` sentence's text before the query to every
/// prefix of the key, and of its text after the query to every suffix. One pass each, shared
/// by the sentences that have the same text there (most share it with others).
struct QueryDistances<'a> {
    key: &'a [char],
    rev_key: Vec<char>,
    to_prefix: HashMap<&'a [char], Vec<usize>>,
    to_suffix: HashMap<&'a [char], Vec<usize>>,
}

impl<'a> QueryDistances<'a> {
    fn new(key: &'a [char]) -> Self {
        let rev_key = key.iter().rev().copied().collect();
        QueryDistances { key, rev_key, to_prefix: HashMap::default(), to_suffix: HashMap::default() }
    }

    fn of(&mut self, before: &'a [char], after: &'a [char]) -> (&[usize], &[usize]) {
        let key = self.key;
        let rev_key = &self.rev_key;
        self.to_prefix.entry(before).or_insert_with(|| similarity::prefix_distances(before, key));
        self.to_suffix.entry(after).or_insert_with(|| {
            let rev_after: Vec<char> = after.iter().rev().copied().collect();
            similarity::prefix_distances(&rev_after, rev_key)
        });
        (&self.to_prefix[before], &self.to_suffix[after])
    }
}
