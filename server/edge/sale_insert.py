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

A group of sales and nothing else goes further: its INSERT runs outside any transaction and
commits by itself, with the chain heads this writer left last time, so that the group costs
SQLite one statement where it cost four (BEGIN, the heads, the INSERT, COMMIT). The heads are
remembered only from such a group, once it has committed; a sale stored any other way, in a
transaction that may yet roll back, makes them unknown until they are read again. That holds
because the edge is its file's one writer (server.sqlite): nothing else adds sales to it.

A sale staff approved goes in with its approval's audit row, in one transaction, alone.
"""
import functools
import json
import sqlite3

from server.auth.store import AuditEvent, append_audit
from server.journal.chain import GENESIS, chained_hash
from server.orders import EDGE_COLUMNS

_ONE_ROW = f"({', '.join('?' * len(EDGE_COLUMNS))})"
FIND_ORDER = "SELECT * FROM edge_orders WHERE kiosk_id = ? AND idempotency_key = ?"
# The kiosk's latest sale's entry_hash (NULL for a sale from before the journal).
LATEST_ENTRY = "SELECT entry_hash FROM edge_orders WHERE kiosk_id = ? ORDER BY seq DESC LIMIT 1"
# Every kiosk's head in one step: {kiosk: [entry_hash]}, null for a kiosk with no sale yet.
LATEST_ENTRIES = (
    "SELECT json_group_object(k.value, json((SELECT json_array(entry_hash) FROM edge_orders"
    " WHERE kiosk_id = k.value ORDER BY seq DESC LIMIT 1))) FROM json_each(?) AS k"
)
ROWS_PER_INSERT = 64  # so at most 64 statement texts, all kept prepared


class ChainHeads:
    """Each kiosk's journal head, as the last group stored by one statement left it. Its one
    owner is the edge store's writer: only the writer's thread reads or changes it."""

    def __init__(self):
        self._heads: dict[str, str] = {}

    def of(self, kiosks: set[str]) -> dict[str, str] | None:
        """The heads of these kiosks, or None if any is not known."""
        if not kiosks <= self._heads.keys():
            return None
        return {kiosk: self._heads[kiosk] for kiosk in kiosks}

    def remember(self, heads: dict[str, str]) -> None:
        """These heads are the chains' heads now (their statement has committed)."""
        self._heads.update(heads)

    def forget(self) -> None:
        """Sales went in a transaction that may yet roll back: the heads are unknown."""
        self._heads.clear()


def chain_onto(heads: dict[str, str], order: dict, content: bytes) -> dict:
    """The order as stored: linked to its kiosk's head in `heads`, which it then becomes.
    `content` is the order's canonical content (server.journal.chain)."""
    prev_hash = heads[order["kiosk_id"]]
    row = {**order, "prev_hash": prev_hash, "entry_hash": chained_hash(prev_hash, content)}
    heads[order["kiosk_id"]] = row["entry_hash"]
    return row


@functools.lru_cache(maxsize=ROWS_PER_INSERT)
def _insert_rows(count: int) -> str:
    """`count` sales in one INSERT; a key already used fails it whole (IntegrityError)."""
    return (f"INSERT INTO edge_orders ({', '.join(EDGE_COLUMNS)}) VALUES "
            + ", ".join([_ONE_ROW] * count))


# Alone, a key already used inserts nothing: the sale it made is then looked up and replayed.
INSERT_ORDER = _insert_rows(1) + " ON CONFLICT (kiosk_id, idempotency_key) DO NOTHING"


def _latest_entries(conn: sqlite3.Connection, kiosks) -> dict[str, str] | None:
    """Each kiosk's chain head, or None if one of them has no sale yet (nor a kiosks row,
    perhaps: only the single way brings it)."""
    latest = json.loads(conn.execute(LATEST_ENTRIES, (json.dumps(sorted(kiosks)),)).fetchone()[0])
    if any(entry is None for entry in latest.values()):
        return None
    return {kiosk: entry[0] or GENESIS for kiosk, entry in latest.items()}


def _insert_chained(conn: sqlite3.Connection, sales: list["SaleInsert"],
                    heads: dict[str, str]) -> list:
    """Insert the sales chained onto `heads` (which follow them); their results."""
    rows = [chain_onto(heads, sale.order, sale.content) for sale in sales]
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start:start + ROWS_PER_INSERT]
        params = [row[name] for row in chunk for name in EDGE_COLUMNS]
        conn.execute(_insert_rows(len(chunk)), params)
    return [(row, True) for row in rows]


class SaleInsert:
    """The writer's work for one sale, a BatchedWork and a SelfCommittingWork
    (server.group_commit): its result is (the row as stored, True), or (the row its key made
    before, False). `heads` is the store's ChainHeads; `approval` the audit event of staff's
    approval, stored with the sale."""

    def __init__(self, order: dict, content: bytes, heads: ChainHeads,
                 approval: AuditEvent | None = None):
        self.order, self.content, self.heads, self.approval = order, content, heads, approval

    def __call__(self, conn: sqlite3.Connection):
        self.heads.forget()  # stored in a transaction that may yet roll back
        kiosk_id = self.order["kiosk_id"]
        # Read the chain's head in this same transaction: the single writer keeps it the head.
        latest = conn.execute(LATEST_ENTRY, (kiosk_id,)).fetchone()
        if latest is None:  # the kiosk's first sale: it may have no kiosks row yet
            conn.execute("INSERT OR IGNORE INTO kiosks (kiosk_id, first_seen_at) VALUES (?, ?)",
                         (kiosk_id, self.order["created_at"]))
        # After sales from before the journal (no hash) the chain starts anew.
        heads = {kiosk_id: GENESIS if latest is None or latest[0] is None else latest[0]}
        row = chain_onto(heads, self.order, self.content)
        if conn.execute(INSERT_ORDER, [row[name] for name in EDGE_COLUMNS]).rowcount:
            if self.approval is not None:
                append_audit(conn, self.approval)
            return row, True
        return conn.execute(FIND_ORDER, (kiosk_id, self.order["idempotency_key"])).fetchone(), False

    @staticmethod
    def run_batch(conn: sqlite3.Connection, sales: list["SaleInsert"]) -> list | None:
        """Inside the group's transaction: every sale's result, in order, with all of them
        inserted; or None (or an IntegrityError), for the caller to roll back and run them
        one by one (as a sale with an approval to audit always goes)."""
        sales[0].heads.forget()  # stored in a transaction that may yet roll back
        if any(sale.approval is not None for sale in sales):
            return None
        heads = _latest_entries(conn, {sale.order["kiosk_id"] for sale in sales})
        return None if heads is None else _insert_chained(conn, sales, heads)

    @staticmethod
    def commit_batch(conn: sqlite3.Connection, sales: list["SaleInsert"]) -> list | None:
        """Outside any transaction, the whole group: one INSERT that commits itself, or
        nothing stored and None (or an error), for the group to run in a transaction."""
        if len(sales) > ROWS_PER_INSERT or any(sale.approval is not None for sale in sales):
            return None
        known = sales[0].heads
        kiosks = {sale.order["kiosk_id"] for sale in sales}
        heads = known.of(kiosks) or _latest_entries(conn, kiosks)
        if heads is None:
            return None
        results = _insert_chained(conn, sales, heads)  # committed once it returns
        known.remember(heads)
        return results
