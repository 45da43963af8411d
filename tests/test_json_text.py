"""server.json_text: orjson's speed, the standard module's reach."""
import json

import pytest

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
