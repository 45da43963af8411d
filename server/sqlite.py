"""One SQLite file behind one door: a single writer that group-commits, readers, migrations.

Writes are functions of the connection, run on the writer's own thread (one thread hop per
transaction, not one per statement) and committed in groups by `GroupCommitWriter`: many
sales, one fsync, each answered only after its COMMIT. Reads run on a small pool of reader
connections; WAL lets them run beside the writer, and sqlite3 lets go of the GIL while a
query runs, so a long dashboard aggregate does not hold up a checkout's key lookup.
"""
import asyncio
import contextlib
import logging
import os
import queue
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from server.encryption import DatabaseKey
from server.errors import StoreUnavailable
from server.group_commit import GroupCommitWriter
from server.schema import SCHEMA_ROOT, migrations
from server.sqlite_open import OperationalError, open_connection

log = logging.getLogger(__name__)
READERS = 2  # one for the sale's key lookup while another serves a dashboard aggregate
T = TypeVar("T")
# The data hold sales, payment references, the audit trail and token hashes: for the
# service's own user only. SQLite gives a file's -wal and -shm the database file's mode.
DATA_DIR_MODE, DATA_FILE_MODE = 0o700, 0o600


def keep_private(path: Path) -> None:
    """Make a database's folder and its files (with -wal, -shm) readable by their owner only,
    creating the folder if need be."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DATA_DIR_MODE)
    os.chmod(path.parent, DATA_DIR_MODE)
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if file.exists():
            os.chmod(file, DATA_FILE_MODE)


def write_private(path: Path, text: str) -> None:
    """Write a text file of the data dir that only its owner may read (made so at creation,
    never readable by others for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, DATA_FILE_MODE)
    with os.fdopen(fd, "w") as file:
        file.write(text)


def replace_private(path: Path, text: str) -> None:
    """Replace a private file of the data dir whole, durably: after a crash or a power cut
    it holds the old text or the new, never a part or nothing (written aside, fsynced,
    renamed over, and the rename fsynced with its folder)."""
    aside = path.with_name(f"{path.name}.tmp")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, DATA_FILE_MODE)
    with os.fdopen(fd, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(aside, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class SqliteDatabase:
    """A durable SQLite file (WAL, synchronous=FULL) with one writer and a few readers,
    encrypted when it has a key (every connection is keyed first: server.sqlite_open)."""

    def __init__(self, path: Path, schema_dir: Path, busy_timeout_ms: int = 5000,
                 key: DatabaseKey | None = None):
        self.path = path
        self.schema_dir = schema_dir
        self.busy_timeout_ms = busy_timeout_ms
        self.key = key
        self.writer: GroupCommitWriter | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        self._reader_threads: ThreadPoolExecutor | None = None
        self._connections: list[sqlite3.Connection] = []
        self._free_readers: queue.SimpleQueue = queue.SimpleQueue()

    async def open(self) -> "SqliteDatabase":
        """Open the connections and bring the file's schema up to date."""
        keep_private(self.path)
        name = self.path.stem
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix=f"{name}-writer")
        self._reader_threads = ThreadPoolExecutor(READERS, thread_name_prefix=f"{name}-reader")
        try:
            conn = await self._on_writer(self._connect)
            keep_private(self.path)  # a new file: before its -wal and -shm take its mode
            self.writer = GroupCommitWriter(conn, self._writer_thread)
            await self._on_writer(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchall())
            await self._on_writer(self._migrate)
            for _ in range(READERS):
                self._free_readers.put(await self._on_writer(self._connect))
        except BaseException:
            # A thread or connection left open would keep a failed start from ever exiting.
            await self.close()
            raise
        return self

    async def _on_writer(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, call)

    def _connect(self) -> sqlite3.Connection:
        conn = open_connection(self.path, self.key, named_rows=True, isolation_level=None,
                               check_same_thread=False)
        self._connections.append(conn)
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _migrate(self) -> None:
        """Apply every migration newer than PRAGMA user_version, each in its own transaction."""
        conn = self.writer.conn
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for version, path in migrations(self.schema_dir):
            if version <= current:
                continue
            log.info("migrating %s to version %d (%s)", self.path.name, version, path.name)
            try:
                conn.executescript(f"BEGIN IMMEDIATE;\n{path.read_text()}\n"
                                   f"PRAGMA user_version={version};\nCOMMIT;")
            except Exception:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    async def user_version(self) -> int:
        """The schema version recorded in the file."""
        return (await self.fetchone("PRAGMA user_version"))[0]

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(conn)` as one transaction of its own (it may share the COMMIT with
        others'); its result once committed, or its error with nothing of it kept.

        The write goes on whatever happens to the caller: one that is cancelled (a client
        gone, the service stopping) never leaves it half done.
        """
        with self._unavailable_on_failure():
            return await asyncio.shield(self.writer.submit(work))

    @contextlib.contextmanager
    def _unavailable_on_failure(self):
        """A locked, full or failing file is the store being unavailable (503), not a bug.
        The caller hears which (busy, full, failing); SQLite's own words go to the log."""
        try:
            yield
        except OperationalError as exc:
            reason = _why_unavailable(exc)
            log.warning("%s is unavailable (%s): %s", self.path.name, reason, exc)
            raise StoreUnavailable(
                f"{self.path.name} cannot take this now ({reason}); nothing was changed",
                {"store": self.path.name, "reason": reason}, {"Retry-After": "1"},
            ) from exc

    async def read(self, query: Callable[[sqlite3.Connection], T], *,
                   one_snapshot: bool = False) -> T:
        """Run `query(conn)` on a free reader connection, on a reader thread; with
        `one_snapshot`, inside one read transaction, so that its statements see the same
        commits and agree with each other."""

        def on_reader():
            conn = self._free_readers.get()
            try:
                if not one_snapshot:
                    return query(conn)
                conn.execute("BEGIN")
                try:
                    return query(conn)
                finally:
                    conn.execute("COMMIT")
            finally:
                self._free_readers.put(conn)

        with self._unavailable_on_failure():
            return await asyncio.get_running_loop().run_in_executor(
                self._reader_threads, on_reader)

    async def fetchall(self, sql: str, params=()) -> list[sqlite3.Row]:
        """All rows of one read query."""
        return await self.read(lambda conn: conn.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params=()) -> sqlite3.Row | None:
        """The first row of one read query, or None."""
        return await self.read(lambda conn: conn.execute(sql, params).fetchone())

    async def close(self) -> None:
        """Let queued writes commit, then close every connection (checkpointing the WAL)."""
        if self.writer is not None:
            await self.writer.close()
        for pool in (self._reader_threads, self._writer_thread):
            if pool is not None:
                await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
        for conn in reversed(self._connections):  # the writer last: it checkpoints
            conn.close()
        self._connections.clear()
        self.writer = self._writer_thread = self._reader_threads = None


def _why_unavailable(exc: Exception) -> str:
    """busy (another writer holds the file), full (the disk), or failing (anything else)."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "busy"
    return "full" if "full" in text else "failing"


class SqliteStore:
    """Base of a store module: owns one SqliteDatabase on schema/<schema_name>/."""

    schema_name = ""

    def __init__(self, path: Path, busy_timeout_ms: int = 5000, key: DatabaseKey | None = None):
        self.db = SqliteDatabase(path, SCHEMA_ROOT / self.schema_name, busy_timeout_ms, key)

    async def open(self):
        """Open the file, creating or migrating it; return self."""
        await self.db.open()
        return self

    async def close(self) -> None:
        """Close the file."""
        await self.db.close()
