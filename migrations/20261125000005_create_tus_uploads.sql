-- Browser uploads in progress over tus (resumable); the bytes live in DATA_DIR/tus/{id}.
CREATE TABLE tus_uploads (
    id           TEXT    PRIMARY KEY,
    length       INTEGER NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,
    metadata     TEXT    NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE INDEX tus_uploads_expires_at ON tus_uploads (expires_at);
