-- Day totals kept beside the hours, so the dashboard and the day/week/month reports read one row
-- per location and day instead of summing 24 hours on every request. A day row exists only
-- while the day has an active hour (one not all zero); it holds the sums of those hours, and
-- edited = MAX(edited) over them. Triggers on hourly_totals recompute the day of every written
-- hour, so no write path (worker, manual edits, deletions, fixtures) can leave it stale.
CREATE TABLE daily_totals (
    tenant_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    gross BIGINT NOT NULL,
    discounts BIGINT NOT NULL,
    returns BIGINT NOT NULL,
    net BIGINT NOT NULL,
    transactions BIGINT NOT NULL,
    items BIGINT NOT NULL,
    edited BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, location_id, local_date)
);

-- The rule of a day row, in one place: the sums of a day's active hours (one not all zero),
-- edited if any of them was; a day without an active hour has no row. A WHERE on the key is
-- pushed into the view, so a trigger reads only that day's hours through the primary key.
CREATE VIEW active_day_totals AS
SELECT tenant_id, location_id, local_date, SUM(gross) AS gross, SUM(discounts) AS discounts,
       SUM(returns) AS returns, SUM(net) AS net, SUM(transactions) AS transactions,
       SUM(items) AS items, MAX(edited) AS edited
FROM hourly_totals
WHERE NOT (gross = 0 AND discounts = 0 AND returns = 0 AND net = 0
           AND transactions = 0 AND items = 0)
GROUP BY tenant_id, location_id, local_date;

INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns, net,
                          transactions, items, edited)
SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions, items,
       edited
FROM active_day_totals;

-- Each trigger rebuilds the whole day (at most 24 hours) rather than applying a difference:
-- MAX(edited) and "has an active hour" cannot be undone by one.
CREATE TRIGGER hourly_totals_day_insert AFTER INSERT ON hourly_totals
BEGIN
    DELETE FROM daily_totals WHERE tenant_id = NEW.tenant_id
        AND location_id = NEW.location_id AND local_date = NEW.local_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited
    FROM active_day_totals
    WHERE tenant_id = NEW.tenant_id AND location_id = NEW.location_id
      AND local_date = NEW.local_date;
END;

CREATE TRIGGER hourly_totals_day_delete AFTER DELETE ON hourly_totals
BEGIN
    DELETE FROM daily_totals WHERE tenant_id = OLD.tenant_id
        AND location_id = OLD.location_id AND local_date = OLD.local_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited
    FROM active_day_totals
    WHERE tenant_id = OLD.tenant_id AND location_id = OLD.location_id
      AND local_date = OLD.local_date;
END;

-- An update rebuilds the old day, and the new one too if a key moved (never in practice).
CREATE TRIGGER hourly_totals_day_update AFTER UPDATE ON hourly_totals
BEGIN
    DELETE FROM daily_totals WHERE tenant_id = OLD.tenant_id
        AND location_id = OLD.location_id AND local_date = OLD.local_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited
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
                              net, transactions, items, edited)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited
    FROM active_day_totals
    WHERE tenant_id = NEW.tenant_id AND location_id = NEW.location_id
      AND local_date = NEW.local_date;
END;
