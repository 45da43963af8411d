"""A backlog of pending sales, written fast into a stopped edge's data dir.

Every row is what `server.edge.checkout.checkout` makes of a sale (priced, fingerprinted,
keyed, dated) and is chained into its kiosk's journal by `server.edge.sale_insert.chain_onto`,
as the edge's own insert is; only the insert is batched (thousands of rows per
transaction instead of one), which turns minutes into seconds. The project's own journal
verifier then checks every chain, so a row of the wrong shape would show.
"""
import asyncio
import time
from itertools import cycle

from bench.progress import say
from bench.wrk import sale_skus
from server.catalog.catalog import Catalog
from server.clock import utc_now
from server.config import CENTRAL_DB, EDGE_DB, Settings
from server.edge.checkout import checkout
from server.edge.events import EdgeEvents
from server.edge.sale_insert import INSERT_ORDER, chain_onto
from server.encryption import DatabaseKey
from server.journal.chain import GENESIS
from server.journal.verify import verify_journal
from server.orders import EDGE_COLUMNS
from server.sqlite_open import open_connection

CHUNK = 5000


class RowCollector:
    """Stands in for EdgeStore inside `checkout()`: a new key every time, and the row the
    checkout would insert kept (with its canonical content) instead of written."""

    def __init__(self):
        self.rows: list[tuple[dict, bytes]] = []

    async def find_order(self, kiosk_id: str, idempotency_key: str):
        """No sale has this key yet (the fill makes every key new)."""
        return None

    async def insert_order_once(self, order: dict, content: bytes, approval=None):
        """Keep the row; the chain's hashes are added when the chunk is written."""
        self.rows.append((order, content))
        return {**order, "prev_hash": None, "entry_hash": None}, True


async def _priced_rows(catalog: Catalog, kiosks, skus, first: int,
                       count: int) -> list[tuple[dict, bytes]]:
    collector, timezone = RowCollector(), Settings.store_timezone
    for i in range(first, first + count):
        kiosk_id = next(kiosks)
        request = {"kiosk_id": kiosk_id, "idempotency_key": f"fill-{kiosk_id}-{i:07d}",
                   "items": [{"sku": skus[(i + j) % len(skus)], "qty": 1 + j % 2}
                             for j in range(3 + i % 3)],
                   "payment": {"method": "card", "reference": f"FILL-{i}"}}
        await checkout(collector, catalog, request, utc_now(), timezone, EdgeEvents())
    return collector.rows


def _chained(rows: list[tuple[dict, bytes]], heads: dict[str, str]) -> list[list]:
    """Each row as insert parameters, linked to its kiosk's previous sale."""
    values = []
    for order, content in rows:
        heads.setdefault(order["kiosk_id"], GENESIS)
        row = chain_onto(heads, order, content)
        values.append([row[name] for name in EDGE_COLUMNS])
    return values


async def fill_backlog(data_dir, key: DatabaseKey | None, kiosk_ids: list[str],
                      count: int) -> float:
    """`count` pending sales spread over kiosks that have none yet, written into the edge
    file keyed as the edge keys it (None: plain); returns the seconds."""
    started, catalog = time.monotonic(), Catalog.load(None)
    skus, kiosks, heads = sale_skus(catalog), cycle(kiosk_ids), {}
    conn = open_connection(data_dir / EDGE_DB, key, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        for first in range(0, count, CHUNK):
            rows = await _priced_rows(catalog, kiosks, skus, first, min(CHUNK, count - first))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT_ORDER, _chained(rows, heads))
            conn.execute("COMMIT")
            say(f"drain: wrote {first + len(rows)}/{count} pending sales")
            await asyncio.sleep(0)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return time.monotonic() - started


def verify_backlog(data_dir, key: DatabaseKey | None) -> str:
    """The project's journal verifier over both files (keyed as the edge's): the filled rows
    must chain right."""
    report = verify_journal(data_dir / EDGE_DB, data_dir / CENTRAL_DB, 5000, key)
    if not report.ok:
        raise AssertionError(f"the filled backlog breaks the journal: {report.summary()}")
    return report.summary()
