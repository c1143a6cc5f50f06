-- The TikTok sandbox's webhooks (contract section 12, "Webhooks"): each moment once as an event,
-- each delivery of it (the first and its duplicates), and each attempt at a delivery, which is
-- what /sandbox/tiktok/_/webhooks lists. Times ending in _ms are Unix milliseconds.

-- One event per moment ('post.publish.complete:<publish_id>', 'authorization.removed:<grant>'),
-- with its body fixed once, so every copy and retry sends the same bytes.
CREATE TABLE sandbox_webhook_events (
    id         INTEGER PRIMARY KEY,
    moment     TEXT    NOT NULL UNIQUE,
    event      TEXT    NOT NULL,
    publish_id TEXT,
    body       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL
);

-- The queue: `copy` 0 is the delivery, 1.. its duplicates. The signature is made at the first
-- attempt and kept for every retry (its first t). Retries stop `retry_for` after first_due_ms.
CREATE TABLE sandbox_webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES sandbox_webhook_events (id),
    copy         INTEGER NOT NULL,
    due_ms       INTEGER NOT NULL,
    first_due_ms INTEGER NOT NULL,
    signature    TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'given_up'))
);
CREATE INDEX sandbox_webhook_deliveries_due ON sandbox_webhook_deliveries (state, due_ms);

-- Every attempt: the HTTP status the receiver answered (NULL when it did not answer).
CREATE TABLE sandbox_webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES sandbox_webhook_deliveries (id),
    attempt     INTEGER NOT NULL,
    signature   TEXT    NOT NULL,
    answered    INTEGER,
    error       TEXT,
    sent_ms     INTEGER NOT NULL
);

-- Publishes with no moment left to notice: the ticker stops looking at them.
CREATE TABLE sandbox_webhook_settled (
    publish_id TEXT    PRIMARY KEY REFERENCES sandbox_publishes (publish_id),
    settled_ms INTEGER NOT NULL
);
