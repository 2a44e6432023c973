-- Every version of the records that change after they are sent (incidents, complaints), kept
-- append-only for replay ("the city at 3 pm yesterday"): `valid_from` is when the version
-- became true by the record's own times (an incident's latest step), `rev` the store revision
-- that wrote it. Readings need no history: each is a record of its own time. Versions older
-- than `history.keep_days` are removed unless they were still current then. Records stored
-- before this table existed have no versions: replay starts with it.
CREATE TABLE record_history (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    rev BIGINT NOT NULL,
    district TEXT NOT NULL,
    at BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    body JSONB NOT NULL
);
CREATE INDEX record_history_key ON record_history(kind, key, valid_from);
CREATE INDEX record_history_valid ON record_history(valid_from);
