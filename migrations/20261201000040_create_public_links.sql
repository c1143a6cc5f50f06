-- Public media links (instagram-api.md section 11): one job's file, served for a short time at
-- an unguessable URL. Times are Unix milliseconds from the app's clock.

-- The token is stored as its SHA-256 only. A revoked link loses its hash, so looking up a revoked
-- token does exactly what looking up a guessed one does: find nothing.
CREATE TABLE public_links (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT    UNIQUE,
    -- The token's first 6 characters, the only part logs and pages ever show.
    token_prefix   TEXT    NOT NULL,
    job_id         TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    size           INTEGER NOT NULL,
    content_type   TEXT    NOT NULL,
    sha256         TEXT    NOT NULL,
    created_ms     INTEGER NOT NULL,
    expires_ms     INTEGER NOT NULL,
    revoked_ms     INTEGER,
    revoked_reason TEXT
);
CREATE INDEX public_links_job ON public_links (job_id);

-- Every request a link answered, in order; `bytes` is what was actually sent.
CREATE TABLE public_link_fetches (
    id         INTEGER PRIMARY KEY,
    link_id    INTEGER NOT NULL REFERENCES public_links (id) ON DELETE CASCADE,
    job_id     TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    method     TEXT    NOT NULL,
    range      TEXT,
    status     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    user_agent TEXT,
    client_ip  TEXT
);
CREATE INDEX public_link_fetches_job ON public_link_fetches (job_id, id);

-- Files a platform asks to find under /m/ to verify the URL prefix (TikTok's portal).
CREATE TABLE public_link_verification_files (
    name        TEXT    PRIMARY KEY,
    contents    BLOB    NOT NULL,
    uploaded_ms INTEGER NOT NULL
);
