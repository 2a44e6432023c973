//! What `/metrics` serves (Prometheus' `prometheus-client`, OpenMetrics text): counters of the
//! ingest and the API, and histograms of what an operator watches — the end of speech to the
//! wall's action, a gesture to its action, a call's setup, `POST /api/commands`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// Every metric; each field is a handle that shares its value with the registry.
pub struct Metrics {
    pub records_stored: Counter,
    pub records_unchanged: Counter,
    pub records_rejected: Counter,
    pub store_errors: Counter,
    pub index_commits: Counter,
    pub index_errors: Counter,
    pub index_rev: Gauge,
    pub store_rev: Gauge,
    pub index_docs: Gauge,
    pub intents_resolved: Gauge,
    pub http_requests: Counter,
    pub http_client_errors: Counter,
    pub searches: Counter,
    pub search_seconds: Counter<f64, AtomicU64>,
    /// From the end of speech to the wall's action (commands that acted).
    pub speech_to_action: Histogram,
    /// From the camera frame that completed a gesture to the wall's action.
    pub gesture_to_action: Histogram,
    /// From an official's answer to the call's media connected.
    pub call_setup: Histogram,
    /// `POST /api/commands`, from the request to the answer.
    pub command_request: Histogram,
    registry: Registry,
}

/// 5 ms to ~20 s, doubling: latencies from a typed command to a slow call setup.
fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl Default for Metrics {
    fn default() -> Self {
        let m = Metrics {
            records_stored: Counter::default(),
            records_unchanged: Counter::default(),
            records_rejected: Counter::default(),
            store_errors: Counter::default(),
            index_commits: Counter::default(),
            index_errors: Counter::default(),
            index_rev: Gauge::default(),
            store_rev: Gauge::default(),
            index_docs: Gauge::default(),
            intents_resolved: Gauge::default(),
            http_requests: Counter::default(),
            http_client_errors: Counter::default(),
            searches: Counter::default(),
            search_seconds: Counter::default(),
            speech_to_action: seconds(),
            gesture_to_action: seconds(),
            call_setup: seconds(),
            command_request: seconds(),
            registry: Registry::default(),
        };
        let mut r = Registry::with_prefix("scpm");
        r.register("records_stored", "records written to the store", m.records_stored.clone());
        r.register("records_unchanged", "re-delivered records the store already had", m.records_unchanged.clone());
        r.register("records_rejected", "records refused as invalid", m.records_rejected.clone());
        r.register("store_errors", "failed store writes", m.store_errors.clone());
        r.register("index_commits", "index commits", m.index_commits.clone());
        r.register("index_errors", "failed index writes or commits", m.index_errors.clone());
        r.register("index_rev", "store revision the index has committed", m.index_rev.clone());
        r.register("store_rev", "highest revision written to the store", m.store_rev.clone());
        r.register("index_docs", "documents in the index", m.index_docs.clone());
        r.register(
            "intents_resolved",
            "intents resolved to actions since the start, every modality",
            m.intents_resolved.clone(),
        );
        r.register("http_requests", "HTTP API requests", m.http_requests.clone());
        r.register("http_client_errors", "HTTP API requests answered 4xx", m.http_client_errors.clone());
        r.register("searches", "searches served", m.searches.clone());
        r.register_with_unit("search", "time spent in searches", Unit::Seconds, m.search_seconds.clone());
        r.register_with_unit(
            "speech_to_action",
            "from the end of speech to the wall's action",
            Unit::Seconds,
            m.speech_to_action.clone(),
        );
        r.register_with_unit(
            "gesture_to_action",
            "from the frame that completed a gesture to the wall's action",
            Unit::Seconds,
            m.gesture_to_action.clone(),
        );
        r.register_with_unit(
            "call_setup",
            "from an official's answer to the call connected",
            Unit::Seconds,
            m.call_setup.clone(),
        );
        r.register_with_unit(
            "command_request",
            "POST /api/commands from request to answer",
            Unit::Seconds,
            m.command_request.clone(),
        );
        Metrics { registry: r, ..m }
    }
}

impl Metrics {
    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = encode(&mut out, &self.registry) {
            tracing::warn!(error = %e, "metrics not encoded");
        }
        out
    }

    /// Adds a duration to a histogram, in seconds.
    pub fn observe(histogram: &Histogram, took: Duration) {
        histogram.observe(took.as_secs_f64());
    }
}

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_are_rendered_with_their_units() {
        let m = Metrics::default();
        m.searches.inc();
        m.search_seconds.inc_by(0.25);
        Metrics::observe(&m.command_request, Duration::from_millis(30));
        let text = m.render();
        assert!(text.contains("scpm_searches_total 1"), "{text}");
        assert!(text.contains("scpm_search_seconds_total 0.25"), "{text}");
        assert!(text.contains("# TYPE scpm_command_request_seconds histogram"), "{text}");
        assert!(text.contains("scpm_command_request_seconds_count 1"), "{text}");
        assert!(text.contains("scpm_command_request_seconds_bucket{le=\"0.04\"} 1"), "{text}");
    }
}
