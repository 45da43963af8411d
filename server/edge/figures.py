"""Read-only figures over edge_store.db for the dashboard: fleet totals, per-kiosk rows, and
the last journal verification. They read the running totals the store's triggers keep, so
their cost grows with kiosks and days, not with sales."""
import json

from server.auth.store import ACTIVE_KIOSK_IDS, ENROLLED_KIOSK_IDS
from server.edge.store import pending_of
from server.sqlite import SqliteDatabase


def oldest_pending(kiosk: str) -> str:
    """The head of a kiosk's drain queue (its lowest pending seq), one probe of
    edge_orders_by_state past its sync mark: its created_at is how long its backlog waited."""
    return f"""(SELECT e.created_at FROM edge_orders AS e
     WHERE {pending_of(kiosk)} ORDER BY e.seq LIMIT 1)"""


# Totals come from kiosk_day_totals (kept by triggers, schema/edge/0006); only the last
# minute's sales are counted row by row, over the created_at index. A kiosk that left the
# board still counts here: its sales are the store's until central holds them.
FLEET_ORDERS = f"""
SELECT COALESCE(SUM(orders), 0) AS orders_total,
       COALESCE(SUM(total_ore), 0) AS revenue_total_ore,
       COALESCE(SUM(pending), 0) AS pending_count,
       COALESCE(SUM(synced), 0) AS synced_count,
       COALESCE(SUM(set_aside), 0) AS set_aside_count,
       (SELECT MIN({oldest_pending("k.kiosk_id")}) FROM kiosks AS k) AS oldest_pending_at,
       COALESCE(SUM(CASE WHEN business_day = :today THEN orders END), 0) AS orders_today,
       COALESCE(SUM(CASE WHEN business_day = :today THEN total_ore END), 0) AS revenue_today_ore,
       (SELECT COUNT(*) FROM edge_orders WHERE created_at >= :minute_ago)
           AS checkouts_last_minute
FROM kiosk_day_totals
"""

# The wallboard's fleet: every kiosk enrolled and not revoked, whether or not it ever
# heartbeated (the kiosks table fills only then), and a kiosk the edge saw that was never
# enrolled here. A kiosk whose credentials were all revoked has left the store.
BOARD = f"""board (kiosk_id) AS (
    {ACTIVE_KIOSK_IDS}
    UNION
    SELECT kiosk_id FROM kiosks WHERE kiosk_id NOT IN ({ENROLLED_KIOSK_IDS}))"""

# One rule for liveness and for the link, used by the cards and by the tiles that count them.
# A drill is the edge's own setting, so it holds whether the kiosk is heard or not; the link a
# kiosk reported is only current while it is online, so an offline kiosk's link is 'unknown'.
ONLINE = "COALESCE(k.last_heartbeat_at >= :online_since, 0)"
LINK = f"""CASE WHEN k.link_forced_down THEN 'forced' WHEN NOT {ONLINE} THEN 'unknown'
     WHEN k.central_link_up THEN 'up' ELSE 'down' END"""
LINK_HOLDS_SALES = "('down', 'forced')"  # the tile "Central link down" counts these

FLEET_KIOSKS = f"""
WITH {BOARD}, states AS (
    SELECT {ONLINE} AS online, {LINK} AS link
    FROM board AS b LEFT JOIN kiosks AS k ON k.kiosk_id = b.kiosk_id)
SELECT COUNT(*) AS kiosks_total,
       COALESCE(SUM(online), 0) AS kiosks_online,
       COALESCE(SUM(link IN {LINK_HOLDS_SALES}), 0) AS kiosks_link_down
FROM states
"""

KIOSK_ROWS = f"""
WITH {BOARD}
SELECT b.kiosk_id, {ONLINE} AS online, {LINK} AS link,
       COALESCE(k.central_link_up, 0) AS central_link_up,
       COALESCE(k.link_forced_down, 0) AS link_forced_down,
       k.last_heartbeat_at, k.last_sync_at, k.last_sync_error, k.last_sync_error_at,
       COALESCE(t.orders, 0) AS orders_count,
       COALESCE(t.total_ore, 0) AS revenue_ore,
       COALESCE(t.pending, 0) AS pending_count,
       COALESCE(t.synced, 0) AS synced_count,
       COALESCE(t.set_aside, 0) AS set_aside_count,
       {oldest_pending("b.kiosk_id")} AS oldest_pending_at,
       (SELECT e.created_at FROM edge_orders AS e WHERE e.kiosk_id = b.kiosk_id
        ORDER BY e.seq DESC LIMIT 1) AS last_checkout_at
FROM board AS b LEFT JOIN kiosks AS k ON k.kiosk_id = b.kiosk_id LEFT JOIN (
    SELECT kiosk_id, SUM(orders) AS orders, SUM(total_ore) AS total_ore,
           SUM(pending) AS pending, SUM(synced) AS synced, SUM(set_aside) AS set_aside
    FROM kiosk_day_totals GROUP BY kiosk_id
) AS t ON t.kiosk_id = b.kiosk_id
ORDER BY b.kiosk_id
"""

PENDING_NOW = "SELECT COALESCE(SUM(pending), 0) FROM kiosk_day_totals"
MINUTES_SINCE = "SELECT minute, created, cleared FROM minute_totals WHERE minute >= ?"

LAST_JOURNAL_CHECK = "SELECT checked_at, ok, summary FROM journal_checks ORDER BY id DESC LIMIT 1"


TOTALS_BY_KIOSK_DAY = """
SELECT kiosk_id, business_day, orders, total_ore, pending, pending_ore, set_aside, set_aside_ore
FROM kiosk_day_totals
"""

# The store's status report (server/dashboard/store_status.py): its last days only.
TOTALS_SINCE = """
SELECT kiosk_id, business_day, orders, total_ore, synced,
       total_ore - pending_ore - set_aside_ore AS synced_ore
FROM kiosk_day_totals WHERE business_day >= ? ORDER BY business_day, kiosk_id
"""

# Synced sales among head office's seq ranges of the sales in transit (server.bus.transit),
# as [kiosk_id, first seq, last seq] triples: a range join on edge_orders_by_kiosk, each
# sale's state as edge_orders_now says it (schema/edge/0007: a sync mark or its own).
IN_TRANSIT = """
SELECT o.kiosk_id, o.business_day, COUNT(*) AS orders, SUM(o.total_ore) AS total_ore,
       MIN(o.synced_at) AS oldest_synced_at
FROM (SELECT value ->> 0 AS kiosk_id, value ->> 1 AS first, value ->> 2 AS last
      FROM json_each(?)) AS r
JOIN edge_orders_now AS o ON o.kiosk_id = r.kiosk_id AND o.seq BETWEEN r.first AND r.last
WHERE o.sync_state = 'synced'
GROUP BY o.kiosk_id, o.business_day
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

    async def in_transit_by_kiosk_day(self, kiosk_seqs: dict[str, list]) -> list[dict]:
        """Per kiosk and business day, the synced sales within each kiosk's seq ranges (head
        office's sales in transit): orders, their sum, and the oldest synced_at."""
        ranges = [[kiosk, first, last] for kiosk, seqs in kiosk_seqs.items()
                  for first, last in seqs]
        if not ranges:
            return []
        return [dict(row) for row in await self.db.fetchall(IN_TRANSIT, (json.dumps(ranges),))]

    async def totals_since(self, first_day: str) -> list[dict]:
        """Per kiosk and business day from `first_day` on: orders, their sum, and how many
        (and how much) of them central holds."""
        return [dict(row) for row in await self.db.fetchall(TOTALS_SINCE, (first_day,))]

    async def kiosk_rows(self, online_since: str) -> list[dict]:
        """One row of figures per kiosk on the board, with its liveness and link state."""
        rows = await self.db.fetchall(KIOSK_ROWS, {"online_since": online_since})
        return [dict(row) for row in rows]

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
