-- One office on several processes: a process without calls (calls.enabled = false) queues the
-- call actions of its commands here, and the office's process that places calls takes them.
-- That process says it is there in `calls_here` every second; actions are taken within 30 s
-- or dropped (a call nobody asked for a minute ago must not ring).
CREATE TABLE forwarded (
    id BIGSERIAL PRIMARY KEY,
    office TEXT NOT NULL,
    channel TEXT NOT NULL,
    actions JSONB NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX forwarded_office ON forwarded(office, id);
CREATE TABLE calls_here (
    office TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
