-- Traffic and conversion (DOMAIN.md "Traffic and conversion").
--
-- 1. The visitors a door counter saw, and the staff hours worked, per location and local hour.
--    Kept apart from hourly_totals: those are recomputed from the imported facts, deleted when
--    an hour loses its last fact, and must never take a counter's numbers with them. A row
--    exists only for a counted hour: no row is "missing", which is not a counted 0. Staff
--    hours are optional and held in hundredths of an hour (exact, like money).
CREATE TABLE traffic_hours (
    tenant_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    hour BIGINT NOT NULL CHECK (hour BETWEEN 0 AND 23),
    traffic BIGINT NOT NULL CHECK (traffic BETWEEN 0 AND 1000000),
    staff_centihours BIGINT CHECK (staff_centihours BETWEEN 0 AND 100000),
    source TEXT NOT NULL CHECK (source IN ('file', 'api', 'manual', 'demo')),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, location_id, local_date, hour)
);

-- A counter's change is a change of what the pages show: the tenant's data version moves with
-- it, as with every write to hourly_totals (migration 0012), once per statement.
CREATE TRIGGER traffic_hours_version_insert AFTER INSERT ON traffic_hours
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER traffic_hours_version_update AFTER UPDATE ON traffic_hours
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

CREATE TRIGGER traffic_hours_version_delete AFTER DELETE ON traffic_hours
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION tenant_data_versions_bump();

-- 2. Sales transactions apart from all transactions: conversion counts the customers who
--    bought, and returns and exchanges are transactions but not sales. Recomputed from the
--    stored facts like every other column (a sale's is_transaction); history is filled here.
ALTER TABLE hourly_totals ADD COLUMN sales_transactions BIGINT NOT NULL DEFAULT 0
    CHECK (sales_transactions BETWEEN 0 AND 1000000000000);
ALTER TABLE daily_totals ADD COLUMN sales_transactions BIGINT NOT NULL DEFAULT 0;

-- Filling the history must not rebuild a day once per statement's day here: the day rows
-- are filled in one statement below instead.
ALTER TABLE hourly_totals DISABLE TRIGGER hourly_totals_days_update;

-- Imported hours: the sales among their facts. A manually edited hour keeps what its editor
-- typed, less the returns it held before (a manual hour has no facts to tell them apart).
UPDATE hourly_totals h SET sales_transactions = s.sales
FROM (SELECT tenant_id, location_id, local_date, local_hour, SUM(is_transaction) AS sales
      FROM sales GROUP BY tenant_id, location_id, local_date, local_hour) s
WHERE h.edited = 0 AND s.tenant_id = h.tenant_id AND s.location_id = h.location_id
  AND s.local_date = h.local_date AND s.local_hour = h.hour AND s.sales <> 0;
UPDATE hourly_totals h SET sales_transactions = GREATEST(h.transactions - COALESCE((
    SELECT SUM(r.is_transaction) FROM returns r
    WHERE r.tenant_id = h.tenant_id AND r.location_id = h.location_id
      AND r.local_date = h.local_date AND r.local_hour = h.hour), 0), 0)
WHERE h.edited = 1;

ALTER TABLE hourly_totals ENABLE TRIGGER hourly_totals_days_update;

CREATE OR REPLACE VIEW active_day_totals AS
SELECT tenant_id, location_id, local_date, SUM(gross) AS gross, SUM(discounts) AS discounts,
       SUM(returns) AS returns, SUM(net) AS net, SUM(transactions) AS transactions,
       SUM(items) AS items, MAX(edited) AS edited, SUM(sales_transactions) AS sales_transactions
FROM hourly_totals
WHERE NOT (gross = 0 AND discounts = 0 AND returns = 0 AND net = 0
           AND transactions = 0 AND items = 0)
GROUP BY tenant_id, location_id, local_date;

UPDATE daily_totals d SET sales_transactions = a.sales_transactions
FROM active_day_totals a
WHERE a.tenant_id = d.tenant_id AND a.location_id = d.location_id
  AND a.local_date = d.local_date AND a.sales_transactions <> 0;

-- The day rule of 0007, with the new column.
CREATE OR REPLACE FUNCTION daily_totals_rebuild(p_tenant BIGINT, p_location BIGINT, p_date TEXT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(
        hashtextextended('daily_totals:' || p_tenant || ':' || p_location, 0));
    DELETE FROM daily_totals
    WHERE tenant_id = p_tenant AND location_id = p_location AND local_date = p_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited, sales_transactions)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited, sales_transactions
    FROM active_day_totals
    WHERE tenant_id = p_tenant AND location_id = p_location AND local_date = p_date;
END;
$$;

-- 3. API keys for counters and scripts posting traffic: a key is shown once and only its
--    SHA-256 is kept (the key is 256 random bits, so a fast hash is enough and lets a request
--    find its key by an index). A revoked key stays listed, refused.
CREATE TABLE api_keys (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_hint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT,
    UNIQUE (tenant_id, id)
);

-- The requests each key made in its current minute, for the per-key rate limit (shared by every
-- web process through the database).
CREATE TABLE api_key_usage (
    tenant_id BIGINT NOT NULL,
    key_id BIGINT NOT NULL,
    minute BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key_id)
);

-- 4. Uploaded traffic files between their preview and their commit: the file itself, read
--    again at commit (the locations may have changed since), never the stored traffic.
CREATE TABLE traffic_uploads (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    committed_at BIGINT,
    UNIQUE (tenant_id, id)
);
