"""Pricing an order from the catalog: integer öre only, VAT broken down per rate."""
from dataclasses import dataclass

from server.catalog.catalog import Catalog
from server.errors import UnknownSku


@dataclass(frozen=True)
class PricedOrder:
    """Lines, total and VAT breakdown as the edge computed them."""

    items: list[dict]
    total_ore: int
    vat: list[dict]
    catalog_version: str


def vat_included(gross_ore: int, rate: int) -> int:
    """VAT contained in a VAT-inclusive amount, rounded half up to the öre."""
    return (gross_ore * rate * 2 + 100 + rate) // (2 * (100 + rate))


def price_lines(catalog: Catalog, lines: list[dict]) -> PricedOrder:
    """Price `[{sku, qty}]` from the catalog; a caller's prices never enter."""
    unknown = {f"items.{i}.sku": line["sku"] for i, line in enumerate(lines)
               if catalog.get(line["sku"]) is None}
    if unknown:
        raise UnknownSku("the order names products not in the catalog", {"fields": unknown})
    items, gross_by_rate = [], {}
    for line in lines:
        product = catalog.get(line["sku"])
        line_total = product.price_ore * line["qty"]
        items.append({
            "sku": product.sku,
            "name": product.name,
            "qty": line["qty"],
            "unit_price_ore": product.price_ore,
            "line_total_ore": line_total,
            "vat_rate": product.vat_rate,
        })
        gross_by_rate[product.vat_rate] = gross_by_rate.get(product.vat_rate, 0) + line_total
    vat = [
        {"rate": rate, "gross_ore": gross, "amount_ore": vat_included(gross, rate)}
        for rate, gross in sorted(gross_by_rate.items())
    ]
    return PricedOrder(items, sum(gross_by_rate.values()), vat, catalog.version)
