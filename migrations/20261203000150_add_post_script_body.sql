-- A post whose video arrives in a script's multipart request body (`POST /api/posts` with
-- `video_size`), recorded by Cast itself: such a body cannot be resumed, so a restart or a lost
-- upload fails the post at once and frees its Idempotency-Key. Not read from the tus metadata,
-- which any client can set.
ALTER TABLE posts ADD COLUMN script_body INTEGER NOT NULL DEFAULT 0;
-- Posts made by the previous version whose script body was still arriving carried the mark in
-- their upload's metadata; those few are taken at their word once, so the next start fails them
-- as script bodies (nothing new is ever marked this way).
UPDATE posts SET script_body = 1
WHERE check_state IN ('pending', 'checking')
  AND browser_upload_id IN (
      SELECT id FROM tus_uploads
      WHERE completed_at IS NULL AND json_valid(metadata) AND json_extract(metadata, '$.source') = 'api'
  );
