//! The durable store (SQLite, WAL, `synchronous=FULL`): the source of truth for everything the
//! city sent and everything the office did.
//!
//! Records are kept latest-version-wins per `(kind, key)`; every write that changes a record
//! gives it a new, increasing `rev`. The index remembers the highest `rev` it has committed, so
//! after a crash it catches up with [`Store::since`] — the index can always be rebuilt from here.
//! A write returns only after SQLite has committed it to disk: callers acknowledge after that.

mod opinion;
pub use opinion::OpinionCounts;

use crate::sources::Record;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}; check the path and permissions (paths.store in scpm.toml)")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("store: {}", explain(.0))]
    Sql(#[from] rusqlite::Error),
    #[error("store: record {kind}/{key} is not valid JSON in the store: {source}")]
    Corrupt { kind: String, key: String, source: serde_json::Error },
    #[error("store: {0}")]
    Io(#[from] std::io::Error),
}

/// What went wrong with a write, in the words of its fix: the two faults an office meets (the
/// disk fills up, another program holds the store) are said as such.
fn explain(e: &rusqlite::Error) -> String {
    let code = match e {
        rusqlite::Error::SqliteFailure(f, _) => f.code,
        other => return other.to_string(),
    };
    match code {
        rusqlite::ErrorCode::DiskFull => {
            "the disk under the store is full; nothing was written: free space there (paths.store in scpm.toml) and \
             send again"
                .into()
        }
        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
            "the store is locked by another program (a sqlite3 shell or a backup holding a write lock?); nothing \
             was written: end that program and send again"
                .into()
        }
        rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied => {
            format!("{e}: the store cannot be written; check the permissions of paths.store and its folder")
        }
        _ => e.to_string(),
    }
}

pub struct Store {
    conn: Connection,
    next_rev: u64,
}

/// One row of the audit log: who did what, from where, and what came of it.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    pub rev: u64,
    pub source: String,
    pub record: Record,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    source TEXT NOT NULL,
    district TEXT NOT NULL,
    at INTEGER NOT NULL,
    rev INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE UNIQUE INDEX IF NOT EXISTS records_rev ON records(rev);
CREATE INDEX IF NOT EXISTS records_kind_at ON records(kind, at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    channel TEXT NOT NULL,
    input TEXT NOT NULL,
    intent TEXT NOT NULL,
    actions TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS call_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id TEXT NOT NULL,
    caller TEXT NOT NULL,
    official_id TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    answered_at TEXT,
    ended_at TEXT,
    duration_s REAL,
    end_reason TEXT
);
";

/// One official's part of a call, as the call log keeps it. A row is written when the call is
/// placed and completed when it is answered and when it ends, so a crash mid-call still leaves
/// who called whom and when.
#[derive(Debug, Clone, Serialize, PartialEq)]
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

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        let setup = || -> Result<Connection, rusqlite::Error> {
            let conn = Connection::open(path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // FULL: a record acknowledged to a sender survives a power cut, not only a crash.
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.execute_batch(SCHEMA)?;
            Ok(conn)
        };
        // Switching a new database to WAL needs it alone for a moment: two processes starting
        // together (a server and a CLI command) get SQLITE_BUSY without waiting. Retry briefly.
        let mut attempt = 0;
        let conn = loop {
            match setup() {
                Ok(conn) => break conn,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if attempt < 50
                        && matches!(
                            e.code,
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        ) =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(open_err(e)),
            }
        };
        let max: Option<i64> = conn.query_row("SELECT MAX(rev) FROM records", [], |r| r.get(0)).map_err(open_err)?;
        Ok(Store { conn, next_rev: max.unwrap_or(0) as u64 + 1 })
    }

    /// Writes a batch in one transaction. Returns, per record, its new rev, or None when the
    /// store already had exactly this version (a re-delivery).
    pub fn upsert<'a>(
        &mut self,
        items: impl IntoIterator<Item = (&'a str, &'a Record)>,
    ) -> Result<Vec<Option<u64>>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::new();
        let mut rev = self.next_rev;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO records (kind, key, source, district, at, rev, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (kind, key) DO UPDATE SET source = excluded.source, district = excluded.district,
                   at = excluded.at, rev = excluded.rev, body = excluded.body
                 WHERE records.body != excluded.body",
            )?;
            for (source, record) in items {
                let body = serde_json::to_string(record).map_err(|source| StoreError::Corrupt {
                    kind: record.kind().into(),
                    key: record.key(),
                    source,
                })?;
                let changed = stmt.execute(params![
                    record.kind(),
                    record.key(),
                    source,
                    record.district(),
                    record.time().timestamp(),
                    rev as i64,
                    body
                ])?;
                if changed > 0 {
                    out.push(Some(rev));
                    rev += 1;
                } else {
                    out.push(None);
                }
            }
        }
        tx.commit()?;
        self.next_rev = rev;
        Ok(out)
    }

    /// The highest revision in the database, whoever wrote it (a reader's view).
    pub fn stored_rev(&self) -> Result<u64, StoreError> {
        let max: Option<i64> = self.conn.query_row("SELECT MAX(rev) FROM records", [], |r| r.get(0))?;
        Ok(max.unwrap_or(0) as u64)
    }

    fn decode(kind: String, key: String, body: &str) -> Result<Record, StoreError> {
        serde_json::from_str(body).map_err(|source| StoreError::Corrupt { kind, key, source })
    }

    /// Records changed after `rev`, oldest change first, at most `limit`.
    pub fn since(&self, rev: u64, limit: usize) -> Result<Vec<Stored>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rev, source, kind, key, body FROM records WHERE rev > ?1 ORDER BY rev LIMIT ?2")?;
        let rows = stmt.query_map(params![rev as i64, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (rev, source, kind, key, body) = row?;
            Ok(Stored { rev: rev as u64, source, record: Self::decode(kind, key, &body)? })
        })
        .collect()
    }

    pub fn get(&self, kind: &str, key: &str) -> Result<Option<Record>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM records WHERE kind = ?1 AND key = ?2", params![kind, key], |r| r.get(0))
            .optional()?;
        body.map(|b| Self::decode(kind.into(), key.into(), &b)).transpose()
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

    /// How many records of a kind happened at or after `since_unix`, optionally in one district.
    pub fn count_since(&self, kind: &str, district: Option<&str>, since_unix: i64) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE kind = ?1 AND (?2 IS NULL OR district = ?2) AND at >= ?3",
            params![kind, district, since_unix],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    pub fn count_by_kind(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT kind, COUNT(*) FROM records GROUP BY kind ORDER BY kind")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Appends to the audit log; returns the row id once it is on disk.
    pub fn append_audit(&mut self, row: &AuditRow) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO audit (at, actor, channel, input, intent, actions, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![row.at, row.actor, row.channel, row.input, row.intent, row.actions, row.outcome],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn audit_tail(&self, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, actor, channel, input, intent, actions, outcome FROM audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(AuditRow {
                at: r.get(0)?,
                actor: r.get(1)?,
                channel: r.get(2)?,
                input: r.get(3)?,
                intent: r.get(4)?,
                actions: r.get(5)?,
                outcome: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// Logs a placed call leg; returns its row id once it is on disk.
    pub fn log_call_placed(
        &mut self,
        call_id: &str,
        caller: &str,
        official_id: &str,
        at: &str,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO call_log (call_id, caller, official_id, placed_at) VALUES (?1, ?2, ?3, ?4)",
            params![call_id, caller, official_id, at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn log_call_answered(&mut self, row: i64, at: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE call_log SET answered_at = ?2 WHERE id = ?1", params![row, at])?;
        Ok(())
    }

    /// Ends a leg: the duration counts from the answer (0 for a call never answered).
    pub fn log_call_ended(&mut self, row: i64, at: &str, duration_s: f64, reason: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE call_log SET ended_at = ?2, duration_s = ?3, end_reason = ?4 WHERE id = ?1",
            params![row, at, duration_s, reason],
        )?;
        Ok(())
    }

    /// Ends every leg a previous run left open (killed, or the machine lost power mid-call):
    /// ended at `at` with `reason`, duration unknown. Returns how many there were.
    pub fn end_open_calls(&mut self, at: &str, reason: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE call_log SET ended_at = ?1, end_reason = ?2 WHERE ended_at IS NULL",
            params![at, reason],
        )?)
    }

    pub fn call_log_tail(&self, limit: usize) -> Result<Vec<CallLogRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, call_id, caller, official_id, placed_at, answered_at, ended_at, duration_s, end_reason
             FROM call_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(CallLogRow {
                id: r.get(0)?,
                call_id: r.get(1)?,
                caller: r.get(2)?,
                official_id: r.get(3)?,
                placed_at: r.get(4)?,
                answered_at: r.get(5)?,
                ended_at: r.get(6)?,
                duration_s: r.get(7)?,
                end_reason: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::record::{Complaint, Form, Status};
    use chrono::Utc;

    fn complaint(id: &str, status: Status) -> Record {
        let now = Utc::now();
        Record::Complaint(Complaint {
            id: id.into(),
            form: Form::Complaint,
            category: "noise".into(),
            district: "11680".into(),
            text_ko: "공사 소음이 심해요".into(),
            text_en: "construction noise".into(),
            status,
            received_at: now,
            updated_at: now,
            citizen: None,
        })
    }

    #[test]
    fn upsert_versions_and_redelivery() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path).expect("open");
        let a = complaint("a", Status::Received);
        assert_eq!(
            store.upsert([("t", &a), ("t", &complaint("b", Status::Received))]).expect("write"),
            [Some(1), Some(2)]
        );
        assert_eq!(store.upsert([("t", &a)]).expect("write"), [None]);
        assert_eq!(store.upsert([("t", &complaint("a", Status::Answered))]).expect("write"), [Some(3)]);
        drop(store);
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.stored_rev().expect("rev"), 3);
        let since = store.since(2, 10).expect("since");
        assert_eq!(since.len(), 1);
        assert!(matches!(&since[0].record, Record::Complaint(c) if c.status == Status::Answered));
        assert_eq!(store.count_by_kind().expect("count"), [("complaint".to_string(), 2)]);
    }

    #[test]
    fn audit_rows_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        let row = AuditRow {
            at: "2026-11-29T05:00:00Z".into(),
            actor: "office".into(),
            channel: "voice".into(),
            input: "강남구 미세먼지 보여줘".into(),
            intent: "show_air_quality".into(),
            actions: "[]".into(),
            outcome: "ok".into(),
        };
        Store::open(&path).expect("open").append_audit(&row).expect("append");
        assert_eq!(Store::open(&path).expect("reopen").audit_tail(5).expect("tail"), [row]);
    }

    #[test]
    fn a_call_leg_is_logged_when_placed_answered_and_ended() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path).expect("open");
        let row = store.log_call_placed("c1", "office", "transportation", "2026-11-29T05:00:00Z").expect("placed");
        store.log_call_answered(row, "2026-11-29T05:00:03Z").expect("answered");
        store.log_call_ended(row, "2026-11-29T05:01:03Z", 60.0, "hung_up").expect("ended");
        let tail = Store::open(&path).expect("reopen").call_log_tail(5).expect("tail");
        assert_eq!(tail.len(), 1);
        assert_eq!(
            (tail[0].official_id.as_str(), tail[0].duration_s, tail[0].end_reason.as_deref()),
            ("transportation", Some(60.0), Some("hung_up"))
        );
    }
}
