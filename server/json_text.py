"""JSON out, by orjson where it can (several times faster than the standard module on an
order), by the standard module where orjson cannot: integers past 64 bits, and text with a
lone surrogate, which only the standard module can spell (as an ASCII escape).

What `dumps` writes is compact UTF-8 JSON; nothing may depend on its spelling (the
journal's hashes decode it first, server/journal/chain.py). What is hashed is `canonical`,
whose spelling is fixed. Reading stays with the standard module:
orjson reads integers past 64 bits as floats, and telling them apart from real floats cost
more than orjson saved on an order's few lines."""
import codecs
import json
import re

import orjson

# A \uD800-\uDFFF escape: legal JSON, but alone (not in a pair) it is not Unicode text.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(_SURROGATE_ESCAPE.pattern.encode())


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


def holds_lone_surrogate(raw: str | bytes, data) -> bool:
    """Whether JSON text `raw`, read as `data`, holds a lone UTF-16 surrogate: text no UTF-8
    can carry, which would fail wherever it is written out again (a reply, a log, a file)."""
    pattern = _SURROGATE_ESCAPE if isinstance(raw, str) else _SURROGATE_ESCAPE_BYTES
    if pattern.search(raw) is None:
        return False
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def dumps_text(data) -> str:
    """`data` as JSON text, for a TEXT column."""
    return dumps(data).decode()


def canonical(data) -> bytes:
    """`data` as canonical JSON: sorted keys, no spaces, ASCII only (what
    `json.dumps(data, sort_keys=True, separators=(",", ":"))` writes, byte for byte).

    Hashes are taken over these bytes, so their spelling may never change. orjson writes
    ints, strings, lists and dicts so, but for the characters past ASCII (and DEL), which
    are then escaped by the standard module's own escaper; what orjson cannot write
    (integers past 64 bits, a lone surrogate) goes to the standard module whole. `data`
    holds no floats (money is öre): orjson writes some of them differently."""
    try:
        text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("ascii")
    if not text.isascii():
        text = text.decode().encode("ascii", _ESCAPE_PAST_ASCII)
    # Outside strings JSON is ASCII and has no DEL, so these are all inside strings.
    return text.replace(b"\x7f", b"\\u007f")


def _escape_past_ascii(error: UnicodeEncodeError) -> tuple[str, int]:
    """A run of characters past ASCII, as JSON escapes (the surrogate pairs included)."""
    run = error.object[error.start:error.end]
    return json.encoder.encode_basestring_ascii(run)[1:-1], error.end


_ESCAPE_PAST_ASCII = "always-on-checkout.json-escape"
codecs.register_error(_ESCAPE_PAST_ASCII, _escape_past_ascii)
