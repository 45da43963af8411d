"""The sales simulated stores deliver to head office, as an honest edge makes them: carts
priced by the edge's own pricing from the built-in catalog, each row keyed, dated and chained
into its kiosk's journal (server.journal.chain), then a batch body as the edge's sync sends
it. Carts are priced once and reused with new keys and times: pricing every row would make
filling a million rows take minutes, and head office checks the same things either way. There
are as many carts as a batch has rows, so that no batch repeats a cart's text (a kiosk's
sales seldom do), and each sale has its own time, a millisecond after the one before."""
import datetime
from dataclasses import dataclass, field

import orjson

from bench.wrk import sale_skus
from server import json_text
from server.catalog.catalog import Catalog
from server.catalog.pricing import price_lines
from server.clock import business_day, to_iso, utc_now
from server.config import Settings
from server.journal.chain import GENESIS, chained_hash
from server.orders import BATCH_COLUMNS, canonical_content, make_order_uuid

CARTS = 1000  # distinct priced carts, reused with new keys
KIOSKS_PER_STORE = 4


@dataclass(frozen=True)
class Cart:
    """A priced cart: its JSON columns as the edge stores them, and their values."""

    columns: dict
    decoded: dict
    total_ore: int
    catalog_version: str


def priced_carts(count: int = CARTS) -> list[Cart]:
    """`count` different carts of 3 to 5 products, priced by the edge's pricing."""
    catalog = Catalog.load(None)
    skus = sale_skus(catalog)
    carts = []
    for i in range(count):
        lines = [{"sku": skus[(i * 7 + j * (1 + i // len(skus))) % len(skus)],
                  "qty": 1 + (i + j) % 3} for j in range(3 + i % 3)]
        priced = price_lines(catalog, lines)
        decoded = {"items_json": priced.items, "vat_json": priced.vat,
                   "payment_json": {"method": "card", "reference": f"TERM-{i % 4 + 1}"}}
        carts.append(Cart({name: json_text.dumps_text(value) for name, value in decoded.items()},
                          decoded, priced.total_ore, priced.catalog_version))
    return carts


@dataclass
class SalesMaker:
    """Rows for any store and kiosk, each kiosk's chain carried on from its previous row."""

    tag: str                                        # keeps keys apart between phases
    carts: list[Cart] = field(default_factory=priced_carts)
    heads: dict = field(default_factory=dict)      # (store, kiosk) -> its last entry_hash
    count: int = 0

    def rows(self, store_id: str, kiosk_id: str, how_many: int) -> list[list]:
        """`how_many` new sales of one kiosk, as rows of BATCH_COLUMNS."""
        now = utc_now()
        day = business_day(now, Settings.store_timezone).isoformat()
        prev = self.heads.get((store_id, kiosk_id), GENESIS)
        made = []
        for i in range(how_many):
            self.count += 1
            cart = self.carts[self.count % len(self.carts)]
            key = f"{self.tag}-{store_id}-{self.count:08d}"
            row = {"order_uuid": make_order_uuid(kiosk_id, key), "kiosk_id": kiosk_id,
                   "idempotency_key": key, **cart.columns, "total_ore": cart.total_ore,
                   "catalog_version": cart.catalog_version,
                   "created_at": to_iso(now + datetime.timedelta(milliseconds=i)),
                   "business_day": day, "prev_hash": prev}
            row["entry_hash"] = prev = chained_hash(prev, canonical_content(row, cart.decoded))
            made.append([row[name] for name in BATCH_COLUMNS])
        self.heads[(store_id, kiosk_id)] = prev
        return made


def batch_body(store_id: str, rows: list[list]) -> bytes:
    """A batch's body as the edge's sync sends it (server/central/remote_ledger.py)."""
    return orjson.dumps({"store_id": store_id, "rows": rows})


def kiosk_of(store_id: str, batch_index: int) -> str:
    """The kiosk a store's n-th batch drains (the edge drains one kiosk per batch)."""
    return f"{store_id}-k{batch_index % KIOSKS_PER_STORE}"


def business_days(rows: list[list]) -> set[datetime.date]:
    """The business days a set of rows falls on."""
    at = BATCH_COLUMNS.index("business_day")
    return {datetime.date.fromisoformat(row[at]) for row in rows}
