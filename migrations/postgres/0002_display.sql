-- What each office's walls show (display::Shown), shared by the office's processes: `seq` grows
-- with every change, so a process takes a row newer than the last it wrote or took.
CREATE TABLE display (
    office TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    shown JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
