"""A sale's insert into edge_orders, chained to its kiosk's journal: alone, or with the other
sales of its commit group in one statement.

Alone, a sale takes its kiosk's chain head, inserts itself and answers. That is four trips
through SQLite (with the group's savepoint), and after each the writer's thread must win the
interpreter lock back from the event loop, which holds it while it serves the other
shoppers: under the benchmark's checkout load 32 sales took 6.5 ms of the writer's turn,
against 1.5 ms on an idle edge, and every shopper waited for it. Together, the group's
sales take every head in one query and go in by one multi-row INSERT; each row's triggers
run as they would alone. The batch is kept only if every sale went in: a key already used,
or a kiosk's first sale (its kiosks row), sends the whole group the single way
(`server.group_commit`), so every answer is the one the sale would have had alone.
"""
import functools
import json
import sqlite3

from server.journal.chain import GENESIS, chained_hash

ORDER_COLUMNS = (
    "order_uuid, kiosk_id, idempotency_key, request_hash, items_json, vat_json, total_ore,"
    " payment_json, catalog_version, created_at, business_day, prev_hash, entry_hash"
)
ORDER_COLUMN_NAMES = [name.strip() for name in ORDER_COLUMNS.split(",")]
_ONE_ROW = f"({', '.join('?' * len(ORDER_COLUMN_NAMES))})"
FIND_ORDER = "SELECT * FROM edge_orders WHERE kiosk_id = ? AND idempotency_key = ?"
# The kiosk's latest sale's entry_hash (NULL for a sale from before the journal).
LATEST_ENTRY = "SELECT entry_hash FROM edge_orders WHERE kiosk_id = ? ORDER BY seq DESC LIMIT 1"
# Every kiosk's head in one step: {kiosk: [entry_hash]}, null for a kiosk with no sale yet.
LATEST_ENTRIES = (
    "SELECT json_group_object(k.value, json((SELECT json_array(entry_hash) FROM edge_orders"
    " WHERE kiosk_id = k.value ORDER BY seq DESC LIMIT 1))) FROM json_each(?) AS k"
)
ROWS_PER_INSERT = 64  # so at most 64 statement texts, all kept prepared


def chain_onto(heads: dict[str, str], order: dict, content: bytes) -> dict:
    """The order as stored: linked to its kiosk's head in `heads`, which it then becomes.
    `content` is the order's canonical content (server.journal.chain)."""
    prev_hash = heads[order["kiosk_id"]]
    row = {**order, "prev_hash": prev_hash, "entry_hash": chained_hash(prev_hash, content)}
    heads[order["kiosk_id"]] = row["entry_hash"]
    return row


@functools.lru_cache(maxsize=ROWS_PER_INSERT)
def _insert_rows(count: int) -> str:
    """`count` sales in one INSERT. A key already used inserts nothing: the sale it made is
    then looked up and replayed."""
    return (f"INSERT INTO edge_orders ({ORDER_COLUMNS}) VALUES "
            + ", ".join([_ONE_ROW] * count)
            + " ON CONFLICT (kiosk_id, idempotency_key) DO NOTHING")


INSERT_ORDER = _insert_rows(1)


class SaleInsert:
    """The writer's work for one sale (`server.group_commit`): its result is (the row as
    stored, True), or (the row its key made before, False)."""

    def __init__(self, order: dict, content: bytes):
        self.order, self.content = order, content

    def __call__(self, conn: sqlite3.Connection):
        kiosk_id = self.order["kiosk_id"]
        # Read the chain's head in this same transaction: the single writer keeps it the head.
        latest = conn.execute(LATEST_ENTRY, (kiosk_id,)).fetchone()
        if latest is None:  # the kiosk's first sale: it may have no kiosks row yet
            conn.execute("INSERT OR IGNORE INTO kiosks (kiosk_id, first_seen_at) VALUES (?, ?)",
                         (kiosk_id, self.order["created_at"]))
        # After sales from before the journal (no hash) the chain starts anew.
        heads = {kiosk_id: GENESIS if latest is None or latest[0] is None else latest[0]}
        row = chain_onto(heads, self.order, self.content)
        if conn.execute(INSERT_ORDER, [row[name] for name in ORDER_COLUMN_NAMES]).rowcount:
            return row, True
        return conn.execute(FIND_ORDER, (kiosk_id, self.order["idempotency_key"])).fetchone(), False

    @staticmethod
    def run_batch(conn: sqlite3.Connection, sales: list["SaleInsert"]) -> list | None:
        """Every sale's result, in order, with all of them inserted; or None, with some of
        them perhaps inserted, for the caller to roll back and run them one by one."""
        kiosks = sorted({sale.order["kiosk_id"] for sale in sales})
        latest = json.loads(conn.execute(LATEST_ENTRIES, (json.dumps(kiosks),)).fetchone()[0])
        if any(entry is None for entry in latest.values()):
            return None
        heads = {kiosk: entry[0] or GENESIS for kiosk, entry in latest.items()}
        rows = [chain_onto(heads, sale.order, sale.content) for sale in sales]
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start:start + ROWS_PER_INSERT]
            params = [row[name] for row in chunk for name in ORDER_COLUMN_NAMES]
            if conn.execute(_insert_rows(len(chunk)), params).rowcount != len(chunk):
                return None
        return [(row, True) for row in rows]
