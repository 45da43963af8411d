"""An order as both services show it (DESIGN.md §6; head office adds its store_id), for
/docs and for the tests that hold every answer to it."""
from marshmallow import Schema, fields, validate


class PaymentAnswerSchema(Schema):
    method = fields.Str(required=True)
    reference = fields.Str(required=True, metadata={"description": "the terminal's reference"})


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
    payment = fields.Nested(PaymentAnswerSchema, required=True)
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


class OrdersPageSchema(Schema):
    orders = fields.List(fields.Nested(OrderSchema), required=True)
    next = fields.Str(required=True, allow_none=True)
