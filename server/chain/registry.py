"""Head office's register of stores and their public keys (never a private one): on SQLite
(hq_store.db, the embedded default) or on PostgreSQL, with the same named operations, and
a KeyRing that answers a key id at once from memory, as verifying a signature needs."""
import time

from server.chain.signing import KeyRecord
from server.chain.store_keys import decode_public_key, key_id_of
from server.errors import InvalidFields
from server.sqlite import SqliteStore

REFRESH_S = 5.0       # keys enrolled or revoked by a command are seen within this
MISS_REFRESH_S = 1.0  # and an unknown key id makes it look again, at most this often


def key_record(row) -> KeyRecord:
    """A key as the register (or head office's /hq/v1/stores) tells it."""
    revoked = row["revoked_at"]
    return KeyRecord(row["store_id"], row["key_id"], decode_public_key(row["public_key"]),
                     None if revoked is None else str(revoked))


def _checked_key(public_key: str) -> str:
    try:
        return key_id_of(decode_public_key(public_key))
    except ValueError as exc:
        raise InvalidFields("not a store's public key", {"fields": {"public_key": [str(exc)]}}
                            ) from None


class SqliteRegistry(SqliteStore):
    """The register on head office's SQLite file (which also holds its credentials)."""

    schema_name = "hq_sqlite"

    async def enroll(self, store_id: str, public_key: str, at: str) -> str:
        """Register a store (if new) and one of its keys; the key's id. The same key enrolled
        again is a no-op; a key another store holds is refused."""
        key_id = _checked_key(public_key)

        def work(conn):
            held = conn.execute("SELECT store_id FROM store_keys WHERE key_id = ?",
                                (key_id,)).fetchone()
            if held is not None and held[0] != store_id:
                raise InvalidFields("this key belongs to another store",
                                    {"fields": {"public_key": [f"held by {held[0]}"]}})
            conn.execute("INSERT OR IGNORE INTO stores (store_id, enrolled_at) VALUES (?, ?)",
                         (store_id, at))
            conn.execute("INSERT OR IGNORE INTO store_keys (key_id, store_id, public_key,"
                         " enrolled_at) VALUES (?, ?, ?, ?)", (key_id, store_id, public_key, at))
            return key_id

        return await self.db.write(work)

    async def revoke(self, store_id: str, key_id: str, at: str) -> bool:
        """End one of a store's keys; whether it was in use."""

        def work(conn):
            return conn.execute(
                "UPDATE store_keys SET revoked_at = ? WHERE store_id = ? AND key_id = ?"
                " AND revoked_at IS NULL", (at, store_id, key_id)).rowcount == 1

        return await self.db.write(work)

    async def all_keys(self) -> list[KeyRecord]:
        """Every key, revoked ones too."""
        return [key_record(row) for row in await self.db.fetchall("SELECT * FROM store_keys")]

    async def stores(self) -> list[dict]:
        """Every store with its keys."""
        stores = await self.db.fetchall("SELECT * FROM stores ORDER BY store_id")
        keys = await self.db.fetchall("SELECT * FROM store_keys ORDER BY enrolled_at")
        return _with_keys(stores, keys)


class PgRegistry:
    """The register on head office's PostgreSQL database."""

    def __init__(self, db):
        self.db = db

    async def enroll(self, store_id: str, public_key: str, at: str) -> str:
        """As SqliteRegistry.enroll."""
        key_id = _checked_key(public_key)
        async with self.db.connection() as conn, conn.transaction():
            held = await conn.fetchval("SELECT store_id FROM store_keys WHERE key_id = $1",
                                       key_id)
            if held is not None and held != store_id:
                raise InvalidFields("this key belongs to another store",
                                    {"fields": {"public_key": [f"held by {held}"]}})
            await conn.execute("INSERT INTO stores (store_id, enrolled_at) VALUES ($1, $2)"
                               " ON CONFLICT DO NOTHING", store_id, _moment(at))
            await conn.execute("INSERT INTO store_keys (key_id, store_id, public_key,"
                               " enrolled_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                               key_id, store_id, public_key, _moment(at))
        return key_id

    async def revoke(self, store_id: str, key_id: str, at: str) -> bool:
        """As SqliteRegistry.revoke."""
        status = await self.db.execute(
            "UPDATE store_keys SET revoked_at = $1 WHERE store_id = $2 AND key_id = $3"
            " AND revoked_at IS NULL", _moment(at), store_id, key_id)
        return status == "UPDATE 1"

    async def all_keys(self) -> list[KeyRecord]:
        """Every key, revoked ones too."""
        return [key_record(row) for row in await self.db.fetch("SELECT * FROM store_keys")]

    async def stores(self) -> list[dict]:
        """Every store with its keys."""
        stores = await self.db.fetch("SELECT * FROM stores ORDER BY store_id")
        keys = await self.db.fetch("SELECT * FROM store_keys ORDER BY enrolled_at")
        return _with_keys(stores, keys)


def _moment(at: str):
    from datetime import datetime
    return datetime.fromisoformat(at)


def _text(value) -> str | None:
    return value if value is None or isinstance(value, str) else value.isoformat()


def _with_keys(stores, keys) -> list[dict]:
    by_store: dict[str, list[dict]] = {}
    for key in keys:
        by_store.setdefault(key["store_id"], []).append({
            "key_id": key["key_id"], "public_key": key["public_key"],
            "enrolled_at": _text(key["enrolled_at"]), "revoked_at": _text(key["revoked_at"])})
    return [{"store_id": s["store_id"], "enrolled_at": _text(s["enrolled_at"]),
             "keys": by_store.get(s["store_id"], [])} for s in stores]


class KeyRing:
    """Every store key in memory, read again every REFRESH_S and, for an unknown id, at most
    every MISS_REFRESH_S (so a flood of made-up key ids cannot flood the database)."""

    def __init__(self, registry, clock=time.monotonic):
        self.registry, self.clock = registry, clock
        self._keys: dict[str, KeyRecord] = {}
        self._read_at = float("-inf")

    async def find(self, key_id: str) -> KeyRecord | None:
        """The key with this id, revoked or not, or None."""
        age = self.clock() - self._read_at
        if age > REFRESH_S or (key_id not in self._keys and age > MISS_REFRESH_S):
            await self.reload()
        return self._keys.get(key_id)

    async def reload(self) -> None:
        """Read every key again (after enrolling or revoking one here, at once)."""
        self._keys = {key.key_id: key for key in await self.registry.all_keys()}
        self._read_at = self.clock()
