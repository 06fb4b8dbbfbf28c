-- A per-tenant data version: every change of what the dashboard and reports show (a tenant's
-- hourly totals, locations, integrations and import runs: an import page, a manual edit, a
-- deletion, a renamed store, a finished run) adds one in the same transaction, so a page
-- cached under the version it read is never served after such a change commits, by any
-- process. Triggers rather than a call in each write path, like daily_totals: no write path
-- (the worker, edits, deletions, fixtures) can forget it.
CREATE TABLE tenant_data_versions (
    tenant_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TRIGGER hourly_totals_version_insert AFTER INSERT ON hourly_totals
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER hourly_totals_version_update AFTER UPDATE ON hourly_totals
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER hourly_totals_version_delete AFTER DELETE ON hourly_totals
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (OLD.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER locations_version_insert AFTER INSERT ON locations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER locations_version_update AFTER UPDATE ON locations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER locations_version_delete AFTER DELETE ON locations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (OLD.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER integrations_version_insert AFTER INSERT ON integrations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER integrations_version_update AFTER UPDATE ON integrations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER integrations_version_delete AFTER DELETE ON integrations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (OLD.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER import_runs_version_insert AFTER INSERT ON import_runs
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER import_runs_version_update AFTER UPDATE ON import_runs
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER import_runs_version_delete AFTER DELETE ON import_runs
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (OLD.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;
