"""A settings field whose one-line doc travels with it (the README's tables and their test
read it): shared by every settings class of the package."""
from dataclasses import field


def setting(default, doc: str):
    """A dataclass field with its default and its doc."""
    return field(default=default, metadata={"doc": doc})
