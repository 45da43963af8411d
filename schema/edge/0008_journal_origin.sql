-- Where the sales journal began in this file. A sale stored after it must carry its hashes:
-- without this, a kiosk's rows with their hashes set to NULL passed as "before the journal".
-- The journal began at one moment for the whole file (0002), so every sale before its first
-- hashed sale is from before it; a file with no hashed sale yet has only such sales (or none).
-- Fixed once written: triggers refuse to change it (someone with the file can drop them,
-- which is what a keyless journal cannot prevent; see server/journal/verify.py).

CREATE TABLE journal_origin (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    began_after  INTEGER NOT NULL,  -- the last seq stored before the journal (0: none)
    recorded_at  TEXT NOT NULL
);

INSERT INTO journal_origin (id, began_after, recorded_at)
SELECT 1, COALESCE((SELECT MIN(seq) - 1 FROM edge_orders WHERE entry_hash IS NOT NULL),
                   (SELECT MAX(seq) FROM edge_orders), 0),
       strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now');

CREATE TRIGGER journal_origin_fixed_update BEFORE UPDATE ON journal_origin
BEGIN SELECT RAISE(ABORT, 'journal_origin is fixed'); END;
CREATE TRIGGER journal_origin_fixed_delete BEFORE DELETE ON journal_origin
BEGIN SELECT RAISE(ABORT, 'journal_origin is fixed'); END;
