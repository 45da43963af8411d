"""The messages from the bus head office could never ingest, counted in its own storage (on
SQLite, hq_store.db, or on PostgreSQL, with the same named operations): the message itself
is kept whole on the dead-letter stream; here is what the chain wallboard needs to show an
alert, per store. A message recorded again (moved aside twice after a crash between the
two steps) stays one row."""
import json
from dataclasses import dataclass
from datetime import datetime

from server.clock import from_iso, to_iso

COLUMNS = "store_id, subject, stream, stream_seq, msg_id, code, reason, recorded_at"
SQLITE_RECORD = (f"INSERT INTO bus_dead_letters ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT (stream, stream_seq) DO NOTHING")
PG_RECORD = (f"INSERT INTO bus_dead_letters ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7,"
             " $8) ON CONFLICT (stream, stream_seq) DO NOTHING")
SQLITE_SEQS = ("SELECT stream_seq FROM bus_dead_letters WHERE stream = ?"
               " AND stream_seq IN (SELECT value FROM json_each(?))")
PG_SEQS = "SELECT stream_seq FROM bus_dead_letters WHERE stream = $1 AND stream_seq = ANY($2)"
BY_STORE = ("SELECT store_id, count(*) AS dead_letters, max(recorded_at) AS last_at"
            " FROM bus_dead_letters GROUP BY store_id ORDER BY store_id")


@dataclass(frozen=True)
class DeadLetter:
    """A message moved aside: whose, where it was in the stream, and why."""

    store_id: str
    subject: str
    stream: str
    stream_seq: int
    msg_id: str | None
    code: str
    reason: str


def _by_store(rows) -> list[dict]:
    return [{"store_id": row["store_id"], "dead_letters": row["dead_letters"],
             "last_at": to_iso(from_iso(row["last_at"]) if isinstance(row["last_at"], str)
                               else row["last_at"])} for row in rows]


class SqliteDeadLetters:
    """Dead letters on head office's SQLite file (the registry's, hq_store.db)."""

    def __init__(self, db):
        self.db = db

    async def record(self, letter: DeadLetter, at: datetime) -> None:
        """Count a message moved aside (once, however often it is recorded)."""
        values = (*vars(letter).values(), to_iso(at))
        await self.db.write(lambda conn: conn.execute(SQLITE_RECORD, values))

    async def by_store(self) -> list[dict]:
        """Each store's dead letters: how many, and when the last came."""
        return _by_store(await self.db.fetchall(BY_STORE))

    async def recorded_seqs(self, stream: str, seqs: list[int]) -> set[int]:
        """Which of these messages of the stream were moved aside as dead letters."""
        rows = await self.db.fetchall(SQLITE_SEQS, (stream, json.dumps(seqs)))
        return {row["stream_seq"] for row in rows}


class PgDeadLetters:
    """Dead letters on head office's PostgreSQL database."""

    def __init__(self, db):
        self.db = db

    async def record(self, letter: DeadLetter, at: datetime) -> None:
        """As SqliteDeadLetters.record."""
        await self.db.execute(PG_RECORD, *vars(letter).values(), at)

    async def by_store(self) -> list[dict]:
        """As SqliteDeadLetters.by_store."""
        return _by_store(await self.db.fetch(BY_STORE))

    async def recorded_seqs(self, stream: str, seqs: list[int]) -> set[int]:
        """As SqliteDeadLetters.recorded_seqs."""
        return {row["stream_seq"] for row in await self.db.fetch(PG_SEQS, stream, seqs)}
