"""Where the schema files live (schema/ at the project's top): each store's SQL migrations,
numbered, and the JSON Schemas of the socket messages."""
import re
from pathlib import Path

SCHEMA_ROOT = Path(__file__).resolve().parent.parent / "schema"
MESSAGES_DIR = SCHEMA_ROOT / "messages"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations(schema_dir: Path) -> list[tuple[int, Path]]:
    """The numbered SQL files (NNNN_name.sql) of a schema folder, in order."""
    found = []
    for path in sorted(schema_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found
