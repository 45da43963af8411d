"""Read-only figures over edge_store.db for the dashboard: fleet totals, per-kiosk rows, and
the last journal verification."""
from server.sqlite import SqliteDatabase

FLEET_ORDERS = """
SELECT COUNT(*) AS orders_total,
       COALESCE(SUM(total_ore), 0) AS revenue_total_ore,
       COALESCE(SUM(sync_state = 'pending'), 0) AS pending_count,
       COALESCE(SUM(sync_state = 'synced'), 0) AS synced_count,
       COALESCE(SUM(sync_state = 'attention'), 0) AS set_aside_count,
       MIN(CASE WHEN sync_state = 'pending' THEN created_at END) AS oldest_pending_at,
       COALESCE(SUM(business_day = :today), 0) AS orders_today,
       COALESCE(SUM(CASE WHEN business_day = :today THEN total_ore END), 0) AS revenue_today_ore,
       COALESCE(SUM(created_at >= :minute_ago), 0) AS checkouts_last_minute
FROM edge_orders
"""

FLEET_KIOSKS = """
SELECT COUNT(*) AS kiosks_total,
       COALESCE(SUM(last_heartbeat_at >= :online_since), 0) AS kiosks_online,
       COALESCE(SUM(last_heartbeat_at >= :online_since AND central_link_up = 0), 0)
           AS kiosks_link_down
FROM kiosks
"""

KIOSK_ROWS = """
SELECT k.kiosk_id, k.central_link_up, k.link_forced_down, k.last_heartbeat_at, k.last_sync_at,
       k.last_sync_error, k.last_sync_error_at,
       COALESCE(o.orders_count, 0) AS orders_count,
       COALESCE(o.revenue_ore, 0) AS revenue_ore,
       COALESCE(o.pending_count, 0) AS pending_count,
       COALESCE(o.synced_count, 0) AS synced_count,
       COALESCE(o.set_aside_count, 0) AS set_aside_count,
       o.oldest_pending_at, o.last_checkout_at
FROM kiosks AS k LEFT JOIN (
    SELECT kiosk_id, COUNT(*) AS orders_count, SUM(total_ore) AS revenue_ore,
           SUM(sync_state = 'pending') AS pending_count,
           SUM(sync_state = 'synced') AS synced_count,
           SUM(sync_state = 'attention') AS set_aside_count,
           MIN(CASE WHEN sync_state = 'pending' THEN created_at END) AS oldest_pending_at,
           MAX(created_at) AS last_checkout_at
    FROM edge_orders GROUP BY kiosk_id
) AS o USING (kiosk_id)
ORDER BY k.kiosk_id
"""

# The backlog at any past moment is (orders created by then) - (orders that left it by then,
# synced or set aside): counts before the window and per-minute series inside it rebuild it
# minute by minute.
HISTORY_BEFORE = """
SELECT COALESCE(SUM(created_at < :since), 0) AS created_before,
       COALESCE(SUM(COALESCE(synced_at, set_aside_at) < :since), 0) AS left_before
FROM edge_orders
"""

CREATED_PER_MINUTE = """
SELECT substr(created_at, 1, 16) AS minute, COUNT(*) AS n FROM edge_orders
WHERE created_at >= :since GROUP BY minute
"""

LEFT_PER_MINUTE = """
SELECT substr(synced_at, 1, 16) AS minute, COUNT(*) AS n FROM edge_orders
WHERE synced_at >= :since GROUP BY minute
UNION ALL
SELECT substr(set_aside_at, 1, 16) AS minute, COUNT(*) AS n FROM edge_orders
WHERE set_aside_at >= :since GROUP BY minute
"""

LAST_JOURNAL_CHECK = "SELECT checked_at, ok, summary FROM journal_checks ORDER BY id DESC LIMIT 1"


TOTALS_BY_KIOSK_DAY = """
SELECT kiosk_id, business_day, COUNT(*) AS orders, SUM(total_ore) AS total_ore,
       COALESCE(SUM(sync_state = 'pending'), 0) AS pending,
       COALESCE(SUM(CASE WHEN sync_state = 'pending' THEN total_ore END), 0) AS pending_ore,
       COALESCE(SUM(sync_state = 'attention'), 0) AS set_aside,
       COALESCE(SUM(CASE WHEN sync_state = 'attention' THEN total_ore END), 0) AS set_aside_ore
FROM edge_orders GROUP BY kiosk_id, business_day
"""


class EdgeFigures:
    """The dashboard's queries, on the edge store's reader connection."""

    def __init__(self, db: SqliteDatabase):
        self.db = db

    async def fleet(self, today: str, minute_ago: str, online_since: str) -> dict:
        """Fleet-wide order and kiosk totals."""
        orders = await self.db.fetchone(FLEET_ORDERS, {"today": today, "minute_ago": minute_ago})
        kiosks = await self.db.fetchone(FLEET_KIOSKS, {"online_since": online_since})
        return {**dict(orders), **dict(kiosks)}

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Per kiosk and business day: orders, their sum, and how many still wait for central."""
        return [dict(row) for row in await self.db.fetchall(TOTALS_BY_KIOSK_DAY)]

    async def kiosk_rows(self) -> list[dict]:
        """One row of figures per known kiosk."""
        return [dict(row) for row in await self.db.fetchall(KIOSK_ROWS)]

    async def minute_counts(self, since: str) -> dict:
        """Orders created, and orders that left the backlog (synced or set aside), per UTC
        minute ('YYYY-MM-DDTHH:MM') from `since` on, and the counts of each before it."""
        params = {"since": since}
        before = await self.db.fetchone(HISTORY_BEFORE, params)
        created = await self.db.fetchall(CREATED_PER_MINUTE, params)
        left: dict[str, int] = {}
        for row in await self.db.fetchall(LEFT_PER_MINUTE, params):
            left[row["minute"]] = left.get(row["minute"], 0) + row["n"]
        return {**dict(before), "created": {r["minute"]: r["n"] for r in created}, "left": left}

    async def last_journal_check(self) -> dict | None:
        """The latest `verify-journal` run as {checked_at, ok, summary}, or None if never run."""
        row = await self.db.fetchone(LAST_JOURNAL_CHECK)
        if row is None:
            return None
        return {"checked_at": row["checked_at"], "ok": bool(row["ok"]), "summary": row["summary"]}
