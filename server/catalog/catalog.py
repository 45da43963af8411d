"""The catalog: products by SKU, validated on load, with a version tag derived from content."""
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from server.catalog.ean import is_valid_ean13

DEFAULT_CATALOG = Path(__file__).with_name("default_catalog.json")
VAT_RATES = (6, 12, 25)
# What a scale label may weigh, or stand for at the product's price per kg, unless the
# product says otherwise: from a few sweets to a large joint of meat.
LABEL_GRAMS = (10, 10_000)


@dataclass(frozen=True)
class Product:
    """One sellable product; prices are VAT-inclusive öre, as on the shelf label.

    A product `sold_by` "kg" has a PLU and is sold only through a scale label; its price_ore
    is per kilogram, and a label for it must weigh (or, a price label, stand for) between
    `label_min_grams` and `label_max_grams` (LABEL_GRAMS unless set).
    """

    sku: str
    name: str
    price_ore: int
    vat_rate: int
    category: str
    age_limit: int | None = None
    plu: str | None = None
    sold_by: str = "each"
    label_min_grams: int | None = None
    label_max_grams: int | None = None

    def __post_init__(self):
        """Refuse anything a till must not sell (the first problem; product_problems has all)."""
        problems = product_problems(self)
        if problems:
            raise ValueError(f"catalog: {self.sku!r} {problems[0]}")

    def as_json(self) -> dict:
        """The product as the catalog shows it; label bounds only where a product sets them
        (so that adding them changed no catalog's version)."""
        product = asdict(self)
        for bound in ("label_min_grams", "label_max_grams"):
            if product[bound] is None:
                del product[bound]
        return product

    @property
    def label_grams(self) -> tuple[int, int]:
        """The least and most a scale label for this product may weigh (or stand for)."""
        return (self.label_min_grams or LABEL_GRAMS[0], self.label_max_grams or LABEL_GRAMS[1])


def product_problems(product) -> list[str]:
    """Every rule a product (a Product, or anything with its fields) breaks, in words; the
    one list of rules, used to refuse a product and to name all of a file's problems."""
    problems = []
    if not (isinstance(product.sku, str) and is_valid_ean13(product.sku)):
        problems.append("is not a valid EAN-13")
    if type(product.price_ore) is not int or product.price_ore <= 0:
        problems.append("price_ore must be a positive integer")
    if type(product.vat_rate) is not int or product.vat_rate not in VAT_RATES:
        problems.append(f"vat_rate must be one of {VAT_RATES}")
    if product.sold_by not in ("each", "kg"):
        problems.append("sold_by must be each or kg")
    elif (product.sold_by == "kg") != (product.plu is not None):
        problems.append("needs a PLU exactly when it is sold by kg")
    if product.plu is not None and not (isinstance(product.plu, str) and len(product.plu) == 5
                                        and product.plu.isdigit()):
        problems.append("plu must be five digits")
    least = product.label_min_grams or LABEL_GRAMS[0]
    most = product.label_max_grams or LABEL_GRAMS[1]
    if not (type(least) is int and type(most) is int and 0 < least <= most):
        problems.append("label_min_grams and label_max_grams must be positive, min <= max")
    elif product.sold_by == "each" and (product.label_min_grams,
                                        product.label_max_grams) != (None, None):
        problems.append("label_min_grams and label_max_grams are for products sold by kg")
    return problems


class Catalog:
    """Products by SKU; `version` changes whenever any product or price does."""

    def __init__(self, products: list[Product], currency: str = "SEK"):
        self.currency = currency
        self.products = {p.sku: p for p in products}
        self.by_plu = {p.plu: p for p in products if p.plu is not None}
        if len(self.products) != len(products):
            raise ValueError("catalog: duplicate SKU")
        if len(self.by_plu) != sum(p.plu is not None for p in products):
            raise ValueError("catalog: duplicate PLU")
        canonical = json.dumps([p.as_json() for p in products], sort_keys=True).encode()
        self.version = hashlib.sha256(canonical).hexdigest()[:16]

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Catalog":
        """Read a catalog file (the built-in one when no path is given)."""
        data = json.loads(Path(path or DEFAULT_CATALOG).read_text(encoding="utf-8"))
        return cls([Product(**entry) for entry in data["items"]], data.get("currency", "SEK"))

    def get(self, sku: str) -> Product | None:
        """The product with this SKU, or None."""
        return self.products.get(sku)

    def as_json(self) -> dict:
        """The catalog as served by GET /catalog."""
        items = [p.as_json() for p in self.products.values()]
        return {"version": self.version, "currency": self.currency, "items": items}
