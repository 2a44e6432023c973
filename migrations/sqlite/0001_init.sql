-- The store as it was before numbered migrations (every statement is safe on a store that has it).
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
