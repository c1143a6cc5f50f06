-- TikTok's webhooks as they arrived at POST /webhooks/tiktok (contract section 14), signature
-- checked. A row is written before TikTok is answered 200 and marked processed only once it has
-- been applied, so a crash between the two loses nothing: the processor finds it again.
-- Times are Unix seconds.
CREATE TABLE tiktok_webhook_events (
    id           INTEGER PRIMARY KEY,
    -- SHA-256 of event, create_time, user_openid and content: a second delivery is dropped.
    dedupe_key   TEXT    NOT NULL UNIQUE,
    -- The event's name as sent ('' when the body could not be read).
    event        TEXT    NOT NULL,
    create_time  INTEGER,
    user_openid  TEXT,
    -- The body exactly as received (at most the receiver's cap).
    body         TEXT    NOT NULL,
    -- The signature's t.
    signed_at    INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    -- Failed tries at applying it; due again at run_at.
    attempts     INTEGER NOT NULL DEFAULT 0,
    run_at       INTEGER NOT NULL,
    last_error   TEXT,
    processed_at INTEGER,
    -- 'applied', 'ignored' (unknown or unreadable) or 'given_up' (applying kept failing).
    outcome      TEXT CHECK (outcome IN ('applied', 'ignored', 'given_up'))
);
CREATE INDEX tiktok_webhook_events_due ON tiktok_webhook_events (processed_at, run_at);
