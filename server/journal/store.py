"""The journal verifier's SQL on edge_store.db and central_hq.db, with blocking connections
(server.sqlite_open: plain, or keyed first when the store is encrypted).

A command-line tool, not the event loop, so blocking reads are fine here. The edge file is
opened read-only with central attached read-only; the one write is the run's journal_checks row.
"""
import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from server.encryption import DatabaseKey
from server.orders import CONTENT_COLUMNS
from server.sqlite_open import attach_file, open_connection

# The schema versions that record where the journal began (edge 0008, central 0003).
JOURNAL_SCHEMA_VERSION = {"main": 8, "central": 3}
_CHAIN_COLUMNS = f"prev_hash, entry_hash, {', '.join(CONTENT_COLUMNS)}"
_EDGE_ORIGIN = "(SELECT began_after FROM main.journal_origin)"
# Each chain in its own order (seq at the edge, arrival id at central), kiosk by kiosk; the
# (kiosk_id, seq) and (kiosk_id, id) indexes serve both without a sort. `before_journal`:
# stored before the journal began (at central: held then, or stored so at the edge).
CHAIN_ROWS = {
    "edge": f"SELECT seq AS position, {_CHAIN_COLUMNS}, seq <= {_EDGE_ORIGIN} AS before_journal"
            " FROM main.edge_orders ORDER BY kiosk_id, seq",
    "central": f"SELECT id AS position, {_CHAIN_COLUMNS},"
               " id <= (SELECT began_after FROM central.journal_origin) OR EXISTS (SELECT 1"
               " FROM main.edge_orders AS e WHERE e.order_uuid = c.order_uuid"
               f" AND e.seq <= {_EDGE_ORIGIN}) AS before_journal"
               " FROM central.central_orders AS c ORDER BY kiosk_id, id",
}
# A sale one side holds and the other should, and does not: synced at the edge but not at
# central, or at central but no longer at the edge (a sale deleted on one side only).
MISSING = {
    "central": "SELECT e.order_uuid, e.kiosk_id, e.seq AS position FROM main.edge_orders_now"
               " AS e WHERE e.sync_state = 'synced' AND NOT EXISTS (SELECT 1 FROM"
               " central.central_orders AS c WHERE c.order_uuid = e.order_uuid) ORDER BY e.seq",
    "edge": "SELECT c.order_uuid, c.kiosk_id, c.id AS position FROM central.central_orders AS c"
            " WHERE NOT EXISTS (SELECT 1 FROM main.edge_orders AS e"
            " WHERE e.order_uuid = c.order_uuid) ORDER BY c.id",
}
HASH_DISAGREEMENTS = (
    "SELECT e.order_uuid, e.kiosk_id, e.seq AS edge_seq, c.id AS central_id,"
    " e.entry_hash AS edge_hash, c.entry_hash AS central_hash"
    " FROM main.edge_orders AS e JOIN central.central_orders AS c USING (order_uuid)"
    " WHERE e.entry_hash IS NOT c.entry_hash ORDER BY e.seq"
)
RECORD_CHECK = "INSERT INTO journal_checks (checked_at, ok, summary) VALUES (?, ?, ?)"


class JournalUnavailable(Exception):
    """A file is missing or older than the journal: nothing can be verified."""


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise JournalUnavailable(f"{path} does not exist")
    return path


def open_snapshot(edge_path: Path, central_path: Path | None, busy_timeout_ms: int,
                  key: DatabaseKey | None = None) -> sqlite3.Connection:
    """A read-only connection on the edge file with the central file (if the store keeps
    one: not in a chain) attached as `central`."""
    conn = open_connection(_existing(edge_path), key, read_only=True, named_rows=True,
                           isolation_level=None)
    files = [("main", edge_path)]
    try:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if central_path is not None:
            attach_file(conn, "central", _existing(central_path), key, read_only=True)
            files.append(("central", central_path))
        for schema, path in files:
            version = conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0]
            if version < JOURNAL_SCHEMA_VERSION[schema]:
                raise JournalUnavailable(
                    f"{path.name} is at schema version {version}, older than the journal's"
                    f" ({JOURNAL_SCHEMA_VERSION[schema]}); start the service once to migrate it"
                )
        # One read transaction: every query sees the same state of each file.
        conn.execute("BEGIN")
    except BaseException:
        conn.close()
        raise
    return conn


def kiosk_chains(conn: sqlite3.Connection, side: str) -> Iterator[tuple[str, list]]:
    """(kiosk_id, rows in chain order) for every kiosk with rows on this side."""
    rows = conn.execute(CHAIN_ROWS[side])
    for kiosk_id, chain in itertools.groupby(rows, key=lambda row: row["kiosk_id"]):
        yield kiosk_id, list(chain)


def missing_orders(conn: sqlite3.Connection, side: str) -> list[sqlite3.Row]:
    """Orders `side` should hold and does not (see MISSING)."""
    return conn.execute(MISSING[side]).fetchall()


def hash_disagreements(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Orders present at both the edge and central whose entry_hash differs."""
    return conn.execute(HASH_DISAGREEMENTS).fetchall()


def record_check(edge_path: Path, checked_at: str, ok: bool, summary: str,
                 busy_timeout_ms: int, key: DatabaseKey | None = None) -> None:
    """Append one verification run to the edge file's journal_checks."""
    conn = open_connection(edge_path, key, isolation_level=None,
                           timeout=busy_timeout_ms / 1000)
    try:
        conn.execute("PRAGMA synchronous=FULL")  # as durable as the service's own writes
        # IMMEDIATE, as the service's own writes: never fail upgrading a read lock.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(RECORD_CHECK, (checked_at, int(ok), summary))
        conn.execute("COMMIT")
    finally:
        conn.close()
