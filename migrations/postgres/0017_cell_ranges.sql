-- The database refuses impossible numbers, whatever wrote them: amounts and counts of a sale,
-- a return, an hour or a manual edit stay within ±10^12 (minor units or counts, the bound
-- manual editing checks too, far below where a report's sums could overflow), hours are 0-23,
-- minutes 0-59, flags 0 or 1. NOT VALID: new writes are judged, and a row written before
-- this migration does not stop the server from starting (SQLite's triggers do the same).
ALTER TABLE hourly_totals ADD CONSTRAINT hourly_totals_cells_in_range CHECK (
    hour BETWEEN 0 AND 23
    AND gross BETWEEN -1000000000000 AND 1000000000000
    AND discounts BETWEEN -1000000000000 AND 1000000000000
    AND returns BETWEEN -1000000000000 AND 1000000000000
    AND net BETWEEN -1000000000000 AND 1000000000000
    AND transactions BETWEEN -1000000000000 AND 1000000000000
    AND items BETWEEN -1000000000000 AND 1000000000000
    AND edited IN (0, 1)
) NOT VALID;

ALTER TABLE manual_edits ADD CONSTRAINT manual_edits_cells_in_range CHECK (
    hour BETWEEN 0 AND 23
    AND new_net BETWEEN -1000000000000 AND 1000000000000
    AND new_transactions BETWEEN 0 AND 1000000000000
    AND new_items BETWEEN -1000000000000 AND 1000000000000
) NOT VALID;

ALTER TABLE sales ADD CONSTRAINT sales_amounts_in_range CHECK (
    local_hour BETWEEN 0 AND 23
    AND gross BETWEEN -1000000000000 AND 1000000000000
    AND discounts BETWEEN -1000000000000 AND 1000000000000
    AND items BETWEEN -1000000000000 AND 1000000000000
) NOT VALID;

ALTER TABLE returns ADD CONSTRAINT returns_amounts_in_range CHECK (
    local_hour BETWEEN 0 AND 23
    AND returns BETWEEN -1000000000000 AND 1000000000000
    AND items BETWEEN -1000000000000 AND 1000000000000
) NOT VALID;

ALTER TABLE integrations ADD CONSTRAINT integrations_schedule_in_range CHECK (
    schedule_minute BETWEEN 0 AND 59 AND schedule_hour BETWEEN 0 AND 23
) NOT VALID;
