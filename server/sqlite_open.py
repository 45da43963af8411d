"""Opening a store's SQLite file, plain or encrypted: the one place a connection is made.

Plain files go through the standard library's sqlite3. Encrypted ones go through SQLCipher 4
(the sqlcipher3 wheel, which bundles its own current SQLite), and the key is the connection's
first statement. Every connection then reads the schema at once, so a plain file opened with
a key, an encrypted one without, or a wrong key fails there, before anything is written, and
is refused naming the file (EncryptionRefused).

The two drivers raise their own exception classes; `Error`, `DatabaseError`,
`OperationalError` and `IntegrityError` catch either's.
"""
import sqlite3
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlcipher

from server.encryption import DatabaseKey, EncryptionRefused

PLAIN_HEADER = b"SQLite format 3\x00"  # every plain SQLite file starts so; SQLCipher's never
# Each page is authenticated with HMAC-SHA256, not SQLCipher 4's default SHA-512: as sure a
# check, at less cost where the CPU hashes SHA-256 itself (most x86 and ARM servers). The
# drain took 0.80 of the plain files' rate with SHA-512, 0.85-0.92 with SHA-256 (measured:
# docs/performance.md). SQLCipher's own shell opens a store file after the key with
# `PRAGMA cipher_hmac_algorithm = HMAC_SHA256`.
PAGE_HMAC = "HMAC_SHA256"
Error = (sqlite3.Error, sqlcipher.Error)
DatabaseError = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
OperationalError = (sqlite3.OperationalError, sqlcipher.OperationalError)
IntegrityError = (sqlite3.IntegrityError, sqlcipher.IntegrityError)
Connection = sqlite3.Connection | sqlcipher.Connection


def file_kind(path: Path) -> str:
    """"new" (absent or empty: either kind may create it), "plain" or "encrypted" (or not
    SQLite at all, which no key opens)."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return "new"
    if not head:
        return "new"
    return "plain" if head == PLAIN_HEADER else "encrypted"


def open_connection(path: Path, key: DatabaseKey | None, *, read_only: bool = False,
                    named_rows: bool = False, **options) -> Connection:
    """A connection on `path`, keyed first when `key` is given, refused (EncryptionRefused)
    when the file's kind or the key does not fit. `options` go to connect() (timeout,
    isolation_level, check_same_thread); `named_rows` makes rows readable by column name."""
    driver = sqlite3 if key is None else sqlcipher
    return _connect(driver, path, key, read_only, named_rows, options)


def open_for_export(path: Path, key: DatabaseKey | None) -> Connection:
    """A SQLCipher connection on `path`, keyed first when `key` is given (a plain file is read
    by SQLCipher with no key), in autocommit and waiting for no lock: the source of
    `sqlcipher_export`, which only SQLCipher has."""
    return _connect(sqlcipher, path, key, False, False,
                    {"isolation_level": None, "timeout": 0})


def _connect(driver, path: Path, key: DatabaseKey | None, read_only: bool, named_rows: bool,
             options: dict) -> Connection:
    target, uri = (f"{path.resolve().as_uri()}?mode=ro", True) if read_only else (path, False)
    conn = driver.connect(target, uri=uri, **options)
    try:
        if driver is sqlcipher:
            conn.execute("PRAGMA cipher_log_level = NONE")  # our refusal says it, not stderr
            # For every file this process keys from now on, attached and exported ones too.
            conn.execute(f"PRAGMA cipher_default_hmac_algorithm = {PAGE_HMAC}")
        if key is not None:
            conn.execute(f"PRAGMA key = {key.sql_literal}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads page 1
    except driver.OperationalError:  # busy or locked: the key may well be right
        conn.close()
        raise
    except driver.DatabaseError as exc:
        conn.close()
        _refuse(path, key, exc)
        raise
    if named_rows:
        conn.row_factory = driver.Row
    return conn


def _refuse(path: Path, key: DatabaseKey | None, exc: Exception) -> None:
    """Say why a file did not open, if a key (or its lack) is why. Only once the connection
    failed and closed is the file read: closing a descriptor of a file drops every POSIX
    lock this process holds on it, SQLite's included (why SQLite keeps one table of open
    files per process)."""
    kind = file_kind(path)
    if key is None and kind == "encrypted":
        raise EncryptionRefused(
            f"{path} is encrypted (or is not a SQLite file): set store_encryption_key_file "
            "to the file of its key") from exc
    if key is not None and kind == "plain":
        raise EncryptionRefused(
            f"{path} is not encrypted, but a key is set ({key.source}): convert the store "
            "first, with the service stopped: python -m server encrypt-store") from exc
    if key is not None:
        raise EncryptionRefused(
            f"{path} cannot be opened with the key in {key.source}: it is the wrong key "
            "for this file, or the file is not a store's") from exc


def attach_file(conn, schema: str, path: Path, key: DatabaseKey | None,
                read_only: bool = False) -> None:
    """ATTACH another store file to `conn` as `schema`, with the same kind of key."""
    target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    if key is None:
        conn.execute(f"ATTACH DATABASE ? AS {schema}", (target,))
    else:
        conn.execute(f"ATTACH DATABASE ? AS {schema} KEY ?", (target, key.attach_value))
