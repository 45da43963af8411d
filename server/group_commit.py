"""Group commit: the transactions that queue up while one commits go in together.

Every write to a SQLite file comes here as a function of the connection. One task takes
whatever has queued, runs it on the writer's own thread as one `BEGIN IMMEDIATE ... COMMIT`
(one fsync for all of them, as PostgreSQL's and InnoDB's group commit do), and only then
answers each caller. Each function runs inside its own SAVEPOINT, so one that raises is
rolled back alone and the others still commit: to each caller it looks exactly like a
transaction of its own, run one after another, and no caller hears "done" before the
COMMIT that made its rows durable has returned.

A kind of work may also be a BatchedWork: its `run_batch(conn, works)` runs the group's
consecutive works of that kind together, in fewer statements (a sale's insert: one multi-row
INSERT, server.edge.sale_insert). The batch stands only if it says every work succeeded
exactly as it would have alone; else it is rolled back and its works run one by one.

A kind may also be a SelfCommittingWork: its `commit_batch(conn, works)`, for a group made
only of its works, runs outside any transaction and stores them all by one statement, which
commits itself and is the group's commit; or it stores nothing and says None (or raises),
and the group runs in a transaction as above. No BEGIN, no COMMIT: each statement costs the
writer's thread a wait for the interpreter lock, which the event loop holds while it serves
requests.

If SQLite itself ends the transaction (a full disk or an I/O error rolls it back), or the
COMMIT fails, nothing of the group was kept and every caller in it gets that error.
"""
import asyncio
import contextlib
import itertools
import sqlite3
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, Protocol, runtime_checkable

from server.tasks import BackgroundTask

Work = Callable[[sqlite3.Connection], Any]  # a write: run on the writer's thread, in a savepoint


@runtime_checkable
class BatchedWork(Protocol):
    """A kind of write whose consecutive works in a group can run together, inside the
    group's transaction: every work's result in order, or None (or it raises) with nothing
    of it kept, and the works then run one by one as plain Work."""

    @staticmethod
    def run_batch(conn: sqlite3.Connection, works: list) -> list | None:
        """The works together, inside the group's transaction."""


@runtime_checkable
class SelfCommittingWork(Protocol):
    """A kind of write that can store a whole group made only of its works by one statement,
    outside any transaction, which commits itself and is the group's commit: every work's
    result in order, or None (or it raises) with nothing stored, and the group then runs in
    a transaction. (server.edge.sale_insert.SaleInsert is both kinds.)"""

    @staticmethod
    def commit_batch(conn: sqlite3.Connection, works: list) -> list | None:
        """The whole group of them, by one statement that commits itself."""


class GroupCommitWriter:
    """The single writer of one connection: queue of (work, future), one batch at a time."""

    def __init__(self, conn: sqlite3.Connection, thread: Executor, max_group: int = 256):
        self.conn, self.thread, self.max_group = conn, thread, max_group
        self._queue: list[tuple[Work, asyncio.Future]] = []
        self._committing: list[tuple[Work, asyncio.Future]] = []
        self._queued = asyncio.Event()
        self._task = BackgroundTask("sqlite-group-commit")
        self.groups = self.transactions = 0  # how much grouping happened (the tests read it)

    def submit(self, work: Work) -> asyncio.Future:
        """Queue `work(conn)`; the future holds its result once its group has committed."""
        if not self._task.running:
            self._task.start(self._run())
        future = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        self._queued.set()
        return future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._queued.wait()
            group, self._queue = self._queue[:self.max_group], self._queue[self.max_group:]
            if not self._queue:
                self._queued.clear()
            self._committing = group
            try:
                outcomes = await loop.run_in_executor(
                    self.thread, commit_group, self.conn, [work for work, _ in group])
            except Exception as exc:  # the thread itself failed: nobody may wait for ever
                outcomes = [(False, exc)] * len(group)
            self._committing = []
            self.groups += 1
            self.transactions += len(group)
            for (_, future), (ok, value) in zip(group, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    async def close(self) -> None:
        """Let every queued write commit (or fail), then stop the task."""
        while waiting := [future for _, future in self._committing + self._queue]:
            await asyncio.gather(*waiting, return_exceptions=True)
        await self._task.stop()


def commit_group(conn: sqlite3.Connection, works: list[Work]) -> list[tuple[bool, Any]]:
    """On the writer's thread: the group by one statement of its kind, or every work in one
    transaction, each in a savepoint (or in a batch of its kind); a list of (ok, result or
    exception) in the same order."""
    if (results := _by_one_statement(conn, works)) is not None:
        return [(True, result) for result in results]
    outcomes: list[tuple[bool, Any]] = []
    try:
        if conn.in_transaction:  # a ROLLBACK that failed last time: end it before anew
            conn.execute("ROLLBACK")
        conn.execute("BEGIN IMMEDIATE")
        runs = [(run_batch, list(run)) for run_batch, run in
                itertools.groupby(works, _batch_runner)]
        for run_batch, run in runs:
            results = _batched(conn, run_batch, run, whole_group=len(runs) == 1)
            if results is not None:
                outcomes.extend((True, result) for result in results)
            else:
                outcomes.extend(_alone(conn, work) for work in run)
        conn.execute("COMMIT")
    except Exception as exc:
        if conn.in_transaction:  # a failing connection may fail this too; exc says why
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        return [(False, exc)] * len(works)
    return outcomes


def _by_one_statement(conn: sqlite3.Connection, works: list[Work]) -> list | None:
    """The results of a group of one kind stored by its `commit_batch`, or None with nothing
    of it kept (no such kind, or it could not)."""
    kind = type(works[0])
    if not isinstance(works[0], SelfCommittingWork) or conn.in_transaction \
            or any(type(w) is not kind for w in works):
        return None
    try:
        return kind.commit_batch(conn, works)
    except Exception:  # nothing was kept: in a transaction, each work meets its own fate
        return None


def _batch_runner(work: Work):
    """The `run_batch` of the work's kind, or None: works of one kind side by side share it."""
    return type(work).run_batch if isinstance(work, BatchedWork) else None


def _batched(conn: sqlite3.Connection, run_batch, works: list[Work],
             whole_group: bool) -> list | None:
    """The works' results from one batch, or None with nothing of it kept (a lone work, or
    a kind with no batch, is not tried). A batch that is the `whole_group` is undone by
    beginning the transaction anew, not by a savepoint: two statements fewer in the common
    case, each of which cost the writer's thread a wait for the interpreter lock."""
    if run_batch is None or len(works) < 2:
        return None
    if not whole_group:
        conn.execute("SAVEPOINT batch")
    try:
        results = run_batch(conn, works)
    except Exception:
        if not conn.in_transaction:  # SQLite rolled the whole group back
            raise
        results = None  # one by one, each work's error reaches its own caller
    if whole_group:
        if results is None:
            conn.execute("ROLLBACK")
            conn.execute("BEGIN IMMEDIATE")
        return results
    if results is None:
        conn.execute("ROLLBACK TO batch")
    conn.execute("RELEASE batch")
    return results


def _alone(conn: sqlite3.Connection, work: Work) -> tuple[bool, Any]:
    """(ok, result or exception) of one work in its own savepoint."""
    conn.execute("SAVEPOINT work")
    try:
        outcome = (True, work(conn))
    except Exception as exc:
        if not conn.in_transaction:  # SQLite rolled the whole group back
            raise
        conn.execute("ROLLBACK TO work")
        outcome = (False, exc)
    conn.execute("RELEASE work")
    return outcome
