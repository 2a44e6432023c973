//! The schema's migrations, kept in the repository (`migrations/<database>/NNNN_name.sql`) and
//! built into the binary. Each database records which it has applied: SQLite in
//! `PRAGMA user_version`, PostgreSQL in the table `scpm_migrations`. A migration runs once, in
//! one transaction, and processes that start together wait for each other.

/// (version, name, SQL), in order.
pub type Migration = (i32, &'static str, &'static str);

pub const SQLITE: &[Migration] = &[
    (1, "init", include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, "office", include_str!("../../migrations/sqlite/0002_office.sql")),
    (3, "display", include_str!("../../migrations/sqlite/0003_display.sql")),
    (4, "history", include_str!("../../migrations/sqlite/0004_history.sql")),
];

pub const POSTGRES: &[Migration] = &[
    (1, "city", include_str!("../../migrations/postgres/0001_city.sql")),
    (2, "display", include_str!("../../migrations/postgres/0002_display.sql")),
    (3, "forward", include_str!("../../migrations/postgres/0003_forward.sql")),
    (4, "history", include_str!("../../migrations/postgres/0004_history.sql")),
];

/// Applies what `conn` lacks. SQLite: `BEGIN IMMEDIATE` takes the write lock first, so a second
/// process reads the version only after the first has finished.
pub fn sqlite(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let applied: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, name, sql) in SQLITE.iter().filter(|(v, _, _)| *v > applied) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tracing::info!(version, name, "store migrated (SQLite)");
    }
    tx.commit()
}

/// The advisory-lock key under which PostgreSQL migrations run ("scpm" + 1).
const MIGRATION_LOCK: i64 = 0x7363_706d_0001;

/// Applies what the database lacks, under an advisory lock held for the transaction.
pub fn postgres(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS scpm_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let applied: Option<i32> = tx.query_one("SELECT MAX(version) FROM scpm_migrations", &[])?.get(0);
    for (version, name, sql) in POSTGRES.iter().filter(|(v, _, _)| *v > applied.unwrap_or(0)) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO scpm_migrations (version, name) VALUES ($1, $2)", &[version, name])?;
        tracing::info!(version, name, "store migrated (PostgreSQL)");
    }
    tx.commit()
}
