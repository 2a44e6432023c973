//! Edit distance between match keys (compact text, slots removed).

/// Levenshtein distance over characters (bit-parallel, by `rapidfuzz`).
pub fn distance(a: &[char], b: &[char]) -> usize {
    rapidfuzz::distance::levenshtein::distance(a.iter().copied(), b.iter().copied())
}

/// `d[k]` = the distance between `pattern` and `text[..k]`, for every k.
///
/// Bit-parallel (Myers, in Hyyrö's form for the distance to a prefix): one column of the
/// table per character of the text, for a pattern of up to 64 characters.
pub fn prefix_distances(pattern: &[char], text: &[char]) -> Vec<usize> {
    let m = pattern.len();
    if m == 0 || m > 64 {
        return prefix_distances_by_table(pattern, text);
    }
    // Per distinct character of the pattern, the positions that hold it.
    let mut masks: Vec<(char, u64)> = Vec::new();
    for (i, c) in pattern.iter().enumerate() {
        match masks.iter_mut().find(|(d, _)| d == c) {
            Some((_, mask)) => *mask |= 1 << i,
            None => masks.push((*c, 1 << i)),
        }
    }
    let last = 1u64 << (m - 1);
    let (mut pv, mut mv, mut score) = (!0u64, 0u64, m);
    let mut out = Vec::with_capacity(text.len() + 1);
    out.push(m);
    for c in text {
        let eq = masks.iter().find(|(d, _)| d == c).map_or(0, |(_, mask)| *mask);
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        if ph & last != 0 {
            score += 1;
        } else if mh & last != 0 {
            score -= 1;
        }
        // The top row grows by one per column: the distance of nothing to text[..k] is k.
        let ph = (ph << 1) | 1;
        let mh = mh << 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
        out.push(score);
    }
    out
}

/// As [`prefix_distances`], row by row, for any length.
fn prefix_distances_by_table(pattern: &[char], text: &[char]) -> Vec<usize> {
    // Rows over the pattern, columns over the text: the last row is what we want.
    let mut row: Vec<usize> = (0..=text.len()).collect();
    let mut next = vec![0; text.len() + 1];
    for (i, p) in pattern.iter().enumerate() {
        next[0] = i + 1;
        for (k, t) in text.iter().enumerate() {
            next[k + 1] = (row[k] + usize::from(p != t)).min(row[k + 1] + 1).min(next[k] + 1);
        }
        std::mem::swap(&mut row, &mut next);
    }
    row
}

/// 1.0 for equal keys, falling towards 0 as they differ.
pub fn similarity(a: &[char], b: &[char]) -> f32 {
    of_distance(distance(a, b), a.len(), b.len())
}

/// The similarity of two keys of these lengths that are `distance` apart.
pub fn of_distance(distance: usize, a: usize, b: usize) -> f32 {
    let longest = a.max(b);
    if longest == 0 {
        return 1.0;
    }
    1.0 - distance as f32 / longest as f32
}

/// One key compared with many: its bit masks are built once.
pub struct Comparer<'a> {
    key: &'a [char],
    batch: rapidfuzz::distance::levenshtein::BatchComparator<char>,
}

impl<'a> Comparer<'a> {
    pub fn new(key: &'a [char]) -> Self {
        Comparer { key, batch: rapidfuzz::distance::levenshtein::BatchComparator::new(key.iter().copied()) }
    }

    pub fn similarity(&self, other: &[char]) -> f32 {
        of_distance(self.batch.distance(other.iter().copied()), self.key.len(), other.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distances() {
        assert_eq!(distance(&k("kitten"), &k("sitting")), 3);
        assert_eq!(distance(&k(""), &k("abc")), 3);
        assert!((similarity(&k("미세먼지보여줘"), &k("미세먼지보여주세요")) - 2.0 / 3.0).abs() < 1e-6);
        assert!(similarity(&k("tellmejoke"), &k("showmeairquality")) < 0.5);
        assert_eq!(similarity(&k(""), &k("")), 1.0);
        let key = k("미세먼지보여줘");
        let one = Comparer::new(&key);
        assert_eq!(
            one.similarity(&k("미세먼지보여주세요")),
            similarity(&k("미세먼지보여줘"), &k("미세먼지보여주세요"))
        );
        assert_eq!(Comparer::new(&k("")).similarity(&k("")), 1.0);
        let text = k("민원중에소음관련");
        let d = prefix_distances(&k("민원중에"), &text);
        assert_eq!(d.len(), text.len() + 1);
        assert_eq!((d[4], d[3], d[0]), (0, 1, 4));
        for n in 0..=text.len() {
            assert_eq!(d[n], distance(&k("민원중에"), &text[..n]));
        }
    }

    #[test]
    fn bit_parallel_prefix_distances_are_the_table_s() {
        // Many pairs from a small alphabet (many equal characters), of every length to 70.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let alphabet = k("abc민원 ");
        for _ in 0..500 {
            let m = next() % 71;
            let n = next() % 90;
            let pattern: Vec<char> = (0..m).map(|_| alphabet[next() % alphabet.len()]).collect();
            let text: Vec<char> = (0..n).map(|_| alphabet[next() % alphabet.len()]).collect();
            assert_eq!(
                prefix_distances(&pattern, &text),
                prefix_distances_by_table(&pattern, &text),
                "{pattern:?} {text:?}"
            );
        }
    }
}
