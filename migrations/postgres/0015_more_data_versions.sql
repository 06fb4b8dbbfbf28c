-- Two more things the dashboard and the reports show raise the tenant's data version (0012),
-- so that they too are served from the page cache while nothing changed: which locations an
-- integration imports (matching and enabling them in integration_locations), and the hours
-- an unreadable order leaves uncounted (unreadable_order_hours).
CREATE TRIGGER integration_locations_version_insert AFTER INSERT ON integration_locations
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER integration_locations_version_update AFTER UPDATE ON integration_locations
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER integration_locations_version_delete AFTER DELETE ON integration_locations
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER unreadable_order_hours_version_insert AFTER INSERT ON unreadable_order_hours
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER unreadable_order_hours_version_update AFTER UPDATE ON unreadable_order_hours
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER unreadable_order_hours_version_delete AFTER DELETE ON unreadable_order_hours
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();
