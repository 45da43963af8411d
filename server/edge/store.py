"""Edge store: the kiosks, edge_orders (the outbox) and sync_marks tables of edge_store.db,
behind named functions. The same file holds the credentials and the audit trail
(server.auth.store), a sale's own insert (server.edge.sale_insert), the wallboard's read-only
figures (server.edge.figures) and the journal's checks (server.journal.store): each table has
one module that writes it, and all writes go through the file's one writer (server.sqlite)."""
import json
from dataclasses import dataclass
from pathlib import Path

from server.auth.store import AuditEvent, append_audit
from server.edge.sale_insert import FIND_ORDER, ChainHeads, SaleInsert
from server.encryption import DatabaseKey
from server.orders import BATCH_COLUMNS
from server.sqlite import SqliteStore

# From the running totals (schema/edge/0006): a few rows per kiosk, not its whole backlog.
PENDING_COUNT = "SELECT COALESCE(SUM(pending), 0) FROM kiosk_day_totals WHERE kiosk_id = ?"

# How far central holds a kiosk's sales (schema/edge/0007): its latest sync mark, or 0.
SYNCED_THROUGH = ("COALESCE((SELECT MAX(through_seq) FROM sync_marks AS m"
                  " WHERE m.kiosk_id = {kiosk}), 0)")
# One mark per delivered batch, and only past the kiosk's latest mark.
MARK_SYNCED = ("INSERT INTO sync_marks (kiosk_id, through_seq, synced_at)"
               " SELECT :kiosk, :through, :at WHERE :through > "
               + SYNCED_THROUGH.format(kiosk=":kiosk"))


def pending_of(kiosk: str) -> str:
    """The condition on edge_orders AS e for a sale of `kiosk` (a parameter, or an outer
    query's column) still waiting for central. The mark is looked up by `kiosk`, not by
    e.kiosk_id, so that SQLite seeks edge_orders_by_state past it rather than walking every
    sale of the kiosk ever stored (they all stay 'pending' in the column)."""
    return (f"e.kiosk_id = {kiosk} AND e.sync_state = 'pending' AND e.seq > "
            + SYNCED_THROUGH.format(kiosk=kiosk))


# A kiosk's oldest pending sales as central takes them (server.orders.BATCH_COLUMNS),
# written by SQLite itself: the drain hands central this text without making a Python object
# per sale. json_group_array takes the rows in the subquery's seq order.
PENDING_BATCH = f"""
SELECT COUNT(*), MAX(seq), json_group_array(json_array({', '.join(BATCH_COLUMNS)})),
       json_group_array(seq)
FROM (SELECT seq, {', '.join(BATCH_COLUMNS)} FROM edge_orders AS e
      WHERE {pending_of(":kiosk")} ORDER BY seq LIMIT :limit)
"""

# One index probe per kiosk, not a walk over every pending row (a day's backlog).
KIOSKS_WITH_PENDING = ("SELECT kiosk_id FROM kiosks AS k WHERE EXISTS (SELECT 1 FROM"
                       f" edge_orders AS e WHERE {pending_of('k.kiosk_id')}) ORDER BY kiosk_id")
# Where the rarer states' sales are, found without working out every sale's state in
# edge_orders_now: the backlog by one seek per kiosk past its mark (CROSS JOIN keeps kiosks
# the outer loop), the set-aside sales by their stored state. Synced sales are most of a
# store, and the view finds them as it goes.
SEQS_IN_STATE = {
    "pending": ("SELECT e.seq FROM kiosks AS k CROSS JOIN edge_orders AS e"
                f" WHERE {pending_of('k.kiosk_id')}"),
    "attention": "SELECT seq FROM edge_orders WHERE sync_state = 'attention'",
}


@dataclass(frozen=True)
class PendingBatch:
    """A kiosk's oldest pending sales: how many, the last one's seq, and the batch text that
    central takes."""

    count: int
    last_seq: int | None
    text: str
    seqs: tuple[int, ...] = ()  # of its rows, in order: the bus names a batch by them


@dataclass(frozen=True)
class HeartbeatResult:
    """What a heartbeat changed: the link flag before it (None for a new kiosk) and the backlog."""

    previous_link_up: bool | None
    pending_count: int
    link_forced_down: bool


class EdgeStore(SqliteStore):
    """The kiosks table and the edge_orders outbox of one store."""

    schema_name = "edge"

    def __init__(self, path: Path, busy_timeout_ms: int = 5000, key: DatabaseKey | None = None):
        super().__init__(path, busy_timeout_ms, key)
        self.chain_heads = ChainHeads()

    async def find_order(self, kiosk_id: str, idempotency_key: str):
        """The stored row for this kiosk and key, or None."""
        return await self.db.fetchone(FIND_ORDER, (kiosk_id, idempotency_key))

    async def insert_order_once(self, order: dict, content: bytes,
                                approval: AuditEvent | None = None) -> tuple[object, bool]:
        """Insert a sale chained to its kiosk's journal, unless its key was used: (the row as
        stored, True), or (the row the key made before, False). `content` is the sale's
        canonical content (server.orders), made before the writer's turn comes. It goes in
        with the other sales of its commit group (server.edge.sale_insert); `approval`, the
        audit of staff's approval, in the sale's own transaction."""
        return await self.db.write(SaleInsert(order, content, self.chain_heads, approval))

    async def record_heartbeat(self, kiosk_id: str, link_up: bool, at: str) -> HeartbeatResult:
        """Record a kiosk's heartbeat and link flag; say what the flag was and what is pending."""

        def work(conn):
            before = conn.execute(
                "SELECT central_link_up, link_forced_down FROM kiosks WHERE kiosk_id = ?",
                (kiosk_id,),
            ).fetchone()
            conn.execute(
                "INSERT INTO kiosks (kiosk_id, central_link_up, first_seen_at, last_heartbeat_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (kiosk_id) DO UPDATE SET"
                " central_link_up = excluded.central_link_up,"
                " last_heartbeat_at = excluded.last_heartbeat_at",
                (kiosk_id, int(link_up), at, at),
            )
            pending = _pending_count(conn, kiosk_id)
            if before is None:
                return HeartbeatResult(None, pending, False)
            return HeartbeatResult(bool(before[0]), pending, bool(before[1]))

        return await self.db.write(work)

    async def force_link_down(self, kiosk_id: str, forced: bool, at: str,
                              audit: AuditEvent) -> int:
        """Set or release the staff's link override of a kiosk, with its audit event, in one
        transaction; return its pending count."""

        def work(conn):
            conn.execute(
                "INSERT INTO kiosks (kiosk_id, first_seen_at, link_forced_down) VALUES (?, ?, ?)"
                " ON CONFLICT (kiosk_id) DO UPDATE SET"
                " link_forced_down = excluded.link_forced_down",
                (kiosk_id, at, int(forced)),
            )
            append_audit(conn, audit)
            return _pending_count(conn, kiosk_id)

        return await self.db.write(work)

    async def get_kiosk(self, kiosk_id: str):
        """The kiosk's row, or None."""
        return await self.db.fetchone("SELECT * FROM kiosks WHERE kiosk_id = ?", (kiosk_id,))

    async def get_kiosks(self, kiosk_ids: list[str]) -> dict:
        """The rows of these kiosks by id, in one read; an unknown kiosk has none."""
        rows = await self.db.fetchall(
            "SELECT * FROM kiosks WHERE kiosk_id IN (SELECT value FROM json_each(?))",
            (json.dumps(kiosk_ids),))
        return {row["kiosk_id"]: row for row in rows}

    async def pending_count(self, kiosk_id: str) -> int:
        """How many of the kiosk's sales wait for central."""
        return (await self.db.fetchone(PENDING_COUNT, (kiosk_id,)))[0]

    async def kiosks_with_pending(self) -> list[str]:
        """Every kiosk that has at least one sale waiting for central."""
        rows = await self.db.fetchall(KIOSKS_WITH_PENDING)
        return [row[0] for row in rows]

    async def pending_batch(self, kiosk_id: str, limit: int) -> PendingBatch:
        """The kiosk's oldest pending sales (at most `limit`), in seq order."""
        count, last_seq, text, seqs = await self.db.fetchone(
            PENDING_BATCH, {"kiosk": kiosk_id, "limit": limit})
        return PendingBatch(count, last_seq, text, tuple(json.loads(seqs)))

    async def mark_synced(self, kiosk_id: str, through_seq: int, at: str,
                          set_aside: dict[str, str] | None = None) -> int:
        """Mark the kiosk's pending rows up to `through_seq` synced, except those central
        refused (`set_aside`: order_uuid -> why), which need staff attention; clear its sync
        error. One transaction; it answers how many of the kiosk's sales are still pending.

        The mark is one sync_marks row, not an update of each sale (schema/edge/0007); it
        only ever moves the kiosk forward, and the set-aside sales are updated before it."""

        def work(conn):
            conn.executemany(
                "UPDATE edge_orders SET sync_state = 'attention', set_aside_at = ?,"
                " set_aside_reason = ? WHERE order_uuid = ? AND sync_state = 'pending'",
                [(at, why, uuid) for uuid, why in (set_aside or {}).items()],
            )
            conn.execute(MARK_SYNCED, {"kiosk": kiosk_id, "through": through_seq, "at": at})
            conn.execute(
                "UPDATE kiosks SET last_sync_at = ?, last_sync_error = NULL WHERE kiosk_id = ?",
                (at, kiosk_id),
            )
            return _pending_count(conn, kiosk_id)

        return await self.db.write(work)

    async def set_aside_after_sync(self, refused: dict[str, str], at: str) -> list[str]:
        """Set aside for staff the sales head office refused for good after they were synced
        (over the bus: refused by its ingest, later), with why; the order_uuids it set aside
        now (one already set aside, or not this store's, is left as it is)."""

        def work(conn):
            return [uuid for uuid, why in refused.items() if conn.execute(
                "UPDATE edge_orders SET sync_state = 'attention', set_aside_at = ?,"
                " set_aside_reason = ? WHERE order_uuid = ? AND sync_state <> 'attention'",
                (at, why, uuid)).rowcount]

        return await self.db.write(work)

    async def record_sync_error(self, kiosk_id: str, error: str, at: str) -> None:
        """Remember why the kiosk's last delivery to central failed."""

        def work(conn):
            conn.execute(
                "UPDATE kiosks SET last_sync_error = ?, last_sync_error_at = ? WHERE kiosk_id = ?",
                (error, at, kiosk_id),
            )

        await self.db.write(work)

    async def list_orders(self, kiosk_id, sync_state, after: int, limit: int) -> list:
        """A page of orders, oldest first, after the cursor `after` (a seq)."""
        where, params = ["seq > ?"], [after]
        if kiosk_id is not None:
            where.append("kiosk_id = ?")
            params.append(kiosk_id)
        if sync_state is not None:
            where.append("sync_state = ?")
            params.append(sync_state)
            if sync_state in SEQS_IN_STATE:
                where.append(f"seq IN ({SEQS_IN_STATE[sync_state]})")
        return await self.db.fetchall(
            f"SELECT * FROM edge_orders_now WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            (*params, limit),
        )

    async def health(self) -> None:
        """Raise unless both connections answer."""
        await self.db.fetchone("SELECT 1 FROM edge_orders LIMIT 1")


def _pending_count(conn, kiosk_id: str) -> int:
    return conn.execute(PENDING_COUNT, (kiosk_id,)).fetchone()[0]
