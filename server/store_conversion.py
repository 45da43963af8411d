"""Converting a stopped store's SQLite files: plain to encrypted (`encrypt-store`), or from one
key to another (`rekey`), so that a crash or a power cut at any moment leaves every file whole
and a second run finishes the work.

Why each step is as it is:
- Every store file that exists (edge_store.db, central_hq.db) is opened and locked before any
  is changed: a file in use, a wrong key or a file of the wrong kind refuses the whole run with
  nothing written, rather than leaving a store half converted.
- The lock is SQLite's own, exclusive and taken without waiting, and held until the new file
  is in place: a running service (whose idle connections hold a shared lock on a WAL file) is
  refused as "in use", and nothing can write to the old file after it was copied.
- The locked file is checked (quick_check), its WAL folded in and WAL mode left, so the copy
  is made from one self-contained file and no old -wal can ever be applied to the new one.
- The copy is SQLCipher's `sqlcipher_export` into a new file (the only way SQLCipher turns a
  database into one under another key), plus user_version, which the export leaves out.
- The copy is fsynced and opened afresh with its key: every page authenticated, integrity ok,
  the same user_version and as many rows in every table. Only then is it swapped in.
- The swap keeps the old file under a second name (a hard link) while the new file is renamed
  over the store's name (atomic), and removes it once that rename is durable: the store's name
  always holds a whole database, and the plaintext lasts no longer than it must.
- A file already as wanted is skipped, and what a crashed run left (its unfinished copy, the
  old file kept aside, an empty journal) is removed once the file is locked: so a second run
  after a crash is safe, and says what it cleaned.
"""
from collections.abc import Callable
from pathlib import Path

from server.config import CENTRAL_DB, EDGE_DB
from server.encryption import DatabaseKey, EncryptionRefused
from server.sqlite_export import (
    ConversionRefused,
    export_copy,
    lock_out_others,
    settle_into_one_file,
    swap_in,
    verify_copy,
)
from server.sqlite_open import Connection, OperationalError, file_kind, open_for_export

STORE_FILES = (EDGE_DB, CENTRAL_DB)
COPY_SUFFIX = ".converting"  # the new file while it is written and checked
ASIDE_SUFFIX = ".kept-aside"  # the old file's second name while the new one is swapped in
Say = Callable[[str], None]


def encrypt_store(data_dir: Path, key: DatabaseKey, say: Say) -> int:
    """Encrypt with `key` every plain store file of `data_dir` (the service stopped); how
    many store files there are."""
    def open_source(path: Path) -> tuple[Connection, bool]:
        if file_kind(path) == "plain":
            return open_for_export(path, None), False
        return open_for_export(path, key), True  # refused if another key encrypts it
    return _convert(data_dir, open_source, key, "encrypted with this key already", say)


def rekey_store(data_dir: Path, old_key: DatabaseKey, new_key: DatabaseKey, say: Say) -> int:
    """Re-encrypt every store file of `data_dir` from `old_key` to `new_key` (the service
    stopped); how many store files there are."""
    def open_source(path: Path) -> tuple[Connection, bool]:
        if file_kind(path) == "plain":
            raise ConversionRefused(f"{path} is not encrypted: encrypt it first "
                                    "(python -m server encrypt-store)")
        try:
            return open_for_export(path, new_key), True  # a run that stopped after its swap
        except EncryptionRefused:
            return open_for_export(path, old_key), False
    return _convert(data_dir, open_source, new_key, "keyed with the new key already", say)


def store_files(data_dir: Path) -> list[Path]:
    """The store's SQLite files that exist in `data_dir`."""
    if not data_dir.is_dir():
        raise ConversionRefused(f"there is no data folder {data_dir}")
    found = []
    for name in STORE_FILES:
        path = data_dir / name
        if path.exists():
            found.append(path)
        elif _name(path, ASIDE_SUFFIX).exists():  # never guess which file is the store's
            raise ConversionRefused(
                f"{path} is missing but {_name(path, ASIDE_SUFFIX)} is there: rename it back "
                f"to {name} (it is the store's file as it was) and run this again")
    return found


def _convert(data_dir: Path, open_source, key: DatabaseKey, done_already: str,
             say: Say) -> int:
    opened: list[tuple[Path, Connection, bool]] = []
    try:
        for path in store_files(data_dir):
            try:
                conn, skip = open_source(path)
            except OperationalError as exc:  # another converter's lock, or no access at all
                in_use = "locked" in str(exc) or "busy" in str(exc)
                raise ConversionRefused(f"{path} is in use: stop the service first ({exc})"
                                        if in_use else f"{path} cannot be opened: {exc}"
                                        ) from exc
            opened.append((path, conn, skip))
            lock_out_others(conn, path)
        if not opened:
            say(f"{data_dir}: no store files ({', '.join(STORE_FILES)}): nothing to do")
        for path, conn, skip in opened:
            _remove_leftovers(path, say)
            if skip:
                say(f"{path.name}: {done_already}: skipped")
            else:
                _convert_one(path, conn, key, say)
        return len(opened)
    finally:
        for _, conn, _ in opened:
            conn.close()  # a second close is harmless; the swapped ones closed already


def _convert_one(path: Path, conn: Connection, key: DatabaseKey, say: Say) -> None:
    copy, aside = _name(path, COPY_SUFFIX), _name(path, ASIDE_SUFFIX)
    say(f"{path.name}: locked (no other connection can open it until it is replaced)")
    settle_into_one_file(conn, path)
    try:
        export_copy(conn, copy, key)
        rows = verify_copy(conn, path, copy, key)
    except BaseException:
        _remove(copy)
        _remove(_name(copy, "-journal"))
        raise
    say(f"{path.name}: {sum(rows.values())} rows in {len(rows)} tables checked in the new "
        f"file (every page authenticated, integrity ok, user_version kept)")
    swap_in(conn, path, copy, aside)
    say(f"{path.name}: replaced by the new file; the old one was kept aside at {aside} "
        "until then, and is now removed")


def _remove_leftovers(path: Path, say: Say) -> None:
    """What an interrupted run may have left beside the (locked) store file `path`."""
    copy, journal = _name(path, COPY_SUFFIX), _name(path, "-journal")
    found = [copy, _name(copy, "-journal"), _name(path, ASIDE_SUFFIX)]
    # An empty journal is never applied (SQLite needs a header to roll one back).
    if journal.exists() and journal.stat().st_size == 0:
        found.append(journal)
    for leftover in found:
        if _remove(leftover):
            say(f"{path.name}: removed {leftover}, left by an interrupted run")


def _name(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
