-- Shopify integrations, their matched locations and import runs.
CREATE TABLE integrations (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    label TEXT NOT NULL DEFAULT '',
    store_name TEXT NOT NULL DEFAULT '',
    credential_kind TEXT NOT NULL DEFAULT '',
    credentials_enc TEXT NOT NULL DEFAULT '',
    credentials_hint TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft',
    status_reason TEXT NOT NULL DEFAULT '',
    wizard_step TEXT NOT NULL DEFAULT 'general',
    shop_name TEXT NOT NULL DEFAULT '',
    shop_currency TEXT NOT NULL DEFAULT '',
    shop_time_zone TEXT NOT NULL DEFAULT '',
    taxes_included BIGINT NOT NULL DEFAULT 0,
    scopes TEXT NOT NULL DEFAULT '',
    schedule_frequency TEXT NOT NULL DEFAULT 'hourly',
    schedule_minute BIGINT NOT NULL DEFAULT 2,
    schedule_hour BIGINT NOT NULL DEFAULT 0,
    backfill_from TEXT NOT NULL DEFAULT '',
    watermark BIGINT,
    next_run_at BIGINT,
    run_requested TEXT,
    lease_owner TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX integrations_due ON integrations (status, next_run_at);

CREATE TABLE integration_locations (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    integration_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    shopify_location_id TEXT NOT NULL,
    shopify_location_name TEXT NOT NULL DEFAULT '',
    enabled BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, integration_id, location_id),
    UNIQUE (tenant_id, shopify_location_id)
);

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    integration_id BIGINT NOT NULL,
    trigger TEXT NOT NULL,
    window_from BIGINT NOT NULL,
    window_to BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    pages BIGINT NOT NULL DEFAULT 0,
    orders_read BIGINT NOT NULL DEFAULT 0,
    refunds_read BIGINT NOT NULL DEFAULT 0,
    orders_stored BIGINT NOT NULL DEFAULT 0,
    refunds_stored BIGINT NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT 'running',
    error TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id)
);
CREATE INDEX import_runs_integration ON import_runs (tenant_id, integration_id, id);
