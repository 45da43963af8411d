-- A delivered batch is marked synced by one row here, not by rewriting each of its sales.
--
-- The drain takes a kiosk's pending sales in seq order, so what central holds of a kiosk is
-- always everything up to some seq: one mark (kiosk, through_seq, synced_at) per delivered
-- batch says it. Rewriting every sale of the batch cost a page write per sale (a kiosk's
-- sales lie between the other kiosks'), on the writer that the checkouts wait for: during a
-- drain, the checkouts' p99 was three to four times its idle value.
--
-- A sale's sync state is therefore: its stored sync_state when that is not 'pending'
-- ('synced' by a mark before this migration, 'attention' when set aside); otherwise
-- 'synced' if a mark of its kiosk reaches its seq, with that first mark's synced_at; else
-- 'pending'. edge_orders_now shows every sale so. A mark only ever moves a kiosk forward
-- (server/edge/store.py), and set-aside sales are updated before their batch's mark.
-- A later migration that rebuilds edge_orders (as 0005 did) must drop edge_orders_now first
-- and create it again after: SQLite checks a table's views when it is renamed.

CREATE TABLE sync_marks (
    kiosk_id     TEXT NOT NULL,
    through_seq  INTEGER NOT NULL,
    synced_at    TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, through_seq)
) WITHOUT ROWID;

CREATE VIEW edge_orders_now AS
SELECT seq, order_uuid, kiosk_id, idempotency_key, request_hash, items_json, vat_json,
       total_ore, payment_json, catalog_version, created_at, business_day,
       CASE WHEN sync_state <> 'pending' THEN sync_state
            WHEN marked_at IS NULL THEN 'pending' ELSE 'synced' END AS sync_state,
       COALESCE(synced_at, marked_at) AS synced_at,
       prev_hash, entry_hash, set_aside_at, set_aside_reason
FROM (SELECT e.*,
             CASE WHEN e.sync_state = 'pending' THEN
                 (SELECT m.synced_at FROM sync_marks AS m
                  WHERE m.kiosk_id = e.kiosk_id AND m.through_seq >= e.seq
                  ORDER BY m.through_seq LIMIT 1)
             END AS marked_at
      FROM edge_orders AS e);

-- The running totals (0006) count the sales a mark clears, as the per-sale trigger counted
-- each sale it updated: those still stored 'pending' between the kiosk's previous mark and
-- this one.
CREATE TRIGGER sync_marks_count_clearance AFTER INSERT ON sync_marks
BEGIN
    UPDATE kiosk_day_totals SET
        pending = pending - cleared.n,
        pending_ore = pending_ore - cleared.ore,
        synced = synced + cleared.n
    FROM (SELECT business_day, COUNT(*) AS n, SUM(total_ore) AS ore FROM edge_orders
          WHERE kiosk_id = NEW.kiosk_id AND sync_state = 'pending' AND seq <= NEW.through_seq
            AND seq > COALESCE((SELECT MAX(through_seq) FROM sync_marks
                                WHERE kiosk_id = NEW.kiosk_id
                                  AND through_seq < NEW.through_seq), 0)
          GROUP BY business_day) AS cleared
    WHERE kiosk_day_totals.kiosk_id = NEW.kiosk_id
      AND kiosk_day_totals.business_day = cleared.business_day;
    INSERT INTO minute_totals (minute, cleared)
    SELECT substr(NEW.synced_at, 1, 16), COUNT(*) FROM edge_orders
    WHERE kiosk_id = NEW.kiosk_id AND sync_state = 'pending' AND seq <= NEW.through_seq
      AND seq > COALESCE((SELECT MAX(through_seq) FROM sync_marks
                          WHERE kiosk_id = NEW.kiosk_id AND through_seq < NEW.through_seq), 0)
    HAVING COUNT(*) > 0
    ON CONFLICT (minute) DO UPDATE SET cleared = cleared + excluded.cleared;
END;
