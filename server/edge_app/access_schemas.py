"""Schemas of who may do what: sign-in, enrolment, the audit trail, staff at the kiosk."""
from marshmallow import Schema, fields, validate

from server.web.fields import CURSOR, STAFF_PIN, DigitsInt, StrictBool


class IssuedSchema(Schema):
    token = fields.Str(required=True, metadata={"description": "shown once; keep it secret"})
    token_id = fields.Str(required=True)
    role = fields.Str(required=True)
    kiosk_id = fields.Str(required=True, allow_none=True)
    signin_path = fields.Str(required=True)


class RevokedSchema(Schema):
    revoked = fields.Int(required=True)


class RetiredSchema(Schema):
    kiosk_id = fields.Str(required=True)
    revoked = fields.Int(required=True, metadata={"description": "its credentials that were "
                                                                "active"})
    drill_released = fields.Bool(required=True, metadata={
        "description": "a link drill held its sales at the store: released, so they drain"})
    pending_count = fields.Int(required=True, metadata={
        "description": "its sales still waiting for central: they go on syncing"})


class AuditEventSchema(Schema):
    id = fields.Int(required=True)
    at = fields.DateTime(required=True)
    actor = fields.Str(required=True)
    action = fields.Str(required=True)
    target = fields.Str(required=True, allow_none=True)
    details = fields.Dict(required=True)


class AuditQuerySchema(Schema):
    limit = DigitsInt(load_default=100, validate=validate.Range(min=1, max=1000))
    after = fields.Str(validate=CURSOR, metadata={"description": "`next` of the previous page"})


class AuditPageSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema), required=True)
    next = fields.Str(required=True, allow_none=True)


class StaffPinSchema(Schema):
    EXAMPLE = {"pin": "1234"}  # the shipped staff_pin, which every store changes
    pin = fields.Str(required=True, validate=STAFF_PIN)
    purpose = fields.Str(
        load_default="staff_panel", validate=validate.OneOf(["staff_panel", "staff_approval"]),
        metadata={"description": "What the PIN is for, as the audit trail records it: the "
                  "staff panel, or an approval (ID or scale label) checked before payment"},
    )


class LinkOverrideRequestSchema(Schema):
    EXAMPLE = {"pin": "1234", "forced_down": False}
    pin = fields.Str(required=True, validate=STAFF_PIN)
    forced_down = StrictBool(required=True, metadata={"description": "true: force the link "
                                                                     "down; false: release"})


class StaffOkSchema(Schema):
    ok = fields.Bool(required=True)


class LinkOverrideSchema(Schema):
    kiosk_id = fields.Str(required=True)
    link_forced_down = fields.Bool(required=True)
    pending_count = fields.Int(required=True)
