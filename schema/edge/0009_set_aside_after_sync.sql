-- A sale synced over the bus may be set aside after all: the store marked it synced when the
-- stream took its batch, and head office's ingest, later, refused it for good (it holds the
-- order_uuid with other content); the store reads that back and sets the sale aside for its
-- staff (server/sync/refusal_follower.py). Such a sale left the backlog at its sync mark, so
-- its set-aside moves it from synced to set aside in the running totals, and no more leaves
-- the backlog. The trigger of 0006 counts a sale leaving the backlog only when no mark has
-- cleared it yet (the HTTP path sets a refused sale aside before its batch's mark).

DROP TRIGGER edge_orders_count_clearance;
CREATE TRIGGER edge_orders_count_clearance AFTER UPDATE OF sync_state ON edge_orders
WHEN OLD.sync_state = 'pending' AND NEW.sync_state <> 'pending'
  AND NOT EXISTS (SELECT 1 FROM sync_marks
                  WHERE kiosk_id = NEW.kiosk_id AND through_seq >= NEW.seq)
BEGIN
    UPDATE kiosk_day_totals SET
        pending = pending - 1,
        pending_ore = pending_ore - NEW.total_ore,
        synced = synced + (NEW.sync_state = 'synced'),
        set_aside = set_aside + (NEW.sync_state = 'attention'),
        set_aside_ore = set_aside_ore + (NEW.sync_state = 'attention') * NEW.total_ore
    WHERE kiosk_id = NEW.kiosk_id AND business_day = NEW.business_day;
    INSERT INTO minute_totals (minute, cleared)
    VALUES (substr(COALESCE(NEW.synced_at, NEW.set_aside_at), 1, 16), 1)
    ON CONFLICT (minute) DO UPDATE SET cleared = cleared + 1;
END;

CREATE TRIGGER edge_orders_count_recall AFTER UPDATE OF sync_state ON edge_orders
WHEN NEW.sync_state = 'attention'
  AND (OLD.sync_state = 'synced'
       OR (OLD.sync_state = 'pending'
           AND EXISTS (SELECT 1 FROM sync_marks
                       WHERE kiosk_id = NEW.kiosk_id AND through_seq >= NEW.seq)))
BEGIN
    UPDATE kiosk_day_totals SET
        synced = synced - 1,
        set_aside = set_aside + 1,
        set_aside_ore = set_aside_ore + NEW.total_ore
    WHERE kiosk_id = NEW.kiosk_id AND business_day = NEW.business_day;
END;
