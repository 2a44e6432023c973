//! Counters for `/metrics` (Prometheus text format). Plain atomics: no registry, no labels
//! beyond what is written here.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Default)]
pub struct Metrics {
    pub records_stored: AtomicU64,
    pub records_unchanged: AtomicU64,
    pub records_rejected: AtomicU64,
    pub store_errors: AtomicU64,
    pub index_commits: AtomicU64,
    pub index_errors: AtomicU64,
    pub index_rev: AtomicU64,
    pub http_requests: AtomicU64,
    pub http_client_errors: AtomicU64,
    pub searches: AtomicU64,
    pub search_micros_total: AtomicU64,
}

impl Metrics {
    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let counters = [
            ("scpm_records_stored_total", "records written to the store", &self.records_stored),
            ("scpm_records_unchanged_total", "re-delivered records the store already had", &self.records_unchanged),
            ("scpm_records_rejected_total", "records refused as invalid", &self.records_rejected),
            ("scpm_store_errors_total", "failed store writes", &self.store_errors),
            ("scpm_index_commits_total", "index commits", &self.index_commits),
            ("scpm_index_errors_total", "failed index writes or commits", &self.index_errors),
            ("scpm_http_requests_total", "HTTP API requests", &self.http_requests),
            ("scpm_http_client_errors_total", "HTTP API requests answered 4xx", &self.http_client_errors),
            ("scpm_searches_total", "searches served", &self.searches),
            ("scpm_search_seconds_total", "time spent in searches", &self.search_micros_total),
        ];
        for (name, help, value) in counters {
            let v = value.load(Relaxed);
            let v = if name.ends_with("seconds_total") { v as f64 / 1e6 } else { v as f64 };
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        }
        let _ = writeln!(
            out,
            "# HELP scpm_index_rev store revision the index has committed\n# TYPE scpm_index_rev gauge\nscpm_index_rev {}",
            self.index_rev.load(Relaxed)
        );
        for (name, help, v) in extra {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}
