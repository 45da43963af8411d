"""Durability across restarts, and schema versions that upgrade an old file in place."""
import sqlite3

import pytest

from server.config import CENTRAL_DB, EDGE_DB
from server.edge_app.factory import create_app
from server.schema import SCHEMA_ROOT, migrations
from server.sqlite import SqliteDatabase
from tests.conftest import eventually, heartbeat, sale
from tests.store_files import central_rows, open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def test_a_restart_keeps_every_order_and_resumes_sync(make_client, settings, clock):
    first = await make_client(create_app(settings, clock=clock))
    await heartbeat(first, "k1", link_up=False)
    sent = [sale() for _ in range(7)]
    for body in sent:
        assert (await first.post("/edge/checkout", json=body)).status == 201
    await first.close()

    second = await make_client(create_app(settings, clock=clock))
    orders = (await (await second.get("/edge/orders")).json())["orders"]
    assert [o["idempotency_key"] for o in orders] == [b["idempotency_key"] for b in sent]
    # A kiosk retrying after the restart gets its stored sale back, not a second one.
    replay = await second.post("/edge/checkout", json=sent[0])
    assert replay.status == 200

    await heartbeat(second, "k1", link_up=True)

    async def drained():
        return central_rows(settings) == 7
    await eventually(drained)


async def test_pending_rows_left_by_a_previous_run_drain_on_start(make_client, settings, clock):
    first = await make_client(create_app(settings, clock=clock))
    await heartbeat(first, "k1", link_up=False)
    for _ in range(3):
        await first.post("/edge/checkout", json=sale())
    await first.close()
    clock.advance(settings.heartbeat_timeout_s + 1)  # the kiosk never came back
    await make_client(create_app(settings, clock=clock))

    async def drained():
        return central_rows(settings) == 3
    await eventually(drained)


async def test_both_files_are_durable_and_at_the_latest_schema(client, settings):
    for name, schema in ((EDGE_DB, "edge"), (CENTRAL_DB, "central")):
        with open_file(settings, name) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            latest = migrations(SCHEMA_ROOT / schema)[-1][0]
            assert conn.execute("PRAGMA user_version").fetchone()[0] == latest
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_new_migration_upgrades_an_old_file_in_place(tmp_path):
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "0001_init.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);")
    db = await SqliteDatabase(tmp_path / "x.db", schema).open()

    def insert(conn):
        conn.execute("INSERT INTO t (v) VALUES ('kept')")
    await db.write(insert)
    assert await db.user_version() == 1
    await db.close()

    (schema / "0002_add_note.sql").write_text("ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'n';")
    db = await SqliteDatabase(tmp_path / "x.db", schema).open()
    assert await db.user_version() == 2
    assert tuple(await db.fetchone("SELECT v, note FROM t")) == ("kept", "n")
    await db.close()


async def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path):
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "0001_init.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);")
    await (await SqliteDatabase(tmp_path / "x.db", schema).open()).close()
    (schema / "0002_broken.sql").write_text("CREATE TABLE u (id INTEGER); SELEC nonsense;")
    db = SqliteDatabase(tmp_path / "x.db", schema)
    try:
        await db.open()
        raise AssertionError("a broken migration must stop the start")
    except sqlite3.OperationalError:
        pass
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "u" not in tables


def test_a_start_that_fails_exits_instead_of_hanging(tmp_path):
    """A file that is not a database stops the start: the process says why and exits 2, as
    for any file it refuses (a connection thread left open used to keep it alive, deaf to
    SIGTERM)."""
    import subprocess
    import sys

    from reliability.edge_process import Edge
    (tmp_path / "edge_store.db").write_text("not a database")
    port = Edge(tmp_path).port  # a free port; nothing is started by this
    done = subprocess.run([sys.executable, "-m", "server", "--port", str(port), "--data-dir",
                           str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "edge_store.db is encrypted (or is not a SQLite file)" in done.stderr
