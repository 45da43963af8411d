"""The store's request schemas (marshmallow): the same classes validate requests and document
them at /docs. What the routes answer is described in server/edge_app/answers.py."""
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


# Examples that work as shipped, from /docs' "Try it out" with kiosk-1's token: milk from the
# built-in catalog, paid by card.
EXAMPLE_LINES = [{"sku": "7318001010007", "qty": 2}]


class CheckoutRequestSchema(FastLoading, Schema):
    EXAMPLE = {"idempotency_key": "docs-example-0001", "items": EXAMPLE_LINES,
               "payment": {"method": "card", "reference": "TERM-0001"}}
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
    EXAMPLE = {"items": EXAMPLE_LINES}
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
    EXAMPLE = {"central_link_up": True}
    kiosk_id = fields.Str(validate=KIOSK_ID, metadata={"description": OWN_KIOSK})
    central_link_up = StrictBool(required=True)


class SyncRequestSchema(Schema):
    EXAMPLE: dict = {}
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
