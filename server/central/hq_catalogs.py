"""Head office's price lists: its own Ed25519 signing key and every version it published, on
SQLite (hq_store.db) or PostgreSQL, with the same named operations; and publishing, which
checks a file whole, signs its canonical document and stores it under the next seq.

Why the key is in the database (its own table, `hq_signing_key`), not a file beside the
process: head office may run as several processes on several machines over one database;
they must sign with one key, and whoever can read the database already holds everything a
store trusts head office for. The key is made on first need (publishing, `public-key`, or
the app's start) by whichever process gets there first; the others read that one. Only its
public half ever leaves head office.
"""
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.catalog.release import document_text, sign_document
from server.catalog.validation import check_catalog
from server.chain.store_keys import encode_public_key, key_id_of
from server.clock import from_iso, to_iso

# The most versions one answer holds (the one in force and those to come): each may be a few
# MB of document, and a chain schedules a handful ahead, not dozens.
MOST_RELEASES = 20
PUBLISH_LOCK = 7_390_122  # pg_advisory_xact_lock key: one publisher takes the next seq
COLUMNS = ("seq", "version", "effective_at", "published_at", "document", "signature")
INSERT_RELEASE_SQLITE = ("INSERT INTO catalog_versions (seq, version, effective_at,"
                         " published_at, document, signature) VALUES (?, ?, ?, ?, ?, ?)")
INSERT_RELEASE_PG = ("INSERT INTO catalog_versions (seq, version, effective_at, published_at,"
                     " document, signature) VALUES ($1, $2, $3, $4, $5, $6)")
# The versions after `after` a store needs: the one in force now and every one to come.
RELEASES_AFTER_SQLITE = (
    "SELECT * FROM catalog_versions WHERE seq > ?1 AND (effective_at > ?2 OR seq ="
    " (SELECT seq FROM catalog_versions WHERE effective_at <= ?2"
    "  ORDER BY effective_at DESC, seq DESC LIMIT 1)) ORDER BY seq LIMIT ?3")
IN_FORCE_SQLITE = ("SELECT seq, version FROM catalog_versions WHERE effective_at <= ?"
                   " ORDER BY effective_at DESC, seq DESC LIMIT 1")
IN_FORCE_PG = ("SELECT seq, version FROM catalog_versions WHERE effective_at <= $1"
               " ORDER BY effective_at DESC, seq DESC LIMIT 1")
RELEASES_AFTER_PG = (
    "SELECT * FROM catalog_versions WHERE seq > $1 AND (effective_at > $2 OR seq ="
    " (SELECT seq FROM catalog_versions WHERE effective_at <= $2"
    "  ORDER BY effective_at DESC, seq DESC LIMIT 1)) ORDER BY seq LIMIT $3")


class SqliteCatalogs:
    """The key and the versions in head office's SQLite file (its register's database)."""

    def __init__(self, db):
        self.db = db

    async def signing_key(self, key_id: str, public: str, pem: str, at: str) -> str:
        """The PEM of the key held; this candidate is stored only when none is."""

        def work(conn):
            conn.execute("INSERT OR IGNORE INTO hq_signing_key (slot, key_id, public_key,"
                         " private_pem, created_at) VALUES (1, ?, ?, ?, ?)",
                         (key_id, public, pem, at))
            return conn.execute("SELECT private_pem FROM hq_signing_key").fetchone()[0]

        return await self.db.write(work)

    async def add(self, build) -> dict:
        """Store `build(seq)` (a row of COLUMNS) under the next seq; the row."""

        def work(conn):
            seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM catalog_versions"
                               ).fetchone()[0]
            row = build(seq)
            conn.execute(INSERT_RELEASE_SQLITE, [row[name] for name in COLUMNS])
            return row

        return await self.db.write(work)

    async def releases_after(self, after: int, now: str, limit: int = MOST_RELEASES) -> list:
        """The versions a store that holds up to `after` needs, by seq."""
        rows = await self.db.fetchall(RELEASES_AFTER_SQLITE, (after, now, limit))
        return [dict(row) for row in rows]

    async def in_force(self, now: str) -> dict | None:
        """{seq, version} of the version in force at `now`, or None before the first."""
        row = await self.db.fetchone(IN_FORCE_SQLITE, (now,))
        return None if row is None else dict(row)


class PgCatalogs:
    """The key and the versions in head office's PostgreSQL database."""

    def __init__(self, db):
        self.db = db

    async def signing_key(self, key_id: str, public: str, pem: str, at: str) -> str:
        """As SqliteCatalogs.signing_key."""
        async with self.db.connection() as conn, conn.transaction():
            await conn.execute("INSERT INTO hq_signing_key (slot, key_id, public_key,"
                               " private_pem, created_at) VALUES (1, $1, $2, $3, $4)"
                               " ON CONFLICT DO NOTHING", key_id, public, pem, from_iso(at))
            return await conn.fetchval("SELECT private_pem FROM hq_signing_key")

    async def add(self, build) -> dict:
        """As SqliteCatalogs.add; publishers take their seqs one at a time."""
        async with self.db.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", PUBLISH_LOCK)
            seq = await conn.fetchval("SELECT coalesce(max(seq), 0) + 1 FROM catalog_versions")
            row = build(seq)
            values = [from_iso(row[n]) if n.endswith("_at") else row[n] for n in COLUMNS]
            await conn.execute(INSERT_RELEASE_PG, *values)
        return row

    async def releases_after(self, after: int, now: str, limit: int = MOST_RELEASES) -> list:
        """As SqliteCatalogs.releases_after."""
        rows = await self.db.fetch(RELEASES_AFTER_PG, after, from_iso(now), limit)
        return [{**dict(row), "effective_at": to_iso(row["effective_at"]),
                 "published_at": to_iso(row["published_at"])} for row in rows]

    async def in_force(self, now: str) -> dict | None:
        """As SqliteCatalogs.in_force."""
        row = await self.db.fetchrow(IN_FORCE_PG, from_iso(now))
        return None if row is None else dict(row)


async def signing_key(catalogs, at: str) -> Ed25519PrivateKey:
    """Head office's signing key, made on first need."""
    candidate = Ed25519PrivateKey.generate()
    pem = candidate.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode()
    public = candidate.public_key()
    held = await catalogs.signing_key(key_id_of(public), encode_public_key(public), pem, at)
    return serialization.load_pem_private_key(held.encode(), password=None)


async def public_key(catalogs, at: str) -> str:
    """Head office's public key as stores pin it (base64url of the raw 32 bytes)."""
    return encode_public_key((await signing_key(catalogs, at)).public_key())


async def publish(catalogs, raw: bytes, effective_at: datetime, now: datetime,
                  max_bytes: int) -> dict:
    """Check the file whole (CatalogProblems naming every problem; nothing stored), then
    sign and store it as the next version; the stored row."""
    catalog = check_catalog(raw, max_bytes)
    key = await signing_key(catalogs, to_iso(now))

    def build(seq: int) -> dict:
        document = document_text(seq, catalog, to_iso(effective_at), to_iso(now))
        return {"seq": seq, "version": catalog.version, "effective_at": to_iso(effective_at),
                "published_at": to_iso(now), "document": document,
                "signature": sign_document(key, document)}

    return await catalogs.add(build)
