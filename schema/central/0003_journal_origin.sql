-- Where the sales journal began in this file: the orders already held without hashes when
-- this migration ran are from before it. An order that arrives later without hashes is from
-- before the journal only if the edge stored it before its own journal began (the verifier
-- asks the edge's journal_origin); any other row without hashes is a break. Fixed once
-- written, as at the edge.

CREATE TABLE journal_origin (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    began_after  INTEGER NOT NULL,  -- the last id held without hashes at migration (0: none)
    recorded_at  TEXT NOT NULL
);

INSERT INTO journal_origin (id, began_after, recorded_at)
SELECT 1, COALESCE((SELECT MAX(id) FROM central_orders WHERE entry_hash IS NULL), 0),
       strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now');

CREATE TRIGGER journal_origin_fixed_update BEFORE UPDATE ON journal_origin
BEGIN SELECT RAISE(ABORT, 'journal_origin is fixed'); END;
CREATE TRIGGER journal_origin_fixed_delete BEFORE DELETE ON journal_origin
BEGIN SELECT RAISE(ABORT, 'journal_origin is fixed'); END;
