-- The upload job: the row is the queue. Times are Unix seconds.
-- `state`: scheduled → queued → uploading → processing → published | in_inbox, or failed / cancelled.
-- The worker claims a due row by setting `lease_until`; a lease left by a crash simply expires
-- (and is cleared at start), so the job is picked up again from its recorded progress.
CREATE TABLE uploads (
    id                    TEXT    PRIMARY KEY,
    open_id               TEXT    NOT NULL,
    mode                  TEXT    NOT NULL CHECK (mode IN ('direct', 'inbox')),
    -- PostOptions as JSON: title, privacy level, interactions, disclosure.
    post_options          TEXT    NOT NULL,
    file_path             TEXT    NOT NULL,
    content_type          TEXT    NOT NULL,
    size                  INTEGER NOT NULL,
    sha256                TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('scheduled', 'queued', 'uploading',
                              'processing', 'published', 'in_inbox', 'failed', 'cancelled')),
    -- Consecutive failed attempts of the current step; reset when the job moves forward.
    attempts              INTEGER NOT NULL DEFAULT 0,
    run_at                INTEGER NOT NULL,
    lease_until           INTEGER,
    publish_id            TEXT,
    -- A bearer credential for the upload (TikTok's URL carries its token): never logged or shown.
    upload_url            TEXT,
    upload_url_expires_at INTEGER,
    chunk_size            INTEGER,
    bytes_sent            INTEGER NOT NULL DEFAULT 0,
    polls                 INTEGER NOT NULL DEFAULT 0,
    -- JSON list of TikTok's post ids (strings).
    post_ids              TEXT    NOT NULL DEFAULT '[]',
    last_error            TEXT,
    error_code            TEXT,
    idempotency_key       TEXT    UNIQUE,
    publish_at            INTEGER,
    processing_started_at INTEGER,
    finished_at           INTEGER,
    spool_deleted         INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX uploads_due ON uploads (state, run_at);
CREATE INDEX uploads_recent ON uploads (created_at DESC, id DESC);

-- Small facts Cast learned about its TikTok app, e.g. that TikTok has not audited it yet.
CREATE TABLE app_flags (
    name       TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
