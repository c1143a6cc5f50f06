-- A post whose video arrives in a script's multipart request body (`POST /api/posts` with
-- `video_size`), recorded by Cast itself: such a body cannot be resumed, so a restart or a lost
-- upload fails the post at once and frees its Idempotency-Key. Not read from the tus metadata,
-- which any client can set.
ALTER TABLE posts ADD COLUMN script_body INTEGER NOT NULL DEFAULT 0;
