"""Whether a kiosk is online: it heartbeated within the configured timeout."""
from datetime import datetime, timedelta

from server.clock import from_iso


def is_online(last_heartbeat_at: str | None, now: datetime, timeout_s: float) -> bool:
    """True when the kiosk's last heartbeat is recent enough."""
    if last_heartbeat_at is None:
        return False
    return now - from_iso(last_heartbeat_at) <= timedelta(seconds=timeout_s)
