"""Where head office keeps everything, opened and closed as one: on PostgreSQL (one pool for
the ledger, the stores' keys and reports, and the credentials) when a database is given,
else SQLite in its data dir (central_hq.db for the ledger, hq_store.db for the rest). The
app and the commands (enroll-store, token, verify-ledger) open it the same way."""
from dataclasses import dataclass

from server.auth.pg_store import PgAuthStore
from server.auth.store import HQ_PEOPLE, AuthStore
from server.central.bus_dead_letters import PgDeadLetters, SqliteDeadLetters
from server.central.bus_refused_rows import PgRefusedRows, SqliteRefusedRows
from server.central.hq_catalogs import PgCatalogs, SqliteCatalogs
from server.central.pg_ledger import PgLedger
from server.central.sqlite_hq_ledger import SqliteHeadOfficeLedger
from server.chain.registry import PgRegistry, SqliteRegistry
from server.chain.status_store import PgStatusStore, SqliteStatusStore
from server.config import HqSettings
from server.postgres import PostgresDatabase


@dataclass
class HqStorage:
    """The ledger, the register of stores and keys, the stores' reports, the credentials,
    head office's price lists with its signing key, and what it refused of the bus, open
    together."""

    ledger: object
    registry: object
    statuses: object
    auth: AuthStore
    closers: list
    catalogs: object
    dead_letters: object  # messages from the bus that can never be ingested
    refused_rows: object  # rows of the bus's batches refused for good, for their stores

    @property
    def database(self) -> PostgresDatabase | None:
        """The PostgreSQL database, if head office runs on one."""
        return self.ledger.db if isinstance(self.ledger, PgLedger) else None

    async def close(self) -> None:
        """Close everything it opened, last first."""
        for close in reversed(self.closers):
            await close()


async def open_storage(settings: HqSettings) -> HqStorage:
    """Open (creating or migrating) head office's storage for these settings."""
    if settings.database:
        db = PostgresDatabase(settings.database, "hq_postgresql", settings.hq_db_pool_size)
        ledger = await PgLedger(db).open()
        return HqStorage(ledger, PgRegistry(db), PgStatusStore(db), PgAuthStore(db),
                         [ledger.close], PgCatalogs(db), PgDeadLetters(db), PgRefusedRows(db))
    ledger = await SqliteHeadOfficeLedger(settings.ledger_db_path,
                                          settings.sqlite_busy_timeout_ms).open()
    try:
        registry = await SqliteRegistry(settings.hq_db_path,
                                        settings.sqlite_busy_timeout_ms).open()
    except BaseException:
        await ledger.close()
        raise
    return HqStorage(ledger, registry, SqliteStatusStore(registry.db),
                     AuthStore(registry.db, HQ_PEOPLE),
                     [ledger.close, registry.close], SqliteCatalogs(registry.db),
                     SqliteDeadLetters(registry.db), SqliteRefusedRows(registry.db))
