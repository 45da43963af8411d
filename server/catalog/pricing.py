"""Pricing an order from the catalog: integer öre only, VAT broken down per rate."""
from dataclasses import dataclass

from server.catalog.catalog import Catalog, Product
from server.catalog.scale_labels import ScaleLabel, parse_scale_label, weighed_price_ore
from server.errors import ImplausibleLabel, UnknownSku

# Why a scale-label line needs staff to look before it is sold (the barcode fraud that
# self-checkouts know: a label typed with any price, or one cheap label counted many times).
KEYED_LABEL = "keyed_label"      # typed by hand, not scanned
LABEL_QUANTITY = "label_quantity"  # more than one of a label on a line


@dataclass(frozen=True)
class PricedOrder:
    """Lines, total and VAT breakdown as the edge computed them, and what staff must check."""

    items: list[dict]
    total_ore: int
    vat: list[dict]
    catalog_version: str
    age_limit: int | None  # the highest age limit among its products, if any
    label_checks: list[dict]  # [{"sku", "reason"}]: scale labels staff must look at

    @property
    def needs_staff(self) -> bool:
        """Whether staff must approve (their PIN) before this order is sold."""
        return bool(self.age_limit or self.label_checks)


def vat_included(gross_ore: int, rate: int) -> int:
    """VAT contained in a VAT-inclusive amount, rounded half up to the öre."""
    return (gross_ore * rate * 2 + 100 + rate) // (2 * (100 + rate))


def _label_grams(label: ScaleLabel, product: Product) -> float:
    """What a label weighs, or stands for at the product's price per kilogram."""
    if label.grams is not None:
        return label.grams
    return label.printed_price_ore * 1000 / product.price_ore


def _plausible(label: ScaleLabel, product: Product) -> bool:
    least, most = product.label_grams
    return least <= _label_grams(label, product) <= most


def _priced_line(catalog: Catalog, code: str, qty: int,
                 index: int) -> tuple[dict, int | None] | None:
    """(line, its age limit) priced from the catalog or its scale label; None if not for sale.
    A label whose weight or price is not plausible for its product (line `index`) is refused."""
    label = parse_scale_label(code)
    if label is not None:
        product = catalog.by_plu.get(label.plu)
        if product is None:
            return None
        if not _plausible(label, product):
            least, most = product.label_grams
            raise ImplausibleLabel(
                f"the scale label {code} is not plausible for {product.name} (between "
                f"{least} g and {most} g, or their price): staff must look at it",
                {"fields": {f"items.{index}.sku": code}, "label_grams": [least, most]})
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


def _label_checks(lines: list[dict]) -> list[dict]:
    """The scale-label lines staff must look at: typed by hand, or more than one."""
    checks = []
    for line in lines:
        if parse_scale_label(line["sku"]) is None:
            continue
        if line.get("entry") == "keyed":
            checks.append({"sku": line["sku"], "reason": KEYED_LABEL})
        if line["qty"] > 1:
            checks.append({"sku": line["sku"], "reason": LABEL_QUANTITY})
    return checks


def price_lines(catalog: Catalog, lines: list[dict]) -> PricedOrder:
    """Price `[{sku, qty, entry?}]` from the catalog; a caller's prices never enter."""
    priced = [_priced_line(catalog, line["sku"], line["qty"], i) for i, line in enumerate(lines)]
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
    return PricedOrder(items, sum(gross_by_rate.values()), vat, catalog.version, age_limit,
                       _label_checks(lines))
