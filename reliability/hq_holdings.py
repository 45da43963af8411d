"""What head office holds, read for the chain's checker: every order (as its API shows one,
with its store and the batch that brought it), every batch with its proof, and every store's
keys. Read from PostgreSQL directly (read-only queries, no migration) or from head office's
API with an hq-operator token, the same either way, so one check judges both."""
import asyncio
import base64
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import asyncpg

from server.central.pg_ledger import ORDER_ROW
from server.chain.registry import PgRegistry, key_record
from server.chain.signing import KeyRecord
from server.orders import order_view

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PAGE = 1000


@dataclass
class Holdings:
    """Head office's orders (views), batches (by store and batch_id) and keys (by key_id)."""

    orders: list[dict] = field(default_factory=list)
    batches: dict[tuple[str, int], dict] = field(default_factory=dict)
    keys: dict[str, KeyRecord] = field(default_factory=dict)


async def read_postgres(dsn: str) -> Holdings:
    """Everything, from head office's database; nothing is written."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        # One snapshot: a batch taken in between two reads cannot seem to lack its proof.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await conn.fetch(f"SELECT {ORDER_ROW} FROM central_orders ORDER BY id")
            batches = await conn.fetch("SELECT * FROM hq_batches ORDER BY batch_id")
            keys = await PgRegistry(conn).all_keys()
    finally:
        await conn.close()
    orders = [{**order_view(r, "synced", r["received_at"]), "store_id": r["store_id"],
               "batch_id": r["batch_id"]} for r in rows]
    return Holdings(orders, {(b["store_id"], b["batch_id"]): {**dict(b), "body": bytes(
        b["body"])} for b in batches}, {key.key_id: key for key in keys})


async def read_api(base_url: str, token: str) -> Holdings:
    """Everything, from head office's API (an hq-operator's token)."""
    return await asyncio.to_thread(_read_api, base_url, token)


def _read_api(base_url: str, token: str) -> Holdings:
    if urllib.parse.urlsplit(base_url).hostname not in LOCAL_HOSTS:
        raise ValueError(f"the checker reads only from this machine, not {base_url!r}")
    api = _Api(base_url.rstrip("/"), token)
    # Orders first: a batch commits with its rows, so every order read then has its batch
    # (and its store's key) there when they are read after it.
    holdings = Holdings(orders=list(api.pages("/hq/v1/orders", "orders")))
    for store in api.get("/hq/v1/stores", {})["stores"]:
        for key in store["keys"]:
            holdings.keys[key["key_id"]] = key_record({**key, "store_id": store["store_id"]})
        for batch in api.pages(f"/hq/v1/stores/{store['store_id']}/batches", "batches"):
            holdings.batches[(store["store_id"], batch["batch_id"])] = {
                **batch, "store_id": store["store_id"], "body": base64.b64decode(batch["body"])}
    return holdings


class _Api:
    def __init__(self, base_url: str, token: str):
        self.base_url, self.token = base_url, token

    def get(self, path: str, query: dict) -> dict:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def pages(self, path: str, key: str):
        after = None
        while True:
            page = self.get(path, {"limit": PAGE, **({"after": after} if after else {})})
            yield from page[key]
            after = page["next"]
            if after is None:
                return
