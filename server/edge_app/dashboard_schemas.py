"""The dashboard's answers: fleet overview, kiosk rows, per-minute history, reconciliation.

The wallboard socket sends the same shapes: its snapshot holds the overview and the kiosk rows.
"""
from marshmallow import Schema, fields, validate

from server.web.fields import DigitsInt


class JournalCheckSchema(Schema):
    checked_at = fields.DateTime(required=True)
    ok = fields.Bool(required=True, metadata={"description": "every chain held"})
    summary = fields.Str(required=True)


class CatalogRefusedSchema(Schema):
    seq = fields.Int(required=True, allow_none=True, metadata={
        "description": "the release's seq (null when it could not be read)"})
    reason = fields.Str(required=True, metadata={
        "description": "bad_signature, malformed_document, invalid_items or version_mismatch"})
    at = fields.DateTime(required=True)


class OverviewSchema(Schema):
    kiosks_total = fields.Int(required=True, metadata={
        "description": "the kiosks on the board: enrolled and not revoked, heard from or not"})
    kiosks_online = fields.Int(required=True)
    kiosks_link_down = fields.Int(required=True, metadata={
        "description": "kiosks whose `link` is `down` or `forced` (GET /dashboard/kiosks)"})
    orders_today = fields.Int(required=True)
    revenue_today_ore = fields.Int(required=True)
    orders_total = fields.Int(required=True)
    revenue_total_ore = fields.Int(required=True)
    pending_count = fields.Int(required=True)
    oldest_pending_at = fields.DateTime(required=True, allow_none=True)
    oldest_pending_age_s = fields.Float(required=True, allow_none=True)
    synced_count = fields.Int(required=True)
    set_aside_count = fields.Int(required=True, metadata={
        "description": "sales central refused for good, set aside for staff"})
    central_order_count = fields.Int(required=True, allow_none=True)
    in_transit = fields.Int(required=True, allow_none=True, metadata={
        "description": "sales synced over the bus that head office's ingest has not yet "
                       "taken, as head office last looked (null: no bus, or no answer)"})
    oldest_in_transit_at = fields.DateTime(required=True, allow_none=True, metadata={
        "description": "when the stream took the oldest of them"})
    checkouts_per_minute = fields.Int(required=True)
    business_day = fields.Date(required=True)
    generated_at = fields.DateTime(required=True)
    journal_last_check = fields.Nested(
        JournalCheckSchema, required=True, allow_none=True,
        metadata={"description": "the last `verify-journal` run; null when never run"},
    )
    catalog_refused = fields.Nested(
        CatalogRefusedSchema, required=True, allow_none=True,
        metadata={"description": "the last price list from head office this store refused "
                  "(it sells on with its last good one); null when none since its start"},
    )


class KioskRowSchema(Schema):
    kiosk_id = fields.Str(required=True)
    online = fields.Bool(required=True, metadata={
        "description": "heard from within `heartbeat_timeout_s`"})
    link = fields.Str(required=True, validate=validate.OneOf(["up", "down", "forced", "unknown"]),
                      metadata={"description": "the central link as the wallboard shows it: "
                                "`forced` (a drill) whatever else; `unknown` while offline, "
                                "as its last report is not current; else `up` or `down`. "
                                "The overview's `kiosks_link_down` counts `down` and `forced`"})
    central_link_up = fields.Bool(required=True, metadata={
        "description": "the link as the kiosk last reported it (false: never reported)"})
    link_forced_down = fields.Bool(required=True,
                                   metadata={"description": "staff forced the link down (drill)"})
    last_heartbeat_at = fields.DateTime(required=True, allow_none=True)
    pending_count = fields.Int(required=True)
    oldest_pending_at = fields.DateTime(required=True, allow_none=True)
    oldest_pending_age_s = fields.Float(required=True, allow_none=True)
    synced_count = fields.Int(required=True)
    set_aside_count = fields.Int(required=True, metadata={
        "description": "sales central refused for good, set aside for staff"})
    orders_count = fields.Int(required=True)
    revenue_ore = fields.Int(required=True)
    last_checkout_at = fields.DateTime(required=True, allow_none=True)
    last_sync_at = fields.DateTime(required=True, allow_none=True)
    last_sync_error = fields.Str(required=True, allow_none=True)
    last_sync_error_at = fields.DateTime(required=True, allow_none=True)


class KiosksSchema(Schema):
    kiosks = fields.List(fields.Nested(KioskRowSchema), required=True)


class SideTotalsSchema(Schema):
    orders = fields.Int(required=True)
    total_ore = fields.Int(required=True)
    pending = fields.Int(metadata={"description": "edge only: sales still waiting to sync"})
    set_aside = fields.Int(metadata={"description": "edge only: sales set aside for staff"})
    in_transit = fields.Int(metadata={"description": "edge only: synced over the bus, which "
                                                     "head office's ingest has not yet taken"})


class ReconciliationRowSchema(Schema):
    kiosk_id = fields.Str(required=True)
    business_day = fields.Date(required=True)
    edge = fields.Nested(SideTotalsSchema, required=True)
    central = fields.Nested(SideTotalsSchema, required=True)
    status = fields.Str(required=True, validate=validate.OneOf(
        ["matches", "pending", "in_transit", "attention", "differs"]), metadata={
        "description": "`pending`: the difference is the sales waiting to sync; `in_transit`: "
                       "it is those and sales on the bus, not yet taken by head office; "
                       "`attention`: it is those and sales set aside; `differs`: anything "
                       "else"})
    difference = fields.Nested(SideTotalsSchema, required=True,
                               metadata={"description": "edge minus central"})


class ReconciliationSchema(Schema):
    rows = fields.List(fields.Nested(ReconciliationRowSchema), required=True)
    all_match = fields.Bool(required=True, metadata={"description": "nothing pending, nothing "
                                                                    "different"})
    duplicates_absorbed = fields.Int(required=True, metadata={
        "description": "sales central already held when a batch arrived, since the start"})
    set_aside = fields.Int(required=True, metadata={
        "description": "sales central refused for good, set aside for staff"})


class HistoryQuerySchema(Schema):
    minutes = DigitsInt(load_default=60, validate=validate.Range(min=1, max=1440),
                        metadata={"description": "how many whole minutes, up to now"})


class HistoryPointSchema(Schema):
    minute = fields.DateTime(required=True, metadata={"description": "the minute's start (UTC)"})
    checkouts = fields.Int(required=True, metadata={"description": "sales made in that minute"})
    pending = fields.Int(required=True, metadata={
        "description": "sales waiting for central at the minute's end (the current one: now)"})


class HistorySchema(Schema):
    points = fields.List(fields.Nested(HistoryPointSchema), required=True,
                         metadata={"description": "oldest minute first"})
