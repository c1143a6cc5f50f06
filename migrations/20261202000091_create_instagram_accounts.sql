-- What Cast keeps of a connected Instagram account beside the platform-neutral `accounts` row:
-- its type (Business or Creator, shown on its card) and when its long-lived token was issued
-- (Instagram refreshes a token only once it is 24 hours old).
CREATE TABLE instagram_accounts (
    user_id TEXT PRIMARY KEY NOT NULL,
    account_type TEXT NOT NULL,
    token_issued_at_ms INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
