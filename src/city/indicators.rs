//! The catalogue of administration indicators and their monthly series.
//!
//! No open feed of the plan's indicators is reachable offline, so until one is connected the
//! monthly series is simulated from each indicator's 2016 baseline and yearly drift, with a
//! per-district offset and a small seasonal term. The simulation is a pure function of
//! (indicator, district, month): every screen and every process sees the same numbers.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vision {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    #[serde(default)]
    pub synonyms_ko: Vec<String>,
    #[serde(default)]
    pub synonyms_en: Vec<String>,
    pub unit: String,
    pub vision: String,
    /// Official id of the owning office.
    pub department: String,
    pub per_district: bool,
    pub per_age: bool,
    pub per_gender: bool,
    pub higher_is_better: bool,
    pub baseline_2016: f64,
    pub target_change_per_year: f64,
}

/// A month as (year, month 1–12).
pub type Month = (i32, u32);

pub const FIRST_MONTH: Month = (2016, 1);

/// The age groups a breakdown shows (the grammar's `age_group` values, oldest last).
pub const AGE_GROUPS: &[&str] = &["children", "youth", "30s", "40s", "50s", "60s", "elderly"];
pub const GENDERS: &[&str] = &["male", "female"];

/// The month before `month`, `n` times.
pub fn months_back((year, month): Month, n: u32) -> Month {
    let total = year * 12 + month as i32 - 1 - n as i32;
    (total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Point {
    pub year: i32,
    pub month: u32,
    pub value: f64,
}

/// A stable pseudo-random number in [-1, 1] from a string key (FNV-1a, then scaled).
fn jitter(key: &str) -> f64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    (h % 20_001) as f64 / 10_000.0 - 1.0
}

impl Indicator {
    /// The value for one month, city-wide (`district` None) or for one district.
    pub fn value(&self, district: Option<&str>, (year, month): Month) -> f64 {
        let years = f64::from(year - FIRST_MONTH.0) + f64::from(month.saturating_sub(1)) / 12.0;
        let scale = self.baseline_2016.abs().max(1.0);
        let city = self.baseline_2016 + self.target_change_per_year * years;
        let season = (f64::from(month) / 12.0 * std::f64::consts::TAU).sin() * 0.01 * scale;
        let noise = jitter(&format!("{}:{:?}:{year}-{month}", self.id, district)) * 0.005 * scale;
        let v = match district {
            None => city,
            // A count is shared out among the 25 districts; a rate varies around the city's.
            Some(d) if !self.is_rate() => city / 25.0 * (1.0 + 0.3 * jitter(&format!("{}:{d}", self.id))),
            Some(d) => city + jitter(&format!("{}:{d}", self.id)) * 0.08 * scale,
        } + season
            + noise;
        let v = if self.unit == "%" { v.clamp(0.0, 100.0) } else { v.max(0.0) };
        (v * 100.0).round() / 100.0
    }

    /// Rates, shares, scores and concentrations, as opposed to counts that add up over districts.
    pub fn is_rate(&self) -> bool {
        let u = self.unit.as_str();
        u.contains('%') || u.contains("per ") || u.contains('/') || u == "score" || u == "m²"
    }

    /// The value for each population group of one breakdown (`shares`: the groups of an age
    /// or gender table of `data/population.toml`, adding up to 1) in one month. Each group has a
    /// stable offset, centred on the population's weighted mean, so the breakdown agrees with
    /// the whole: a rate's groups average (weighted by the shares) to the whole's value, a
    /// count's groups add up to it.
    pub fn breakdown(&self, district: Option<&str>, month: Month, shares: &[(String, f64)]) -> Vec<(String, f64)> {
        let all = self.value(district, month);
        let offsets: Vec<f64> = shares.iter().map(|(g, _)| jitter(&format!("{}:group:{g}", self.id))).collect();
        let mean: f64 = shares.iter().zip(&offsets).map(|((_, w), o)| w * o).sum();
        shares
            .iter()
            .zip(&offsets)
            .map(|((group, share), offset)| {
                let spread = 1.0 + 0.12 * (offset - mean);
                let v = if self.is_rate() { all * spread } else { all * share * spread };
                let v = if self.unit == "%" { v.clamp(0.0, 100.0) } else { v.max(0.0) };
                (group.clone(), (v * 100.0).round() / 100.0)
            })
            .collect()
    }

    /// Monthly points from `from` to `to` inclusive.
    pub fn series(&self, district: Option<&str>, from: Month, to: Month) -> Vec<Point> {
        let mut out = Vec::new();
        let (mut y, mut m) = from;
        while (y, m) <= to {
            out.push(Point { year: y, month: m, value: self.value(district, (y, m)) });
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn employment() -> Indicator {
        Indicator {
            id: "employment_rate".into(),
            name_ko: "고용률".into(),
            name_en: "Employment rate".into(),
            synonyms_ko: vec![],
            synonyms_en: vec![],
            unit: "%".into(),
            vision: "economy".into(),
            department: "economic_policy".into(),
            per_district: true,
            per_age: true,
            per_gender: true,
            higher_is_better: true,
            baseline_2016: 60.0,
            target_change_per_year: 0.5,
        }
    }

    #[test]
    fn months_back_crosses_years() {
        assert_eq!(months_back((2026, 3), 0), (2026, 3));
        assert_eq!(months_back((2026, 3), 3), (2025, 12));
        assert_eq!(months_back((2026, 3), 12), (2025, 3));
        assert_eq!(months_back((2026, 1), 25), (2023, 12));
    }

    fn shares(table: &[(&str, f64)]) -> Vec<(String, f64)> {
        table.iter().map(|(g, w)| (g.to_string(), *w)).collect()
    }

    #[test]
    fn breakdowns_differ_stay_in_range_and_agree_with_the_whole() {
        let genders = shares(&[("male", 0.487), ("female", 0.513)]);
        let ages = shares(&[("children", 0.2), ("youth", 0.3), ("elderly", 0.5)]);
        let m = (2026, 10);
        // A rate: the groups' weighted average is the whole's value, in every district.
        let rate = employment();
        for district in [None, Some("11350"), Some("11680")] {
            let all = rate.value(district, m);
            for table in [&genders, &ages] {
                let groups = rate.breakdown(district, m, table);
                let mean: f64 = groups.iter().zip(table.iter()).map(|((_, v), (_, w))| v * w).sum();
                assert!((mean - all).abs() < 0.05, "{district:?}: {groups:?} average {mean}, whole {all}");
                assert!(groups.iter().all(|(_, v)| (0.0..=100.0).contains(v)));
            }
        }
        let groups = rate.breakdown(None, m, &ages);
        assert_ne!(groups[0].1, groups[2].1, "the groups differ");
        assert_eq!(groups, rate.breakdown(None, m, &ages), "and stay the same");
        // A count: the groups add up to the whole.
        let count = Indicator { unit: "persons".into(), baseline_2016: 300.0, ..employment() };
        let all = count.value(None, m);
        let sum: f64 = count.breakdown(None, m, &ages).iter().map(|(_, v)| v).sum();
        assert!((sum - all).abs() < 0.05, "{sum} against {all}");
    }

    #[test]
    fn series_is_deterministic_monthly_and_drifts() {
        let i = employment();
        let s = i.series(None, (2016, 1), (2026, 10));
        assert_eq!(s.len(), 10 * 12 + 10);
        assert_eq!(s, i.series(None, (2016, 1), (2026, 10)));
        assert!(s.last().map(|p| p.value).unwrap_or(0.0) > s[0].value + 3.0);
        assert_ne!(i.value(Some("11680"), (2020, 5)), i.value(Some("11440"), (2020, 5)));
        let jobs = Indicator { unit: "jobs".into(), baseline_2016: 50_000.0, ..i };
        let d = jobs.value(Some("11680"), (2020, 5));
        assert!(d > 1_000.0 && d < 4_000.0, "a district has a share of the city's jobs: {d}");
    }
}
