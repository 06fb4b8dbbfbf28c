-- A per-tenant data version: every change of what the dashboard and reports show (a tenant's
-- hourly totals, locations, integrations and import runs: an import page, a manual edit, a
-- deletion, a renamed store, a finished run) adds one in the same transaction, so a page
-- cached under the version it read is never served after such a change commits, by any
-- process. Triggers rather than a call in each write path, like daily_totals: no write path
-- (the worker, edits, deletions, fixtures) can forget it. Statement-level triggers with
-- transition tables bump each tenant once per statement, not once per written row. The row
-- lock this takes is held until commit: writers of one tenant's data serialize on it.
CREATE TABLE tenant_data_versions (
    tenant_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION tenant_data_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version)
    SELECT DISTINCT tenant_id, 1 FROM changed_rows ORDER BY tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET version = tenant_data_versions.version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER hourly_totals_version_insert AFTER INSERT ON hourly_totals
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER hourly_totals_version_update AFTER UPDATE ON hourly_totals
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER hourly_totals_version_delete AFTER DELETE ON hourly_totals
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER locations_version_insert AFTER INSERT ON locations
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER locations_version_update AFTER UPDATE ON locations
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER locations_version_delete AFTER DELETE ON locations
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER integrations_version_insert AFTER INSERT ON integrations
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER integrations_version_update AFTER UPDATE ON integrations
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER integrations_version_delete AFTER DELETE ON integrations
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER import_runs_version_insert AFTER INSERT ON import_runs
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER import_runs_version_update AFTER UPDATE ON import_runs
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER import_runs_version_delete AFTER DELETE ON import_runs
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

-- The day rows of daily_totals (0007) rebuilt once per statement and day instead of once per
-- written hour: an import batch writes many hours of a few days, and the row trigger rebuilt
-- a day for each of its hours. The rule and the per-location lock are 0007's
-- (daily_totals_rebuild); the days are taken in key order, so locks are too.
DROP TRIGGER hourly_totals_day ON hourly_totals;

CREATE FUNCTION hourly_totals_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    day RECORD;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR day IN SELECT DISTINCT tenant_id, location_id, local_date FROM new_hours
                   ORDER BY 1, 2, 3 LOOP
            PERFORM daily_totals_rebuild(day.tenant_id, day.location_id, day.local_date);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR day IN SELECT DISTINCT tenant_id, location_id, local_date FROM old_hours
                   ORDER BY 1, 2, 3 LOOP
            PERFORM daily_totals_rebuild(day.tenant_id, day.location_id, day.local_date);
        END LOOP;
    ELSE
        FOR day IN SELECT tenant_id, location_id, local_date FROM old_hours
                   UNION
                   SELECT tenant_id, location_id, local_date FROM new_hours
                   ORDER BY 1, 2, 3 LOOP
            PERFORM daily_totals_rebuild(day.tenant_id, day.location_id, day.local_date);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER hourly_totals_days_insert AFTER INSERT ON hourly_totals
REFERENCING NEW TABLE AS new_hours
FOR EACH STATEMENT EXECUTE FUNCTION hourly_totals_days();

CREATE TRIGGER hourly_totals_days_update AFTER UPDATE ON hourly_totals
REFERENCING OLD TABLE AS old_hours NEW TABLE AS new_hours
FOR EACH STATEMENT EXECUTE FUNCTION hourly_totals_days();

CREATE TRIGGER hourly_totals_days_delete AFTER DELETE ON hourly_totals
REFERENCING OLD TABLE AS old_hours
FOR EACH STATEMENT EXECUTE FUNCTION hourly_totals_days();
