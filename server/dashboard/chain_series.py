"""A store's backlog over the last hours as a chart draws it: evenly spaced points on a time
axis, each the backlog as the store last reported it by then (a store reports every few
tens of seconds; a silent one's last word holds until it speaks again)."""
from datetime import datetime

POINTS = 72  # 6 hours in 5-minute steps, 12 in 10-minute ones: as fine as a chart shows


def backlog_series(points: list[dict], since: datetime, now: datetime) -> list[dict]:
    """[{"at", "pending"}] from `since` to `now`, POINTS + 1 of them, from the reports'
    backlog points ({"at", "pending"}, oldest first); 0 before the first report."""
    step = (now - since) / POINTS
    series, pending, index = [], 0, 0
    for n in range(POINTS + 1):
        at = since + step * n
        while index < len(points) and datetime.fromisoformat(points[index]["at"]) <= at:
            pending = points[index]["pending"]
            index += 1
        series.append({"at": at.isoformat(timespec="seconds"), "pending": pending})
    return series
