"""server.json_text: orjson's speed, the standard module's reach."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server import json_text


def test_names_stay_unescaped_utf8():
    assert json_text.dumps({"name": "Smör"}) == '{"name":"Smör"}'.encode()


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, 10**30])
def test_integers_past_64_bits_are_written(value):
    text = json_text.dumps({"n": value})
    assert json.loads(text) == {"n": value}


def test_a_lone_surrogate_leaves_as_an_ascii_escape():
    text = json_text.dumps({"ref": "a\ud800b"})
    assert text == b'{"ref": "a\\ud800b"}'
    assert json.loads(text) == {"ref": "a\ud800b"}


def test_text_for_a_column_is_str():
    assert json_text.dumps_text([{"sku": "1", "qty": 2}]) == '[{"sku":"1","qty":2}]'


def _standard_canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("ascii")


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_canonical_is_byte_for_byte_the_standard_modules_spelling(value):
    assert json_text.canonical(value) == _standard_canonical(value)


@pytest.mark.parametrize("value", [
    {"name": "Smör", "b": 1}, {"ref": "\x7f"}, {"ref": "a\ud800b"}, {"n": 2**64},
    {"line": "\u2028", "cart": "\U0001f6d2"}, {"ctl": "\x00\x1f\b\t\n\f\r\"\\/"},
    {"é": 1, "e": 2, "z": 3},
])
def test_canonical_matches_where_orjson_would_spell_otherwise(value):
    assert json_text.canonical(value) == _standard_canonical(value)
