-- The sales journal's hashes travel with each order, so central holds the same chain as the
-- edge and the verifier can compare the two. Orders from before the journal keep NULLs.

ALTER TABLE central_orders ADD COLUMN prev_hash TEXT;
ALTER TABLE central_orders ADD COLUMN entry_hash TEXT;
