"""What the edge needs from head office's ledger; a server database later is a new class."""
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Delivery:
    """The outcome of one batch: rows newly inserted, rows central already held, and rows it
    refuses for good (order_uuid -> why), which the edge sets aside for staff."""

    inserted: int
    already_present: int
    refused: dict[str, str] = field(default_factory=dict)


class CentralLedger(Protocol):
    """The ledger interface. Implementations must make `deliver` atomic and idempotent.

    Two kinds of failure: `deliver` raising means "not now" (the whole batch stays pending and
    is retried with backoff); an order in `Delivery.refused` means "never" (retrying cannot
    help, e.g. central holds different content under its order_uuid), and only that order is
    set aside while the rest of the batch commits."""

    async def open(self) -> "CentralLedger":
        """Connect, creating or migrating the ledger's schema."""

    async def close(self) -> None:
        """Disconnect."""

    async def deliver(self, batch: str) -> Delivery:
        """Commit a batch of sales (a JSON array of rows of server.orders.BATCH_COLUMNS); an
        order_uuid already held with the same content counts as delivered, with other content
        as refused. Text, as it would travel to a ledger behind a network."""

    async def list_orders(self, kiosk_id: str | None, after: int, limit: int) -> list[dict]:
        """A page of orders, in arrival order, each with its `cursor`."""

    async def order_count(self) -> int:
        """How many orders the ledger holds."""

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Per kiosk and business day: {kiosk_id, business_day, orders, total_ore}."""

    async def health(self) -> None:
        """Raise unless the ledger answers."""
