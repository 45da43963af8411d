"""The store's files straight, as an auditor (or someone tampering) reads them: keyed as the
store is (with --encrypted-stores, see tests/conftest.py), through the same SQLite library
as the app's, since two copies of SQLite in one process would drop each other's locks; and
the SQL the writer runs on its connection."""
import contextlib
import os

from server.config import CENTRAL_DB, EDGE_DB, Settings
from server.sqlite_open import open_connection


def open_file(settings: Settings, name: str, **options):
    """A connection straight on one of the store's files, keyed as the store is."""
    return open_connection(settings.data_path / name, settings.database_key(), **options)


def store_env(settings: Settings) -> dict:
    """The environment of a command run beside the app: it opens the files with its key."""
    return {**os.environ, "CHECKOUT_STORE_ENCRYPTION_KEY_FILE":
            settings.store_encryption_key_file}


def count_rows(settings: Settings, db: str, table: str) -> int:
    """Count rows straight from the file, as an auditor would."""
    with open_file(settings, db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def edge_rows(settings):
    return count_rows(settings, EDGE_DB, "edge_orders")


def central_rows(settings):
    return count_rows(settings, CENTRAL_DB, "central_orders")


class CountingConnection:
    """A writer's connection that keeps the SQL of every statement run on it."""

    def __init__(self, conn):
        self.conn, self.statements = conn, []

    def execute(self, sql, *args):
        self.statements.append(sql)
        return self.conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.conn, name)


@contextlib.contextmanager
def statements_of(writer):
    """The SQL a GroupCommitWriter runs inside the block, as a list that fills as it runs."""
    writer.conn = counting = CountingConnection(writer.conn)
    try:
        yield counting.statements
    finally:
        writer.conn = counting.conn


def plant_conflicting_row(settings, order_uuid: str) -> None:
    """Central already holds *another* sale under this order_uuid: it can never take ours."""
    with open_file(settings, CENTRAL_DB) as conn:
        conn.execute("INSERT INTO central_orders (order_uuid, kiosk_id, idempotency_key,"
                     " items_json, vat_json, total_ore, payment_json, catalog_version,"
                     " created_at, business_day, received_at) VALUES (?, 'k1', 'x', '[]', '[]',"
                     " 1, '{}', 'v', 't', 'd', 't')", (order_uuid,))
