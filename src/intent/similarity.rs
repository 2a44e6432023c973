//! Edit distance between match keys (compact text, slots removed).

/// Levenshtein distance over characters.
pub fn distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `d[k]` = the distance between `pattern` and `text[..k]`, for every k.
pub fn prefix_distances(pattern: &[char], text: &[char]) -> Vec<usize> {
    // Rows over the pattern, columns over the text: the last row is what we want.
    let mut row: Vec<usize> = (0..=text.len()).collect();
    for (i, p) in pattern.iter().enumerate() {
        let mut next = vec![i + 1; text.len() + 1];
        for (k, t) in text.iter().enumerate() {
            next[k + 1] = (row[k] + usize::from(p != t)).min(row[k + 1] + 1).min(next[k] + 1);
        }
        row = next;
    }
    row
}

/// 1.0 for equal keys, falling towards 0 as they differ.
pub fn similarity(a: &[char], b: &[char]) -> f32 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    1.0 - distance(a, b) as f32 / longest as f32
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
        let text = k("민원중에소음관련");
        let d = prefix_distances(&k("민원중에"), &text);
        assert_eq!(d.len(), text.len() + 1);
        assert_eq!((d[4], d[3], d[0]), (0, 1, 4));
        for n in 0..=text.len() {
            assert_eq!(d[n], distance(&k("민원중에"), &text[..n]));
        }
    }
}
