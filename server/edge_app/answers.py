"""What the store's routes answer, as marshmallow schemas: /docs describes each answer by
them, and tests/test_docs.py holds every answer to them."""
from marshmallow import Schema, fields, validate

from server.web.order_answers import OrderLineSchema, VatSchema


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
