"""Checkout: price at the edge, keep idempotency, commit before answering.

Replays answer with the order exactly as it was first accepted (sync_state `pending`), as
Stripe replays the first response; GET /edge/orders shows where it is now. A new sale costs
one write and no read: the insert itself finds a key already used, and the key is looked up
beforehand only when the sale cannot be priced as it is now.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from server import json_text
from server.auth.store import AuditEvent
from server.catalog.catalog import Catalog
from server.catalog.pricing import price_lines
from server.clock import business_day, to_iso
from server.edge.events import EdgeEvents
from server.edge.store import EdgeStore
from server.errors import (
    AgeCheckRequired,
    DomainError,
    IdempotencyKeyReused,
    LabelCheckRequired,
    PriceChanged,
)
from server.faults import Faults
from server.orders import canonical_content, make_order_uuid, order_view


@dataclass(frozen=True)
class CheckoutResult:
    """The order as accepted, and whether this answer is a replay of an earlier one."""

    order: dict
    replayed: bool


def _significant(request: dict) -> dict:
    """Everything in a checkout that makes it this sale and not another."""
    return {k: request.get(k) for k in ("items", "payment", "expected_total_ore")}


def request_fingerprint(request: dict) -> str:
    """A digest of the sale's significant fields, as canonical JSON."""
    return hashlib.sha256(json_text.canonical(_significant(request))).hexdigest()


def spaced_fingerprint(request: dict) -> str:
    """The digest as the edge spelt it before 2026-12 (the standard module's default spacing),
    still stored with the sales of that time: their retries must replay too."""
    return hashlib.sha256(json.dumps(_significant(request), sort_keys=True).encode()).hexdigest()


def _replay(row, request: dict, fingerprint: str) -> CheckoutResult:
    stored = row["request_hash"]
    if stored != fingerprint and stored != spaced_fingerprint(request):
        raise IdempotencyKeyReused(
            "this idempotency key was already used for a different sale",
            {"order_uuid": row["order_uuid"]},
        )
    return CheckoutResult(order_view(row, "pending", None), replayed=True)


def _price(catalog: Catalog, request: dict, staff_approved: bool):
    """The sale's lines priced from the catalog, or the reason it cannot be sold as asked."""
    priced = price_lines(catalog, request["items"])
    checks = {"age_limit": priced.age_limit, "label_checks": priced.label_checks}
    if priced.age_limit and not staff_approved:
        raise AgeCheckRequired(
            f"this order has products with an age limit of {priced.age_limit}: staff must "
            "check the shopper's ID and approve with their PIN", checks)
    if priced.label_checks and not staff_approved:
        raise LabelCheckRequired(
            "this order has scale labels typed by hand or counted more than once: staff must "
            "look at them and approve with their PIN", checks)
    expected = request.get("expected_total_ore")
    if expected is not None and expected != priced.total_ore:
        raise PriceChanged(
            "prices changed since the kiosk computed its total; refresh the catalog",
            {"expected_total_ore": expected, "total_ore": priced.total_ore,
             "catalog_version": catalog.version},
        )
    return priced


async def checkout(store: EdgeStore, catalog: Catalog, request: dict, now: datetime,
                   timezone: str, events: EdgeEvents, approver: str | None = None,
                   faults: Faults | None = None) -> CheckoutResult:
    """Record one sale for `request["kiosk_id"]`, or replay the one its key already made,
    and announce which it was (`events`).

    An order with age-restricted products, or scale labels typed by hand or counted more
    than once, needs an `approver`: the staff member (audit actor) who checked the ID and
    looked at the labels, whose approval is audited in the sale's own transaction.
    """
    kiosk_id, key = request["kiosk_id"], request["idempotency_key"]
    fingerprint = request_fingerprint(request)
    try:
        priced = _price(catalog, request, approver is not None)
    except DomainError:
        # A retry must replay even if the sale could not be priced as it is now (a price
        # or the catalog changed since): only a key never used gets the error.
        existing = await store.find_order(kiosk_id, key)
        if existing is not None:
            return _replayed(events, _replay(existing, request, fingerprint))
        raise
    # The JSON columns' values, at hand: neither the journal nor the answer decodes them again.
    decoded = {"items_json": priced.items, "vat_json": priced.vat,
               "payment_json": request["payment"]}
    record = {
        "order_uuid": make_order_uuid(kiosk_id, key),
        "kiosk_id": kiosk_id,
        "idempotency_key": key,
        "request_hash": fingerprint,
        **{name: json_text.dumps_text(value) for name, value in decoded.items()},
        "total_ore": priced.total_ore,
        "catalog_version": priced.catalog_version,
        "created_at": to_iso(now),
        "business_day": business_day(now, timezone).isoformat(),
    }
    # The canonical content is made here, beside the writer, not in its serial turn.
    content = canonical_content(record, decoded)
    approval = _approval(priced, approver, record)
    if faults is not None and faults.active("ack_before_commit"):  # the broken edge, on purpose
        faults.defer(store.insert_order_once(record, content, approval))
        unsaved = {**record, "prev_hash": None, "entry_hash": None}
        return CheckoutResult(order_view(unsaved, "pending", None, decoded), replayed=False)
    row, created = await store.insert_order_once(record, content, approval)
    if not created:
        return _replayed(events, _replay(row, request, fingerprint))
    result = CheckoutResult(order_view(row, "pending", None, decoded), replayed=False)
    events.sale_recorded(kiosk_id, result.order)
    return result


def _approval(priced, approver: str | None, record: dict) -> AuditEvent | None:
    """The audit event of staff's approval of this sale, if it needed one."""
    if not priced.needs_staff:
        return None
    return AuditEvent(record["created_at"], approver, "staff_approval", record["order_uuid"],
                      {"age_limit": priced.age_limit, "label_checks": priced.label_checks})


def _replayed(events: EdgeEvents, result: CheckoutResult) -> CheckoutResult:
    events.sale_replayed(result.order["kiosk_id"], result.order)
    return result
