"""Read-only figures over edge_store.db for the dashboard: fleet totals, per-kiosk rows, and
the last journal verification. They read the running totals the store's triggers keep, so
their cost grows with kiosks and days, not with sales."""
from server.edge.store import pending_of
from server.sqlite import SqliteDatabase

# The head of a kiosk's drain queue (its lowest pending seq), one probe of edge_orders_by_state
# past its sync mark: its created_at is how long the kiosk's backlog has waited.
OLDEST_PENDING = f"""(SELECT e.created_at FROM edge_orders AS e
     WHERE {pending_of("k.kiosk_id")} ORDER BY e.seq LIMIT 1)"""

# Totals come from kiosk_day_totals (kept by triggers, schema/edge/0006); only the last
# minute's sales are counted row by row, over the created_at index.
FLEET_ORDERS = f"""
SELECT COALESCE(SUM(orders), 0) AS orders_total,
       COALESCE(SUM(total_ore), 0) AS revenue_total_ore,
       COALESCE(SUM(pending), 0) AS pending_count,
       COALESCE(SUM(synced), 0) AS synced_count,
       COALESCE(SUM(set_aside), 0) AS set_aside_count,
       (SELECT MIN({OLDEST_PENDING}) FROM kiosks AS k) AS oldest_pending_at,
       COALESCE(SUM(CASE WHEN business_day = :today THEN orders END), 0) AS orders_today,
       COALESCE(SUM(CASE WHEN business_day = :today THEN total_ore END), 0) AS revenue_today_ore,
       (SELECT COUNT(*) FROM edge_orders WHERE created_at >= :minute_ago)
           AS checkouts_last_minute
FROM kiosk_day_totals
"""

FLEET_KIOSKS = """
SELECT COUNT(*) AS kiosks_total,
       COALESCE(SUM(last_heartbeat_at >= :online_since), 0) AS kiosks_online,
       COALESCE(SUM(last_heartbeat_at >= :online_since AND central_link_up = 0), 0)
           AS kiosks_link_down
FROM kiosks
"""

KIOSK_ROWS = f"""
SELECT k.kiosk_id, k.central_link_up, k.link_forced_down, k.last_heartbeat_at, k.last_sync_at,
       k.last_sync_error, k.last_sync_error_at,
       COALESCE(t.orders, 0) AS orders_count,
       COALESCE(t.total_ore, 0) AS revenue_ore,
       COALESCE(t.pending, 0) AS pending_count,
       COALESCE(t.synced, 0) AS synced_count,
       COALESCE(t.set_aside, 0) AS set_aside_count,
       {OLDEST_PENDING} AS oldest_pending_at,
       (SELECT e.created_at FROM edge_orders AS e WHERE e.kiosk_id = k.kiosk_id
        ORDER BY e.seq DESC LIMIT 1) AS last_checkout_at
FROM kiosks AS k LEFT JOIN (
    SELECT kiosk_id, SUM(orders) AS orders, SUM(total_ore) AS total_ore,
           SUM(pending) AS pending, SUM(synced) AS synced, SUM(set_aside) AS set_aside
    FROM kiosk_day_totals GROUP BY kiosk_id
) AS t USING (kiosk_id)
ORDER BY k.kiosk_id
"""

PENDING_NOW = "SELECT COALESCE(SUM(pending), 0) FROM kiosk_day_totals"
MINUTES_SINCE = "SELECT minute, created, cleared FROM minute_totals WHERE minute >= ?"

LAST_JOURNAL_CHECK = "SELECT checked_at, ok, summary FROM journal_checks ORDER BY id DESC LIMIT 1"


TOTALS_BY_KIOSK_DAY = """
SELECT kiosk_id, business_day, orders, total_ore, pending, pending_ore, set_aside, set_aside_ore
FROM kiosk_day_totals
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
        """Sales created, and sales that left the backlog (synced or set aside), per UTC
        minute ('YYYY-MM-DDTHH:MM') from `since` on, and the backlog just before `since`."""

        def query(conn):
            pending_now = conn.execute(PENDING_NOW).fetchone()[0]
            return pending_now, conn.execute(MINUTES_SINCE, (since[:16],)).fetchall()

        pending_now, rows = await self.db.read(query, one_snapshot=True)
        created = {row["minute"]: row["created"] for row in rows if row["created"]}
        left = {row["minute"]: row["cleared"] for row in rows if row["cleared"]}
        # Walk back from now: the backlog then is now's, less what came since, plus what left.
        backlog_before = pending_now - sum(created.values()) + sum(left.values())
        return {"backlog_before": backlog_before, "created": created, "left": left}

    async def last_journal_check(self) -> dict | None:
        """The latest `verify-journal` run as {checked_at, ok, summary}, or None if never run."""
        row = await self.db.fetchone(LAST_JOURNAL_CHECK)
        if row is None:
            return None
        return {"checked_at": row["checked_at"], "ok": bool(row["ok"]), "summary": row["summary"]}
