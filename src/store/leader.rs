//! Which process runs each of the city's sources. On a shared store: for each source (by its
//! name), the one process that holds that source's advisory lock on a connection of its own,
//! checked every second — so each source runs once, among the processes configured with it.

use super::location::redact;
use super::pg::{connect, explain};
use postgres::Client;
use std::time::Duration;

/// The advisory-lock keys of the sources: "scpm" in the high half, the low half a hash of the
/// source's name (FNV-1a, stable across builds and machines).
fn lock_key(source: &str) -> i64 {
    let hash = source.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    (0x7363_706d_i64 << 32) | i64::from(hash)
}

/// Whether this process runs the city's sources (the simulator, replays, feed pollers): one
/// process on a database does, the holder of an advisory lock on its own connection. When it
/// dies its connection closes, the lock is free, and another process takes over within a
/// second. On SQLite the process is always the leader.
#[derive(Clone)]
pub struct Leadership {
    rx: tokio::sync::watch::Receiver<bool>,
    /// Holds a fixed answer's channel open (a campaign's is held by its thread).
    _fixed: Option<std::sync::Arc<tokio::sync::watch::Sender<bool>>>,
}

impl Leadership {
    /// Always the leader (a store no other process writes to).
    pub fn alone() -> Leadership {
        Leadership::fixed(true)
    }

    /// Never the leader (a public replica runs no sources).
    pub fn never() -> Leadership {
        Leadership::fixed(false)
    }

    fn fixed(leader: bool) -> Leadership {
        let (tx, rx) = tokio::sync::watch::channel(leader);
        Leadership { rx, _fixed: Some(std::sync::Arc::new(tx)) }
    }

    /// Campaigns for `source`'s lock on `url` until `stop` is set, checking every `every`.
    pub fn campaign(
        url: &str,
        source: &str,
        every: Duration,
        stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> Leadership {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let (url, key, source) = (url.to_string(), lock_key(source), source.to_string());
        let spawned = std::thread::Builder::new().name(format!("leader-{}", source)).spawn(move || {
            let mut client: Option<Client> = None;
            let mut held = false;
            let mut failing = false;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let step = (|| -> Result<bool, postgres::Error> {
                    if client.as_ref().is_none_or(|c| c.is_closed()) {
                        held = false;
                        client = Some(connect(&url)?);
                    }
                    let Some(c) = client.as_mut() else { return Ok(false) };
                    if held {
                        c.simple_query("SELECT 1")?;
                        Ok(true)
                    } else {
                        c.query_one("SELECT pg_try_advisory_lock($1)", &[&key]).map(|r| r.get(0))
                    }
                })();
                let now = match step {
                    Ok(now) => {
                        failing = false;
                        now
                    }
                    Err(e) => {
                        if !failing {
                            tracing::warn!(url = %redact(&url), error = %explain(&e), "leadership check failed; trying again");
                        }
                        failing = true;
                        client = None;
                        false
                    }
                };
                if now != *tx.borrow() {
                    let what = if now { "now runs" } else { "no longer runs" };
                    tracing::info!(leader = now, %source, "this process {what} the source");
                }
                held = now;
                tx.send_replace(now);
                let until = std::time::Instant::now() + every;
                while std::time::Instant::now() < until && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the leadership thread; this process will not run sources");
        }
        Leadership { rx, _fixed: None }
    }

    pub fn is_leader(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits until leadership is `want`; false when the campaign has ended.
    pub async fn until(&mut self, want: bool) -> bool {
        self.rx.wait_for(|v| *v == want).await.is_ok()
    }
}
