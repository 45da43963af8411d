"""Head office's ledger on SQLite (central_hq.db in its data dir): the embedded default, for
demos and the quick start. The same shape as a store's embedded ledger; each batch is
recorded with its proof, in the transaction that inserts its rows."""
import json

from server import json_text
from server.central.ledger import Delivery, SignedBatch
from server.central.sqlite_ledger import SqliteLedger, insert_rows
from server.orders import BATCH_COLUMNS

RECORD_BATCH = ("INSERT INTO hq_batches (store_id, key_id, signature_input, signature,"
                " content_digest, body, received_at, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
STORE_TOTALS = ("SELECT kiosk_id, business_day, COUNT(*) AS orders, SUM(total_ore) AS total_ore"
                " FROM central_orders WHERE store_id = ? GROUP BY kiosk_id, business_day"
                " ORDER BY business_day, kiosk_id")
DAYS_TOTALS = ("SELECT store_id, kiosk_id, business_day, COUNT(*) AS orders,"
               " SUM(total_ore) AS total_ore FROM central_orders WHERE store_id <> ''"
               " AND business_day IN (SELECT value FROM json_each(?))"
               " AND (? IS NULL OR store_id = ?)"
               " GROUP BY store_id, kiosk_id, business_day")
STORE_FIGURES = """
SELECT store_id, COUNT(*) AS orders, SUM(total_ore) AS total_ore,
       (SELECT MAX(received_at) FROM hq_batches AS b WHERE b.store_id = c.store_id)
           AS last_received_at
FROM central_orders AS c WHERE store_id <> '' GROUP BY store_id
"""
BATCHES_HELD = ("SELECT DISTINCT store_id, content_digest FROM hq_batches WHERE (store_id,"
                " content_digest) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))")
BATCH_ROW = f"SELECT {', '.join(BATCH_COLUMNS)}, store_id, batch_id, id FROM central_orders"


class SqliteHeadOfficeLedger(SqliteLedger):
    """HeadOfficeLedger on a local SQLite file."""

    async def ingest(self, batch: SignedBatch) -> Delivery:
        """Record the batch and insert its rows, in one transaction."""
        proof, rows = batch.proof, json_text.dumps_text(batch.rows)

        def work(conn):
            batch_id = conn.execute(RECORD_BATCH, (
                batch.store_id, proof.key_id, proof.signature_input, proof.signature,
                proof.content_digest, batch.body, batch.received_at, len(batch.rows),
            )).lastrowid
            return insert_rows(conn, rows, batch.store_id, batch_id, batch.received_at)

        return await self.db.write(work)

    async def store_orders(self, store_id, kiosk_id, after: int, limit: int) -> list[dict]:
        """A page of orders (of one store, or of all), in arrival order."""
        return await self.orders_page(store_id, kiosk_id, after, limit)

    async def store_totals(self, store_id: str) -> list[dict]:
        """A store's orders and their sum per kiosk and business day."""
        return [dict(row) for row in await self.db.fetchall(STORE_TOTALS, (store_id,))]

    async def days_totals(self, days: list[str], store_id: str | None = None) -> list[dict]:
        """Every store's (or one store's) orders and their sum per kiosk on these business
        days (YYYY-MM-DD)."""
        rows = await self.db.fetchall(DAYS_TOTALS, (json.dumps(days), store_id, store_id))
        return [dict(row) for row in rows]

    async def store_figures(self) -> dict[str, dict]:
        """Per store that delivered: its orders, their sum, when its last batch came."""
        return {row["store_id"]: dict(row) for row in await self.db.fetchall(STORE_FIGURES)}

    async def store_batches(self, store_id: str, after: int, limit: int) -> list[dict]:
        """A page of a store's batches with their proof, in order."""
        rows = await self.db.fetchall(
            "SELECT * FROM hq_batches WHERE store_id = ? AND batch_id > ? ORDER BY batch_id"
            " LIMIT ?", (store_id, after, limit))
        return [dict(row) for row in rows]

    async def batches_held(self, digests: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (store_id, content digest) batches the ledger holds."""
        rows = await self.db.fetchall(BATCHES_HELD, (json.dumps(digests),))
        return {(row["store_id"], row["content_digest"]) for row in rows}

    async def batch_rows(self, store_id: str, batch_id: int) -> list[dict]:
        """The rows held that name this batch."""
        rows = await self.db.fetchall(f"{BATCH_ROW} WHERE store_id = ? AND batch_id = ?",
                                      (store_id, batch_id))
        return [dict(row) for row in rows]

    async def rows_without_batch(self) -> list[dict]:
        """Rows of a store that name no batch held here."""
        rows = await self.db.fetchall(
            f"{BATCH_ROW} AS c WHERE store_id <> '' AND NOT EXISTS (SELECT 1 FROM hq_batches"
            " AS b WHERE b.batch_id = c.batch_id AND b.store_id = c.store_id) ORDER BY id")
        return [dict(row) for row in rows]

    async def ledger_stores(self) -> list[str]:
        """Every store the ledger holds rows or batches of."""
        rows = await self.db.fetchall(
            "SELECT store_id FROM hq_batches UNION SELECT store_id FROM central_orders"
            " WHERE store_id <> '' ORDER BY 1")
        return [row[0] for row in rows]

    async def kiosk_chains(self, store_id: str):
        """(kiosk_id, its rows in arrival order) for each kiosk of a store."""
        rows = await self.db.fetchall(f"{BATCH_ROW} WHERE store_id = ? ORDER BY kiosk_id, id",
                                      (store_id,))
        chain, kiosk = [], None
        for row in map(dict, rows):
            if row["kiosk_id"] != kiosk and chain:
                yield kiosk, chain
                chain = []
            kiosk = row["kiosk_id"]
            chain.append(row)
        if chain:
            yield kiosk, chain
