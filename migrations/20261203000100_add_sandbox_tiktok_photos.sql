-- The sandbox's TikTok learns photo posts (contract §15.2): a publish is a VIDEO or a PHOTO
-- carousel, and a carousel's images, fetched by the sandbox from Cast's links, are kept in order
-- with what was received, so a test can compare each with the file it sent.
ALTER TABLE sandbox_publishes ADD COLUMN media_type TEXT NOT NULL DEFAULT 'VIDEO';
ALTER TABLE sandbox_publishes ADD COLUMN photo_cover_index INTEGER;

CREATE TABLE sandbox_publish_images (
    publish_id TEXT NOT NULL REFERENCES sandbox_publishes(publish_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    size INTEGER,
    sha256 TEXT,
    PRIMARY KEY (publish_id, position)
);
