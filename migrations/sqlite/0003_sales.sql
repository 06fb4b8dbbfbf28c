-- Imported facts (one row per Shopify order / refund / cancellation remainder) and the hourly
-- totals recomputed from them. Keys start with tenant_id.
CREATE TABLE sales (
    tenant_id BIGINT NOT NULL,
    shopify_order_id TEXT NOT NULL,
    integration_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    local_hour BIGINT NOT NULL,
    gross BIGINT NOT NULL,
    discounts BIGINT NOT NULL,
    items BIGINT NOT NULL,
    is_transaction BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, shopify_order_id)
);
CREATE INDEX sales_bucket ON sales (tenant_id, location_id, local_date, local_hour);

CREATE TABLE returns (
    tenant_id BIGINT NOT NULL,
    shopify_return_id TEXT NOT NULL,
    shopify_order_id TEXT NOT NULL,
    integration_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    local_hour BIGINT NOT NULL,
    returns BIGINT NOT NULL,
    items BIGINT NOT NULL,
    is_transaction BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, shopify_return_id)
);
CREATE INDEX returns_bucket ON returns (tenant_id, location_id, local_date, local_hour);
CREATE INDEX returns_order ON returns (tenant_id, shopify_order_id);

CREATE TABLE hourly_totals (
    tenant_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    hour BIGINT NOT NULL,
    gross BIGINT NOT NULL,
    discounts BIGINT NOT NULL,
    returns BIGINT NOT NULL,
    net BIGINT NOT NULL,
    transactions BIGINT NOT NULL,
    items BIGINT NOT NULL,
    edited BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, location_id, local_date, hour)
);

CREATE TABLE manual_edits (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    hour BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    old_net BIGINT NOT NULL,
    old_transactions BIGINT NOT NULL,
    old_items BIGINT NOT NULL,
    new_net BIGINT NOT NULL,
    new_transactions BIGINT NOT NULL,
    new_items BIGINT NOT NULL,
    UNIQUE (tenant_id, id)
);
