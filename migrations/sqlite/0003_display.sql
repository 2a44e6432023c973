-- What each office's walls show (display::Shown); the same table as the shared PostgreSQL store.
CREATE TABLE display (
    office TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    shown TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
