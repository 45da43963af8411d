"""Price lists as head office's people write them, and publishing them in this process."""
import json
from datetime import datetime

from server.catalog.catalog import DEFAULT_CATALOG
from server.central import hq_catalogs
from server.clock import utc_now
from server.hq.keys import STORAGE

MILK = "7318001010007"   # 16,95 kr in the built-in catalog


def price_list(**prices: int) -> dict:
    """The built-in catalog with some prices changed (`MILK=1895`, by name, or by SKU)."""
    data = json.loads(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    by_name = {"MILK": MILK}
    wanted = {by_name.get(name, name): price for name, price in prices.items()}
    for item in data["items"]:
        if item["sku"] in wanted:
            item["price_ore"] = wanted[item["sku"]]
    return data


async def publish(hq_app, data: dict, effective_at: datetime | None = None) -> dict:
    """Publish a price list at head office, as `hq publish-catalog` does; the stored row."""
    now = utc_now()
    return await hq_catalogs.publish(hq_app[STORAGE].catalogs, json.dumps(data).encode(),
                                     effective_at or now, now, 4 << 20)
