-- One video, one post, one or more targets (a platform account and that platform's options),
-- each target its own durable job. Existing uploads become one-target posts; accounts are keyed
-- by (platform, account id); OAuth attempts remember their platform. Times are Unix seconds.

-- `seq` orders posts newest first (never the whole-second `created_at`); `id` is public.
CREATE TABLE posts (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT    NOT NULL UNIQUE,
    file_path         TEXT    NOT NULL,
    content_type      TEXT    NOT NULL,
    size              INTEGER NOT NULL,
    sha256            TEXT    NOT NULL,
    -- The probe's summary of the video (JSON).
    video_info        TEXT    NOT NULL DEFAULT '{}',
    idempotency_key   TEXT    UNIQUE,
    -- The browser (tus) upload the video came from: a repeated Publish finds this post.
    browser_upload_id TEXT    UNIQUE,
    publish_at        INTEGER,
    spool_deleted     INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- The target row is the queue: the worker claims a due row by setting `lease_until`, at most one
-- per account at a time. Only `posts::repository::apply`, guarded on the expected state, writes
-- `state` (see `posts::state`).
CREATE TABLE targets (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT    NOT NULL UNIQUE,
    post_id            TEXT    NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- 0-based index in the request, the order the owner gave.
    position           INTEGER NOT NULL,
    platform           TEXT    NOT NULL,
    account_id         TEXT    NOT NULL,
    -- The platform's own options (JSON), as its parser normalised them.
    options            TEXT    NOT NULL,
    state              TEXT    NOT NULL CHECK (state IN ('scheduled', 'queued', 'uploading',
                           'processing', 'waiting', 'published', 'in_inbox', 'failed', 'cancelled')),
    -- Temporary failures in a row, and when the streak began.
    attempts           INTEGER NOT NULL DEFAULT 0,
    trouble_since      INTEGER,
    run_at             INTEGER NOT NULL,
    lease_until        INTEGER,
    lease_owner        TEXT,
    -- The platform's id for the upload (TikTok's publish_id).
    remote_id          TEXT,
    -- A credential (an upload URL): cleared once it can no longer be used.
    session            TEXT,
    session_expires_at INTEGER,
    bytes_sent         INTEGER NOT NULL DEFAULT 0,
    -- 1: the platform has everything that can make the post happen; never re-sent by itself.
    committed          INTEGER NOT NULL DEFAULT 0,
    committed_at       INTEGER,
    -- Set just before a creating call is sent, cleared on its answer (see `Event::Initiating`).
    initiating_at      INTEGER,
    orphaned_inits     INTEGER NOT NULL DEFAULT 0,
    -- The platform's own notes (JSON), e.g. TikTok's chunk size.
    progress           TEXT    NOT NULL DEFAULT '{}',
    polls              INTEGER NOT NULL DEFAULT 0,
    result_url         TEXT,
    result_post_id     TEXT,
    result_visibility  TEXT,
    link_pending_until INTEGER,
    -- Advice given at submit (JSON list of {code, message}).
    warnings           TEXT    NOT NULL DEFAULT '[]',
    waiting_until      INTEGER,
    error_code         TEXT,
    last_error         TEXT,
    note               TEXT,
    resends            INTEGER NOT NULL DEFAULT 0,
    finished_at        INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (post_id, position)
);
CREATE INDEX targets_due ON targets (state, run_at);
CREATE INDEX targets_account ON targets (platform, account_id);

INSERT INTO posts (id, file_path, content_type, size, sha256, idempotency_key, browser_upload_id,
                   publish_at, spool_deleted, created_at, updated_at)
SELECT id, file_path, content_type, size, sha256,
       CASE WHEN idempotency_key LIKE 'tus:%' THEN NULL ELSE idempotency_key END,
       CASE WHEN idempotency_key LIKE 'tus:%' THEN substr(idempotency_key, 5) ELSE NULL END,
       publish_at, spool_deleted, created_at, updated_at
FROM uploads ORDER BY created_at, id;

-- A one-target post keeps the upload's id for its target too, so /api/uploads/{id} still works.
INSERT INTO targets (id, post_id, position, platform, account_id, options, state, attempts, run_at,
                     remote_id, session, session_expires_at, bytes_sent, committed, committed_at,
                     initiating_at, orphaned_inits, progress, polls, result_post_id,
                     result_visibility, link_pending_until, error_code, last_error, note,
                     finished_at, created_at, updated_at)
SELECT id, id, 0, 'tiktok', open_id,
       json_set(post_options, '$.mode', mode),
       state, attempts, run_at, publish_id, upload_url, upload_url_expires_at, bytes_sent,
       processing_started_at IS NOT NULL, processing_started_at, init_started_at, orphaned_inits,
       json_object('chunk_size', chunk_size, 'refused_chunk_sizes', json(refused_chunk_sizes),
                   'initiated_at', initiated_at, 'post_id_source', post_id_source),
       polls, json_extract(post_ids, '$[0]'),
       CASE WHEN state = 'published' THEN
           CASE json_extract(post_options, '$.privacy_level')
               WHEN 'PUBLIC_TO_EVERYONE' THEN 'public'
               WHEN 'MUTUAL_FOLLOW_FRIENDS' THEN 'friends'
               WHEN 'FOLLOWER_OF_CREATOR' THEN 'followers'
               WHEN 'SELF_ONLY' THEN 'private'
           END
       END,
       link_wait_until, error_code, last_error, note, finished_at, created_at, updated_at
FROM uploads ORDER BY created_at, id;

DROP TABLE uploads;

-- Accounts of any platform; TikTok's keep their open_id as account_id.
CREATE TABLE accounts_by_platform (
    platform           TEXT    NOT NULL,
    account_id         TEXT    NOT NULL,
    username           TEXT    NOT NULL DEFAULT '',
    display_name       TEXT    NOT NULL DEFAULT '',
    avatar_url         TEXT    NOT NULL DEFAULT '',
    scopes             TEXT    NOT NULL DEFAULT '',
    access_token       BLOB,
    access_expires_at  INTEGER,
    refresh_token      BLOB,
    refresh_expires_at INTEGER,
    status             TEXT    NOT NULL CHECK (status IN ('active', 'needs_reconnect', 'disconnected')),
    status_reason      TEXT    NOT NULL DEFAULT '',
    connected_at       INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (platform, account_id)
);
INSERT INTO accounts_by_platform
SELECT 'tiktok', open_id, username, display_name, avatar_url, scopes, access_token,
       access_expires_at, refresh_token, refresh_expires_at, status, status_reason, connected_at,
       updated_at
FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_by_platform RENAME TO accounts;

ALTER TABLE oauth_states ADD COLUMN platform TEXT NOT NULL DEFAULT 'tiktok';
