-- The sandbox's TikTok: its creators, their grants and tokens, and the videos it received.
-- Times ending in _ms are Unix milliseconds: processing delays and short TTLs need them.

-- Each username typed on the consent page is one creator, with an open_id that never changes.
CREATE TABLE sandbox_creators (
    open_id    TEXT    PRIMARY KEY,
    union_id   TEXT    NOT NULL,
    username   TEXT    NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL
);

-- One approval on the consent page; revoking it kills every token issued under it.
CREATE TABLE sandbox_grants (
    id         INTEGER PRIMARY KEY,
    open_id    TEXT    NOT NULL REFERENCES sandbox_creators (open_id),
    scopes     TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);

-- Codes are single use; grant_id remembers what a code was exchanged for, so a replay can revoke it.
CREATE TABLE sandbox_auth_codes (
    code_hash    TEXT    PRIMARY KEY,
    open_id      TEXT    NOT NULL REFERENCES sandbox_creators (open_id),
    scopes       TEXT    NOT NULL,
    redirect_uri TEXT    NOT NULL,
    expires_ms   INTEGER NOT NULL,
    used_ms      INTEGER,
    grant_id     INTEGER REFERENCES sandbox_grants (id)
);

-- Bearer and refresh tokens, stored as their SHA-256 only.
CREATE TABLE sandbox_tokens (
    token_hash TEXT    PRIMARY KEY,
    grant_id   INTEGER NOT NULL REFERENCES sandbox_grants (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_ms INTEGER NOT NULL
);
CREATE INDEX sandbox_tokens_grant ON sandbox_tokens (grant_id);

-- One init (direct post or inbox draft) and what arrived for it.
-- `state` is 'uploading', 'processing' (last chunk in, verdict pending or not yet revealed),
-- or one of TikTok's final statuses; the status shown between is computed from the timestamps.
CREATE TABLE sandbox_publishes (
    publish_id        TEXT    PRIMARY KEY,
    open_id           TEXT    NOT NULL REFERENCES sandbox_creators (open_id),
    grant_id          INTEGER NOT NULL REFERENCES sandbox_grants (id),
    mode              TEXT    NOT NULL CHECK (mode IN ('direct', 'inbox')),
    post_info         TEXT,
    privacy_level     TEXT,
    video_size        INTEGER NOT NULL,
    chunk_size        INTEGER NOT NULL,
    total_chunk_count INTEGER NOT NULL,
    upload_id         TEXT    NOT NULL,
    upload_token_hash TEXT    NOT NULL UNIQUE,
    upload_expires_ms INTEGER NOT NULL,
    content_type      TEXT,
    received_bytes    INTEGER NOT NULL DEFAULT 0,
    received_ms       INTEGER,
    sha256            TEXT,
    -- The media check's outcome: '' passed, otherwise TikTok's fail_reason; NULL while unchecked.
    verdict           TEXT,
    state             TEXT    NOT NULL,
    fail_reason       TEXT,
    post_id           INTEGER,
    created_ms        INTEGER NOT NULL
);
CREATE INDEX sandbox_publishes_creator ON sandbox_publishes (open_id, created_ms);
