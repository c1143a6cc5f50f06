-- Notifications waiting to be delivered: one row per event and channel. Times are Unix seconds.
-- `notify` only inserts here, so a notifier that is down never delays or loses a post; the
-- delivery task claims due rows by setting `lease_until` (a lease left by a crash expires).
-- `status`: pending → sent, or failed (given up after retrying for a day).
CREATE TABLE notify_outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT    NOT NULL CHECK (channel IN ('ntfy', 'webhook', 'email')),
    -- Given by the caller: the same target reaching the same state twice is told once.
    dedupe_key      TEXT    NOT NULL,
    -- The event as the outgoing webhook sends it (JSON).
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    run_at          INTEGER NOT NULL,
    lease_until     INTEGER,
    -- Already stripped of secrets: shown on the settings page.
    last_error      TEXT,
    last_attempt_at INTEGER,
    sent_at         INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (channel, dedupe_key)
);
CREATE INDEX notify_outbox_due ON notify_outbox (status, run_at);

-- The latest outcome per channel, of queued deliveries and of "send a test" alike.
CREATE TABLE notify_channels (
    channel         TEXT    PRIMARY KEY CHECK (channel IN ('ntfy', 'webhook', 'email')),
    last_success_at INTEGER,
    last_failure_at INTEGER,
    last_error      TEXT
);
