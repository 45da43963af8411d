"""One SQLite file behind one door: a single writer connection, a separate reader, migrations.

Writes run as `BEGIN IMMEDIATE ... COMMIT` under one asyncio lock, so a multi-statement
transaction never interleaves with another and never fails upgrading a read lock. Reads use
their own connection; WAL lets them run beside the writer.
"""
import asyncio
import contextlib
import logging
import re
import sqlite3
from pathlib import Path
from typing import TypeVar
from collections.abc import Awaitable, Callable

import aiosqlite

from server.errors import StoreUnavailable

log = logging.getLogger(__name__)
SCHEMA_ROOT = Path(__file__).resolve().parent.parent / "schema"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
T = TypeVar("T")


def migrations(schema_dir: Path) -> list[tuple[int, Path]]:
    """The numbered SQL files (NNNN_name.sql) of a schema folder, in order."""
    found = []
    for path in sorted(schema_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


class SqliteDatabase:
    """A durable SQLite file (WAL, synchronous=FULL) with one writer and one reader."""

    def __init__(self, path: Path, schema_dir: Path, busy_timeout_ms: int = 5000):
        self.path = path
        self.schema_dir = schema_dir
        self.busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._in_flight: set[asyncio.Task] = set()

    async def open(self) -> "SqliteDatabase":
        """Open both connections and bring the file's schema up to date."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = await self._connect()
            await self._writer.execute("PRAGMA journal_mode=WAL")
            await self._migrate()
            self._reader = await self._connect()
        except BaseException:
            # A connection's thread left open would keep a failed start from ever exiting.
            await self.close()
            raise
        return self

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            await conn.execute("PRAGMA synchronous=FULL")
            await conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            await conn.close()  # its thread would otherwise keep a failed start alive
            raise
        return conn

    async def _migrate(self) -> None:
        """Apply every migration newer than PRAGMA user_version, each in its own transaction."""
        current = await self.user_version()
        for version, path in migrations(self.schema_dir):
            if version <= current:
                continue
            log.info("migrating %s to version %d (%s)", self.path.name, version, path.name)
            script = path.read_text()
            try:
                await self._writer.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={version};\nCOMMIT;"
                )
            except Exception:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise

    async def user_version(self) -> int:
        """The schema version recorded in the file."""
        async with self._writer.execute("PRAGMA user_version") as cursor:
            return (await cursor.fetchone())[0]

    async def write(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run `work(conn)` in one IMMEDIATE transaction; commit, or roll back on any error.

        The transaction runs in its own task, shielded: a caller that is cancelled (a client
        gone, the service stopping) never leaves it half done; it commits or rolls back whole.
        """
        task = asyncio.ensure_future(self._transaction(work))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        with self._unavailable_on_failure():
            return await asyncio.shield(task)

    @contextlib.contextmanager
    def _unavailable_on_failure(self):
        """A locked, full or failing file is the store being unavailable (503), not a bug."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(
                f"{self.path.name} is unavailable: {exc}", {"store": self.path.name},
                {"Retry-After": "1"},
            ) from exc

    async def _transaction(self, work):
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                result = await work(self._writer)
                await self._writer.execute("COMMIT")
            except Exception:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
            return result

    async def fetchall(self, sql: str, params=()) -> list[aiosqlite.Row]:
        """All rows of one read query."""
        with self._unavailable_on_failure():
            async with self._reader.execute(sql, params) as cursor:
                return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params=()) -> aiosqlite.Row | None:
        """The first row of one read query, or None."""
        with self._unavailable_on_failure():
            async with self._reader.execute(sql, params) as cursor:
                return await cursor.fetchone()

    async def close(self) -> None:
        """Let in-flight writes finish, then close both connections (checkpointing the WAL)."""
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None


class SqliteStore:
    """Base of a store module: owns one SqliteDatabase on schema/<schema_name>/."""

    schema_name = ""

    def __init__(self, path: Path, busy_timeout_ms: int = 5000):
        self.db = SqliteDatabase(path, SCHEMA_ROOT / self.schema_name, busy_timeout_ms)

    async def open(self):
        """Open the file, creating or migrating it; return self."""
        await self.db.open()
        return self

    async def close(self) -> None:
        """Close the file."""
        await self.db.close()
