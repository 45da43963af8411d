"""A price list file checked whole, naming every problem it has, not only the first: what
head office's `publish-catalog` tells the person who wrote the file. The rules are the
catalog's own (`product_problems`, and Catalog's unique SKUs and PLUs), not a copy."""
import json
from collections import Counter
from dataclasses import fields
from types import SimpleNamespace

from server.catalog.catalog import Catalog, Product, product_problems

FIELDS = {f.name: f.default for f in fields(Product)}
REQUIRED = ("sku", "name", "price_ore", "vat_rate", "category")


class CatalogProblems(ValueError):
    """A price list refused, with every problem in words (one line each)."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the catalog")
        self.problems = problems


def _entry_problems(index: int, entry) -> list[str]:
    """Every problem of one item of the file, each naming the item."""
    where = f"items[{index}]"
    if not isinstance(entry, dict):
        return [f"{where}: an item must be an object"]
    if isinstance(entry.get("sku"), str):
        where = f"{where} ({entry['sku']})"
    missing = [name for name in REQUIRED if name not in entry]
    problems = [f"{where}: unknown field {name!r}" for name in sorted(entry.keys() - FIELDS)]
    problems += [f"{where}: {name} is missing" for name in missing]
    if any(not isinstance(entry.get(name, ""), str) for name in ("name", "category")):
        problems.append(f"{where}: name and category must be text")
    product = SimpleNamespace(**{**FIELDS, **entry})
    for problem in product_problems(product):
        # a field already named as missing is not named again by the rule it cannot meet
        if not any(name in problem or (name == "sku" and "EAN" in problem) for name in missing):
            problems.append(f"{where}: {problem}")
    return problems


def _duplicates(items: list, field: str) -> list[str]:
    """One line per value of `field` that more than one item holds."""
    counted = Counter(entry.get(field) for entry in items
                      if isinstance(entry, dict) and isinstance(entry.get(field), str))
    return [f"{field} {value} is held by {count} items" for value, count in counted.items()
            if count > 1]


def check_catalog(raw: bytes, max_bytes: int) -> Catalog:
    """The catalog a file's bytes hold; CatalogProblems naming all that is wrong with it."""
    if len(raw) > max_bytes:
        raise CatalogProblems([f"the file is {len(raw)} bytes, more than the "
                               f"{max_bytes} allowed (hq_max_catalog_bytes)"])
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CatalogProblems([f"not valid JSON (UTF-8): {exc}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise CatalogProblems(['the file must be an object: {"currency": "SEK", "items": [...]}'])
    problems = [f"unknown field {name!r}" for name in sorted(data.keys() - {"currency", "items"})]
    if data.get("currency", "SEK") != "SEK":
        problems.append("currency must be SEK (money is integer öre)")
    if not data["items"]:
        problems.append("items is empty: a store cannot sell from an empty catalog")
    for index, entry in enumerate(data["items"]):
        problems += _entry_problems(index, entry)
    problems += _duplicates(data["items"], "sku") + _duplicates(data["items"], "plu")
    if problems:
        raise CatalogProblems(problems)
    return Catalog([Product(**entry) for entry in data["items"]], "SEK")
