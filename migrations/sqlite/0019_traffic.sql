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
-- it, as with every write to hourly_totals (migration 0012).
CREATE TRIGGER traffic_hours_version_insert AFTER INSERT ON traffic_hours
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER traffic_hours_version_update AFTER UPDATE ON traffic_hours
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER traffic_hours_version_delete AFTER DELETE ON traffic_hours
BEGIN
    INSERT INTO tenant_data_versions (tenant_id, version) VALUES (OLD.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
END;

-- 2. Sales transactions apart from all transactions: conversion counts the customers who
--    bought, and returns and exchanges are transactions but not sales. Recomputed from the
--    stored facts like every other column (a sale's is_transaction); history is filled here.
ALTER TABLE hourly_totals ADD COLUMN sales_transactions BIGINT NOT NULL DEFAULT 0
    CHECK (sales_transactions BETWEEN 0 AND 1000000000000);
ALTER TABLE daily_totals ADD COLUMN sales_transactions BIGINT NOT NULL DEFAULT 0;

-- The day triggers are rebuilt below with the new column; dropped first so that filling the
-- history does not rebuild a day once per hour.
DROP TRIGGER hourly_totals_day_insert;
DROP TRIGGER hourly_totals_day_delete;
DROP TRIGGER hourly_totals_day_update;
DROP TRIGGER hourly_totals_day_move;

-- Imported hours: the sales among their facts. A manually edited hour keeps what its editor
-- typed, less the returns it held before (a manual hour has no facts to tell them apart).
UPDATE hourly_totals SET sales_transactions = COALESCE((
    SELECT SUM(s.is_transaction) FROM sales s
    WHERE s.tenant_id = hourly_totals.tenant_id AND s.location_id = hourly_totals.location_id
      AND s.local_date = hourly_totals.local_date AND s.local_hour = hourly_totals.hour), 0)
WHERE edited = 0;
UPDATE hourly_totals SET sales_transactions = CASE
    WHEN transactions - COALESCE((
        SELECT SUM(r.is_transaction) FROM returns r
        WHERE r.tenant_id = hourly_totals.tenant_id AND r.location_id = hourly_totals.location_id
          AND r.local_date = hourly_totals.local_date AND r.local_hour = hourly_totals.hour), 0) > 0
    THEN transactions - COALESCE((
        SELECT SUM(r.is_transaction) FROM returns r
        WHERE r.tenant_id = hourly_totals.tenant_id AND r.location_id = hourly_totals.location_id
          AND r.local_date = hourly_totals.local_date AND r.local_hour = hourly_totals.hour), 0)
    ELSE 0 END
WHERE edited = 1;

DROP VIEW active_day_totals;
CREATE VIEW active_day_totals AS
SELECT tenant_id, location_id, local_date, SUM(gross) AS gross, SUM(discounts) AS discounts,
       SUM(returns) AS returns, SUM(net) AS net, SUM(transactions) AS transactions,
       SUM(items) AS items, MAX(edited) AS edited, SUM(sales_transactions) AS sales_transactions
FROM hourly_totals
WHERE NOT (gross = 0 AND discounts = 0 AND returns = 0 AND net = 0
           AND transactions = 0 AND items = 0)
GROUP BY tenant_id, location_id, local_date;

UPDATE daily_totals SET sales_transactions = COALESCE((
    SELECT a.sales_transactions FROM active_day_totals a
    WHERE a.tenant_id = daily_totals.tenant_id AND a.location_id = daily_totals.location_id
      AND a.local_date = daily_totals.local_date), 0);

CREATE TRIGGER hourly_totals_day_insert AFTER INSERT ON hourly_totals
BEGIN
    DELETE FROM daily_totals WHERE tenant_id = NEW.tenant_id
        AND location_id = NEW.location_id AND local_date = NEW.local_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited, sales_transactions)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited, sales_transactions
    FROM active_day_totals
    WHERE tenant_id = NEW.tenant_id AND location_id = NEW.location_id
      AND local_date = NEW.local_date;
END;

CREATE TRIGGER hourly_totals_day_delete AFTER DELETE ON hourly_totals
BEGIN
    DELETE FROM daily_totals WHERE tenant_id = OLD.tenant_id
        AND location_id = OLD.location_id AND local_date = OLD.local_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited, sales_transactions)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited, sales_transactions
    FROM active_day_totals
    WHERE tenant_id = OLD.tenant_id AND location_id = OLD.location_id
      AND local_date = OLD.local_date;
END;

CREATE TRIGGER hourly_totals_day_update AFTER UPDATE ON hourly_totals
BEGIN
    DELETE FROM daily_totals WHERE tenant_id = OLD.tenant_id
        AND location_id = OLD.location_id AND local_date = OLD.local_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited, sales_transactions)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited, sales_transactions
    FROM active_day_totals
    WHERE tenant_id = OLD.tenant_id AND location_id = OLD.location_id
      AND local_date = OLD.local_date;
END;

CREATE TRIGGER hourly_totals_day_move AFTER UPDATE ON hourly_totals
WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NEW.location_id IS NOT OLD.location_id
    OR NEW.local_date IS NOT OLD.local_date
BEGIN
    DELETE FROM daily_totals WHERE tenant_id = NEW.tenant_id
        AND location_id = NEW.location_id AND local_date = NEW.local_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited, sales_transactions)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited, sales_transactions
    FROM active_day_totals
    WHERE tenant_id = NEW.tenant_id AND location_id = NEW.location_id
      AND local_date = NEW.local_date;
END;

-- 3. API keys for counters and scripts posting traffic: a key is shown once and only its
--    SHA-256 is kept (the key is 256 random bits, so a fast hash is enough and lets a request
--    find its key by an index). A revoked key stays listed, refused.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
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
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    committed_at BIGINT,
    UNIQUE (tenant_id, id)
);
