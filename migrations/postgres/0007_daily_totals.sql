-- Day totals kept beside the hours, so the dashboard and the day/week/month reports read one row
-- per location and day instead of summing 24 hours on every request. A day row exists only
-- while the day has an active hour (one not all zero); it holds the sums of those hours, and
-- edited = MAX(edited) over them. A trigger on hourly_totals recomputes the day of every
-- written hour, so no write path (worker, manual edits, deletions, fixtures) can leave it stale.
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

-- Rebuilds one day (at most 24 hours, read through the primary key) rather than applying a
-- difference: MAX(edited) and "has an active hour" cannot be undone by one. The transaction
-- lock serializes writers of the same location (the worker and a manual edit): each then sums
-- the hours the previous one committed, where two concurrent rebuilds could each miss the
-- other's hour. It is per location, not per day, because advisory locks use the shared lock
-- table: deleting an integration's years of hours must not take one lock per day.
CREATE FUNCTION daily_totals_rebuild(p_tenant BIGINT, p_location BIGINT, p_date TEXT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(
        hashtextextended('daily_totals:' || p_tenant || ':' || p_location, 0));
    DELETE FROM daily_totals
    WHERE tenant_id = p_tenant AND location_id = p_location AND local_date = p_date;
    INSERT INTO daily_totals (tenant_id, location_id, local_date, gross, discounts, returns,
                              net, transactions, items, edited)
    SELECT tenant_id, location_id, local_date, gross, discounts, returns, net, transactions,
           items, edited
    FROM active_day_totals
    WHERE tenant_id = p_tenant AND location_id = p_location AND local_date = p_date;
END;
$$;

-- An update rebuilds the old day and the new one (the same day unless a key moved).
CREATE FUNCTION hourly_totals_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM daily_totals_rebuild(NEW.tenant_id, NEW.location_id, NEW.local_date);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM daily_totals_rebuild(OLD.tenant_id, OLD.location_id, OLD.local_date);
    ELSE
        PERFORM daily_totals_rebuild(OLD.tenant_id, OLD.location_id, OLD.local_date);
        IF (NEW.tenant_id, NEW.location_id, NEW.local_date)
           IS DISTINCT FROM (OLD.tenant_id, OLD.location_id, OLD.local_date) THEN
            PERFORM daily_totals_rebuild(NEW.tenant_id, NEW.location_id, NEW.local_date);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER hourly_totals_day AFTER INSERT OR UPDATE OR DELETE ON hourly_totals
FOR EACH ROW EXECUTE FUNCTION hourly_totals_day();
