-- The tamper-evident sales journal: each sale carries a hash chained to its kiosk's previous
-- sale (server/journal/chain.py). Rows from before this migration keep NULL hashes; the
-- verifier treats a kiosk's leading run of them as "before the journal".

ALTER TABLE edge_orders ADD COLUMN prev_hash TEXT;
ALTER TABLE edge_orders ADD COLUMN entry_hash TEXT;

-- One row per run of `verify-journal`, so the dashboard can show the last one.
CREATE TABLE journal_checks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    checked_at  TEXT NOT NULL,
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
    summary     TEXT NOT NULL
);
