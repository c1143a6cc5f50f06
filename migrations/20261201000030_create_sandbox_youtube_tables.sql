-- The sandbox's YouTube: Google accounts and their channels, grants, codes and tokens, upload
-- sessions, the videos they made, and the quota ledger. Times ending in _ms are Unix
-- milliseconds, read from Cast's clock (tests move it).

-- One name typed on the consent page is one Google account; with a channel or, when "this
-- account has no channel" is ticked, without one. The channel id never changes.
CREATE TABLE sandbox_youtube_accounts (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    has_channel INTEGER NOT NULL CHECK (has_channel IN (0, 1)),
    channel_id  TEXT    UNIQUE,
    handle      TEXT,
    created_ms  INTEGER NOT NULL,
    UNIQUE (name, has_channel)
);

-- One approval on the consent page. refresh_expires_ms is set in Testing mode (7 days).
CREATE TABLE sandbox_youtube_grants (
    id                 INTEGER PRIMARY KEY,
    account_id         TEXT    NOT NULL REFERENCES sandbox_youtube_accounts (id),
    scopes             TEXT    NOT NULL,
    offline            INTEGER NOT NULL,
    created_ms         INTEGER NOT NULL,
    refresh_expires_ms INTEGER,
    revoked_ms         INTEGER
);
CREATE INDEX sandbox_youtube_grants_account ON sandbox_youtube_grants (account_id);

-- Codes are single use and live 60 s; grant_id remembers what a code was exchanged for, so a
-- replay can revoke it.
CREATE TABLE sandbox_youtube_codes (
    code_hash      TEXT    PRIMARY KEY,
    account_id     TEXT    NOT NULL REFERENCES sandbox_youtube_accounts (id),
    scopes         TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    code_challenge TEXT,
    offline        INTEGER NOT NULL,
    issue_refresh  INTEGER NOT NULL,
    expires_ms     INTEGER NOT NULL,
    used_ms        INTEGER,
    grant_id       INTEGER REFERENCES sandbox_youtube_grants (id)
);

-- Access and refresh tokens, stored as their SHA-256 only.
CREATE TABLE sandbox_youtube_tokens (
    token_hash TEXT    PRIMARY KEY,
    grant_id   INTEGER NOT NULL REFERENCES sandbox_youtube_grants (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_ms INTEGER,
    revoked_ms INTEGER
);
CREATE INDEX sandbox_youtube_tokens_grant ON sandbox_youtube_tokens (grant_id);

-- One resumable session: what the initiation declared, and how many bytes are stored.
CREATE TABLE sandbox_youtube_sessions (
    upload_id     TEXT    PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES sandbox_youtube_accounts (id),
    channel_id    TEXT    NOT NULL,
    total_size    INTEGER NOT NULL,
    content_type  TEXT    NOT NULL,
    part          TEXT    NOT NULL,
    notify        INTEGER NOT NULL,
    -- The accepted snippet and status, as JSON; resource_key groups sessions of one upload.
    resource      TEXT    NOT NULL,
    resource_key  TEXT    NOT NULL,
    received      INTEGER NOT NULL DEFAULT 0,
    chunk_size    INTEGER,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,
    video_id      TEXT
);
CREATE INDEX sandbox_youtube_sessions_channel ON sandbox_youtube_sessions (channel_id, created_ms);

-- A completed upload. verdict is '' when the file is a video the sandbox can read, otherwise
-- YouTube's failureReason; rejection is set for a duplicate.
CREATE TABLE sandbox_youtube_videos (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    channel_id   TEXT    NOT NULL,
    upload_id    TEXT    NOT NULL REFERENCES sandbox_youtube_sessions (upload_id),
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    resource     TEXT    NOT NULL,
    notify       INTEGER NOT NULL,
    verdict      TEXT    NOT NULL,
    rejection    TEXT,
    duration_ms  INTEGER,
    width        INTEGER,
    height       INTEGER,
    short        INTEGER NOT NULL,
    short_reason TEXT,
    sessions     INTEGER NOT NULL,
    thumbnail    INTEGER NOT NULL DEFAULT 0,
    received_ms  INTEGER NOT NULL
);
CREATE INDEX sandbox_youtube_videos_channel ON sandbox_youtube_videos (channel_id, sha256);

-- The project's quota for one Pacific-time day.
CREATE TABLE sandbox_youtube_quota (
    day     TEXT    PRIMARY KEY,
    units   INTEGER NOT NULL DEFAULT 0,
    inserts INTEGER NOT NULL DEFAULT 0
);
