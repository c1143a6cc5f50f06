-- The Instagram sandbox (instagram-api.md section 14): its accounts, codes and tokens, and the
-- Reels containers it made and fetched. Times are Unix milliseconds from the sandbox's clock.

-- Each username typed on the consent page is one account, with ids that never change.
CREATE TABLE sandbox_instagram_accounts (
    user_id       TEXT    PRIMARY KEY,
    app_scoped_id TEXT    NOT NULL UNIQUE,
    username      TEXT    NOT NULL UNIQUE,
    account_type  TEXT    NOT NULL CHECK (account_type IN ('BUSINESS', 'MEDIA_CREATOR', 'PERSONAL')),
    created_ms    INTEGER NOT NULL
);

-- Codes live an hour and are single use.
CREATE TABLE sandbox_instagram_codes (
    code_hash    TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES sandbox_instagram_accounts (user_id),
    scopes       TEXT    NOT NULL,
    redirect_uri TEXT    NOT NULL,
    expires_ms   INTEGER NOT NULL,
    used_ms      INTEGER
);

-- Short-lived (an hour) and long-lived tokens, stored as their SHA-256 only. A refresh revokes
-- the token it replaces.
CREATE TABLE sandbox_instagram_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES sandbox_instagram_accounts (user_id),
    kind       TEXT    NOT NULL CHECK (kind IN ('short', 'long')),
    scopes     TEXT    NOT NULL,
    issued_ms  INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX sandbox_instagram_tokens_user ON sandbox_instagram_tokens (user_id);

-- One Reels container: what was asked, what the fetcher got, and how it ended.
-- fetch_state: 'pending' (not started), 'fetching', 'fetched' (bytes in and judged good),
-- 'failed' (error_* say why). The status a client reads is computed from these and the clock.
CREATE TABLE sandbox_instagram_containers (
    container_id  TEXT    PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES sandbox_instagram_accounts (user_id),
    video_url     TEXT    NOT NULL,
    cover_url     TEXT,
    caption       TEXT    NOT NULL DEFAULT '',
    share_to_feed INTEGER,
    thumb_offset  INTEGER,
    collaborators TEXT,
    created_ms    INTEGER NOT NULL,
    fetch_state   TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (fetch_state IN ('pending', 'fetching', 'fetched', 'failed')),
    fetch_started_ms INTEGER,
    fetched_ms    INTEGER,
    size          INTEGER,
    sha256        TEXT,
    duration_ms   INTEGER,
    error_code    INTEGER,
    error_subcode INTEGER,
    error_message TEXT,
    error_user_msg TEXT,
    media_id      TEXT    UNIQUE,
    shortcode     TEXT,
    published_ms  INTEGER
);
CREATE INDEX sandbox_instagram_containers_user ON sandbox_instagram_containers (user_id, created_ms);

-- Every request the fetcher made for a container's media.
CREATE TABLE sandbox_instagram_fetches (
    id           INTEGER PRIMARY KEY,
    container_id TEXT    NOT NULL REFERENCES sandbox_instagram_containers (container_id),
    at_ms        INTEGER NOT NULL,
    what         TEXT    NOT NULL CHECK (what IN ('video', 'cover')),
    method       TEXT    NOT NULL,
    range        TEXT,
    status       INTEGER,
    bytes        INTEGER NOT NULL
);
CREATE INDEX sandbox_instagram_fetches_container ON sandbox_instagram_fetches (container_id, id);
