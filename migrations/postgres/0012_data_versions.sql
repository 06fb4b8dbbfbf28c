-- A per-tenant data version: every change of a tenant's hourly totals (an import page, a
-- manual edit, a deletion of imported data) adds one in the same transaction, so a page
-- cached under the version it read is never served after such a change commits, by any
-- process. A trigger rather than a call in each write path, like daily_totals: no write path
-- (the worker, edits, deletions, fixtures) can forget it. Statement-level triggers with
-- transition tables bump each tenant once per statement, not once per written hour. The row
-- lock this takes is held until commit: writers of one tenant's totals serialize on it.
CREATE TABLE tenant_data_versions (
    tenant_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION tenant_data_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version)
    SELECT DISTINCT tenant_id, 1 FROM changed_hours ORDER BY tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET version = tenant_data_versions.version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER hourly_totals_version_insert AFTER INSERT ON hourly_totals
REFERENCING NEW TABLE AS changed_hours
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER hourly_totals_version_update AFTER UPDATE ON hourly_totals
REFERENCING NEW TABLE AS changed_hours
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER hourly_totals_version_delete AFTER DELETE ON hourly_totals
REFERENCING OLD TABLE AS changed_hours
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();
