"""Cursor pagination: oldest first, `next` is the cursor of the last row when more follow."""


def page(rows: list, limit: int, cursor_of) -> tuple[list, str | None]:
    """Split `limit + 1` fetched rows into a page and the `next` cursor (None at the end)."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, str(cursor_of(rows[-1]))
    return rows, None


def after_cursor(query: dict) -> int:
    """The position to start after (0: from the beginning)."""
    return int(query.get("after", 0))
