-- The city's shared store: the same tables as the SQLite store, for many processes.
CREATE TABLE records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    source TEXT NOT NULL,
    district TEXT NOT NULL,
    at BIGINT NOT NULL,
    -- Global and increasing in commit order: writers take `rev` under one advisory lock, so a
    -- reader following `rev > cursor` never skips a record committed later with a lower rev.
    rev BIGINT NOT NULL,
    body JSONB NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE UNIQUE INDEX records_rev ON records(rev);
CREATE INDEX records_kind_at ON records(kind, at);
CREATE INDEX records_kind_district_at ON records(kind, district, at);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    office TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    channel TEXT NOT NULL,
    input TEXT NOT NULL,
    intent TEXT NOT NULL,
    actions TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX audit_office ON audit(office, id);
CREATE TABLE call_log (
    id BIGSERIAL PRIMARY KEY,
    office TEXT NOT NULL,
    call_id TEXT NOT NULL,
    caller TEXT NOT NULL,
    official_id TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    answered_at TEXT,
    ended_at TEXT,
    duration_s DOUBLE PRECISION,
    end_reason TEXT
);
CREATE INDEX call_log_office ON call_log(office, id);
-- Secrets every process of an office shares (the office token signs officials' links).
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
