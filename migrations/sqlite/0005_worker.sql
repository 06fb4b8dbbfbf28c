-- The import worker: the start of a backfill an admin asked for, and which worker ran each
-- import with how far it got (for the progress shown while it runs).
ALTER TABLE integrations ADD COLUMN backfill_requested_from TEXT;
ALTER TABLE import_runs ADD COLUMN worker TEXT NOT NULL DEFAULT '';
ALTER TABLE import_runs ADD COLUMN progress_until BIGINT;
