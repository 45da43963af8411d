"""JSON in and out, by orjson where it can (several times faster than the standard module on
an order's lines), by the standard module where orjson cannot: integers past 64 bits (which
orjson refuses to write, and reads as floats), and text with a lone surrogate, which only
the standard module can spell (as an ASCII escape).

What is written is compact UTF-8 JSON; nothing may depend on its spelling (the journal's
hashes decode it first, server/journal/chain.py)."""
import json
import re

import orjson

# 19 digits in a row may be an integer past 64 bits: orjson would read it as a float.
_LONG_DIGITS = re.compile(r"\d{19}")


def dumps(data) -> bytes:
    """`data` as UTF-8 JSON, names like 'Smör' unescaped."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(data).encode()


def dumps_text(data) -> str:
    """`data` as JSON text, for a TEXT column."""
    return dumps(data).decode()


def loads(text: str):
    """The value of a JSON text."""
    if _LONG_DIGITS.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # a lone surrogate's escape, or not JSON at all
        return json.loads(text)
