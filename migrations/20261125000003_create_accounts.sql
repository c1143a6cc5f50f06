-- Connected TikTok accounts. Tokens are sealed (XChaCha20-Poly1305) and bound to their open_id.
-- A disconnected account keeps its row (tokens cleared) so its upload history stays readable.
CREATE TABLE accounts (
    open_id            TEXT    PRIMARY KEY,
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
    updated_at         INTEGER NOT NULL
);

-- OAuth `state`: per attempt, bound to the login that started it, single use, 10 minutes.
CREATE TABLE oauth_states (
    state_hash TEXT    PRIMARY KEY,
    binding    TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
