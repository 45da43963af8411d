"""The catalog: products by SKU, validated on load, with a version tag derived from content."""
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from server.catalog.ean import is_valid_ean13

DEFAULT_CATALOG = Path(__file__).with_name("default_catalog.json")
VAT_RATES = (6, 12, 25)


@dataclass(frozen=True)
class Product:
    """One sellable product; prices are VAT-inclusive öre, as on the shelf label."""

    sku: str
    name: str
    price_ore: int
    vat_rate: int
    category: str
    age_limit: int | None = None


def _check_product(entry: dict) -> Product:
    """Build a Product, refusing anything a till must not sell."""
    product = Product(**entry)
    if not is_valid_ean13(product.sku):
        raise ValueError(f"catalog: {product.sku!r} is not a valid EAN-13")
    if type(product.price_ore) is not int or product.price_ore <= 0:
        raise ValueError(f"catalog: {product.sku} price_ore must be a positive integer")
    if product.vat_rate not in VAT_RATES:
        raise ValueError(f"catalog: {product.sku} vat_rate must be one of {VAT_RATES}")
    return product


class Catalog:
    """Products by SKU; `version` changes whenever any product or price does."""

    def __init__(self, products: list[Product], currency: str = "SEK"):
        self.currency = currency
        self.products = {p.sku: p for p in products}
        if len(self.products) != len(products):
            raise ValueError("catalog: duplicate SKU")
        canonical = json.dumps([asdict(p) for p in products], sort_keys=True).encode()
        self.version = hashlib.sha256(canonical).hexdigest()[:16]

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Catalog":
        """Read a catalog file (the built-in one when no path is given)."""
        data = json.loads(Path(path or DEFAULT_CATALOG).read_text(encoding="utf-8"))
        return cls([_check_product(e) for e in data["items"]], data.get("currency", "SEK"))

    def get(self, sku: str) -> Product | None:
        """The product with this SKU, or None."""
        return self.products.get(sku)

    def as_json(self) -> dict:
        """The catalog as served by GET /catalog."""
        items = [asdict(p) for p in self.products.values()]
        return {"version": self.version, "currency": self.currency, "items": items}
