-- The traffic upload's preview is a page of its own: the file's POST redirects to it. The
-- waiting file is found by a random token (its SHA-256 here) and only by the user who sent it,
-- in their tenant; it keeps what its preview found, so opening the preview again reads
-- nothing again, and after its commit what was stored, for the page the commit redirects to.
ALTER TABLE traffic_uploads ADD COLUMN token_hash TEXT;
ALTER TABLE traffic_uploads ADD COLUMN rows_read BIGINT NOT NULL DEFAULT 0;
ALTER TABLE traffic_uploads ADD COLUMN preview_added BIGINT NOT NULL DEFAULT 0;
ALTER TABLE traffic_uploads ADD COLUMN preview_replaced BIGINT NOT NULL DEFAULT 0;
ALTER TABLE traffic_uploads ADD COLUMN preview_unchanged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE traffic_uploads ADD COLUMN stored_added BIGINT;
ALTER TABLE traffic_uploads ADD COLUMN stored_replaced BIGINT;
ALTER TABLE traffic_uploads ADD COLUMN stored_unchanged BIGINT;

CREATE UNIQUE INDEX traffic_uploads_token ON traffic_uploads (tenant_id, token_hash);
