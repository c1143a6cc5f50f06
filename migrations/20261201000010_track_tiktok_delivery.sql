-- What Cast must remember to publish each video exactly once, and to finish TikTok's sign-in with PKCE.

-- Set (Unix seconds) just before init is sent and cleared once TikTok's answer is recorded: a job
-- found with it set after a restart may have left an upload at TikTok that Cast never saw.
ALTER TABLE uploads ADD COLUMN init_started_at INTEGER;
-- How many inits of this job may be orphaned at TikTok (answers lost to a kill or a timeout).
ALTER TABLE uploads ADD COLUMN orphaned_inits INTEGER NOT NULL DEFAULT 0;
-- When TikTok's init answered: the post list lookup only matches videos created after it.
ALTER TABLE uploads ADD COLUMN initiated_at INTEGER;
-- JSON list of chunk sizes TikTok refused with "The chunk size is invalid" (tried once each).
ALTER TABLE uploads ADD COLUMN refused_chunk_sizes TEXT NOT NULL DEFAULT '[]';
-- A published public post whose id TikTok has not given yet is asked about until this time.
ALTER TABLE uploads ADD COLUMN link_wait_until INTEGER;
-- Where the post id came from: 'status' (TikTok's status fetch) or 'caption' (found in the video list).
ALTER TABLE uploads ADD COLUMN post_id_source TEXT;
-- A sentence about how a successful job ended, e.g. a direct post TikTok moved to the inbox.
ALTER TABLE uploads ADD COLUMN note TEXT;

-- The PKCE verifier of each sign-in attempt, sealed like the tokens, consumed with its state.
ALTER TABLE oauth_states ADD COLUMN verifier BLOB;
