"""The fast loads (checkout, quote) answer exactly as marshmallow's load, or leave the body
to it.

Hypothesis makes bodies that are valid, nearly valid and wrong in every field; for each, the
fast path either declines (None) or returns what `load` returns, and `load` accepts it.
"""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from server.edge_app.schemas import CheckoutRequestSchema, QuoteRequestSchema

SCHEMA = CheckoutRequestSchema()
QUOTE = QuoteRequestSchema()
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=20))
EANS = st.sampled_from(["7318001010007", "7318406180435", "7318802130485", "731800101000",
                        "7318001010007\n", "٧٣١٨٠٠١٠١٠٠٠٧"])


VALID_LINE = st.fixed_dictionaries({"sku": EANS.filter(lambda s: s.isascii() and len(s) == 13),
                                    "qty": st.integers(min_value=1, max_value=10**20)})
VALID_LINES = st.lists(VALID_LINE, min_size=1, max_size=3, unique_by=lambda line: line["sku"])
VALID_BODY = st.fixed_dictionaries(
    {"idempotency_key": st.sampled_from(["key-00000001", "k" * 64]),
     "items": VALID_LINES,
     "payment": st.fixed_dictionaries({"method": st.sampled_from(["card", "swish"]),
                                       "reference": st.sampled_from(["TERM-1", "x" * 64])})},
    optional={"kiosk_id": st.sampled_from(["k1", "kiosk.7"]),
              "staff_pin": st.sampled_from(["1234", "123456789012"]),
              "expected_total_ore": st.integers(min_value=0, max_value=10**6)})
NEAR_MISSES = st.sampled_from(["key-00000001\n", "short", "k" * 65, "has space 1", "-bad",
                               "12", "abcd", "cash", "", "4111 1111 1111 1111", "ok\u200b",
                               "731800101000", "٧٣١٨٠٠١٠١٠٠٠٧", -1, 0, 1.0, True, None, [], {}])


@st.composite
def bodies(draw, valid=VALID_BODY):
    """A valid body, then (mostly) one change that may or may not make it invalid."""
    body = draw(valid)
    places = [(body, key) for key in body]
    places += [(body["payment"], key) for key in body.get("payment", {})]
    places += [(line, key) for line in body["items"] for key in line]
    change = draw(st.sampled_from(["none", "value", "drop", "extra", "duplicate", "null_line"]))
    target, key = draw(st.sampled_from(places))
    if change == "value":
        target[key] = draw(st.one_of(NEAR_MISSES, JSON_SCALARS))
    elif change == "drop":
        del target[key]
    elif change == "extra":
        target[draw(st.sampled_from(["surprise", "unit_price_ore", "note"]))] = 1
    elif change == "duplicate":
        body["items"].append(dict(body["items"][0]))
    elif change == "null_line":
        body["items"].append(None)
    return body


def full_load(raw, schema=SCHEMA):
    try:
        return schema.load(raw)
    except ValidationError:
        return None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          database=None)
@given(bodies())
def test_the_fast_load_agrees_with_marshmallow_or_declines(raw):
    fast = SCHEMA.fast_load(raw)
    if fast is not None:
        assert full_load(raw) == fast


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.fixed_dictionaries({"sku": EANS.filter(lambda s: s.isascii()
                                                          and len(s) == 13),
                                       "qty": st.integers(min_value=1, max_value=999)}),
                min_size=1, max_size=3, unique_by=lambda line: line["sku"]))
def test_a_plainly_valid_body_takes_the_fast_path(lines):
    raw = {"idempotency_key": "key-00000001", "items": lines,
           "payment": {"method": "card", "reference": "TERM-1"}}
    assert SCHEMA.fast_load(raw) == full_load(raw) == raw


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          database=None)
@given(bodies(st.fixed_dictionaries({"items": VALID_LINES})))
def test_the_quotes_fast_load_agrees_with_marshmallow_or_declines(raw):
    fast = QUOTE.fast_load(raw)
    if fast is not None:
        assert full_load(raw, QUOTE) == fast


@settings(max_examples=300, deadline=None, database=None)
@given(VALID_LINES)
def test_a_plainly_valid_cart_takes_the_quotes_fast_path(lines):
    raw = {"items": lines}
    assert QUOTE.fast_load(raw) == full_load(raw, QUOTE) == raw
