-- The sandbox's TikTok, held to the corrected contract: PKCE, late post ids, downgraded direct posts.

-- The hex S256 challenge the authorize request carried (NULL when CAST_SANDBOX_PKCE=optional let none through).
ALTER TABLE sandbox_auth_codes ADD COLUMN code_challenge TEXT;
-- When processing ended (Unix ms): a public post's id shows in status fetch a while after it.
ALTER TABLE sandbox_publishes ADD COLUMN completed_ms INTEGER;
-- 1: a direct post an unaudited app sent, moved to the creator's inbox instead of refused.
ALTER TABLE sandbox_publishes ADD COLUMN downgraded INTEGER NOT NULL DEFAULT 0;
