-- A platform's webhook names a target by the platform's own id for the upload (TikTok's
-- publish_id): found by it without reading every target.
CREATE INDEX targets_remote ON targets (platform, remote_id);
