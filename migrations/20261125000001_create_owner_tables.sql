-- The one owner of this Cast, their setup link, API tokens and web sessions.

CREATE TABLE owner (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    password_hash TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Only a hash of the one-time setup token is kept; the link is printed once.
CREATE TABLE setup_token (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    token_hash TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

-- Keyed by sha256 of the cookie's session key, so a copy of the database cannot be replayed as cookies.
CREATE TABLE sessions (
    key_hash   TEXT    PRIMARY KEY,
    state      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
