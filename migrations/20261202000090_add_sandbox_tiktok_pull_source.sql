-- The sandbox's TikTok learns PULL_FROM_URL: how each upload arrives (FILE_UPLOAD chunks, or
-- PULL_FROM_URL, fetched by the sandbox itself from the link Cast gave).
ALTER TABLE sandbox_publishes ADD COLUMN source TEXT NOT NULL DEFAULT 'FILE_UPLOAD';
