"""The quick check of socket messages never accepts what jsonschema refuses, and does accept
the everyday messages (or it would save nothing).

Hypothesis starts from a valid message of each plain schema in schema/messages and mostly
breaks it: a field dropped, one added, a value swapped for any JSON value, strings at and
past their maxLength.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.hub.messages import quick_check, quick_check_of, schema, validator
from server.schema import MESSAGES_DIR

PLAIN = sorted(path.stem for path in MESSAGES_DIR.glob("*.json")
               if quick_check(path.stem) is not None)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.floats(allow_nan=False),
              st.text(max_size=3), st.sampled_from(["heartbeat", "snapshot_request", "ack"])),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=2),
    max_leaves=4)


def value_for(spec: dict):
    """A strategy of values the property accepts."""
    if "const" in spec:
        return st.just(spec["const"])
    if spec.get("type") == "boolean":
        return st.booleans()
    most = spec.get("maxLength", 80)
    return st.text(max_size=most) | st.just("x" * most)


def near_miss(spec: dict):
    """A strategy of values that may or may not suit the property."""
    most = spec.get("maxLength", 80)
    return JSON_VALUES | st.sampled_from(["x" * most, "x" * (most + 1), "\ud800", 0, 1, 1.0])


@st.composite
def messages(draw, name: str):
    """A valid message of the schema, then (mostly) one change."""
    props = schema(name).get("properties", {})
    required = set(schema(name).get("required", ()))
    message = {key: draw(value_for(spec)) for key, spec in props.items()
               if key in required or draw(st.booleans())}
    change = draw(st.sampled_from(["none", "drop", "extra", "value"]))
    if change == "drop" and message:
        message.pop(draw(st.sampled_from(sorted(message))))
    elif change == "extra":
        message[draw(st.text(max_size=4) | st.sampled_from(sorted(props)))] = draw(JSON_VALUES)
    elif change == "value" and props:
        key = draw(st.sampled_from(sorted(props)))
        message[key] = draw(near_miss(props[key]))
    return message


def test_the_inbound_messages_have_a_quick_check():
    assert {"kiosk_heartbeat", "dashboard_snapshot_request"} <= set(PLAIN)


@pytest.mark.parametrize("name", PLAIN)
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_quick_yes_is_always_a_jsonschema_yes(name, data):
    message = data.draw(messages(name))
    if quick_check(name)(message):
        assert validator(name).is_valid(message), message


@pytest.mark.parametrize("name", PLAIN)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_valid_messages_get_the_quick_yes(name, data):
    props, required = schema(name).get("properties", {}), set(schema(name).get("required", ()))
    message = {key: data.draw(value_for(spec)) for key, spec in props.items()
               if key in required or data.draw(st.booleans())}
    assert validator(name).is_valid(message)
    assert quick_check(name)(message)


@pytest.mark.parametrize("field", [
    {"type": "string", "pattern": "^a"}, {"type": "integer"}, {"const": 1}, {"enum": ["a"]},
    {"type": ["string", "null"]}, {"type": "string", "minLength": 1}, {"$ref": "#/x"},
])
def test_a_keyword_it_does_not_know_sends_everything_to_jsonschema(field):
    plain = {"type": "object", "properties": {"f": {"type": "boolean"}},
             "additionalProperties": False}
    assert quick_check_of(plain) is not None
    assert quick_check_of({**plain, "properties": {"f": field}}) is None
    assert quick_check_of({**plain, "additionalProperties": True}) is None
    assert quick_check_of({**plain, "minProperties": 1}) is None
