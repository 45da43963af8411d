"""Pricing an order from the catalog: integer öre only, VAT broken down per rate."""
from dataclasses import dataclass

from server.catalog.catalog import Catalog
from server.catalog.scale_labels import parse_scale_label, weighed_price_ore
from server.errors import UnknownSku


@dataclass(frozen=True)
class PricedOrder:
    """Lines, total and VAT breakdown as the edge computed them."""

    items: list[dict]
    total_ore: int
    vat: list[dict]
    catalog_version: str
    age_limit: int | None  # the highest age limit among its products, if any


def vat_included(gross_ore: int, rate: int) -> int:
    """VAT contained in a VAT-inclusive amount, rounded half up to the öre."""
    return (gross_ore * rate * 2 + 100 + rate) // (2 * (100 + rate))


def _priced_line(catalog: Catalog, code: str, qty: int) -> tuple[dict, int | None] | None:
    """(line, its age limit) priced from the catalog or its scale label; None if not for sale."""
    label = parse_scale_label(code)
    if label is not None:
        product = catalog.by_plu.get(label.plu)
        if product is None:
            return None
        if label.grams is not None:
            unit = weighed_price_ore(product.price_ore, label.grams)
            measure = {"grams": label.grams, "price_per_kg_ore": product.price_ore}
        else:
            unit = label.printed_price_ore
            measure = {"printed_price_ore": unit}
    else:
        product = catalog.get(code)
        if product is None or product.sold_by != "each":  # weighed goods need their label
            return None
        unit, measure = product.price_ore, None
    line = {"sku": code, "name": product.name, "qty": qty, "unit_price_ore": unit,
            "line_total_ore": unit * qty, "vat_rate": product.vat_rate}
    return (line if measure is None else {**line, "measure": measure}), product.age_limit


def price_lines(catalog: Catalog, lines: list[dict]) -> PricedOrder:
    """Price `[{sku, qty}]` from the catalog; a caller's prices never enter."""
    priced = [_priced_line(catalog, line["sku"], line["qty"]) for line in lines]
    unknown = {f"items.{i}.sku": line["sku"]
               for i, (line, item) in enumerate(zip(lines, priced, strict=True)) if item is None}
    if unknown:
        raise UnknownSku("the order names products not in the catalog (or a weighed product "
                         "without its scale label)", {"fields": unknown})
    items = [item for item, _ in priced]
    age_limit = max((limit for _, limit in priced if limit), default=None)
    gross_by_rate: dict[int, int] = {}
    for item in items:
        gross_by_rate[item["vat_rate"]] = gross_by_rate.get(item["vat_rate"], 0) + \
            item["line_total_ore"]
    vat = [
        {"rate": rate, "gross_ore": gross, "amount_ore": vat_included(gross, rate)}
        for rate, gross in sorted(gross_by_rate.items())
    ]
    return PricedOrder(items, sum(gross_by_rate.values()), vat, catalog.version, age_limit)
