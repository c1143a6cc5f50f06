-- What Google said about each connected channel's grant that the accounts table does not keep:
-- when its refresh token dies (`refresh_token_expires_in`, sent for consent screens in Testing),
-- so a refusal after that instant is explained as the 7-day Testing expiry.
CREATE TABLE youtube_grants (
    channel_id TEXT PRIMARY KEY NOT NULL,
    refresh_expires_at_ms INTEGER,
    updated_at INTEGER NOT NULL
);
