//! Weighted edit distance between match keys. A key is a string of compact characters in which
//! each slot is one placeholder character; a placeholder stands for a whole name, so inserting,
//! deleting or substituting one costs [`SLOT_COST`] instead of 1.

pub const SLOT_COST: u32 = 4;
/// Placeholders live in a private-use block: they never occur in normalised text.
pub const PLACEHOLDER_BASE: u32 = 0xF0000;

pub fn is_placeholder(c: char) -> bool {
    (c as u32) >= PLACEHOLDER_BASE
}

fn cost(c: char) -> u32 {
    if is_placeholder(c) { SLOT_COST } else { 1 }
}

pub fn weight(key: &[char]) -> u32 {
    key.iter().map(|c| cost(*c)).sum()
}

/// Weighted Levenshtein distance.
pub fn distance(a: &[char], b: &[char]) -> u32 {
    let mut prev: Vec<u32> = std::iter::once(0).chain(b.iter().scan(0, |acc, c| { *acc += cost(*c); Some(*acc) })).collect();
    let mut cur = vec![0u32; b.len() + 1];
    for ca in a {
        cur[0] = prev[0] + cost(*ca);
        for (j, cb) in b.iter().enumerate() {
            let sub = if ca == cb { 0 } else { cost(*ca).max(cost(*cb)) };
            cur[j + 1] = (prev[j] + sub).min(prev[j + 1] + cost(*ca)).min(cur[j] + cost(*cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// 1.0 for equal keys, falling towards 0 as they differ.
pub fn similarity(a: &[char], b: &[char]) -> f32 {
    let longest = weight(a).max(weight(b));
    if longest == 0 {
        return 1.0;
    }
    1.0 - distance(a, b) as f32 / longest as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Vec<char> {
        s.chars().map(|c| if c == '#' { char::from_u32(PLACEHOLDER_BASE).unwrap_or('#') } else { c }).collect()
    }

    #[test]
    fn distances() {
        assert_eq!(distance(&k("kitten"), &k("sitting")), 3);
        assert_eq!(distance(&k("#미세먼지"), &k("미세먼지")), SLOT_COST);
        assert_eq!(distance(&k("#미세먼지보여줘"), &k("#미세먼지보여줘")), 0);
        assert!(similarity(&k("#미세먼지보여줘"), &k("#미세먼지보여주세요")) > 0.7);
        assert!(similarity(&k("tellmeajoke"), &k("showme#airquality")) < 0.5);
    }
}
