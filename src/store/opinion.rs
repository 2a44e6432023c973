//! What the opinion screen counts, counted by SQLite over any window (a day, a week, a year):
//! complaints and suggestions by category, by district and by time bucket, and the trending
//! topics — without loading the records.

use super::{Store, StoreError};
use rusqlite::params;

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
        let mut out = OpinionCounts::default();
        let grouped = |by: &str| {
            format!(
                "SELECT {by}, json_extract(body, '$.form'), COUNT(*) FROM records
                 WHERE kind = 'complaint' AND (?1 IS NULL OR district = ?1) AND at >= ?2 AND at < ?3
                 GROUP BY 1, 2"
            )
        };
        let mut stmt = self.conn.prepare_cached(&grouped("json_extract(body, '$.category')"))?;
        let rows = stmt.query_map(params![district, from, to], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (category, form, n) = row?;
            let form = form.unwrap_or_default();
            out.totals[slot(&form)] += n as u64;
            add(&mut out.by_category, category, &form, n as u64);
        }
        let mut stmt = self.conn.prepare_cached(&grouped("district"))?;
        let rows = stmt.query_map(params![district, from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
        })?;
        for row in rows {
            let (code, form, n) = row?;
            add(&mut out.by_district, code, &form.unwrap_or_default(), n as u64);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT (at - ?2) / ?4, json_extract(body, '$.form'), COUNT(*) FROM records
             WHERE kind = 'complaint' AND (?1 IS NULL OR district = ?1) AND at >= ?2 AND at < ?3
             GROUP BY 1, 2",
        )?;
        let rows = stmt.query_map(params![district, from, to, bucket_s.max(1)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
        })?;
        for row in rows {
            let (bucket, form, n) = row?;
            add(&mut out.by_bucket, bucket, &form.unwrap_or_default(), n as u64);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT json_extract(body, '$.topic_ko'), json_extract(body, '$.topic_en'),
                    SUM(json_extract(body, '$.mentions')) FROM records
             WHERE kind = 'trend' AND at >= ?1 AND at < ?2
             GROUP BY 1, 2 ORDER BY 3 DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![from, to, top as i64], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                r.get::<_, Option<i64>>(2)?.unwrap_or(0).max(0) as u64,
            ))
        })?;
        out.trends = rows.collect::<Result<_, _>>()?;
        out.by_category.sort();
        out.by_district.sort();
        out.by_bucket.sort();
        Ok(out)
    }

    /// The newest `limit` records of `kind` in `[from, to)`, newest first.
    pub fn latest_between(
        &self,
        kind: &str,
        district: Option<&str>,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<crate::sources::Record>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, key, body FROM records WHERE kind = ?1 AND (?2 IS NULL OR district = ?2) AND at >= ?3 AND at < ?4
             ORDER BY at DESC, rev DESC LIMIT ?5",
        )?;
        let rows = stmt.query_map(params![kind, district, from, to, limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        rows.map(|row| {
            let (kind, key, body) = row?;
            Self::decode(kind, key, &body)
        })
        .collect()
    }
}
