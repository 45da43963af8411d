-- The chain wallboard reads every store's running totals of a few recent business days
-- (today's sales across the chain, and each store's reconciliation) at every look: by day,
-- not by store, so that a look reads those days' rows and not a year of them.
CREATE INDEX IF NOT EXISTS central_totals_by_day ON central_totals (business_day);
