"""What each store last said of itself, kept at head office: its latest signed status report
and its backlog over the last hours, on SQLite (hq_store.db, the embedded default) or on
PostgreSQL, with the same named operations. Times go in as datetimes and come out as ISO
8601 text in UTC (to_iso), whichever database holds them.

A report older than the one held (a retry that arrived late) changes nothing: `record` says
so, and the caller answers it as out of order. The backlog keeps BACKLOG_KEPT of history
per store, pruned as each report comes in, so that 1,300 stores reporting every 30 s hold
a bounded table (about 1,440 rows a store). A report kept is announced to `on_recorded`
(the chain wallboard looks again), after its commit, with the store and its report.
"""
import json
from datetime import datetime, timedelta

from server.clock import from_iso, to_iso

BACKLOG_KEPT = timedelta(hours=12)

SQLITE_RECORD = (
    "INSERT INTO store_status (store_id, key_id, sent_at, received_at, status_json)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET key_id = excluded.key_id,"
    " sent_at = excluded.sent_at, received_at = excluded.received_at,"
    " status_json = excluded.status_json WHERE store_status.sent_at < excluded.sent_at")
SQLITE_BACKLOG = ("INSERT OR IGNORE INTO store_backlog (store_id, at, pending, oldest_pending_at)"
                  " VALUES (?, ?, ?, ?)")
SQLITE_PRUNE = "DELETE FROM store_backlog WHERE store_id = ? AND at < ?"
PG_RECORD = (
    "INSERT INTO store_status (store_id, key_id, sent_at, received_at, status_json)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (store_id) DO UPDATE SET"
    " key_id = excluded.key_id, sent_at = excluded.sent_at, received_at = excluded.received_at,"
    " status_json = excluded.status_json WHERE store_status.sent_at < excluded.sent_at")
PG_BACKLOG = ("INSERT INTO store_backlog (store_id, at, pending, oldest_pending_at)"
              " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
PG_PRUNE = "DELETE FROM store_backlog WHERE store_id = $1 AND at < $2"
LATEST = "SELECT * FROM store_status ORDER BY store_id"
LATEST_OF = {"sqlite": "SELECT * FROM store_status WHERE store_id = ?",
             "pg": "SELECT * FROM store_status WHERE store_id = $1"}
BACKLOG_SINCE = {"sqlite": "SELECT at, pending, oldest_pending_at FROM store_backlog"
                           " WHERE store_id = ? AND at >= ? ORDER BY at",
                 "pg": "SELECT at, pending, oldest_pending_at FROM store_backlog"
                       " WHERE store_id = $1 AND at >= $2 ORDER BY at"}


def _report(row) -> dict:
    """A stored report as the board reads it."""
    return {"store_id": row["store_id"], "key_id": row["key_id"],
            "sent_at": _iso(row["sent_at"]), "received_at": _iso(row["received_at"]),
            "status": json.loads(row["status_json"])}


def _point(row) -> dict:
    return {"at": _iso(row["at"]), "pending": row["pending"],
            "oldest_pending_at": _iso(row["oldest_pending_at"])}


def _announce(listeners: list, store_id: str, status: dict, kept: bool) -> None:
    for listener in listeners if kept else ():
        listener(store_id, status)


def _iso(value) -> str | None:
    """What either database gave back (ISO text, or a datetime) as to_iso's text."""
    return to_iso(from_iso(value) if isinstance(value, str) else value)


class SqliteStatusStore:
    """Store reports on head office's SQLite file (the registry's, hq_store.db)."""

    def __init__(self, db):
        self.db = db
        self.on_recorded: list = []  # (store_id, status) -> None, after a report is kept

    async def record(self, store_id: str, key_id: str, sent_at: datetime, status: dict,
                     received_at: datetime) -> bool:
        """Keep a store's report as its latest, and its backlog point; False (nothing kept)
        when a report sent later is held already."""
        pending = status["pending"]

        def work(conn):
            kept = conn.execute(SQLITE_RECORD, (store_id, key_id, to_iso(sent_at),
                                                to_iso(received_at), json.dumps(status))
                                ).rowcount == 1
            if kept:
                conn.execute(SQLITE_BACKLOG, (store_id, to_iso(sent_at), pending["count"],
                                              pending["oldest_at"] and _iso(pending["oldest_at"])))
                conn.execute(SQLITE_PRUNE, (store_id, to_iso(sent_at - BACKLOG_KEPT)))
            return kept

        kept = await self.db.write(work)
        _announce(self.on_recorded, store_id, status, kept)
        return kept

    async def latest(self) -> list[dict]:
        """Every store's latest report, by store id."""
        return [_report(row) for row in await self.db.fetchall(LATEST)]

    async def latest_of(self, store_id: str) -> dict | None:
        """One store's latest report, or None if it never reported."""
        row = await self.db.fetchone(LATEST_OF["sqlite"], (store_id,))
        return None if row is None else _report(row)

    async def backlog(self, store_id: str, since: datetime) -> list[dict]:
        """A store's backlog as each of its reports since `since` said it, oldest first."""
        rows = await self.db.fetchall(BACKLOG_SINCE["sqlite"], (store_id, to_iso(since)))
        return [_point(row) for row in rows]


class PgStatusStore:
    """Store reports on head office's PostgreSQL database."""

    def __init__(self, db):
        self.db = db
        self.on_recorded: list = []  # (store_id, status) -> None, after a report is kept

    async def record(self, store_id: str, key_id: str, sent_at: datetime, status: dict,
                     received_at: datetime) -> bool:
        """As SqliteStatusStore.record, in one transaction."""
        pending = status["pending"]
        async with self.db.connection() as conn, conn.transaction():
            kept = await conn.execute(PG_RECORD, store_id, key_id, sent_at, received_at,
                                      json.dumps(status)) == "INSERT 0 1"
            if kept:
                await conn.execute(PG_BACKLOG, store_id, sent_at, pending["count"],
                                   from_iso(pending["oldest_at"]))
                await conn.execute(PG_PRUNE, store_id, sent_at - BACKLOG_KEPT)
        _announce(self.on_recorded, store_id, status, kept)
        return kept

    async def latest(self) -> list[dict]:
        """Every store's latest report, by store id."""
        return [_report(row) for row in await self.db.fetch(LATEST)]

    async def latest_of(self, store_id: str) -> dict | None:
        """As SqliteStatusStore.latest_of."""
        row = await self.db.fetchrow(LATEST_OF["pg"], store_id)
        return None if row is None else _report(row)

    async def backlog(self, store_id: str, since: datetime) -> list[dict]:
        """As SqliteStatusStore.backlog."""
        rows = await self.db.fetch(BACKLOG_SINCE["pg"], store_id, since)
        return [_point(row) for row in rows]
