"""The journal verifier's SQL on edge_store.db and central_hq.db, with plain sqlite3.

A command-line tool, not the event loop, so blocking reads are fine here. The edge file is
opened read-only with central attached read-only; the one write is the run's journal_checks row.
"""
import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from server.journal.chain import CONTENT_COLUMNS

JOURNAL_SCHEMA_VERSION = 2  # schema/*/0002_journal.sql added the hash columns
_CHAIN_COLUMNS = f"prev_hash, entry_hash, {', '.join(CONTENT_COLUMNS)}"
# Each chain in its own order (seq at the edge, arrival id at central), kiosk by kiosk; the
# (kiosk_id, seq) and (kiosk_id, id) indexes serve both without a sort.
CHAIN_ROWS = {
    "edge": f"SELECT seq AS position, {_CHAIN_COLUMNS} FROM main.edge_orders"
            " ORDER BY kiosk_id, seq",
    "central": f"SELECT id AS position, {_CHAIN_COLUMNS} FROM central.central_orders"
               " ORDER BY kiosk_id, id",
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


def _read_only_uri(path: Path) -> str:
    if not path.is_file():
        raise JournalUnavailable(f"{path} does not exist")
    return f"{path.resolve().as_uri()}?mode=ro"


def open_snapshot(edge_path: Path, central_path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    """A read-only connection on the edge file with the central file attached as `central`."""
    conn = sqlite3.connect(_read_only_uri(edge_path), uri=True, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        conn.execute("ATTACH DATABASE ? AS central", (_read_only_uri(central_path),))
        for schema, path in (("main", edge_path), ("central", central_path)):
            version = conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0]
            if version < JOURNAL_SCHEMA_VERSION:
                raise JournalUnavailable(
                    f"{path.name} is at schema version {version}, older than the journal"
                    f" ({JOURNAL_SCHEMA_VERSION}); start the service once to migrate it"
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


def hash_disagreements(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Orders present at both the edge and central whose entry_hash differs."""
    return conn.execute(HASH_DISAGREEMENTS).fetchall()


def record_check(edge_path: Path, checked_at: str, ok: bool, summary: str,
                 busy_timeout_ms: int) -> None:
    """Append one verification run to the edge file's journal_checks."""
    conn = sqlite3.connect(edge_path, isolation_level=None, timeout=busy_timeout_ms / 1000)
    try:
        conn.execute("PRAGMA synchronous=FULL")  # as durable as the service's own writes
        # IMMEDIATE, as the service's own writes: never fail upgrading a read lock.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(RECORD_CHECK, (checked_at, int(ok), summary))
        conn.execute("COMMIT")
    finally:
        conn.close()
