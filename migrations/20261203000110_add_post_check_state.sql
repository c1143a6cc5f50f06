-- A post may be accepted while its browser upload is still arriving: the video is checked only
-- once the upload ends. Until then `check_state` is 'pending' (or 'checking' while one check
-- runs) and the worker leaves the post's targets alone; then 'passed', or 'failed' with the
-- check's words in `check_reason`. Posts made from a finished video were checked on the spot.
ALTER TABLE posts ADD COLUMN check_state TEXT NOT NULL DEFAULT 'passed';
ALTER TABLE posts ADD COLUMN check_reason TEXT;
