-- Orders an import could not read (a field missing, null or malformed): the run goes on
-- with the others, and until a later run reads them, the imports page and every report
-- hour they would have touched say that something could not be counted.
CREATE TABLE unreadable_orders (
    tenant_id BIGINT NOT NULL,
    integration_id BIGINT NOT NULL,
    shopify_order_id TEXT NOT NULL,
    order_name TEXT NOT NULL,
    problem TEXT NOT NULL,
    run_id BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, integration_id, shopify_order_id)
);

-- The local hours of TMAS locations such an order would have counted in.
CREATE TABLE unreadable_order_hours (
    tenant_id BIGINT NOT NULL,
    integration_id BIGINT NOT NULL,
    shopify_order_id TEXT NOT NULL,
    location_id BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    local_hour BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, integration_id, shopify_order_id, location_id, local_date, local_hour)
);
CREATE INDEX unreadable_order_hours_bucket
    ON unreadable_order_hours (tenant_id, location_id, local_date, local_hour);
