-- A TikTok photo post (a carousel) carries 1 to 35 images instead of one video. Each image is a
-- spool file of its own, hashed as it arrived; `position` is the order the owner gave (0-based,
-- the order TikTok shows them and the index `photo_cover_index` counts in). The post's own row
-- points at the first image, so code that only knows one file per post still finds one.
CREATE TABLE post_images (
    post_id      TEXT    NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    file_path    TEXT    NOT NULL,
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/webp')),
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    PRIMARY KEY (post_id, position)
);
