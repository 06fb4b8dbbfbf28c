-- Covering indexes for the hourly recompute: the worker sums every fact of each touched
-- (location, local date, hour) from the index alone, without reading the table rows.
DROP INDEX IF EXISTS sales_bucket;
DROP INDEX IF EXISTS returns_bucket;
CREATE INDEX sales_bucket ON sales
    (tenant_id, location_id, local_date, local_hour, gross, discounts, items, is_transaction);
CREATE INDEX returns_bucket ON returns
    (tenant_id, location_id, local_date, local_hour, returns, items, is_transaction);
