"""Head office's schemas (marshmallow): its queries, its answers, and the batch a store sends
(documented here; checked as signed bytes by server/chain/batches.py, not by these)."""
from marshmallow import Schema, fields, validate

from server.web.fields import CURSOR, KIOSK_ID, STORE_ID, DigitsInt
from server.web.order_answers import OrderSchema


class HqOrdersQuerySchema(Schema):
    store_id = fields.Str(validate=STORE_ID, metadata={
        "description": "one store's orders (a store reading with its signature: its own only)"})
    kiosk_id = fields.Str(validate=KIOSK_ID)
    limit = DigitsInt(load_default=100, validate=validate.Range(min=1, max=1000))
    after = fields.Str(validate=CURSOR, metadata={"description": "`next` of the previous page"})


class HqOrderSchema(OrderSchema):
    store_id = fields.Str(required=True)
    batch_id = fields.Int(required=True, metadata={
        "description": "the batch that brought it: its proof is in the store's batches"})


class HqOrdersPageSchema(Schema):
    orders = fields.List(fields.Nested(HqOrderSchema), required=True)
    next = fields.Str(required=True, allow_none=True)


class BatchesQuerySchema(Schema):
    limit = DigitsInt(load_default=100, validate=validate.Range(min=1, max=1000))
    after = fields.Str(validate=CURSOR, metadata={"description": "`next` of the previous page"})


class BatchProofSchema(Schema):
    batch_id = fields.Int(required=True)
    key_id = fields.Str(required=True, metadata={"description": "the store's key that signed"})
    signature_input = fields.Str(required=True, metadata={"description": "as it came"})
    signature = fields.Str(required=True, metadata={"description": "as it came"})
    content_digest = fields.Str(required=True, metadata={"description": "as it came"})
    body = fields.Str(required=True, metadata={
        "description": "the exact bytes signed, base64 (standard alphabet, padded)"})
    received_at = fields.Str(required=True)
    rows = fields.Int(required=True)


class BatchesPageSchema(Schema):
    store_id = fields.Str(required=True)
    batches = fields.List(fields.Nested(BatchProofSchema), required=True)
    next = fields.Str(required=True, allow_none=True)


class RefusedRowsQuerySchema(BatchesQuerySchema):
    """A page of a store's refused rows: the same `limit` and `after` as its batches'."""


class RefusedRowSchema(Schema):
    order_uuid = fields.Str(required=True)
    reason = fields.Str(required=True, metadata={"description": "why, for the store's staff"})
    recorded_at = fields.Str(required=True)
    cursor = fields.Int(required=True, metadata={"description": "`after` to read on from it"})


class RefusedRowsSchema(Schema):
    store_id = fields.Str(required=True)
    rows = fields.List(fields.Nested(RefusedRowSchema), required=True, metadata={
        "description": "oldest first"})
    next = fields.Str(required=True, allow_none=True)


class StoreKeySchema(Schema):
    key_id = fields.Str(required=True)
    public_key = fields.Str(required=True, metadata={"description": "base64url of 32 bytes"})
    enrolled_at = fields.Str(required=True)
    revoked_at = fields.Str(required=True, allow_none=True)


class StoreSchema(Schema):
    store_id = fields.Str(required=True)
    enrolled_at = fields.Str(required=True)
    keys = fields.List(fields.Nested(StoreKeySchema), required=True)
    orders = fields.Int(required=True, metadata={"description": "sales head office holds"})
    total_ore = fields.Int(required=True)
    last_received_at = fields.Str(required=True, allow_none=True,
                                  metadata={"description": "when its last batch came"})


class StoresSchema(Schema):
    stores = fields.List(fields.Nested(StoreSchema), required=True)


class KioskDayTotalSchema(Schema):
    kiosk_id = fields.Str(required=True)
    business_day = fields.Str(required=True)
    orders = fields.Int(required=True)
    total_ore = fields.Int(required=True)


class KioskTransitSchema(Schema):
    sales = fields.Int(required=True)
    seqs = fields.List(fields.List(fields.Int()), required=True, metadata={
        "description": "the store's seq ranges [first, last] (merged), its rows among them"})


class TransitSchema(Schema):
    sales = fields.Int(required=True, metadata={"description": "from the messages' counts"})
    messages = fields.Int(required=True)
    oldest_at = fields.Str(required=True, allow_none=True, metadata={
        "description": "when the stream took the oldest (the store marked it synced then)"})
    complete = fields.Bool(required=True)
    kiosks = fields.Dict(keys=fields.Str(), values=fields.Nested(KioskTransitSchema),
                         required=True)
    looked_at = fields.Str(required=True, allow_none=True)
    problem = fields.Str(required=True, allow_none=True)


class StoreTotalsSchema(Schema):
    store_id = fields.Str(required=True)
    totals = fields.List(fields.Nested(KioskDayTotalSchema), required=True)
    in_transit = fields.Nested(TransitSchema, required=True, allow_none=True, metadata={
        "description": "the store's sales on the bus, not yet taken by hq ingest: the store "
                       "finds its rows by each kiosk's seqs (null: head office watches no "
                       "bus)"})


class BatchAnswerSchema(Schema):
    inserted = fields.Int(required=True)
    already_present = fields.Int(required=True)
    refused = fields.Dict(keys=fields.Str(), values=fields.Str(), required=True, metadata={
        "description": "order_uuid -> why: held with other content, refused for good"})


class HqHealthSchema(Schema):
    status = fields.Str(required=True)
    ledger = fields.Str(required=True)


class CatalogsQuerySchema(Schema):
    after = DigitsInt(load_default=0, validate=validate.Range(min=0), metadata={
        "description": "the highest seq the caller holds: only later versions come"})


class CatalogReleaseSchema(Schema):
    seq = fields.Int(required=True, metadata={"description": "1, 2, 3... in publishing order"})
    version = fields.Str(required=True, metadata={
        "description": "the items' content hash, as orders name it (`catalog_version`)"})
    effective_at = fields.Str(required=True, metadata={"description": "when stores use it"})
    published_at = fields.Str(required=True)
    document = fields.Str(required=True, metadata={
        "description": "the exact signed JSON text: {seq, version, effective_at, "
                       "published_at, currency, items}; a store trusts only this"})
    signature = fields.Str(required=True, metadata={
        "description": "Ed25519 over the document's UTF-8 bytes, base64url, by public_key"})


class CatalogsSchema(Schema):
    catalogs = fields.List(fields.Nested(CatalogReleaseSchema), required=True, metadata={
        "description": "after `after`: the version in force now and every one to come, by seq"})
    public_key = fields.Str(required=True, metadata={
        "description": "head office's key (base64url of 32 bytes); a store checks against "
                       "the key it pinned, never this one"})


class StoreCatalogSchema(Schema):
    version = fields.Str(required=True, metadata={"description": "the catalog it sells from"})
    seq = fields.Int(required=True, allow_none=True, metadata={
        "description": "head office's seq of it; null: the store's built-in catalog or file"})
    refused = fields.Dict(required=True, allow_none=True, metadata={
        "description": "the last release it refused ({seq, reason, at}), or null"})


class StoreInUseSchema(Schema):
    store_id = fields.Str(required=True)
    catalog = fields.Nested(StoreCatalogSchema, required=True, allow_none=True, metadata={
        "description": "as its last status report said; null when it never said"})
    reported_at = fields.Str(required=True, allow_none=True, metadata={
        "description": "when that report was sent (the store's clock)"})
    up_to_date = fields.Bool(required=True, metadata={
        "description": "it runs the version in force at head office now"})


class CatalogsInUseSchema(Schema):
    in_force = fields.Dict(required=True, allow_none=True, metadata={
        "description": "{seq, version} in force at head office now; null before the first"})
    stores = fields.List(fields.Nested(StoreInUseSchema), required=True, metadata={
        "description": "every enrolled store, by store id"})
