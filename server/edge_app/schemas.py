"""Marshmallow schemas: the same classes validate requests and document them at /docs."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from server.web.fields import (
    CURSOR,
    EAN13,
    IDEMPOTENCY_KEY,
    KIOSK_ID,
    PAYMENT_REFERENCE,
    STAFF_PIN,
    DigitsInt,
    StrictBool,
    StrictInt,
    not_a_card_number,
)

# Requests

def _typed(value, kind: type):
    """`value` if it is exactly of JSON type `kind` (a bool is not an int here)."""
    if type(value) is not kind:
        raise TypeError(f"not a {kind.__name__}")
    return value


def _checked(field: fields.Field, value):
    """`value` once the field's own validators have passed it."""
    for validator in field.validators:
        validator(value)
    return value


ENTRIES = ("scanned", "keyed")
ENTRY = ("how the code came in: `scanned` (the default) or `keyed`, typed by hand; a scale "
         "label typed by hand, or more than one of a label on a line, needs staff approval")


class CheckoutLineSchema(Schema):
    """A line as the kiosk sends it; any price it adds is ignored (the edge prices)."""

    class Meta:
        unknown = EXCLUDE

    sku = fields.Str(required=True, validate=EAN13)
    qty = StrictInt(required=True, validate=validate.Range(min=1))
    entry = fields.Str(validate=validate.OneOf(ENTRIES), metadata={"description": ENTRY})


class PaymentSchema(Schema):
    method = fields.Str(required=True, validate=validate.OneOf(["card", "swish"]))
    reference = fields.Str(
        required=True,
        validate=[PAYMENT_REFERENCE, not_a_card_number],
        metadata={"description": "the payment terminal's reference (never a card number)"},
    )


ORDER_LINES = ("one line per SKU, at most `max_order_lines` of them (a setting, 100 by default): "
               "room for a big basket, and a bound on the work one request can cost the edge")
OWN_KIOSK = "may be omitted: the kiosk's credential decides; naming another kiosk is refused"


def _fast_lines(items_field: fields.Field, raw) -> list[dict]:
    """A body's `items` as CheckoutLineSchema loads them (other keys of a line dropped), each
    line through the same validators, then the list through the field's own."""
    line_fields = CheckoutLineSchema._declared_fields
    return _checked(items_field, [_fast_line(line_fields, _typed(line, dict))
                                  for line in _typed(raw, list)])


def _fast_line(line_fields: dict, line: dict) -> dict:
    loaded = {"sku": _checked(line_fields["sku"], _typed(line["sku"], str)),
              "qty": _checked(line_fields["qty"], _typed(line["qty"], int))}
    if "entry" in line:
        loaded["entry"] = _checked(line_fields["entry"], _typed(line["entry"], str))
    return loaded


class FastLoading:
    """A request schema on the hot path whose plainly valid body is loaded, as `load` would
    load it, without marshmallow's per-field machinery (a quarter of a sale's CPU in the
    profile), by the same field validators. Its `_fast_load` raises at anything it is not
    sure of, and the body goes to `load` and its messages. tests/test_fast_load.py holds
    the two to the same answers."""

    def fast_load(self, raw) -> dict | None:
        try:
            return self._fast_load(raw)
        except (KeyError, TypeError, ValidationError):
            return None


class CheckoutRequestSchema(FastLoading, Schema):
    kiosk_id = fields.Str(validate=KIOSK_ID, metadata={"description": OWN_KIOSK})
    idempotency_key = fields.Str(
        required=True, validate=IDEMPOTENCY_KEY,
        metadata={"description": "made by the kiosk before the first try, reused on retries"},
    )
    items = fields.List(fields.Nested(CheckoutLineSchema), required=True,
                        validate=validate.Length(min=1), metadata={"description": ORDER_LINES})
    payment = fields.Nested(PaymentSchema, required=True)
    expected_total_ore = StrictInt(
        validate=validate.Range(min=0),
        metadata={"description": "the total the kiosk showed; a mismatch is refused with 409"},
    )
    staff_pin = fields.Str(
        validate=STAFF_PIN,
        metadata={"description": "staff approval (ID checked) for age-restricted products"},
    )

    @validates_schema
    def one_line_per_sku(self, data, **kwargs):
        """A SKU appears once per order; the kiosk sums repeated scans into its qty."""
        seen = set()
        for line in data.get("items", []):
            if line["sku"] in seen:
                raise ValidationError(f"SKU {line['sku']} appears on more than one line", "items")
            seen.add(line["sku"])

    def _fast_load(self, raw) -> dict:
        if type(raw) is not dict or not raw.keys() <= self.fields.keys():
            raise TypeError("not a plain body")
        loaded = {"idempotency_key": _checked(self.fields["idempotency_key"],
                                              _typed(raw["idempotency_key"], str))}
        for name in ("kiosk_id", "staff_pin"):
            if name in raw:
                loaded[name] = _checked(self.fields[name], _typed(raw[name], str))
        if "expected_total_ore" in raw:
            loaded["expected_total_ore"] = _checked(self.fields["expected_total_ore"],
                                                    _typed(raw["expected_total_ore"], int))
        loaded["items"] = _fast_lines(self.fields["items"], raw["items"])
        payment, payment_fields = _typed(raw["payment"], dict), PaymentSchema._declared_fields
        if not payment.keys() <= payment_fields.keys():
            raise TypeError("unknown payment field")
        loaded["payment"] = {name: _checked(payment_fields[name], _typed(payment[name], str))
                             for name in ("method", "reference")}
        self.one_line_per_sku(loaded)
        return loaded


class QuoteRequestSchema(FastLoading, Schema):
    items = fields.List(fields.Nested(CheckoutLineSchema), required=True,
                        validate=validate.Length(min=1), metadata={"description": ORDER_LINES})

    one_line_per_sku = CheckoutRequestSchema.one_line_per_sku

    def _fast_load(self, raw) -> dict:
        if type(raw) is not dict or raw.keys() != {"items"}:
            raise TypeError("not a plain body")
        loaded = {"items": _fast_lines(self.fields["items"], raw["items"])}
        self.one_line_per_sku(loaded)
        return loaded


class HeartbeatRequestSchema(Schema):
    kiosk_id = fields.Str(validate=KIOSK_ID, metadata={"description": OWN_KIOSK})
    central_link_up = StrictBool(required=True)


class SyncRequestSchema(Schema):
    kiosk_id = fields.Str(
        validate=KIOSK_ID, metadata={"description": "omit to sync every kiosk whose link is up"}
    )


class OrdersQuerySchema(Schema):
    kiosk_id = fields.Str(validate=KIOSK_ID)
    sync_state = fields.Str(validate=validate.OneOf(["pending", "synced", "attention"]),
                            metadata={"description": "central holds only synced orders; "
                                                     "`attention`: set aside for staff"})
    limit = DigitsInt(load_default=100, validate=validate.Range(min=1, max=1000))
    after = fields.Str(validate=CURSOR, metadata={"description": "`next` of the previous page"})


# Responses

class ProductSchema(Schema):
    sku = fields.Str(required=True)
    name = fields.Str(required=True)
    price_ore = fields.Int(required=True)
    vat_rate = fields.Int(required=True)
    category = fields.Str(required=True)
    age_limit = fields.Int(allow_none=True)
    plu = fields.Str(allow_none=True, metadata={"description": "sold by weight: its scale PLU"})
    sold_by = fields.Str(required=True, validate=validate.OneOf(["each", "kg"]),
                         metadata={"description": "kg: price_ore is per kilogram, sold only "
                                                  "through a scale label"})


class CatalogSchema(Schema):
    version = fields.Str(required=True)
    currency = fields.Str(required=True)
    items = fields.List(fields.Nested(ProductSchema), required=True)


class MeasureSchema(Schema):
    """What a scale label said: a weight (priced at the catalog's price per kg) or a price."""

    grams = fields.Int()
    price_per_kg_ore = fields.Int()
    printed_price_ore = fields.Int()


class OrderLineSchema(Schema):
    sku = fields.Str(required=True, metadata={"description": "the EAN scanned (or the label)"})
    name = fields.Str(required=True)
    qty = fields.Int(required=True)
    unit_price_ore = fields.Int(required=True)
    line_total_ore = fields.Int(required=True)
    vat_rate = fields.Int(required=True)
    measure = fields.Nested(MeasureSchema, metadata={"description": "scale-label lines only"})


class VatSchema(Schema):
    rate = fields.Int(required=True)
    gross_ore = fields.Int(required=True)
    amount_ore = fields.Int(required=True)


class OrderSchema(Schema):
    order_uuid = fields.Str(required=True)
    kiosk_id = fields.Str(required=True)
    idempotency_key = fields.Str(required=True)
    items = fields.List(fields.Nested(OrderLineSchema), required=True)
    total_ore = fields.Int(required=True)
    currency = fields.Str(required=True)
    vat = fields.List(fields.Nested(VatSchema), required=True)
    payment = fields.Nested(PaymentSchema, required=True)
    catalog_version = fields.Str(required=True)
    created_at = fields.DateTime(required=True)
    business_day = fields.Date(required=True)
    sync_state = fields.Str(required=True,
                            validate=validate.OneOf(["pending", "synced", "attention"]),
                            metadata={"description": "`attention`: central refused it for good "
                                                     "and staff must look (see set_aside_reason)"})
    synced_at = fields.DateTime(required=True, allow_none=True)
    set_aside_reason = fields.Str(metadata={
        "description": "only on an order in `attention`: why central refused it"})
    prev_hash = fields.Str(
        required=True, allow_none=True,
        metadata={"description": "journal: the entry_hash of the kiosk's previous sale "
                                 "(64 zeros for its first; null before the journal)"},
    )
    entry_hash = fields.Str(
        required=True, allow_none=True,
        metadata={"description": "journal: SHA-256 of prev_hash and this sale's content"},
    )


class LabelCheckSchema(Schema):
    sku = fields.Str(required=True)
    reason = fields.Str(required=True, validate=validate.OneOf(["keyed_label", "label_quantity"]),
                        metadata={"description": "`keyed_label`: typed by hand; "
                                                 "`label_quantity`: more than one on a line"})


class QuoteSchema(Schema):
    items = fields.List(fields.Nested(OrderLineSchema), required=True)
    total_ore = fields.Int(required=True)
    currency = fields.Str(required=True)
    vat = fields.List(fields.Nested(VatSchema), required=True)
    catalog_version = fields.Str(required=True)
    age_limit = fields.Int(required=True, allow_none=True,
                           metadata={"description": "staff must approve (ID check) at checkout"})
    label_checks = fields.List(fields.Nested(LabelCheckSchema), required=True, metadata={
        "description": "scale labels staff must look at and approve (their PIN) at checkout"})


class OrdersPageSchema(Schema):
    orders = fields.List(fields.Nested(OrderSchema), required=True)
    next = fields.Str(required=True, allow_none=True)


class HeartbeatResponseSchema(Schema):
    kiosk_id = fields.Str(required=True)
    central_link_up = fields.Bool(required=True)
    link_changed = fields.Bool(required=True)
    pending_count = fields.Int(required=True)
    link_forced_down = fields.Bool(required=True)
    received_at = fields.DateTime(required=True)


class DrainReportSchema(Schema):
    kiosk_id = fields.Str(required=True)
    synced = fields.Int(required=True, metadata={"description": "rows newly written at central"})
    already_present = fields.Int(required=True,
                                 metadata={"description": "rows central held (dedup absorbed)"})
    set_aside = fields.Int(required=True, metadata={
        "description": "rows central refused for good, set aside for staff (sync_state "
                       "`attention`); the rows behind them drained"})
    batches = fields.Int(required=True)
    outcome = fields.Str(required=True,
                         validate=validate.OneOf(["drained", "link_down", "central_error"]))
    error = fields.Str(required=True, allow_none=True)


class SyncResponseSchema(Schema):
    results = fields.List(fields.Nested(DrainReportSchema), required=True)
    skipped_link_down = fields.List(fields.Str(), required=True)
    synced = fields.Int(required=True)
    already_present = fields.Int(required=True)
    set_aside = fields.Int(required=True)


class HealthSchema(Schema):
    status = fields.Str(required=True)
    edge = fields.Str(required=True)
    central = fields.Str(required=True)
