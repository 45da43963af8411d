"""A settings field whose one-line doc travels with it (the README's tables and their test
read it), and the reading of a raw value as its type: shared by every settings class of the
package."""
from dataclasses import field


def setting(default, doc: str):
    """A dataclass field with its default and its doc."""
    return field(default=default, metadata={"doc": doc})


def coerce(name: str, kind: type, raw):
    """Turn a TOML or env value into the setting's type, naming the setting when it cannot."""
    try:
        if kind is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on")
        if kind is int and isinstance(raw, float):
            raise ValueError("not a whole number")
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {name}: cannot read {raw!r} as {kind.__name__}") from exc
