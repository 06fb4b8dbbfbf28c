-- Shopify's sales ledger: an event after the sale (an exchange's new items, an edit's added
-- ones, a discount given later) sells as well as takes back, so a stored change carries
-- gross sales and discounts beside what it returns.
ALTER TABLE returns ADD COLUMN gross BIGINT NOT NULL DEFAULT 0
    CHECK (gross BETWEEN -1000000000000 AND 1000000000000);
ALTER TABLE returns ADD COLUMN discounts BIGINT NOT NULL DEFAULT 0
    CHECK (discounts BETWEEN -1000000000000 AND 1000000000000);

-- Imported orders that support should look at: a ledger type TMAS does not know (that
-- agreement is left out, never guessed) or a line whose ledger quantities do not add up to
-- its current quantity (counted by the ledger all the same). Replaced at each read.
CREATE TABLE order_checks (
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
