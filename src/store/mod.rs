//! The durable store: the source of truth for everything the city sent and everything the
//! office did. One contract, two databases:
//! - **SQLite** (`paths.store` a file path, the default): one office on one machine; WAL,
//!   `synchronous=FULL`.
//! - **PostgreSQL** (`paths.store = "postgres://…"`): the city's shared store, where the mayor's
//!   office, district offices and public replicas are many processes on one database.
//!
//! Records are kept latest-version-wins per `(kind, key)`; every write that changes a record
//! gives it a new, increasing `rev`, global across processes and increasing in commit order. An
//! index remembers the highest `rev` it has taken, so after a crash — or when another process
//! wrote — it catches up with [`Store::since`]: the index can always be rebuilt from here. A
//! write returns only after the database has committed it: callers acknowledge after that.
//!
//! Audit rows and call-log rows carry the office that wrote them (`office.scope`): on a shared
//! database each office reads back its own.

mod leader;
pub mod location;
mod migrate;
mod opinion;
mod pg;
mod sqlite;

pub use leader::Leadership;
pub use location::Location;
pub use opinion::OpinionCounts;

use crate::sources::Record;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}; check the path and permissions (paths.store in scpm.toml)")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("store: {}", sqlite::explain(.0))]
    Sql(#[from] rusqlite::Error),
    #[error("store {url}: {}", pg::explain(.source))]
    Postgres { url: String, source: postgres::Error },
    #[error("store {url}: the database connection's thread has stopped; restart scpm")]
    PostgresGone { url: String },
    #[error("store: record {kind}/{key} is not valid JSON in the store: {source}")]
    Corrupt { kind: String, key: String, source: serde_json::Error },
    #[error("store: {0}")]
    Io(#[from] std::io::Error),
}

/// One row of the audit log: who did what, from where, and what came of it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub channel: String,
    pub input: String,
    pub intent: String,
    pub actions: String,
    pub outcome: String,
}

/// A stored record with its revision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stored {
    pub rev: u64,
    pub source: String,
    pub record: Record,
}

/// One official's part of a call, as the call log keeps it. A row is written when the call is
/// placed and completed when it is answered and when it ends, so a crash mid-call still leaves
/// who called whom and when.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CallLogRow {
    pub id: i64,
    pub call_id: String,
    pub caller: String,
    pub official_id: String,
    pub placed_at: String,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_s: Option<f64>,
    pub end_reason: Option<String>,
}

/// A record as it is written: its columns and its JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub kind: String,
    pub key: String,
    pub source: String,
    pub district: String,
    pub at: i64,
    pub body: String,
    /// When this version became true (unix seconds), for the kinds whose versions are kept
    /// (`Record::changes`); None for readings.
    pub changed: Option<i64>,
}

/// What one database must do to be the store. Both implementations hold the same semantics;
/// `tests` below run the same checks on each.
pub(crate) trait Db: Send {
    /// Writes a batch in one transaction; per row its new rev, or None when the store already
    /// had exactly this version (a re-delivery, or a later row of the batch replaced it).
    fn upsert(&mut self, rows: Vec<Row>) -> Result<Vec<Option<u64>>, StoreError>;
    fn stored_rev(&self) -> Result<u64, StoreError>;
    fn since(&self, rev: u64, limit: usize) -> Result<Vec<(u64, String, Row)>, StoreError>;
    fn get(&self, kind: &str, key: &str) -> Result<Option<String>, StoreError>;
    fn latest_between(
        &self,
        kind: &str,
        district: Option<&str>,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<Row>, StoreError>;
    fn count_between(&self, kind: &str, district: Option<&str>, from: i64, to: i64) -> Result<u64, StoreError>;
    /// The newest `limit` records of a kind that keeps versions, received at or before `at`,
    /// each in the version it had at `at` (records with no version that old are left out),
    /// newest first.
    fn as_of(&self, kind: &str, district: Option<&str>, at: i64, limit: usize) -> Result<Vec<Row>, StoreError>;
    /// Removes versions that stopped being current before `before`; how many.
    fn prune_history(&mut self, before: i64) -> Result<usize, StoreError>;
    /// The time of the oldest version kept, if any: how far back replay goes.
    fn history_start(&self) -> Result<Option<i64>, StoreError>;
    fn count_by_kind(&self) -> Result<Vec<(String, u64)>, StoreError>;
    fn opinion_rows(&self, q: opinion::Query) -> Result<opinion::Rows, StoreError>;
    fn append_audit(&mut self, office: &str, row: &AuditRow) -> Result<i64, StoreError>;
    fn audit_tail(&self, office: &str, limit: usize) -> Result<Vec<AuditRow>, StoreError>;
    fn log_call_placed(&mut self, office: &str, call: [&str; 4]) -> Result<i64, StoreError>;
    fn log_call_answered(&mut self, row: i64, at: &str) -> Result<(), StoreError>;
    fn log_call_ended(&mut self, row: i64, at: &str, duration_s: f64, reason: &str) -> Result<(), StoreError>;
    fn end_open_calls(&mut self, office: &str, at: &str, reason: &str) -> Result<usize, StoreError>;
    fn call_log_tail(&self, office: &str, limit: usize) -> Result<Vec<CallLogRow>, StoreError>;
    /// The secret `name` shared by every process on this database, made from `fresh` by the
    /// first; None when the database keeps no secrets (SQLite: they are files beside it).
    fn shared_secret(&mut self, name: &str, fresh: String) -> Result<Option<String>, StoreError>;
    /// Writes what the office's walls show; its new sequence number.
    fn share_display(&mut self, office: &str, shown: &str) -> Result<i64, StoreError>;
    /// What the office's walls show, with its sequence number, if any process wrote it.
    fn shared_display(&self, office: &str) -> Result<Option<(i64, String)>, StoreError>;
    /// Queues call actions (JSON) for the office's process that places calls; false when no
    /// such process has been seen in the last seconds (or the database has one process only).
    fn forward_calls(&mut self, office: &str, channel: &str, actions: &str) -> Result<bool, StoreError>;
    /// Says this process places the office's calls, and takes what is queued for it, oldest
    /// first: (channel, actions JSON).
    fn take_forwarded(&mut self, office: &str) -> Result<Vec<(String, String)>, StoreError>;
}

pub struct Store {
    db: Box<dyn Db>,
    location: Location,
    /// The office whose audit and call-log rows this handle writes and reads.
    office: String,
}

impl Store {
    /// Opens (and migrates) the store at `paths.store`: a file path, or a `postgres://` URL.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let location = Location::of(path);
        let db: Box<dyn Db> = match &location {
            Location::Sqlite(file) => Box::new(sqlite::Sqlite::open(file)?),
            Location::Postgres(url) => Box::new(pg::Pg::open(url)?),
        };
        Ok(Store { db, location, office: String::new() })
    }

    /// Opens the store for one office (`office.scope`): its audit and call-log rows.
    pub fn open_for(path: &Path, office: &str) -> Result<Store, StoreError> {
        let mut store = Store::open(path)?;
        store.office = office.to_string();
        Ok(store)
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Whether other processes may write to this store too (PostgreSQL): an index must then
    /// follow the store's revisions rather than only what its own process wrote.
    pub fn is_shared(&self) -> bool {
        matches!(self.location, Location::Postgres(_))
    }

    /// Writes a batch in one transaction. Returns, per record, its new rev, or None when the
    /// store already had exactly this version (a re-delivery).
    pub fn upsert<'a>(
        &mut self,
        items: impl IntoIterator<Item = (&'a str, &'a Record)>,
    ) -> Result<Vec<Option<u64>>, StoreError> {
        let rows = items
            .into_iter()
            .map(|(source, record)| {
                let body = serde_json::to_string(record).map_err(|source| StoreError::Corrupt {
                    kind: record.kind().into(),
                    key: record.key(),
                    source,
                })?;
                Ok(Row {
                    kind: record.kind().into(),
                    key: record.key(),
                    source: source.into(),
                    district: record.district().into(),
                    at: record.time().timestamp(),
                    body,
                    changed: record.changes().then(|| record.changed_at().timestamp()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        self.db.upsert(rows)
    }

    /// The highest revision in the database, whoever wrote it (a reader's view).
    pub fn stored_rev(&self) -> Result<u64, StoreError> {
        self.db.stored_rev()
    }

    fn decode(row: Row) -> Result<Record, StoreError> {
        serde_json::from_str(&row.body).map_err(|source| StoreError::Corrupt { kind: row.kind, key: row.key, source })
    }

    /// Records changed after `rev`, oldest change first, at most `limit`.
    pub fn since(&self, rev: u64, limit: usize) -> Result<Vec<Stored>, StoreError> {
        self.db
            .since(rev, limit)?
            .into_iter()
            .map(|(rev, source, row)| Ok(Stored { rev, source, record: Self::decode(row)? }))
            .collect()
    }

    pub fn get(&self, kind: &str, key: &str) -> Result<Option<Record>, StoreError> {
        let body = self.db.get(kind, key)?;
        body.map(|body| Self::decode(Row { kind: kind.into(), key: key.into(), body, ..Row::empty() })).transpose()
    }

    /// The newest records of a kind, newest first, optionally in one district.
    pub fn latest(&self, kind: &str, district: Option<&str>, limit: usize) -> Result<Vec<Record>, StoreError> {
        self.latest_since(kind, district, i64::MIN, limit)
    }

    /// The newest records of a kind that happened at or after `since_unix`, newest first.
    pub fn latest_since(
        &self,
        kind: &str,
        district: Option<&str>,
        since_unix: i64,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        self.latest_between(kind, district, since_unix, i64::MAX, limit)
    }

    /// The newest `limit` records of `kind` in `[from, to)` (unix seconds), newest first.
    pub fn latest_between(
        &self,
        kind: &str,
        district: Option<&str>,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        self.db.latest_between(kind, district, from, to, limit)?.into_iter().map(Self::decode).collect()
    }

    /// The newest `limit` records of `kind` received at or before `at` (unix seconds), each as it
    /// was at `at`: for incidents and complaints the version current then (from the kept
    /// history), for readings the record itself. Newest first.
    pub fn as_of(&self, kind: &str, district: Option<&str>, at: i64, limit: usize) -> Result<Vec<Record>, StoreError> {
        let rows = if matches!(kind, "incident" | "complaint") {
            self.db.as_of(kind, district, at, limit)?
        } else {
            self.db.latest_between(kind, district, i64::MIN, at.saturating_add(1), limit)?
        };
        rows.into_iter().map(Self::decode).collect()
    }

    /// Removes the record versions that stopped being current before `before` (unix seconds):
    /// the retention of `history.keep_days`. Returns how many were removed.
    pub fn prune_history(&mut self, before: i64) -> Result<usize, StoreError> {
        self.db.prune_history(before)
    }

    /// The time of the oldest record version kept (unix seconds): replay goes back to it.
    pub fn history_start(&self) -> Result<Option<i64>, StoreError> {
        self.db.history_start()
    }

    /// How many records of a kind happened at or after `since_unix`, optionally in one district.
    pub fn count_since(&self, kind: &str, district: Option<&str>, since_unix: i64) -> Result<u64, StoreError> {
        self.db.count_between(kind, district, since_unix, i64::MAX)
    }

    /// How many records of a kind happened in `[from, to)` (unix seconds).
    pub fn count_between(&self, kind: &str, district: Option<&str>, from: i64, to: i64) -> Result<u64, StoreError> {
        self.db.count_between(kind, district, from, to)
    }

    pub fn count_by_kind(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.db.count_by_kind()
    }

    /// Appends to the audit log; returns the row id once it is durable.
    pub fn append_audit(&mut self, row: &AuditRow) -> Result<i64, StoreError> {
        self.db.append_audit(&self.office, row)
    }

    /// The office's newest audit rows, newest first.
    pub fn audit_tail(&self, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        self.db.audit_tail(&self.office, limit)
    }

    /// Logs a placed call leg; returns its row id once it is durable.
    pub fn log_call_placed(
        &mut self,
        call_id: &str,
        caller: &str,
        official_id: &str,
        at: &str,
    ) -> Result<i64, StoreError> {
        self.db.log_call_placed(&self.office, [call_id, caller, official_id, at])
    }

    pub fn log_call_answered(&mut self, row: i64, at: &str) -> Result<(), StoreError> {
        self.db.log_call_answered(row, at)
    }

    /// Ends a leg: the duration counts from the answer (0 for a call never answered).
    pub fn log_call_ended(&mut self, row: i64, at: &str, duration_s: f64, reason: &str) -> Result<(), StoreError> {
        self.db.log_call_ended(row, at, duration_s, reason)
    }

    /// Ends every leg of this office that a previous run left open (killed, or the machine lost
    /// power mid-call): ended at `at` with `reason`, duration unknown. Returns how many.
    pub fn end_open_calls(&mut self, at: &str, reason: &str) -> Result<usize, StoreError> {
        self.db.end_open_calls(&self.office, at, reason)
    }

    pub fn call_log_tail(&self, limit: usize) -> Result<Vec<CallLogRow>, StoreError> {
        self.db.call_log_tail(&self.office, limit)
    }

    /// The secret `name` every process on a shared database uses (made by the first from
    /// `fresh`); None on SQLite, whose secrets are files beside it.
    pub fn shared_secret(&mut self, name: &str, fresh: String) -> Result<Option<String>, StoreError> {
        self.db.shared_secret(name, fresh)
    }

    /// Writes what this office's walls show (JSON of `display::Shown`); its sequence number.
    pub fn share_display(&mut self, shown: &str) -> Result<i64, StoreError> {
        self.db.share_display(&self.office, shown)
    }

    /// What this office's walls show, as the last of its processes wrote it: (seq, JSON).
    pub fn shared_display(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.db.shared_display(&self.office)
    }

    /// Queues call actions (JSON of `[Action]`) for this office's process that places calls;
    /// false when none is there (SQLite: the one process places its own calls).
    pub fn forward_calls(&mut self, channel: &str, actions: &str) -> Result<bool, StoreError> {
        self.db.forward_calls(&self.office, channel, actions)
    }

    /// Says this process places the office's calls; takes the call actions queued for it.
    pub fn take_forwarded(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        self.db.take_forwarded(&self.office)
    }
}

impl Row {
    fn empty() -> Row {
        Row {
            kind: String::new(),
            key: String::new(),
            source: String::new(),
            district: String::new(),
            at: 0,
            body: String::new(),
            changed: None,
        }
    }
}

#[cfg(test)]
mod tests;
