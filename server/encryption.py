"""The store's database key: SQLCipher 4 encryption of its SQLite files at rest.

The key is a raw 256-bit key, 64 hex digits in a file only its owner may read: no passphrase,
so no key derivation (about 235 ms) at every open of a connection. The file is named by the
setting `store_encryption_key_file`; without it, systemd's credential of the same name
(`$CREDENTIALS_DIRECTORY/store_encryption_key_file`, from `LoadCredentialEncrypted=`, which
can seal it to the machine's TPM) is used when there is one. Neither: the files stay plain.
Anything wrong with the file refuses the start, naming the file and the rule.
"""
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from server.settings_field import setting

KEY_FILE_SETTING = "store_encryption_key_file"
KEY_HEX = re.compile(r"[0-9a-fA-F]{64}")
KEY_FILE_MODE = 0o600  # at most: owner read (and write); systemd's credentials are 0400


class EncryptionRefused(Exception):
    """A store's file cannot be opened as asked (its key file, a wrong or missing key, a
    plain file where an encrypted one is expected): the service refuses to start and every
    command exits non-zero, with nothing written or changed."""


@dataclass(frozen=True)
class DatabaseKey:
    """A raw SQLCipher key and the file it came from (named in every refusal)."""

    source: Path
    hex_digits: str = field(repr=False)

    @property
    def sql_literal(self) -> str:
        """The key as SQLCipher's raw-key literal, x'…': 64 hex digits checked on reading,
        so it is safe in a PRAGMA, which takes no bound parameter."""
        return f"\"x'{self.hex_digits}'\""

    @property
    def attach_value(self) -> str:
        """The key as a bound value of `ATTACH … KEY ?`."""
        return f"x'{self.hex_digits}'"


def read_key_file(path: Path) -> DatabaseKey:
    """The key held in `path`, after checking that only its owner may read it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError as exc:
        raise EncryptionRefused(f"the store's key file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EncryptionRefused(f"the store's key file {path} cannot be read: {exc}") from exc
    if mode & ~KEY_FILE_MODE:
        raise EncryptionRefused(
            f"the store's key file {path} may be read by others (mode {mode:04o}): "
            f"make it readable by its owner only (chmod 600 {path})")
    if not KEY_HEX.fullmatch(text):
        raise EncryptionRefused(
            f"the store's key file {path} must hold a raw 256-bit key: 64 hex digits "
            "(make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')")
    return DatabaseKey(path, text.lower())


def write_key_file(path: Path, hex_digits: str) -> DatabaseKey:
    """Write a key file made readable by its owner only from its creation (tests, tools)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    with os.fdopen(fd, "w") as file:
        file.write(hex_digits + "\n")
    return read_key_file(path)


@dataclass(frozen=True)
class StoreEncryptionSettings:
    """The edge's part of the settings (server/config.py) that says where its key is."""

    store_encryption_key_file: str = setting(
        "", "File of the raw 256-bit key (64 hex digits, mode 0600) that encrypts the store's "
        "SQLite files (SQLCipher 4); empty: systemd's credential of this name, if any, else "
        "plain files."
    )

    def database_key(self, env=None) -> DatabaseKey | None:
        """The store's database key, or None when its files are plain."""
        env = os.environ if env is None else env
        if self.store_encryption_key_file:
            return read_key_file(Path(self.store_encryption_key_file))
        credentials = env.get("CREDENTIALS_DIRECTORY")
        if credentials and (Path(credentials) / KEY_FILE_SETTING).exists():
            return read_key_file(Path(credentials) / KEY_FILE_SETTING)
        return None
