-- Backfills through Shopify bulk operations: how each run read Shopify ('paged' page by page,
-- or 'bulk' through a bulk export), the bulk operation it waits for (so it can be canceled),
-- the phase and counts its progress line shows (Shopify exporting: objects so far; TMAS
-- writing: orders done of the file's total), and an administrator's request to cancel it.
ALTER TABLE import_runs ADD COLUMN read_mode TEXT NOT NULL DEFAULT 'paged';
ALTER TABLE import_runs ADD COLUMN bulk_operation TEXT NOT NULL DEFAULT '';
ALTER TABLE import_runs ADD COLUMN bulk_phase TEXT NOT NULL DEFAULT '';
ALTER TABLE import_runs ADD COLUMN bulk_objects BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN bulk_orders_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN bulk_orders_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN cancel_requested BIGINT NOT NULL DEFAULT 0;
