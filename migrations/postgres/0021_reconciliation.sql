-- The daily check of TMAS's totals against Shopify's own sales report (ShopifyQL): one row
-- per integration with the check's state and schedule, and one row per location and local
-- day of the last check, with both sides' figures. The check never writes imported numbers.
CREATE TABLE reconciliation_checks (
    tenant_id BIGINT NOT NULL,
    integration_id BIGINT NOT NULL,
    -- never | done | no_scope | parse_error | missing_column | throttled | failed
    state TEXT NOT NULL DEFAULT 'never',
    message TEXT NOT NULL DEFAULT '',
    warnings TEXT NOT NULL DEFAULT '',
    checked_at BIGINT,
    next_check_at BIGINT NOT NULL,
    lease_until BIGINT,
    lease_owner TEXT,
    PRIMARY KEY (tenant_id, integration_id)
);

CREATE INDEX reconciliation_checks_due ON reconciliation_checks (next_check_at);

CREATE TABLE reconciliation_days (
    tenant_id BIGINT NOT NULL,
    integration_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    shopify_net BIGINT NOT NULL,
    shopify_orders BIGINT NOT NULL,
    shopify_returns BIGINT NOT NULL,
    tmas_net BIGINT NOT NULL,
    tmas_orders BIGINT NOT NULL,
    tmas_returns BIGINT NOT NULL,
    -- comma-separated reason codes TMAS can name for a difference
    reasons TEXT NOT NULL DEFAULT '',
    checked_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, integration_id, location_id, local_date)
);
