"""JSON out, by orjson where it can (several times faster than the standard module on an
order), by the standard module where orjson cannot: integers past 64 bits, and text with a
lone surrogate, which only the standard module can spell (as an ASCII escape).

What is written is compact UTF-8 JSON; nothing may depend on its spelling (the journal's
hashes decode it first, server/journal/chain.py). Reading stays with the standard module:
orjson reads integers past 64 bits as floats, and telling them apart from real floats cost
more than orjson saved on an order's few lines."""
import json

import orjson


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
