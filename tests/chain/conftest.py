"""The chain's tests: a real head office (on a real PostgreSQL database made for each test
and dropped after) and real store edges, as processes or in this process.

PostgreSQL is found at CHECKOUT_TEST_POSTGRES (an admin DSN; scripts/test starts one when
none answers on 127.0.0.1:5432). A test that cannot reach it fails: it is never skipped."""
import asyncio
import os
import secrets

import asyncpg
import pytest

from reliability.hq_process import HeadOffice

ADMIN_DSN = os.environ.get("CHECKOUT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def dsn_of(database: str) -> str:
    """The DSN of another database on the same server as ADMIN_DSN."""
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + database


async def drop_database(admin: asyncpg.Connection, name: str) -> None:
    await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = $1 AND pid <> pg_backend_pid()", name)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
async def postgres():
    """A new, empty database for this test (its DSN); dropped, sessions and all, after."""
    try:
        admin = await asyncpg.connect(ADMIN_DSN, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"no PostgreSQL answers at {ADMIN_DSN} ({exc}); scripts/test starts one")
    name = f"aoc_test_{secrets.token_hex(6)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield dsn_of(name)
    finally:
        await drop_database(admin, name)
        await admin.close()


@pytest.fixture
async def head_office(tmp_path, postgres):
    """Head office as a process on this test's database."""
    hq = HeadOffice(tmp_path, postgres)
    await asyncio.to_thread(hq.start)
    yield hq
    if hq.running:
        await asyncio.to_thread(hq.stop)
