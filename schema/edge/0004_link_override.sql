-- Staff can force a kiosk's central link down (drills, demos); the sync respects it until
-- they release it, whatever the kiosk's heartbeats say.
ALTER TABLE kiosks ADD COLUMN link_forced_down INTEGER NOT NULL DEFAULT 0
    CHECK (link_forced_down IN (0, 1));
