"""The chain wallboard's answers (marshmallow): the board, which the /ws/hq socket's
snapshot holds too, and a store's page."""
from marshmallow import Schema, fields, validate

from server.dashboard.chain_board import STATUSES
from server.dashboard.chain_reconciliation import VERDICTS
from server.hq.schemas import TransitSchema
from server.web.fields import DigitsInt

Time = fields.Str  # ISO 8601 with offset, as every time head office answers


class BusLookSchema(Schema):
    looked_at = Time(required=True, allow_none=True, metadata={
        "description": "the last look that answered (null: none yet)"})
    problem = fields.Str(required=True, allow_none=True, metadata={
        "description": "why the last look failed (the figures are as of looked_at)"})
    complete = fields.Bool(required=True, metadata={
        "description": "false when the look read only hq_transit_look_limit messages: the "
                       "figures are a floor"})


class BoardOverviewSchema(Schema):
    stores_total = fields.Int(required=True, metadata={"description": "stores enrolled"})
    stores_reporting = fields.Int(required=True, metadata={
        "description": "a report within hq_store_silent_after_s"})
    stores_silent = fields.Int(required=True, metadata={
        "description": "no report for longer: they may be selling offline"})
    stores_never_reported = fields.Int(required=True)
    stores_attention = fields.Int(required=True, metadata={
        "description": "stores with an alert, or whose state is not reporting or waiting"})
    orders_today = fields.Int(required=True, metadata={
        "description": "sales head office holds of its business day today (hq_timezone)"})
    revenue_today_ore = fields.Int(required=True)
    pending_count = fields.Int(required=True, metadata={
        "description": "sales waiting in stores, as each last reported"})
    oldest_pending_at = Time(required=True, allow_none=True)
    in_transit = fields.Int(required=True, metadata={
        "description": "sales on the bus: published by stores (synced there), not yet taken "
                       "by hq ingest; 0 for a chain on HTTP"})
    oldest_in_transit_at = Time(required=True, allow_none=True, metadata={
        "description": "when the stream took the oldest of them"})
    bus = fields.Nested(BusLookSchema, required=True, allow_none=True, metadata={
        "description": "head office's last look at the stream (null: it watches none)"})
    bus_dead_letters = fields.Int(required=True, metadata={
        "description": "messages from the bus that could never be ingested, ever"})
    set_aside_count = fields.Int(required=True, metadata={
        "description": "sales set aside in stores, as each last reported"})
    rows_refused = fields.Int(required=True, metadata={
        "description": "rows of batches head office refused since it started"})
    signature_refusals_last_hour = fields.Int(required=True)
    alerts = fields.Int(required=True)
    business_day = fields.Str(required=True)
    generated_at = Time(required=True)


class StoreRowSchema(Schema):
    store_id = fields.Str(required=True)
    state = fields.Str(required=True, validate=validate.OneOf(
        ["reporting", "silent", "never_reported"]))
    status = fields.Str(required=True, validate=validate.OneOf(STATUSES), metadata={
        "description": "the one word the board shows, the most pressing first"})
    attention = fields.Bool(required=True)
    last_report_at = Time(required=True, allow_none=True, metadata={
        "description": "when head office received its latest report (silent since then)"})
    sent_at = Time(required=True, allow_none=True)
    software_version = fields.Str(required=True, allow_none=True)
    pending = fields.Int(required=True)
    oldest_pending_at = Time(required=True, allow_none=True)
    set_aside = fields.Int(required=True)
    last_sale_at = Time(required=True, allow_none=True)
    kiosks = fields.Int(required=True)
    kiosks_online = fields.Int(required=True)
    catalog_version = fields.Str(required=True, allow_none=True)
    orders_today = fields.Int(required=True)
    revenue_today_ore = fields.Int(required=True)
    in_transit = fields.Int(required=True, metadata={"description": "its sales on the bus"})
    oldest_in_transit_at = Time(required=True, allow_none=True)
    reconciliation = fields.Str(required=True, allow_none=True, validate=validate.OneOf(
        VERDICTS), metadata={"description": "its worst kiosk-day; null when silent or "
                                            "never reported"})


class AlertSchema(Schema):
    id = fields.Str(required=True, metadata={"description": "stable while it holds"})
    kind = fields.Str(required=True, validate=validate.OneOf(
        ["silent", "backlog", "in_transit", "differs", "set_aside", "rows_refused",
         "dead_letters", "catalog_refused", "signature_refusals", "bus_unwatched"]))
    store_id = fields.Str(required=True, allow_none=True)
    since = Time(required=True, allow_none=True)
    message = fields.Str(required=True)


class BoardSchema(Schema):
    overview = fields.Nested(BoardOverviewSchema, required=True)
    stores = fields.Dict(keys=fields.Str(), values=fields.Nested(StoreRowSchema),
                         required=True, metadata={"description": "by store id"})
    alerts = fields.Dict(keys=fields.Str(), values=fields.Nested(AlertSchema), required=True,
                         metadata={"description": "by alert id; the page lists them newest "
                                                  "first"})


class StoreBoardQuerySchema(Schema):
    hours = DigitsInt(load_default=6, validate=validate.Range(min=1, max=12), metadata={
        "description": "how far back the backlog goes"})


class SideSchema(Schema):
    orders = fields.Int(required=True)
    total_ore = fields.Int(required=True)
    synced_orders = fields.Int(metadata={"description": "the store's side only"})
    synced_total_ore = fields.Int(metadata={"description": "the store's side only"})


class KioskDayVerdictSchema(Schema):
    kiosk_id = fields.Str(required=True)
    business_day = fields.Str(required=True)
    store = fields.Nested(SideSchema, required=True, metadata={"description": "as reported"})
    hq = fields.Nested(SideSchema, required=True, metadata={"description": "held now"})
    verdict = fields.Str(required=True, validate=validate.OneOf(VERDICTS))
    words = fields.Str(required=True, metadata={"description": "the verdict in words"})


class BacklogPointSchema(Schema):
    at = Time(required=True)
    pending = fields.Int(required=True, metadata={"description": "as last reported by then"})


class StoreBoardSchema(Schema):
    store_id = fields.Str(required=True)
    row = fields.Nested(StoreRowSchema, required=True)
    kiosks = fields.List(fields.Dict(), required=True, metadata={
        "description": "its kiosks as last reported: kiosk_id, online, link, last_heartbeat,"
                       " pending, last_checkout"})
    catalog = fields.Dict(required=True, allow_none=True)
    fleet = fields.Dict(required=True, allow_none=True)
    reconciliation = fields.List(fields.Nested(KioskDayVerdictSchema), required=True)
    in_transit = fields.Nested(TransitSchema, required=True, allow_none=True, metadata={
        "description": "its sales on the bus, not yet taken by hq ingest (null: head office "
                       "watches no bus)"})
    backlog = fields.List(fields.Nested(BacklogPointSchema), required=True)
    alerts = fields.List(fields.Nested(AlertSchema), required=True)
    timezone = fields.Str(required=True)
    generated_at = Time(required=True)
