"""Time: one clock for the whole service, so tests can replace it and formats never drift."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset and fixed microsecond width, so stored strings sort by time."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    """Parse what to_iso wrote."""
    return None if text is None else datetime.fromisoformat(text)


def business_day(moment: datetime, tz: str) -> date:
    """The store's business day (its calendar date in its own time zone) at a given instant."""
    return moment.astimezone(ZoneInfo(tz)).date()
