"""Variable-measure labels printed by the store's scales: EAN-13 codes that start with 2.

The layout is this store's scale setting (GS1 leaves prefix 20-29 to the retailer):

    2 T IIIII VVVVV C     T 0-4: VVVVV is the package's price in öre (up to 999.99 kr)
                          T 5-9: VVVVV is its net weight in grams (up to 99.999 kg)
                          IIIII: the product's PLU in the catalog; C: the EAN-13 check digit

The edge decodes and prices every label; a kiosk only passes the code on.
"""
from dataclasses import dataclass

from server.catalog.ean import is_valid_ean13


@dataclass(frozen=True)
class ScaleLabel:
    """What a label says: the product's PLU and either the printed price or the weight."""

    plu: str
    printed_price_ore: int | None
    grams: int | None


def is_scale_label(code: str) -> bool:
    """True for a code in the scales' range (prefix 2), valid or not."""
    return len(code) == 13 and code.startswith("2")


def parse_scale_label(code: str) -> ScaleLabel | None:
    """Decode a scale label; None if the code is not a valid one."""
    if not (is_scale_label(code) and is_valid_ean13(code)):
        return None
    plu, value = code[2:7], int(code[7:12])
    if value == 0:
        return None
    if int(code[1]) <= 4:
        return ScaleLabel(plu, printed_price_ore=value, grams=None)
    return ScaleLabel(plu, printed_price_ore=None, grams=value)


def weighed_price_ore(price_per_kg_ore: int, grams: int) -> int:
    """A weight's price at a price per kilogram, rounded half up to the öre."""
    return (price_per_kg_ore * grams * 2 + 1000) // 2000
