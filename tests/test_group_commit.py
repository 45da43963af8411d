"""Group commit keeps each write's promise: its own transaction, answered after its COMMIT.

Real SQLite files in a temp dir; a second, independent connection checks what is durable.
"""
import asyncio

import pytest

from server.errors import StoreUnavailable
from server.sqlite import SqliteDatabase
from server.sqlite_open import IntegrityError, open_connection
from tests.store_files import statements_of

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

WRITES = 200


@pytest.fixture
async def db(tmp_path, database_key):
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "0001_init.sql").write_text(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE);"
        # Checked only at COMMIT: a way to make a group's COMMIT itself fail.
        "CREATE TABLE child (parent INTEGER REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED);")
    database = await SqliteDatabase(tmp_path / "x.db", schema, key=database_key).open()
    yield database
    await database.close()


def committed(db: SqliteDatabase) -> set[str]:
    """What another connection sees: only committed rows."""
    with open_connection(db.path, db.key) as other:
        return {row[0] for row in other.execute("SELECT v FROM t")}


def insert(value: str):
    def work(conn):
        conn.execute("INSERT INTO t (v) VALUES (?)", (value,))
        return value
    return work


async def test_concurrent_writes_share_commits_and_each_is_durable_when_answered(db):
    async def write_then_look(value: str) -> bool:
        await db.write(insert(value))
        return value in committed(db)  # answered, so already visible to anyone

    seen = await asyncio.gather(*(write_then_look(f"v{i}") for i in range(WRITES)))
    assert all(seen)
    assert committed(db) == {f"v{i}" for i in range(WRITES)}
    assert db.writer.transactions == WRITES
    assert db.writer.groups < WRITES / 4  # they queued behind each other and went together


async def test_a_failing_write_is_rolled_back_alone_and_its_group_commits(db):
    def half_then_fail(conn):
        conn.execute("INSERT INTO t (v) VALUES ('half')")
        conn.execute("INSERT INTO t (v) VALUES ('a')")  # UNIQUE: 'a' is in this group
        return "never"

    results = await asyncio.gather(db.write(insert("a")), db.write(half_then_fail),
                                   db.write(insert("b")), return_exceptions=True)
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], IntegrityError)
    assert db.writer.groups == 1  # they did share one transaction
    assert committed(db) == {"a", "b"}  # 'half' went with the failed write's savepoint


async def test_a_failed_commit_tells_every_write_of_the_group_and_keeps_none(db):
    def orphan(conn):
        conn.execute("INSERT INTO child (parent) VALUES (999)")  # no such parent: COMMIT fails

    results = await asyncio.gather(db.write(insert("a")), db.write(orphan),
                                   db.write(insert("b")), return_exceptions=True)
    assert all(isinstance(r, IntegrityError) for r in results), results
    assert committed(db) == set()
    assert await db.write(insert("after")) == "after"  # the writer goes on
    assert committed(db) == {"after"}


async def test_a_locked_file_is_a_503_for_the_writer_and_then_it_recovers(tmp_path, db):
    db.writer.conn.execute(f"PRAGMA busy_timeout={50}")
    with open_connection(db.path, db.key, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")  # someone else holds the write lock
        with pytest.raises(StoreUnavailable):
            await db.write(insert("blocked"))
        other.execute("ROLLBACK")
    assert await db.write(insert("later")) == "later"
    assert committed(db) == {"later"}


async def test_a_cancelled_caller_does_not_cancel_its_write(db):
    task = asyncio.ensure_future(db.write(insert("kept")))
    await asyncio.sleep(0)  # queued
    task.cancel()
    await db.close()  # lets queued writes commit before it closes
    assert committed(db) == {"kept"}


class Tagged:
    """A batchable work: alone one INSERT; a run of them one multi-row INSERT, which stands
    only if every row went in."""

    batches: list[int] = []  # the size of every batch tried

    def __init__(self, value: str):
        self.value = value

    def __call__(self, conn):
        conn.execute("INSERT INTO t (v) VALUES (?)", (self.value,))
        return self.value

    @staticmethod
    def run_batch(conn, works):
        Tagged.batches.append(len(works))
        cursor = conn.execute("INSERT OR IGNORE INTO t (v) VALUES "
                              + ", ".join(["(?)"] * len(works)), [w.value for w in works])
        if cursor.rowcount != len(works):
            return None
        return [f"{w.value} (batched)" for w in works]


@pytest.fixture
def batches():
    Tagged.batches = []
    return Tagged.batches


async def test_works_of_one_kind_side_by_side_run_as_one_batch(db, batches):
    results = await asyncio.gather(db.write(Tagged("a")), db.write(Tagged("b")),
                                   db.write(insert("c")), db.write(Tagged("d")),
                                   db.write(Tagged("e")), db.write(Tagged("f")))
    assert results == ["a (batched)", "b (batched)", "c", "d (batched)", "e (batched)",
                       "f (batched)"]
    assert batches == [2, 3]  # a plain work between them splits the runs
    assert db.writer.groups == 1
    assert committed(db) == set("abcdef")


async def test_a_batch_that_cannot_stand_is_undone_and_its_works_run_one_by_one(db, batches):
    await db.write(insert("b"))
    results = await asyncio.gather(db.write(Tagged("a")), db.write(Tagged("b")),
                                   db.write(Tagged("c")), return_exceptions=True)
    assert batches == [3]
    # Alone, as each would have run in its own transaction: 'b' is a UNIQUE violation.
    assert results[0] == "a" and results[2] == "c"
    assert isinstance(results[1], IntegrityError)
    assert committed(db) == {"a", "b", "c"}


async def test_a_batch_that_raises_is_undone_and_each_error_reaches_only_its_caller(db, batches):
    class Exploding(Tagged):
        @staticmethod
        def run_batch(conn, works):
            conn.execute("INSERT INTO t (v) VALUES ('from the batch')")
            raise RuntimeError("the batch broke half way")

    results = await asyncio.gather(db.write(Exploding("x")), db.write(Exploding("y")))
    assert results == ["x", "y"]
    assert committed(db) == {"x", "y"}  # nothing of the batch's own insert is kept


async def test_a_lone_work_of_a_batching_kind_runs_alone(db, batches):
    assert await db.write(Tagged("solo")) == "solo"
    assert batches == []


class SelfCommitting(Tagged):
    """A kind whose whole group goes in by one multi-row INSERT that commits itself, which
    fails whole on a value already used."""

    by_itself: list[int] = []  # the size of every group tried that way

    @staticmethod
    def commit_batch(conn, works):
        SelfCommitting.by_itself.append(len(works))
        conn.execute("INSERT INTO t (v) VALUES " + ", ".join(["(?)"] * len(works)),
                     [w.value for w in works])
        return [f"{w.value} (by itself)" for w in works]


@pytest.fixture
def statements(db, batches):
    """The SQL of each statement the writer runs from now on."""
    SelfCommitting.by_itself = []
    with statements_of(db.writer) as run:
        yield run


async def test_a_group_of_one_kind_commits_by_its_own_statement(db, statements):
    results = await asyncio.gather(*(db.write(SelfCommitting(v)) for v in "abc"))
    assert results == ["a (by itself)", "b (by itself)", "c (by itself)"]
    assert [sql.split()[0] for sql in statements] == ["INSERT"]  # it commits itself
    assert committed(db) == {"a", "b", "c"}


async def test_a_group_that_cannot_go_by_itself_runs_in_a_transaction_with_nothing_kept(
        db, statements):
    await db.write(insert("b"))
    results = await asyncio.gather(*(db.write(SelfCommitting(v)) for v in "abc"),
                                   return_exceptions=True)
    assert SelfCommitting.by_itself == [3] and Tagged.batches == [3]
    # Alone, as each would have run in its own transaction: 'b' is a UNIQUE violation.
    assert results[0] == "a" and results[2] == "c"
    assert isinstance(results[1], IntegrityError)
    assert committed(db) == {"a", "b", "c"}


async def test_a_group_of_several_kinds_is_not_tried_by_itself(db, statements):
    results = await asyncio.gather(db.write(SelfCommitting("a")), db.write(insert("b")))
    assert results == ["a", "b"]
    assert SelfCommitting.by_itself == []
    assert statements[0].startswith("BEGIN") and statements[-1] == "COMMIT"
