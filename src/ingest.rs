//! The ingest loop: one thread that owns the store's writer and the index writer.
//!
//! Envelopes from every source arrive on one channel; the loop writes each batch to the store in
//! one transaction, acknowledges (only now is a record durable), then indexes it and commits the
//! index at most every `commit_interval` — so a new record is searchable within that interval
//! plus one batch. **Invariant:** nothing reaches the index before the store has it.
//!
//! On a shared store (PostgreSQL) other processes write too: the loop then *follows* the store —
//! every record, its own included, reaches the index through [`Store::since`] in revision order,
//! at least every [`FOLLOW_EVERY`] — so the index's revision is a cursor with nothing skipped
//! below it, whoever wrote.

use crate::index::{CityIndex, CityIndexWriter};
use crate::metrics::Metrics;
use crate::readiness::{PartState, Parts};
use crate::sources::{Envelope, Sink};
use crate::store::Store;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const CHANNEL: usize = 10_000;
const MAX_BATCH: usize = 2_000;
/// How often a loop on a shared store looks for records other processes wrote.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// How often the record versions older than the retention (`history.keep_days`) are removed.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

pub struct Ingest {
    pub sink: Sink,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Ingest {
    /// Starts the loop. It ends when every [`Sink`] clone is dropped, after a final commit.
    pub fn spawn(
        store: Store,
        index: Arc<CityIndex>,
        writer: CityIndexWriter,
        commit_interval: Duration,
        keep_history: chrono::Duration,
        metrics: Arc<Metrics>,
        parts: Parts,
    ) -> std::io::Result<Ingest> {
        let (sink, rx) = mpsc::channel(CHANNEL);
        let stop = Arc::new(AtomicBool::new(false));
        let loop_stop = stop.clone();
        let follow = store.is_shared();
        let thread = std::thread::Builder::new().name("ingest".into()).spawn(move || {
            let mut lp = Loop {
                store,
                index,
                writer,
                metrics,
                parts,
                index_failed: false,
                follow,
                follow_failing: false,
                rx,
                commit_interval,
                keep_history,
                stop: loop_stop,
            };
            lp.run();
        })?;
        Ok(Ingest { sink, stop, thread })
    }

    /// Stops the loop once what is queued is written, commits, and waits for it.
    pub fn finish(self) {
        self.stop.store(true, Relaxed);
        drop(self.sink);
        if self.thread.join().is_err() {
            tracing::error!("ingest thread panicked");
        }
    }
}

struct Loop {
    store: Store,
    index: Arc<CityIndex>,
    writer: CityIndexWriter,
    metrics: Arc<Metrics>,
    /// Where a failed store write or index commit is shown (`/readyz`).
    parts: Parts,
    /// The last index commit failed: recover before the next.
    index_failed: bool,
    /// Other processes write to the store: index what it has, in revision order.
    follow: bool,
    /// The last read of new records failed (said once, not every few hundred milliseconds).
    follow_failing: bool,
    rx: mpsc::Receiver<Envelope>,
    commit_interval: Duration,
    /// How long record versions are kept for replay.
    keep_history: chrono::Duration,
    stop: Arc<AtomicBool>,
}

impl Loop {
    fn run(&mut self) {
        let rt = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(error = %e, "ingest cannot start its timer");
                return;
            }
        };
        let mut last_commit = Instant::now();
        let mut last_follow = Instant::now();
        let mut last_prune: Option<Instant> = None;
        let mut open = true;
        while open {
            let mut batch = Vec::new();
            let mut wait = if self.stop.load(Relaxed) {
                Duration::from_millis(1)
            } else if self.writer.is_dirty() {
                self.commit_interval.saturating_sub(last_commit.elapsed())
            } else {
                Duration::from_millis(500)
            };
            if self.follow {
                wait = wait.min(FOLLOW_EVERY.saturating_sub(last_follow.elapsed()));
            }
            match recv_timeout(&rt, &mut self.rx, wait) {
                Recv::Got(e) => batch.push(e),
                Recv::Closed => open = false,
                Recv::Timeout => {}
            }
            if self.stop.load(Relaxed) && self.rx.is_empty() {
                open = false;
            }
            while batch.len() < MAX_BATCH {
                match self.rx.try_recv() {
                    Ok(e) => batch.push(e),
                    Err(_) => break,
                }
            }
            let wrote = !batch.is_empty();
            if wrote {
                self.write(batch);
            }
            if self.follow && (wrote || last_follow.elapsed() >= FOLLOW_EVERY || !open) {
                self.follow_store();
                last_follow = Instant::now();
            }
            if self.writer.is_dirty() && (last_commit.elapsed() >= self.commit_interval || !open) {
                self.commit();
                last_commit = Instant::now();
            }
            if open && last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                self.prune();
                last_prune = Some(Instant::now());
            }
        }
        tracing::info!(rev = self.writer.rev(), "ingest stopped");
    }

    /// Removes the record versions that were no longer current `keep_history` ago.
    fn prune(&mut self) {
        let before = (chrono::Utc::now() - self.keep_history).timestamp();
        match self.store.prune_history(before) {
            Ok(0) => {}
            Ok(n) => tracing::info!(versions = n, "old record versions removed (history.keep_days)"),
            Err(e) => tracing::warn!(error = %e, "old record versions could not be removed; trying again in an hour"),
        }
    }

    fn write(&mut self, batch: Vec<Envelope>) {
        let mut valid = Vec::with_capacity(batch.len());
        for env in batch {
            match env.record.validate() {
                Ok(()) => valid.push(env),
                Err(reason) => {
                    self.metrics.records_rejected.inc();
                    tracing::warn!(source = %env.source, %reason, "record rejected");
                    if let Some(ack) = env.ack {
                        let _ = ack.send(Err(reason));
                    }
                }
            }
        }
        let result = self.store.upsert(valid.iter().map(|e| (e.source.as_str(), &e.record)));
        match result {
            Ok(revs) => {
                self.parts.recovered("store");
                for (env, rev) in valid.into_iter().zip(revs) {
                    match rev {
                        Some(rev) => {
                            self.metrics.records_stored.inc();
                            self.metrics.store_rev.set(rev as i64);
                            if self.follow {
                                // Indexed by follow_store, in revision order with the others'.
                            } else if let Err(e) = self.writer.put(rev, &env.record) {
                                // The store has it: the next commit recovers from the store.
                                self.index_failed = true;
                                self.metrics.index_errors.inc();
                                tracing::error!(error = %e, "indexing failed");
                            }
                        }
                        None => {
                            self.metrics.records_unchanged.inc();
                        }
                    }
                    if let Some(ack) = env.ack {
                        let _ = ack.send(Ok(rev));
                    }
                }
            }
            Err(e) => {
                self.metrics.store_errors.inc();
                tracing::error!(error = %e, "store write failed; records not acknowledged");
                self.parts.set("store", PartState::Failed(format!("the last write was refused: {e}")));
                for env in valid {
                    if let Some(ack) = env.ack {
                        let _ = ack.send(Err(format!("store write failed: {e}")));
                    }
                }
            }
        }
    }

    /// Indexes what the store has after the index's revision (a shared store: whoever wrote it).
    fn follow_store(&mut self) {
        if self.index_failed {
            return; // the next commit recovers from the store first
        }
        loop {
            let batch = match self.store.since(self.writer.rev(), MAX_BATCH) {
                Ok(batch) => batch,
                Err(e) => {
                    self.metrics.store_errors.inc();
                    if !self.follow_failing {
                        tracing::warn!(error = %e, "cannot read new records from the store; trying again");
                        self.parts.set("store", PartState::Failed(format!("cannot read new records: {e}")));
                    }
                    self.follow_failing = true;
                    return;
                }
            };
            if std::mem::take(&mut self.follow_failing) {
                tracing::info!("the store answers again");
            }
            self.parts.recovered("store");
            let full = batch.len() == MAX_BATCH;
            for stored in batch {
                self.metrics.store_rev.set(stored.rev as i64);
                if let Err(e) = self.writer.put(stored.rev, &stored.record) {
                    self.index_failed = true;
                    self.metrics.index_errors.inc();
                    tracing::error!(error = %e, "indexing failed");
                    return;
                }
            }
            if !full {
                return;
            }
        }
    }

    fn commit(&mut self) {
        // After a failed commit the pending documents may be lost inside tantivy: the index is
        // rolled back and caught up from the store (which has every record) before going on.
        if self.index_failed {
            match self.index.recover(&mut self.writer, &self.store) {
                Ok(n) => {
                    tracing::info!(records = n, "the index recovered and caught up with the store");
                    self.index_failed = false;
                }
                Err(e) => return tracing::debug!(error = %e, "the index cannot recover yet"),
            }
        }
        match self.index.commit(&mut self.writer) {
            Ok(()) => {
                self.metrics.index_commits.inc();
                self.metrics.index_rev.set(self.writer.rev() as i64);
                self.parts.recovered("index");
            }
            Err(e) => {
                self.metrics.index_errors.inc();
                self.index_failed = true;
                tracing::error!(error = %e, "index commit failed");
                self.parts.set(
                    "index",
                    PartState::Failed(format!(
                        "the index cannot be committed ({e}): new records are stored but not yet searchable; \
                         scpm catches up by itself once the cause is gone (a full disk); if the index's folder was \
                         removed, restart scpm, which rebuilds the index from the store"
                    )),
                );
            }
        }
    }
}

enum Recv {
    Got(Envelope),
    Closed,
    Timeout,
}

/// Blocking receive with a timeout, from a plain thread (a tiny runtime only for the timer).
fn recv_timeout(rt: &tokio::runtime::Runtime, rx: &mut mpsc::Receiver<Envelope>, wait: Duration) -> Recv {
    match rt.block_on(async { tokio::time::timeout(wait, rx.recv()).await }) {
        Ok(Some(e)) => Recv::Got(e),
        Ok(None) => Recv::Closed,
        Err(_) => Recv::Timeout,
    }
}
