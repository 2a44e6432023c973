//! What the opinion screen counts, counted by the database over any window (a day, a week, a
//! year): complaints and suggestions by category, by district and by time bucket, and the
//! trending topics — without loading the records. Each database groups the rows
//! ([`super::Db::opinion_rows`]); the figures are folded here, once for both.

use super::{Store, StoreError};

/// Counts of complaints (`[0]`) and suggestions (`[1]`) under each key.
pub type Counts = Vec<(String, [u64; 2])>;

/// The opinion screen's figures for one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpinionCounts {
    pub totals: [u64; 2],
    pub by_category: Counts,
    pub by_district: Counts,
    /// By bucket number: `(at - from) / bucket_s`.
    pub by_bucket: Vec<(i64, [u64; 2])>,
    /// (topic_ko, topic_en, mentions), most mentioned first.
    pub trends: Vec<(String, String, u64)>,
}

/// The window asked of the database.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub district: Option<&'a str>,
    pub from: i64,
    pub to: i64,
    pub bucket_s: i64,
    pub top: usize,
}

/// What the database grouped: (key, form, count) rows, and the trends as they will be shown.
#[derive(Debug, Default)]
pub struct Rows {
    pub by_category: Vec<(String, String, u64)>,
    pub by_district: Vec<(String, String, u64)>,
    pub by_bucket: Vec<(i64, String, u64)>,
    pub trends: Vec<(String, String, u64)>,
}

fn slot(form: &str) -> usize {
    usize::from(form == "suggestion")
}

/// Adds `n` of `form` under `key`.
fn add<K: PartialEq>(counts: &mut Vec<(K, [u64; 2])>, key: K, form: &str, n: u64) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, c)) => c[slot(form)] += n,
        None => {
            let mut c = [0; 2];
            c[slot(form)] = n;
            counts.push((key, c));
        }
    }
}

impl Store {
    /// Complaints and suggestions received in `[from, to)` (unix seconds), in `district` or
    /// everywhere; time buckets of `bucket_s` seconds; the `top` trending topics of the window.
    pub fn opinion_counts(
        &self,
        district: Option<&str>,
        from: i64,
        to: i64,
        bucket_s: i64,
        top: usize,
    ) -> Result<OpinionCounts, StoreError> {
        let rows = self.db.opinion_rows(Query { district, from, to, bucket_s: bucket_s.max(1), top })?;
        let mut out = OpinionCounts::default();
        for (category, form, n) in rows.by_category {
            out.totals[slot(&form)] += n;
            add(&mut out.by_category, category, &form, n);
        }
        for (code, form, n) in rows.by_district {
            add(&mut out.by_district, code, &form, n);
        }
        for (bucket, form, n) in rows.by_bucket {
            add(&mut out.by_bucket, bucket, &form, n);
        }
        out.trends = rows.trends;
        out.by_category.sort();
        out.by_district.sort();
        out.by_bucket.sort();
        Ok(out)
    }
}
