"""One PostgreSQL database behind one asyncpg pool, as asyncpg's authors use it: a pool of a
bounded size opened and closed with the app, every multi-step write in one transaction,
parameters always bound. Its schema is versioned (schema/<name>/NNNN_*.sql, recorded in
schema_migrations, applied at start under an advisory lock so that several head office
processes may start at once).

A lost or refused connection (the server restarting, pg_terminate_backend, a connection
limit, a pool with none free in time) is "unavailable for now": StoreUnavailable's 503 with
Retry-After, so that a store retries its batch, never a 500. The pool drops a broken
connection and opens another on the next acquire.
"""
import asyncio
import contextlib
import logging
from pathlib import Path

import asyncpg

from server.errors import LedgerUnavailable
from server.schema import SCHEMA_ROOT, migrations

log = logging.getLogger(__name__)
MIGRATION_LOCK = 7_390_121  # pg_advisory_xact_lock key: one process migrates at a time
# InternalClientError: asyncpg's protocol, cut off by pg_terminate_backend in the middle of a
# COMMIT, may say "cannot switch to state 15; another operation is in progress" instead of
# naming the lost connection. Whether that commit landed is unknown: the store sends the
# batch again, and head office's dedup makes the answer the same either way.
UNAVAILABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError,
               asyncpg.InterfaceError, asyncpg.exceptions.OperatorInterventionError,
               asyncpg.exceptions.InsufficientResourcesError,
               asyncpg.exceptions.InternalClientError)
SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)"""


class PostgresDatabase:
    """A database (its DSN), its pool (at most `max_size` connections) and its schema."""

    def __init__(self, dsn: str, schema_name: str, max_size: int = 10,
                 acquire_timeout_s: float = 5.0, command_timeout_s: float = 30.0):
        self.dsn, self.schema_dir = dsn, SCHEMA_ROOT / schema_name
        self.max_size, self.acquire_timeout_s = max_size, acquire_timeout_s
        self.command_timeout_s = command_timeout_s
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> "PostgresDatabase":
        """Open the pool and bring the schema up to date."""
        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self.max_size,
                                              command_timeout=self.command_timeout_s)
        try:
            async with self.pool.acquire() as conn:
                await migrate(conn, self.schema_dir)
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Close every connection (waiting for those in use to be released, briefly)."""
        if self.pool is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.pool.close(), 10)
            self.pool.terminate()
            self.pool = None

    @contextlib.asynccontextmanager
    async def connection(self):
        """A connection of the pool; a lost or refused one is LedgerUnavailable (503). Any
        refusal to connect is one, whatever the server's reason (the database not accepting
        connections, too many of them, starting up): the work was not begun, so it may be
        tried again."""
        try:
            conn = await self.pool.acquire(timeout=self.acquire_timeout_s)
        except (*UNAVAILABLE, asyncpg.PostgresError) as exc:
            raise _unavailable(exc) from exc
        try:
            yield conn
        except UNAVAILABLE as exc:
            raise _unavailable(exc) from exc
        finally:
            await self._release(conn)

    async def _release(self, conn: asyncpg.Connection) -> None:
        """Give the connection back. One that broke (its reset fails) is dropped by the pool,
        which opens another on a later acquire; the work done on it stands or fell already."""
        try:
            await self.pool.release(conn)
        except UNAVAILABLE as exc:
            log.warning("a broken connection was dropped: %s: %s", type(exc).__name__, exc)

    async def fetch(self, sql: str, *args) -> list:
        """All rows of one statement."""
        async with self.connection() as conn:
            return await conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args):
        """The first row of one statement, or None."""
        async with self.connection() as conn:
            return await conn.fetchrow(sql, *args)

    async def execute(self, sql: str, *args) -> str:
        """Run one statement; its status."""
        async with self.connection() as conn:
            return await conn.execute(sql, *args)

    def connections_open(self) -> int:
        """How many connections the pool holds now."""
        return self.pool.get_size() if self.pool is not None else 0


async def migrate(conn: asyncpg.Connection, schema_dir: Path) -> None:
    """Apply every migration newer than the database's, each in its own transaction."""
    await conn.execute(SCHEMA_MIGRATIONS)
    for version, path in migrations(schema_dir):
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            if await conn.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1",
                                   version):
                continue
            log.info("migrating the database to version %d (%s)", version, path.name)
            await conn.execute(path.read_text())
            await conn.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                               version, path.name)


def _unavailable(exc: BaseException) -> LedgerUnavailable:
    log.warning("the database is unavailable: %s: %s", type(exc).__name__, exc)
    return LedgerUnavailable("the database is unavailable for now; try again",
                             {"reason": type(exc).__name__}, {"Retry-After": "2"})
