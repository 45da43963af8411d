"""The rows head office refused for good from the bus's batches (it holds the order_uuid
with other content), kept in its own storage (SQLite hq_store.db, or PostgreSQL, with the
same named operations). Over HTTP the batch's answer tells the store at once, and the store
sets the row aside for its staff; a store on the bus learns only that the stream holds its
batch, so head office's ingest records each refusal here, before it acknowledges the
message, and the store reads them back (`GET /hq/v1/stores/{id}/refused-rows`) and sets those
rows aside. A refusal recorded again (its message delivered again) stays one row."""
from datetime import datetime

from server.clock import from_iso, to_iso

COLUMNS = "store_id, order_uuid, reason, stream, stream_seq, recorded_at"
SQLITE_RECORD = (f"INSERT INTO bus_refused_rows ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT (store_id, order_uuid) DO NOTHING")
PG_RECORD = (f"INSERT INTO bus_refused_rows ({COLUMNS}) SELECT $1, uuid, why, $4, $5, $6"
             " FROM unnest($2::text[], $3::text[]) AS refused (uuid, why)"
             " ON CONFLICT (store_id, order_uuid) DO NOTHING")
SQLITE_PAGE = ("SELECT id, order_uuid, reason, recorded_at FROM bus_refused_rows"
               " WHERE store_id = ? AND id > ? ORDER BY id LIMIT ?")
PG_PAGE = ("SELECT id, order_uuid, reason, recorded_at FROM bus_refused_rows"
           " WHERE store_id = $1 AND id > $2 ORDER BY id LIMIT $3")


def _view(row) -> dict:
    at = row["recorded_at"]
    return {"order_uuid": row["order_uuid"], "reason": row["reason"], "cursor": row["id"],
            "recorded_at": to_iso(from_iso(at) if isinstance(at, str) else at)}


class SqliteRefusedRows:
    """Refused rows on head office's SQLite file (the registry's, hq_store.db)."""

    def __init__(self, db):
        self.db = db

    async def record(self, store_id: str, refused: dict[str, str], stream: str,
                     stream_seq: int, at: datetime) -> None:
        """Keep a message's refused rows (order_uuid -> why), once each."""
        values = [(store_id, uuid, why, stream, stream_seq, to_iso(at))
                  for uuid, why in refused.items()]
        await self.db.write(lambda conn: conn.executemany(SQLITE_RECORD, values))

    async def page(self, store_id: str, after: int, limit: int) -> list[dict]:
        """A store's refused rows after cursor `after`, oldest first, each with its cursor."""
        return [_view(row) for row in await self.db.fetchall(SQLITE_PAGE,
                                                              (store_id, after, limit))]


class PgRefusedRows:
    """Refused rows on head office's PostgreSQL database."""

    def __init__(self, db):
        self.db = db

    async def record(self, store_id: str, refused: dict[str, str], stream: str,
                     stream_seq: int, at: datetime) -> None:
        """As SqliteRefusedRows.record."""
        await self.db.execute(PG_RECORD, store_id, list(refused), list(refused.values()),
                              stream, stream_seq, at)

    async def page(self, store_id: str, after: int, limit: int) -> list[dict]:
        """As SqliteRefusedRows.page."""
        return [_view(row) for row in await self.db.fetch(PG_PAGE, store_id, after, limit)]
