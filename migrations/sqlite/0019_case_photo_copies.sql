-- Photos as served (issue 13 §8): an upright thumbnail and screen-sized copy, JPEG without
-- metadata, beside the original as sent (kept for the case's workers and the reporter).
-- Photos stored before this have none: the original is served for them.
ALTER TABLE case_photos ADD COLUMN thumb BLOB;
ALTER TABLE case_photos ADD COLUMN screen BLOB;
ALTER TABLE case_photos ADD COLUMN width BIGINT;
ALTER TABLE case_photos ADD COLUMN height BIGINT;
