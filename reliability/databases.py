"""Throwaway PostgreSQL databases on this machine, for runs that need a head office of their
own: made on an admin DSN (CHECKOUT_TEST_POSTGRES, else the local server's trust login),
named by their purpose and random hex, and dropped, sessions and all, when done."""
import os
import secrets
from urllib.parse import urlsplit

import asyncpg

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def admin_dsn(given: str | None = None) -> str:
    """The admin DSN to make databases with; this machine's server only."""
    dsn = given or os.environ.get("CHECKOUT_TEST_POSTGRES",
                                  "postgresql://postgres@127.0.0.1:5432/postgres")
    host = urlsplit(dsn).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(f"runs use PostgreSQL on this machine only, not {host!r}")
    return dsn


def dsn_of(admin: str, name: str) -> str:
    """The DSN of database `name` on the admin DSN's server."""
    return admin.rsplit("/", 1)[0] + "/" + name


def name_of(dsn: str) -> str:
    """The database a DSN names."""
    return urlsplit(dsn).path.lstrip("/")


async def create_database(admin: str, purpose: str) -> str:
    """A new, empty database `aoc_<purpose>_<hex>`; its DSN."""
    if not purpose.isalnum():
        raise ValueError("a database's purpose is one word of letters and digits")
    name = f"aoc_{purpose}_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(admin, timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')  # a checked word and hex
    finally:
        await conn.close()
    return dsn_of(admin, name)


async def drop_database(admin: str, dsn: str) -> None:
    """Drop the database a DSN names, ending its sessions first."""
    name = name_of(dsn)
    conn = await asyncpg.connect(admin, timeout=10)
    try:
        await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                           " WHERE datname = $1 AND pid <> pg_backend_pid()", name)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await conn.close()
