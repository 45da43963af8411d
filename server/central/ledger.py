"""What the edge needs from head office's ledger; a server database later is a new class."""
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Delivery:
    """The outcome of one batch: rows newly inserted, and rows central already held."""

    inserted: int
    already_present: int


class CentralLedger(Protocol):
    """The ledger interface. Implementations must make `deliver` atomic and idempotent."""

    async def open(self) -> "CentralLedger":
        """Connect, creating or migrating the ledger's schema."""

    async def close(self) -> None:
        """Disconnect."""

    async def deliver(self, orders: list[dict]) -> Delivery:
        """Commit a batch of orders (order JSON); an order_uuid already held counts as delivered."""

    async def list_orders(self, kiosk_id: str | None, after: int, limit: int) -> list[dict]:
        """A page of orders, in arrival order, each with its `cursor`."""

    async def order_count(self) -> int:
        """How many orders the ledger holds."""

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Per kiosk and business day: {kiosk_id, business_day, orders, total_ore}."""

    async def health(self) -> None:
        """Raise unless the ledger answers."""
