-- A post accepted before its browser upload ended may have its targets send the bytes as they
-- arrive (TikTok and YouTube, whose commit is their last chunk, held until the check passes).
-- `relay` = 1 when its file is the spool's hard link to the arriving upload, so a sender reads
-- the same growing file whatever becomes of the upload's own name.
ALTER TABLE posts ADD COLUMN relay INTEGER NOT NULL DEFAULT 0;
