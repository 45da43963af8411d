"""Field types and patterns shared by the request schemas."""
import re

from marshmallow import ValidationError, fields, validate

from server.orders import ID_PATTERN, ID_RULE, IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_RULE


class FullMatch(validate.Regexp):
    """A pattern the whole value must match. With re.match, `$` also allows a final newline,
    and "k1" plus a newline is not kiosk k1. The pattern is still published in /openapi.json."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


KIOSK_ID = FullMatch(ID_PATTERN, error=ID_RULE)
STORE_ID = FullMatch(ID_PATTERN, error=ID_RULE)
IDEMPOTENCY_KEY = FullMatch(IDEMPOTENCY_KEY_PATTERN, error=IDEMPOTENCY_KEY_RULE)
EAN13 = FullMatch(r"^[0-9]{13}$", error="an EAN-13: thirteen digits")
STAFF_PIN = FullMatch(r"^[0-9]{4,12}$", error="4-12 digits")
CURSOR = FullMatch(r"^[0-9]{1,18}$", error="the `next` cursor of a previous page")
# Printable ASCII, as terminals write their references: no NUL, newline, zero-width or bidi
# character can hide in a stored reference or reorder what staff read.
PAYMENT_REFERENCE = FullMatch(r"^[ -~]{1,64}$", error="1-64 printable ASCII characters")


class StrictInt(fields.Integer):
    """A JSON integer: no floats, no numeric strings, no booleans."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class DigitsInt(fields.Integer):
    """A query string's integer: ASCII digits only. int() alone also takes '１０', ' 10', '+10'
    and '1_0', so odd spellings of a number would pass for it."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBool(fields.Boolean):
    """A JSON true or false, nothing that merely equals one (1 == True in Python)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


# Runs of digit groups with nothing but separators (spaces, dots, dashes, slashes, ...)
# between them; a letter ends a run.
_DIGIT_RUN = re.compile(r"[0-9]+(?:[^0-9A-Za-z]+[0-9]+)*")
CARD_DIGITS = range(13, 20)


def holds_card_number(text: str) -> bool:
    """Whether `text` holds a card number however it is spaced: consecutive digit groups of
    one run whose digits, 13 to 19 of them, pass the Luhn check ("4111 1111 1111 1111",
    "PAN4111111111111111", "4111111111111111 exp 12/29")."""
    for run in _DIGIT_RUN.findall(text):
        groups = re.findall(r"[0-9]+", run)
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) > CARD_DIGITS[-1]:
                    break
                if len(digits) in CARD_DIGITS and _luhn_ok(digits):
                    return True
    return False


def not_a_card_number(value: str) -> None:
    """Refuse a payment reference that holds a card number: we never store those."""
    if holds_card_number(value):
        raise ValidationError("holds a card number; send the terminal's reference instead")
