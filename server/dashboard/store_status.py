"""What a store says of itself to head office (POST /hq/v1/status): the figures its own
wallboard shows (server/edge/figures.py: the board's kiosks, their link, the backlog), the
catalog in use, the software's version, and per kiosk the last 7 business days' sales and
how many of them head office holds.

A glance (the fleet's counts, two queries over the running totals) is cheap enough to take
every second; its `mark` is what, when it changes, is worth telling head office at once.
The full report is made only when one is sent."""
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.clock import business_day, to_iso
from server.config import Settings
from server.dashboard import metrics
from server.edge.figures import EdgeFigures

PACKAGE = "always-on-checkout"
DAYS_REPORTED = 7


def software_version() -> str:
    """The package's version, as installed."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:   # run from a tree never installed
        return "unknown"


@dataclass(frozen=True)
class Glance:
    """The fleet's counts and the catalog in use, at one instant."""

    now: datetime
    fleet: dict
    catalog: dict

    @property
    def mark(self) -> tuple:
        """What head office hears of at once when it changes: kiosks online and with their
        link down, sales set aside, the catalog in use, and whether any sale waits."""
        fleet = self.fleet
        return (fleet["kiosks_online"], fleet["kiosks_link_down"], fleet["set_aside_count"],
                fleet["pending_count"] > 0, self.catalog)


class StoreStatus:
    """The store's status, from the wallboard's figures."""

    def __init__(self, figures: EdgeFigures, settings: Settings,
                 catalog: Callable[[], dict], clock):
        self.figures, self.settings, self.catalog, self.clock = figures, settings, catalog, clock
        self.version = software_version()

    async def glance(self) -> Glance:
        """The fleet's counts now (as GET /dashboard/overview counts them)."""
        now = self.clock()
        fleet = await self.figures.fleet(
            today=business_day(now, self.settings.store_timezone).isoformat(),
            minute_ago=to_iso(now - timedelta(minutes=1)),
            online_since=metrics.online_since(now, self.settings))
        return Glance(now, fleet, self.catalog())

    async def report(self, glance: Glance) -> dict:
        """The report as head office takes it, as of the glance."""
        now, fleet = glance.now, glance.fleet
        kiosks = await metrics.kiosks(self.figures, self.settings, now)
        first_day = business_day(now, self.settings.store_timezone) - timedelta(
            days=DAYS_REPORTED - 1)
        totals = await self.figures.totals_since(first_day.isoformat())
        return {
            "store_id": self.settings.store_id,
            "sent_at": to_iso(now),
            "software_version": self.version,
            "catalog": glance.catalog,
            "fleet": {"enrolled": fleet["kiosks_total"], "online": fleet["kiosks_online"],
                      "link_down": fleet["kiosks_link_down"]},
            "kiosks": [{"kiosk_id": row["kiosk_id"], "online": row["online"],
                        "link": row["link"], "last_heartbeat": row["last_heartbeat_at"],
                        "pending": row["pending_count"],
                        "last_checkout": row["last_checkout_at"]} for row in kiosks],
            "pending": {"count": fleet["pending_count"],
                        "oldest_at": fleet["oldest_pending_at"]},
            "last_sale_at": max(filter(None, (row["last_checkout_at"] for row in kiosks)),
                                default=None),
            "set_aside": fleet["set_aside_count"],
            "totals": [{"kiosk_id": row["kiosk_id"], "business_day": row["business_day"],
                        "orders": row["orders"], "total_ore": row["total_ore"],
                        "synced_orders": row["synced"], "synced_total_ore": row["synced_ore"]}
                       for row in totals],
        }
