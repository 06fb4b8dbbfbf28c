-- Two more things the dashboard and the reports show raise the tenant's data version (0012),
-- so that they too are served from the page cache while nothing changed: which locations an
-- integration imports (matching and enabling them in integration_locations), and the hours
-- an unreadable order leaves uncounted (unreadable_order_hours).

CREATE TRIGGER integration_locations_version_insert AFTER INSERT ON integration_locations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER integration_locations_version_update AFTER UPDATE ON integration_locations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER integration_locations_version_delete AFTER DELETE ON integration_locations
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (OLD.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER unreadable_order_hours_version_insert AFTER INSERT ON unreadable_order_hours
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER unreadable_order_hours_version_update AFTER UPDATE ON unreadable_order_hours
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER unreadable_order_hours_version_delete AFTER DELETE ON unreadable_order_hours
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (OLD.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;
