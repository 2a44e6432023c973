//! The store on SQLite: one office on one machine (WAL, `synchronous=FULL`).

use super::{migrate, opinion, AuditRow, CallLogRow, Db, Row, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

/// What went wrong with a write, in the words of its fix: the two faults an office meets (the
/// disk fills up, another program holds the store) are said as such.
pub fn explain(e: &rusqlite::Error) -> String {
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

pub struct Sqlite {
    conn: Connection,
    next_rev: u64,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        let setup = || -> Result<Connection, rusqlite::Error> {
            let mut conn = Connection::open(path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // FULL: a record acknowledged to a sender survives a power cut, not only a crash.
            conn.pragma_update(None, "synchronous", "FULL")?;
            migrate::sqlite(&mut conn)?;
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
        Ok(Sqlite { conn, next_rev: max.unwrap_or(0) as u64 + 1 })
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row { kind: r.get("kind")?, key: r.get("key")?, body: r.get("body")?, ..Row::empty() })
}

impl Db for Sqlite {
    fn upsert(&mut self, rows: Vec<Row>) -> Result<Vec<Option<u64>>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(rows.len());
        let mut rev = self.next_rev;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO records (kind, key, source, district, at, rev, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (kind, key) DO UPDATE SET source = excluded.source, district = excluded.district,
                   at = excluded.at, rev = excluded.rev, body = excluded.body
                 WHERE records.body != excluded.body",
            )?;
            let mut history = tx.prepare_cached(
                "INSERT INTO record_history (kind, key, rev, district, at, valid_from, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for r in &rows {
                let changed = stmt.execute(params![r.kind, r.key, r.source, r.district, r.at, rev as i64, r.body])?;
                if changed > 0 {
                    if let Some(from) = r.changed {
                        history.execute(params![r.kind, r.key, rev as i64, r.district, r.at, from, r.body])?;
                    }
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

    fn stored_rev(&self) -> Result<u64, StoreError> {
        let max: Option<i64> = self.conn.query_row("SELECT MAX(rev) FROM records", [], |r| r.get(0))?;
        Ok(max.unwrap_or(0) as u64)
    }

    fn since(&self, rev: u64, limit: usize) -> Result<Vec<(u64, String, Row)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rev, source, kind, key, body FROM records WHERE rev > ?1 ORDER BY rev LIMIT ?2")?;
        let rows = stmt.query_map(params![rev as i64, limit as i64], |r| {
            Ok((r.get::<_, i64>("rev")? as u64, r.get::<_, String>("source")?, row(r)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn get(&self, kind: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT body FROM records WHERE kind = ?1 AND key = ?2", params![kind, key], |r| r.get(0))
            .optional()?)
    }

    fn latest_between(
        &self,
        kind: &str,
        district: Option<&str>,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, key, body FROM records WHERE kind = ?1 AND (?2 IS NULL OR district = ?2) AND at >= ?3 AND at < ?4
             ORDER BY at DESC, rev DESC LIMIT ?5",
        )?;
        let rows = stmt.query_map(params![kind, district, from, to, limit as i64], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn count_between(&self, kind: &str, district: Option<&str>, from: i64, to: i64) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE kind = ?1 AND (?2 IS NULL OR district = ?2) AND at >= ?3 AND at < ?4",
            params![kind, district, from, to],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn as_of(&self, kind: &str, district: Option<&str>, at: i64, limit: usize) -> Result<Vec<Row>, StoreError> {
        // The newest records received by then (the records' own index), each with its version
        // current then (the history's index by key): a walk of `limit` keys, not of the history.
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.kind, r.key, h.body FROM records r
             JOIN record_history h ON h.rowid = (
                 SELECT rowid FROM record_history WHERE kind = r.kind AND key = r.key AND valid_from <= ?3
                 ORDER BY valid_from DESC, rev DESC LIMIT 1)
             WHERE r.kind = ?1 AND (?2 IS NULL OR r.district = ?2) AND r.at <= ?3
             ORDER BY r.at DESC, r.rev DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![kind, district, at, limit as i64], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn prune_history(&mut self, before: i64) -> Result<usize, StoreError> {
        // A version goes when a newer one of its record had replaced it before `before`.
        Ok(self.conn.execute(
            "DELETE FROM record_history WHERE valid_from < ?1 AND EXISTS (
                 SELECT 1 FROM record_history n WHERE n.kind = record_history.kind AND n.key = record_history.key
                 AND n.valid_from < ?1 AND (n.valid_from, n.rev) > (record_history.valid_from, record_history.rev))",
            params![before],
        )?)
    }

    fn history_start(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row("SELECT MIN(valid_from) FROM record_history", [], |r| r.get(0))?)
    }

    fn count_by_kind(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT kind, COUNT(*) FROM records GROUP BY kind ORDER BY kind")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn opinion_rows(&self, q: opinion::Query) -> Result<opinion::Rows, StoreError> {
        let mut out = opinion::Rows::default();
        let window = "kind = 'complaint' AND (?1 IS NULL OR district = ?1) AND at >= ?2 AND at < ?3";
        let grouped = |by: &str| {
            format!("SELECT {by}, json_extract(body, '$.form'), COUNT(*) FROM records WHERE {window} GROUP BY 1, 2")
        };
        let keyed = |r: &rusqlite::Row<'_>| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                r.get::<_, i64>(2)?.max(0) as u64,
            ))
        };
        let p = params![q.district, q.from, q.to];
        let mut stmt = self.conn.prepare_cached(&grouped("json_extract(body, '$.category')"))?;
        out.by_category = stmt.query_map(p, keyed)?.collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare_cached(&grouped("district"))?;
        out.by_district = stmt.query_map(p, keyed)?.collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT (at - ?2) / ?4, json_extract(body, '$.form'), COUNT(*) FROM records WHERE {window} GROUP BY 1, 2"
        ))?;
        out.by_bucket = stmt
            .query_map(params![q.district, q.from, q.to, q.bucket_s], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    r.get::<_, i64>(2)?.max(0) as u64,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT json_extract(body, '$.topic_ko'), json_extract(body, '$.topic_en'),
                    SUM(json_extract(body, '$.mentions')) FROM records
             WHERE kind = 'trend' AND at >= ?1 AND at < ?2
             GROUP BY 1, 2 ORDER BY 3 DESC LIMIT ?3",
        )?;
        out.trends = stmt
            .query_map(params![q.from, q.to, q.top as i64], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    r.get::<_, Option<i64>>(2)?.unwrap_or(0).max(0) as u64,
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(out)
    }

    fn append_audit(&mut self, office: &str, row: &AuditRow) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO audit (office, at, actor, channel, input, intent, actions, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![office, row.at, row.actor, row.channel, row.input, row.intent, row.actions, row.outcome],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every row: an SQLite store is one office's (rows from before the `office` column have none).
    fn audit_tail(&self, _office: &str, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
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

    fn log_call_placed(
        &mut self,
        office: &str,
        [call_id, caller, official_id, at]: [&str; 4],
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO call_log (office, call_id, caller, official_id, placed_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![office, call_id, caller, official_id, at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn log_call_answered(&mut self, row: i64, at: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE call_log SET answered_at = ?2 WHERE id = ?1", params![row, at])?;
        Ok(())
    }

    fn log_call_ended(&mut self, row: i64, at: &str, duration_s: f64, reason: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE call_log SET ended_at = ?2, duration_s = ?3, end_reason = ?4 WHERE id = ?1",
            params![row, at, duration_s, reason],
        )?;
        Ok(())
    }

    /// Every open leg: an SQLite store is one office's.
    fn end_open_calls(&mut self, _office: &str, at: &str, reason: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE call_log SET ended_at = ?1, end_reason = ?2 WHERE ended_at IS NULL",
            params![at, reason],
        )?)
    }

    fn call_log_tail(&self, _office: &str, limit: usize) -> Result<Vec<CallLogRow>, StoreError> {
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

    fn shared_secret(&mut self, _name: &str, _fresh: String) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    fn share_display(&mut self, office: &str, shown: &str) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "INSERT INTO display (office, seq, shown) VALUES (?1, 1, ?2)
             ON CONFLICT (office) DO UPDATE SET seq = display.seq + 1, shown = excluded.shown,
               updated_at = CURRENT_TIMESTAMP
             RETURNING seq",
            params![office, shown],
            |r| r.get(0),
        )?)
    }

    fn shared_display(&self, office: &str) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT seq, shown FROM display WHERE office = ?1", params![office], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// One process: it places its own calls.
    fn forward_calls(&mut self, _office: &str, _channel: &str, _actions: &str) -> Result<bool, StoreError> {
        Ok(false)
    }

    fn take_forwarded(&mut self, _office: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(Vec::new())
    }
}
