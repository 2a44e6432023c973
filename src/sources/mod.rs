//! Where city data comes from. Every feed — the built-in simulator, a JSON-lines replay, an HTTP
//! poll of an Open API — implements [`Connector`] and sends [`Record`]s to the same sink; none
//! of them touches the store or the index.

pub mod canvas;
pub mod cctv;
pub mod http_poll;
pub mod record;
pub mod replay;
mod sim_text;
pub mod simulator;

pub use record::Record;

use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};

/// A record on its way to the store; `ack` (when present) hears back once it is durable.
pub struct Envelope {
    pub source: String,
    pub record: Record,
    pub ack: Option<oneshot::Sender<Result<Option<u64>, String>>>,
}

pub type Sink = mpsc::Sender<Envelope>;
pub type BoxFuture = Pin<Box<dyn Future<Output = Result<(), SourceError>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("source {source_name}: {message}")]
    Failed { source_name: String, message: String },
    #[error("the ingest pipeline has stopped")]
    SinkClosed,
}

/// A feed of city data.
pub trait Connector: Send {
    fn name(&self) -> &str;
    /// Runs until the feed ends or `shutdown` turns true.
    fn run(self: Box<Self>, sink: Sink, health: Health, shutdown: watch::Receiver<bool>) -> BoxFuture;
}

/// What /healthz says about one source.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SourceHealth {
    pub state: String,
    pub records: u64,
    pub errors: u64,
    pub last_error: Option<String>,
    pub last_ok: Option<String>,
}

/// Shared, cheap to clone, per-source health board.
#[derive(Clone, Default)]
pub struct Health(Arc<Mutex<BTreeMap<String, SourceHealth>>>);

impl Health {
    fn with(&self, name: &str, f: impl FnOnce(&mut SourceHealth)) {
        if let Ok(mut map) = self.0.lock() {
            f(map.entry(name.to_string()).or_default());
        }
    }
    pub fn state(&self, name: &str, state: &str) {
        self.with(name, |h| h.state = state.to_string());
    }
    pub fn ok(&self, name: &str, records: u64) {
        self.with(name, |h| {
            h.records += records;
            h.last_ok = Some(chrono::Utc::now().to_rfc3339());
        });
    }
    pub fn error(&self, name: &str, message: String) {
        tracing::warn!(source = name, error = %message, "source error");
        self.with(name, |h| {
            h.errors += 1;
            h.last_error = Some(message);
        });
    }
    pub fn snapshot(&self) -> BTreeMap<String, SourceHealth> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Sends one record without waiting for durability (feeds that can re-send on restart).
pub async fn send(sink: &Sink, source: &str, record: Record) -> Result<(), SourceError> {
    sink.send(Envelope { source: source.to_string(), record, ack: None }).await.map_err(|_| SourceError::SinkClosed)
}
