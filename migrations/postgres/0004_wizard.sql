-- One integration per Shopify store in a tenant (drafts get their store name at the first step).
CREATE UNIQUE INDEX integrations_tenant_store ON integrations (tenant_id, store_name)
    WHERE store_name <> '';
CREATE INDEX integration_locations_integration
    ON integration_locations (tenant_id, integration_id);
