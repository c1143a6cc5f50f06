-- What a used sign-in state connected, so a callback that comes twice with it (Instagram
-- contract 2.2) answers with the first connect instead of failing (and never undoes it).
CREATE TABLE oauth_outcomes (
    state_hash TEXT    PRIMARY KEY,
    binding    TEXT    NOT NULL,
    platform   TEXT    NOT NULL,
    account_id TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
