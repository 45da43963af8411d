"""One store file copied under a new key (or none to a key) with SQLCipher's `sqlcipher_export`,
checked, and put in the place of the old one: the steps of server/store_conversion.py, in the
order they must run, each on a source connection that holds the file alone.
"""
import os
import re
from pathlib import Path

from server.encryption import DatabaseKey, EncryptionRefused
from server.sqlite import DATA_FILE_MODE
from server.sqlite_open import Connection, OperationalError, attach_file, open_connection

EXPORT_SCHEMA = "encrypted"
# Table names come from the file itself and are formatted into a count: only plain names pass.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


class ConversionRefused(EncryptionRefused):
    """A store file cannot be converted now (in use, damaged, or its copy does not match):
    nothing was put in its place, and the command exits 2 like any other refusal."""


def lock_out_others(conn: Connection, path: Path) -> None:
    """Hold `path` alone until `conn` closes, or refuse at once if anything else has it open.

    In exclusive locking mode SQLite keeps the lock it takes; BEGIN EXCLUSIVE takes it now,
    with no wait (the connection's busy timeout is 0). An idle connection of a running service
    holds a shared lock on a WAL file, so a running service is always found here."""
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except OperationalError as exc:
        raise ConversionRefused(f"{path} is in use: stop the service first ({exc})") from exc


def settle_into_one_file(conn: Connection, path: Path) -> None:
    """Check the locked file, then fold its WAL into it and leave WAL mode: the file alone
    holds the whole database, and no -wal of it is left to be applied to its successor."""
    found = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if found != ["ok"]:
        raise ConversionRefused(f"{path} is damaged (quick_check: {'; '.join(found[:3])}): "
                                "restore it from a backup before converting it")
    # In exclusive locking mode the rollback journal is kept between transactions: an empty
    # one, not one holding a page of the old file, is what a crash could leave behind.
    conn.execute("PRAGMA journal_size_limit = 0")
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    if busy or mode != "delete":
        raise ConversionRefused(f"{path} could not be folded into one file (checkpoint busy: "
                                f"{busy}, journal mode: {mode}): stop the service first")


def export_copy(conn: Connection, copy: Path, key: DatabaseKey) -> None:
    """Write the whole database of `conn` into the new file `copy`, encrypted with `key`,
    and make it durable."""
    os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DATA_FILE_MODE))
    attach_file(conn, EXPORT_SCHEMA, copy, key)
    try:
        conn.execute(f"SELECT sqlcipher_export('{EXPORT_SCHEMA}')").fetchall()
        # sqlcipher_export copies schema and rows, not the header's user_version, which
        # tells the migrations (server/sqlite.py) how far this file has come.
        version = int(conn.execute("PRAGMA main.user_version").fetchone()[0])
        conn.execute(f"PRAGMA {EXPORT_SCHEMA}.user_version = {version}")
    finally:
        conn.execute(f"DETACH DATABASE {EXPORT_SCHEMA}")
    fsync_path(copy)  # no connection has it open now: this descriptor drops no lock


def table_rows(conn: Connection, path: Path) -> dict[str, int]:
    """Every table of the database and how many rows it holds."""
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()]
    odd = [name for name in names if not PLAIN_NAME.fullmatch(name)]
    if odd:
        raise ConversionRefused(f"{path} holds tables that are not a store's: {odd!r}")
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names}


def verify_copy(conn: Connection, path: Path, copy: Path, key: DatabaseKey) -> dict[str, int]:
    """Open `copy` afresh with `key` and check it holds what the source does: every page
    authenticated, a sound file, the same user_version and as many rows in every table.
    Returns the rows per table."""
    wanted = table_rows(conn, path)
    version = conn.execute("PRAGMA main.user_version").fetchone()[0]
    check = open_connection(copy, key, read_only=True)
    try:
        failures = check.execute("PRAGMA cipher_integrity_check").fetchall()
        sound = [row[0] for row in check.execute("PRAGMA integrity_check").fetchall()]
        found = (table_rows(check, copy), check.execute("PRAGMA user_version").fetchone()[0])
    finally:
        check.close()
    if failures or sound != ["ok"] or found != (wanted, version):
        raise ConversionRefused(
            f"the new copy of {path} does not match it (cipher check: {failures[:3]}, "
            f"integrity: {sound[:3]}, rows and user_version: {found} against "
            f"{(wanted, version)}): {path} is left as it was")
    return wanted


def swap_in(conn: Connection, path: Path, copy: Path, aside: Path) -> None:
    """Put the checked `copy` in the place of `path`, keeping the old file whole under
    `aside` until the new one is durably in place, then remove it."""
    os.link(path, aside)  # a second name for the old file: never a moment with neither
    os.replace(copy, path)  # atomic: the store's name always holds a whole database
    fsync_path(path.parent)
    # Only now may others open the store's file: the lock held on the old one goes with it.
    conn.close()
    os.unlink(aside)
    fsync_path(path.parent)


def fsync_path(path: Path) -> None:
    """Make a file's bytes, or a folder's names, durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
