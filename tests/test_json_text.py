"""server.json_text: orjson's speed, the standard module's reach."""
import json

import pytest

from server import json_text


def test_names_stay_unescaped_utf8():
    assert json_text.dumps({"name": "Smör"}) == '{"name":"Smör"}'.encode()


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, 10**30])
def test_integers_past_64_bits_are_written_and_read(value):
    text = json_text.dumps({"n": value})
    assert json.loads(text) == {"n": value}
    assert json_text.loads(text.decode()) == {"n": value}
    assert type(json_text.loads(text.decode())["n"]) is int


def test_a_lone_surrogate_leaves_as_an_ascii_escape_and_comes_back():
    text = json_text.dumps({"ref": "a\ud800b"})
    assert text == b'{"ref": "a\\ud800b"}'
    assert json_text.loads(text.decode()) == {"ref": "a\ud800b"}


@pytest.mark.parametrize("text", ['{"x": 0.1}', '[1e30, -2.5e-7, 123456789012345678]',
                                  '{"ref": "12345678901234567890"}', '"Smör"'])
def test_it_reads_what_the_standard_module_reads(text):
    assert json_text.loads(text) == json.loads(text)


def test_not_json_is_the_standard_error():
    with pytest.raises(json.JSONDecodeError):
        json_text.loads("{not json")


def test_text_for_a_column_is_str():
    assert json_text.dumps_text([{"sku": "1", "qty": 2}]) == '[{"sku":"1","qty":2}]'
