//! The store on PostgreSQL: the city's shared store, many processes on one database.
//!
//! Each [`Pg`] is one connection, owned by a thread of its own: the blocking client (`postgres`,
//! over `tokio-postgres`) runs its own small runtime, which must not run inside the service's,
//! and a thread makes a store call equally safe from a plain thread, `spawn_blocking` or an
//! async task — as SQLite's is. A connection that broke (the database restarted) is opened
//! again at the next call: every process recovers by itself.
//!
//! **Revisions.** A write takes `pg_advisory_xact_lock(REV_LOCK)`, then `MAX(rev)`, so writers
//! take revisions one after the other and commit in revision order. A reader that follows
//! `rev > cursor` therefore never skips a record committed after it looked.

use super::location::redact;
use super::{migrate, opinion, AuditRow, CallLogRow, Db, Row, StoreError};
use postgres::{Client, NoTls};
use std::sync::mpsc;
use std::time::Duration;

/// The advisory-lock key writers take revisions under ("scpm" + 2).
const REV_LOCK: i64 = 0x7363_706d_0002;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A database error in the words of its fix.
pub fn explain(e: &postgres::Error) -> String {
    use postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        let fix = match db.code() {
            c if *c == SqlState::INVALID_CATALOG_NAME => {
                "; create it (`createdb NAME` as the postgres user) or fix the database name in paths.store"
            }
            c if *c == SqlState::INVALID_PASSWORD || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                "; check the user and password in paths.store and pg_hba.conf"
            }
            c if *c == SqlState::DISK_FULL => "; the database server's disk is full: nothing was written",
            c if *c == SqlState::ADMIN_SHUTDOWN || *c == SqlState::CANNOT_CONNECT_NOW => {
                "; the database is restarting: scpm reconnects by itself"
            }
            _ => "",
        };
        return format!("{}{fix}", db.message());
    }
    if e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()) {
        return format!(
            "{e}: the database does not answer; is PostgreSQL running and is paths.store right? scpm reconnects by \
             itself once it answers"
        );
    }
    e.to_string()
}

/// One connection and the thread that owns it.
pub struct Pg {
    url: String,
    jobs: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// The connection as its thread holds it: opened again when it broke.
struct Session {
    url: String,
    client: Option<Client>,
}

impl Session {
    fn client(&mut self) -> Result<&mut Client, postgres::Error> {
        if self.client.as_ref().is_some_and(|c| c.is_closed()) {
            self.client = None;
        }
        if self.client.is_none() {
            let mut client = connect(&self.url)?;
            migrate::postgres(&mut client)?;
            self.client = Some(client);
        }
        match self.client.as_mut() {
            Some(client) => Ok(client),
            None => unreachable!("a client was just connected"),
        }
    }
}

pub(super) fn connect(url: &str) -> Result<Client, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("scpm");
    config.connect(NoTls)
}

impl Pg {
    /// Connects (and migrates) now, so a wrong URL is said at start.
    pub fn open(url: &str) -> Result<Pg, StoreError> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let session = Session { url: url.to_string(), client: None };
        std::thread::Builder::new().name("store-pg".into()).spawn(move || {
            let mut session = session;
            while let Ok(job) = rx.recv() {
                job(&mut session);
            }
        })?;
        let pg = Pg { url: url.to_string(), jobs };
        pg.run(|_| Ok(()))?;
        Ok(pg)
    }

    /// Runs `f` on the connection's thread and waits for it.
    fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<R, postgres::Error> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |session: &mut Session| {
            let result = session.client().and_then(f);
            if result.is_err() && session.client.as_ref().is_some_and(|c| c.is_closed()) {
                session.client = None;
            }
            let _ = tx.send(result);
        });
        let gone = || StoreError::PostgresGone { url: redact(&self.url) };
        self.jobs.send(job).map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?.map_err(|source| StoreError::Postgres { url: redact(&self.url), source })
    }
}

fn row(r: &postgres::Row) -> Result<Row, postgres::Error> {
    Ok(Row { kind: r.try_get("kind")?, key: r.try_get("key")?, body: r.try_get("body")?, ..Row::empty() })
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

impl Db for Pg {
    fn upsert(&mut self, rows: Vec<Row>) -> Result<Vec<Option<u64>>, StoreError> {
        // One statement per batch. A key twice in one batch: its last version is written and
        // the earlier ones count as replaced (PostgreSQL cannot change a row twice in one
        // statement).
        let n = rows.len();
        let mut last = std::collections::HashMap::with_capacity(n);
        for (i, r) in rows.iter().enumerate() {
            last.insert((r.kind.as_str(), r.key.as_str()), i);
        }
        let keep: Vec<usize> =
            (0..n).filter(|i| last.get(&(rows[*i].kind.as_str(), rows[*i].key.as_str())) == Some(i)).collect();
        let column = |f: fn(&Row) -> String| keep.iter().map(|&i| f(&rows[i])).collect::<Vec<String>>();
        let (kinds, keys, sources, districts, bodies) = (
            column(|r| r.kind.clone()),
            column(|r| r.key.clone()),
            column(|r| r.source.clone()),
            column(|r| r.district.clone()),
            column(|r| r.body.clone()),
        );
        let ats: Vec<i64> = keep.iter().map(|&i| rows[i].at).collect();
        let changed: Vec<Option<i64>> = keep.iter().map(|&i| rows[i].changed).collect();
        let written: Vec<(i64, i64)> = self.run(move |client| {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&REV_LOCK])?;
            let base: i64 = tx.query_one("SELECT COALESCE(MAX(rev), 0)::int8 FROM records", &[])?.get(0);
            // The records written, and of those that keep versions, the version in the history.
            let returned = tx.query(
                "WITH t AS (
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $8::int8[])
                     WITH ORDINALITY AS t(kind, key, source, district, at, body, changed, n)),
                 w AS (
                     INSERT INTO records (kind, key, source, district, at, rev, body)
                     SELECT kind, key, source, district, at, $7 + n, body::jsonb FROM t
                     ON CONFLICT (kind, key) DO UPDATE SET source = excluded.source, district = excluded.district,
                       at = excluded.at, rev = excluded.rev, body = excluded.body
                     WHERE records.body IS DISTINCT FROM excluded.body
                     RETURNING kind, key, rev, district, at, body),
                 h AS (
                     INSERT INTO record_history (kind, key, rev, district, at, valid_from, body)
                     SELECT w.kind, w.key, w.rev, w.district, w.at, t.changed, w.body
                     FROM w JOIN t ON w.rev = $7 + t.n WHERE t.changed IS NOT NULL)
                 SELECT rev FROM w",
                &[&kinds, &keys, &sources, &districts, &ats, &bodies, &base, &changed],
            )?;
            tx.commit()?;
            Ok(returned.iter().map(|r| (r.get::<_, i64>(0), base)).collect())
        })?;
        let mut out = vec![None; n];
        for (rev, base) in written {
            // rev = base + the row's 1-based place among the kept rows.
            if let Some(&i) = usize::try_from(rev - base - 1).ok().and_then(|k| keep.get(k)) {
                out[i] = Some(rev as u64);
            }
        }
        Ok(out)
    }

    fn stored_rev(&self) -> Result<u64, StoreError> {
        self.run(|c| Ok(count(c.query_one("SELECT COALESCE(MAX(rev), 0)::int8 FROM records", &[])?.get(0))))
    }

    fn since(&self, rev: u64, limit: usize) -> Result<Vec<(u64, String, Row)>, StoreError> {
        let (rev, limit) = (rev as i64, limit as i64);
        self.run(move |c| {
            c.query(
                "SELECT rev, source, kind, key, body::text AS body FROM records WHERE rev > $1 ORDER BY rev LIMIT $2",
                &[&rev, &limit],
            )?
            .iter()
            .map(|r| Ok((count(r.try_get("rev")?), r.try_get("source")?, row(r)?)))
            .collect()
        })
    }

    fn get(&self, kind: &str, key: &str) -> Result<Option<String>, StoreError> {
        let (kind, key) = (kind.to_string(), key.to_string());
        self.run(move |c| {
            Ok(c.query_opt("SELECT body::text FROM records WHERE kind = $1 AND key = $2", &[&kind, &key])?
                .map(|r| r.get(0)))
        })
    }

    fn latest_between(
        &self,
        kind: &str,
        district: Option<&str>,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<Row>, StoreError> {
        let (kind, district, limit) = (kind.to_string(), district.map(str::to_string), limit as i64);
        self.run(move |c| {
            c.query(
                "SELECT kind, key, body::text AS body FROM records
                 WHERE kind = $1 AND ($2::text IS NULL OR district = $2) AND at >= $3 AND at < $4
                 ORDER BY at DESC, rev DESC LIMIT $5",
                &[&kind, &district, &from, &to, &limit],
            )?
            .iter()
            .map(row)
            .collect()
        })
    }

    fn count_between(&self, kind: &str, district: Option<&str>, from: i64, to: i64) -> Result<u64, StoreError> {
        let (kind, district) = (kind.to_string(), district.map(str::to_string));
        self.run(move |c| {
            let n: i64 = c
                .query_one(
                    "SELECT COUNT(*) FROM records WHERE kind = $1 AND ($2::text IS NULL OR district = $2) AND at >= $3 AND at < $4",
                    &[&kind, &district, &from, &to],
                )?
                .get(0);
            Ok(count(n))
        })
    }

    fn as_of(&self, kind: &str, district: Option<&str>, at: i64, limit: usize) -> Result<Vec<Row>, StoreError> {
        let (kind, district, limit) = (kind.to_string(), district.map(str::to_string), limit as i64);
        self.run(move |c| {
            c.query(
                "SELECT r.kind, r.key, h.body::text AS body FROM records r
                 CROSS JOIN LATERAL (
                     SELECT body FROM record_history WHERE kind = r.kind AND key = r.key AND valid_from <= $3
                     ORDER BY valid_from DESC, rev DESC LIMIT 1) h
                 WHERE r.kind = $1 AND ($2::text IS NULL OR r.district = $2) AND r.at <= $3
                 ORDER BY r.at DESC, r.rev DESC LIMIT $4",
                &[&kind, &district, &at, &limit],
            )?
            .iter()
            .map(row)
            .collect()
        })
    }

    fn prune_history(&mut self, before: i64) -> Result<usize, StoreError> {
        self.run(move |c| {
            let n = c.execute(
                "DELETE FROM record_history o WHERE valid_from < $1 AND EXISTS (
                     SELECT 1 FROM record_history n WHERE n.kind = o.kind AND n.key = o.key
                     AND n.valid_from < $1 AND (n.valid_from, n.rev) > (o.valid_from, o.rev))",
                &[&before],
            )?;
            Ok(n as usize)
        })
    }

    fn history_start(&self) -> Result<Option<i64>, StoreError> {
        self.run(|c| Ok(c.query_one("SELECT MIN(valid_from) FROM record_history", &[])?.get(0)))
    }

    fn count_by_kind(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.run(|c| {
            Ok(c.query("SELECT kind, COUNT(*) FROM records GROUP BY kind ORDER BY kind", &[])?
                .iter()
                .map(|r| (r.get(0), count(r.get(1))))
                .collect())
        })
    }

    fn opinion_rows(&self, q: opinion::Query) -> Result<opinion::Rows, StoreError> {
        let district = q.district.map(str::to_string);
        let (from, to, bucket_s, top) = (q.from, q.to, q.bucket_s, q.top as i64);
        self.run(move |c| {
            let window = "kind = 'complaint' AND ($1::text IS NULL OR district = $1) AND at >= $2 AND at < $3";
            let keyed = |r: &postgres::Row| -> (String, String, u64) {
                (
                    r.get::<_, Option<String>>(0).unwrap_or_default(),
                    r.get::<_, Option<String>>(1).unwrap_or_default(),
                    count(r.get(2)),
                )
            };
            let mut out = opinion::Rows::default();
            for (by, into) in [("body->>'category'", &mut out.by_category), ("district", &mut out.by_district)] {
                let sql = format!("SELECT {by}, body->>'form', COUNT(*) FROM records WHERE {window} GROUP BY 1, 2");
                *into = c.query(&sql, &[&district, &from, &to])?.iter().map(keyed).collect();
            }
            let sql =
                format!("SELECT (at - $2) / $4, body->>'form', COUNT(*) FROM records WHERE {window} GROUP BY 1, 2");
            out.by_bucket = c
                .query(&sql, &[&district, &from, &to, &bucket_s])?
                .iter()
                .map(|r| (r.get(0), r.get::<_, Option<String>>(1).unwrap_or_default(), count(r.get(2))))
                .collect();
            out.trends = c
                .query(
                    "SELECT body->>'topic_ko', body->>'topic_en', COALESCE(SUM((body->>'mentions')::int8), 0)::int8
                     FROM records WHERE kind = 'trend' AND at >= $1 AND at < $2
                     GROUP BY 1, 2 ORDER BY 3 DESC LIMIT $3",
                    &[&from, &to, &top],
                )?
                .iter()
                .map(keyed)
                .collect();
            Ok(out)
        })
    }

    fn append_audit(&mut self, office: &str, row: &AuditRow) -> Result<i64, StoreError> {
        let (office, row) = (office.to_string(), row.clone());
        self.run(move |c| {
            Ok(c.query_one(
                "INSERT INTO audit (office, at, actor, channel, input, intent, actions, outcome)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[&office, &row.at, &row.actor, &row.channel, &row.input, &row.intent, &row.actions, &row.outcome],
            )?
            .get(0))
        })
    }

    fn audit_tail(&self, office: &str, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        let (office, limit) = (office.to_string(), limit as i64);
        self.run(move |c| {
            Ok(c.query(
                "SELECT at, actor, channel, input, intent, actions, outcome FROM audit
                 WHERE office = $1 ORDER BY id DESC LIMIT $2",
                &[&office, &limit],
            )?
            .iter()
            .map(|r| AuditRow {
                at: r.get(0),
                actor: r.get(1),
                channel: r.get(2),
                input: r.get(3),
                intent: r.get(4),
                actions: r.get(5),
                outcome: r.get(6),
            })
            .collect())
        })
    }

    fn log_call_placed(&mut self, office: &str, call: [&str; 4]) -> Result<i64, StoreError> {
        let office = office.to_string();
        let [call_id, caller, official_id, at] = call.map(str::to_string);
        self.run(move |c| {
            Ok(c.query_one(
                "INSERT INTO call_log (office, call_id, caller, official_id, placed_at) VALUES ($1, $2, $3, $4, $5)
                 RETURNING id",
                &[&office, &call_id, &caller, &official_id, &at],
            )?
            .get(0))
        })
    }

    fn log_call_answered(&mut self, row: i64, at: &str) -> Result<(), StoreError> {
        let at = at.to_string();
        self.run(move |c| c.execute("UPDATE call_log SET answered_at = $2 WHERE id = $1", &[&row, &at]).map(drop))
    }

    fn log_call_ended(&mut self, row: i64, at: &str, duration_s: f64, reason: &str) -> Result<(), StoreError> {
        let (at, reason) = (at.to_string(), reason.to_string());
        self.run(move |c| {
            c.execute(
                "UPDATE call_log SET ended_at = $2, duration_s = $3, end_reason = $4 WHERE id = $1",
                &[&row, &at, &duration_s, &reason],
            )
            .map(drop)
        })
    }

    fn end_open_calls(&mut self, office: &str, at: &str, reason: &str) -> Result<usize, StoreError> {
        let (office, at, reason) = (office.to_string(), at.to_string(), reason.to_string());
        self.run(move |c| {
            let n = c.execute(
                "UPDATE call_log SET ended_at = $2, end_reason = $3 WHERE office = $1 AND ended_at IS NULL",
                &[&office, &at, &reason],
            )?;
            Ok(n as usize)
        })
    }

    fn call_log_tail(&self, office: &str, limit: usize) -> Result<Vec<CallLogRow>, StoreError> {
        let (office, limit) = (office.to_string(), limit as i64);
        self.run(move |c| {
            Ok(c.query(
                "SELECT id, call_id, caller, official_id, placed_at, answered_at, ended_at, duration_s, end_reason
                 FROM call_log WHERE office = $1 ORDER BY id DESC LIMIT $2",
                &[&office, &limit],
            )?
            .iter()
            .map(|r| CallLogRow {
                id: r.get(0),
                call_id: r.get(1),
                caller: r.get(2),
                official_id: r.get(3),
                placed_at: r.get(4),
                answered_at: r.get(5),
                ended_at: r.get(6),
                duration_s: r.get(7),
                end_reason: r.get(8),
            })
            .collect())
        })
    }

    fn shared_secret(&mut self, name: &str, fresh: String) -> Result<Option<String>, StoreError> {
        let name = name.to_string();
        self.run(move |c| {
            c.execute(
                "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&name, &fresh],
            )?;
            Ok(Some(c.query_one("SELECT value FROM secrets WHERE name = $1", &[&name])?.get(0)))
        })
    }

    fn share_display(&mut self, office: &str, shown: &str) -> Result<i64, StoreError> {
        let (office, shown) = (office.to_string(), shown.to_string());
        self.run(move |c| {
            Ok(c.query_one(
                "INSERT INTO display (office, seq, shown) VALUES ($1, 1, $2::text::jsonb)
                 ON CONFLICT (office) DO UPDATE SET seq = display.seq + 1, shown = excluded.shown, updated_at = now()
                 RETURNING seq",
                &[&office, &shown],
            )?
            .get(0))
        })
    }

    fn shared_display(&self, office: &str) -> Result<Option<(i64, String)>, StoreError> {
        let office = office.to_string();
        self.run(move |c| {
            Ok(c.query_opt("SELECT seq, shown::text FROM display WHERE office = $1", &[&office])?
                .map(|r| (r.get(0), r.get(1))))
        })
    }

    fn forward_calls(&mut self, office: &str, channel: &str, actions: &str) -> Result<bool, StoreError> {
        let (office, channel, actions) = (office.to_string(), channel.to_string(), actions.to_string());
        self.run(move |c| {
            let n = c.execute(
                "INSERT INTO forwarded (office, channel, actions)
                 SELECT $1, $2, $3::text::jsonb
                 WHERE EXISTS (SELECT 1 FROM calls_here WHERE office = $1 AND seen_at > now() - interval '3 seconds')",
                &[&office, &channel, &actions],
            )?;
            Ok(n == 1)
        })
    }

    fn take_forwarded(&mut self, office: &str) -> Result<Vec<(String, String)>, StoreError> {
        let office = office.to_string();
        self.run(move |c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "INSERT INTO calls_here (office, seen_at) VALUES ($1, now())
                 ON CONFLICT (office) DO UPDATE SET seen_at = now()
                 WHERE calls_here.seen_at < now() - interval '1 second'",
                &[&office],
            )?;
            let rows = tx.query(
                "DELETE FROM forwarded WHERE id IN
                   (SELECT id FROM forwarded WHERE office = $1 ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 50)
                 RETURNING id, channel, actions::text, at > now() - interval '30 seconds' AS fresh",
                &[&office],
            )?;
            tx.commit()?;
            let mut taken: Vec<(i64, String, String, bool)> =
                rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
            taken.sort_by_key(|t| t.0);
            Ok(taken.into_iter().filter(|t| t.3).map(|(_, channel, actions, _)| (channel, actions)).collect())
        })
    }
}
