"""A store's identity: an Ed25519 key pair made at the store, whose private half never
leaves it (a file readable by the service's user only). Head office keeps the public half.

Its key id is derived from the public key (the first 16 characters of the base64url SHA-256
of its raw 32 bytes), so the store and head office name a key alike without telling each
other. Rotation has an overlap: a new key is made beside the one in use (`next`), enrolled
at head office, then put in use; the old one is revoked at head office afterwards.
"""
import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "store_key.pem"        # the key in use, in the store's data dir
NEXT_KEY_FILE = "store_key.next.pem"  # a new key, made for rotation, not yet in use


def encode_public_key(key: Ed25519PublicKey) -> str:
    """The public key as base64url (no padding) of its raw 32 bytes: how it is printed."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_public_key(text: str) -> Ed25519PublicKey:
    """The public key printed by encode_public_key; ValueError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a public key is the base64url of 32 raw bytes") from exc
    if len(raw) != 32:
        raise ValueError(f"a public key is 32 raw bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    """The key's id, the same wherever it is computed."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).decode()[:16]


@dataclass(frozen=True)
class StoreKey:
    """A store's private key, with its public half's id and printed form."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    @property
    def public_text(self) -> str:
        return encode_public_key(self.public_key)


def load_key(path: Path) -> StoreKey:
    """The key in a PEM file (FileNotFoundError if there is none)."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return StoreKey(key)


def create_key(path: Path) -> StoreKey:
    """A new key, written to `path` with mode 0600 (refusing to replace a file there)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())
    return StoreKey(key)


def key_in_use(data_dir: Path, create: bool = False) -> StoreKey:
    """The store's key in use; made on first call when `create`."""
    path = data_dir / KEY_FILE
    if create and not path.exists():
        return create_key(path)
    return load_key(path)


def make_next_key(data_dir: Path) -> StoreKey:
    """A new key beside the one in use, for rotation (the one already made, if any)."""
    path = data_dir / NEXT_KEY_FILE
    return load_key(path) if path.exists() else create_key(path)


def put_next_key_in_use(data_dir: Path) -> StoreKey:
    """The next key becomes the key in use (an atomic rename); the old one is gone."""
    os.replace(data_dir / NEXT_KEY_FILE, data_dir / KEY_FILE)
    return load_key(data_dir / KEY_FILE)
