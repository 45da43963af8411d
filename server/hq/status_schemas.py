"""A store's status report as head office takes it (marshmallow): every field typed, the
lists bounded, nothing unknown. The same classes check `POST /hq/v1/status` and document it
and `GET /hq/v1/stores/{store_id}/status` at /docs. Times stay the edge's text (ISO 8601 with
its offset), checked to be one."""
import datetime

from marshmallow import Schema, ValidationError, fields, validate

from server.web.fields import KIOSK_ID, STORE_ID, StrictBool, StrictInt

MAX_KIOSKS = 1_000
MAX_TOTALS = 7_000   # 1,000 kiosks over the last 7 business days
LINKS = ("up", "down", "forced", "unknown")
COUNT = validate.Range(min=0)


class IsoTime(fields.Str):
    """ISO 8601 text with its offset, kept as the edge wrote it."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = datetime.datetime.fromisoformat(text) if len(text) <= 40 else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ValidationError("an ISO 8601 time with its offset")
        return text


class BusinessDay(fields.Str):
    """A date, YYYY-MM-DD."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            datetime.date.fromisoformat(text if len(text) == 10 else "")
        except ValueError:
            raise ValidationError("a date YYYY-MM-DD") from None
        return text


def _count(**kwargs) -> StrictInt:
    return StrictInt(required=True, validate=COUNT, **kwargs)


class CatalogInUseSchema(Schema):
    version = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    seq = StrictInt(required=True, allow_none=True, metadata={
        "description": "the catalog's sequence number, where the store knows one"})
    refused = fields.Raw(required=True, allow_none=True, metadata={
        "description": "a catalog the store refused, and why, if one was"})


class FleetStatusSchema(Schema):
    enrolled = _count(metadata={"description": "kiosks on the store's board"})
    online = _count(metadata={"description": "heard from within heartbeat_timeout_s"})
    link_down = _count(metadata={"description": "whose link is down or forced down"})


class KioskStatusSchema(Schema):
    kiosk_id = fields.Str(required=True, validate=KIOSK_ID)
    online = StrictBool(required=True)
    link = fields.Str(required=True, validate=validate.OneOf(LINKS))
    last_heartbeat = IsoTime(required=True, allow_none=True)
    pending = _count()
    last_checkout = IsoTime(required=True, allow_none=True)


class PendingStatusSchema(Schema):
    count = _count(metadata={"description": "sales waiting to reach head office"})
    oldest_at = IsoTime(required=True, allow_none=True)


class DayTotalStatusSchema(Schema):
    kiosk_id = fields.Str(required=True, validate=KIOSK_ID)
    business_day = BusinessDay(required=True)
    orders = _count()
    total_ore = _count()
    synced_orders = _count(metadata={"description": "of them, delivered to head office"})
    synced_total_ore = _count()


class StoreStatusSchema(Schema):
    """What a store says of itself, as its edge sends it."""

    store_id = fields.Str(required=True, validate=STORE_ID)
    sent_at = IsoTime(required=True, metadata={"description": "the edge's clock"})
    software_version = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    catalog = fields.Nested(CatalogInUseSchema, required=True)
    fleet = fields.Nested(FleetStatusSchema, required=True)
    kiosks = fields.List(fields.Nested(KioskStatusSchema), required=True,
                         validate=validate.Length(max=MAX_KIOSKS))
    pending = fields.Nested(PendingStatusSchema, required=True)
    last_sale_at = IsoTime(required=True, allow_none=True)
    set_aside = _count(metadata={"description": "sales head office refused, waiting for staff"})
    totals = fields.List(fields.Nested(DayTotalStatusSchema), required=True,
                         validate=validate.Length(max=MAX_TOTALS), metadata={
                             "description": "per kiosk, the last 7 business days"})


class StatusAnswerSchema(Schema):
    received_at = fields.Str(required=True, metadata={"description": "head office's clock"})
    kept = fields.Bool(required=True)


class StoreStatusReportSchema(Schema):
    store_id = fields.Str(required=True)
    key_id = fields.Str(required=True, metadata={"description": "the store's key that signed"})
    sent_at = fields.Str(required=True)
    received_at = fields.Str(required=True)
    status = fields.Nested(StoreStatusSchema, required=True)
