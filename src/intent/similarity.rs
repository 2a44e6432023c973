//! Edit distance between match keys (compact text, slots removed).

/// Levenshtein distance over characters (bit-parallel, by `rapidfuzz`).
pub fn distance(a: &[char], b: &[char]) -> usize {
    rapidfuzz::distance::levenshtein::distance(a.iter().copied(), b.iter().copied())
}

/// `d[k]` = the distance between `pattern` and `text[..k]`, for every k.
pub fn prefix_distances(pattern: &[char], text: &[char]) -> Vec<usize> {
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
        let one = Comparer::new(&k("미세먼지보여줘"));
        assert_eq!(one.similarity(&k("미세먼지보여주세요")), similarity(&k("미세먼지보여줘"), &k("미세먼지보여주세요")));
        assert_eq!(Comparer::new(&k("")).similarity(&k("")), 1.0);
        let text = k("민원중에소음관련");
        let d = prefix_distances(&k("민원중에"), &text);
        assert_eq!(d.len(), text.len() + 1);
        assert_eq!((d[4], d[3], d[0]), (0, 1, 4));
        for n in 0..=text.len() {
            assert_eq!(d[n], distance(&k("민원중에"), &text[..n]));
        }
    }
}
