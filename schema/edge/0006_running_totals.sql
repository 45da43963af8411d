-- Running totals for the wallboard, kept by triggers in the transaction of the write that
-- changes them. Every wallboard refresh used to aggregate every sale ever made (four times a
-- second under load); now it reads a row per kiosk and day, and a row per minute. Triggers,
-- not application code, so that no path that writes edge_orders can forget them.
--
-- Invariants, checked by tests against a full aggregate of edge_orders:
--   kiosk_day_totals  = per (kiosk, business day): sales, their sum, and how many (and how
--                       much) are pending, synced, set aside;
--   minute_totals     = per UTC minute ('YYYY-MM-DDTHH:MM'): sales created in it, and sales
--                       that left the backlog in it (synced or set aside).
-- Rows never return to 'pending' and are never deleted; a path that did would need a
-- trigger here too.

CREATE TABLE kiosk_day_totals (
    kiosk_id       TEXT NOT NULL,
    business_day   TEXT NOT NULL,
    orders         INTEGER NOT NULL DEFAULT 0,
    total_ore      INTEGER NOT NULL DEFAULT 0,
    pending        INTEGER NOT NULL DEFAULT 0,
    pending_ore    INTEGER NOT NULL DEFAULT 0,
    synced         INTEGER NOT NULL DEFAULT 0,
    set_aside      INTEGER NOT NULL DEFAULT 0,
    set_aside_ore  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kiosk_id, business_day)
) WITHOUT ROWID;

CREATE TABLE minute_totals (
    minute   TEXT PRIMARY KEY,
    created  INTEGER NOT NULL DEFAULT 0,
    cleared  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO kiosk_day_totals (kiosk_id, business_day, orders, total_ore, pending, pending_ore,
                              synced, set_aside, set_aside_ore)
SELECT kiosk_id, business_day, COUNT(*), SUM(total_ore),
       SUM(sync_state = 'pending'),
       SUM(CASE WHEN sync_state = 'pending' THEN total_ore ELSE 0 END),
       SUM(sync_state = 'synced'),
       SUM(sync_state = 'attention'),
       SUM(CASE WHEN sync_state = 'attention' THEN total_ore ELSE 0 END)
FROM edge_orders GROUP BY kiosk_id, business_day;

INSERT INTO minute_totals (minute, created, cleared)
SELECT minute, SUM(created), SUM(cleared) FROM (
    SELECT substr(created_at, 1, 16) AS minute, 1 AS created, 0 AS cleared FROM edge_orders
    UNION ALL
    SELECT substr(COALESCE(synced_at, set_aside_at), 1, 16), 0, 1 FROM edge_orders
    WHERE sync_state <> 'pending'
) GROUP BY minute;

CREATE TRIGGER edge_orders_count_sale AFTER INSERT ON edge_orders
BEGIN
    INSERT INTO kiosk_day_totals (kiosk_id, business_day, orders, total_ore, pending,
                                  pending_ore)
    VALUES (NEW.kiosk_id, NEW.business_day, 1, NEW.total_ore, 1, NEW.total_ore)
    ON CONFLICT (kiosk_id, business_day) DO UPDATE SET
        orders = orders + 1, total_ore = total_ore + NEW.total_ore,
        pending = pending + 1, pending_ore = pending_ore + NEW.total_ore;
    INSERT INTO minute_totals (minute, created) VALUES (substr(NEW.created_at, 1, 16), 1)
    ON CONFLICT (minute) DO UPDATE SET created = created + 1;
END;

-- A sale leaves the backlog: synced, or set aside for staff.
CREATE TRIGGER edge_orders_count_clearance AFTER UPDATE OF sync_state ON edge_orders
WHEN OLD.sync_state = 'pending' AND NEW.sync_state <> 'pending'
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

-- The totals answer what these indexes served (by day, by sync minute); each was one more
-- b-tree write per sale or per sync.
DROP INDEX edge_orders_by_day;
DROP INDEX edge_orders_by_synced;
