"""The ledger interfaces. A store's sync delivers to a CentralLedger: the embedded SQLite
file, or head office over the network (server/central/remote_ledger.py). Head office keeps
every store's sales in a HeadOfficeLedger: SQLite for demos, PostgreSQL for a chain. Each
implementation is its own class; none is an edit of another."""
from dataclasses import dataclass, field
from typing import Protocol

from server.chain.signing import Verified


@dataclass(frozen=True)
class Delivery:
    """The outcome of one batch: rows newly inserted, rows central already held, and rows it
    refuses for good (order_uuid -> why), which the edge sets aside for staff."""

    inserted: int
    already_present: int
    refused: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchOrigin:
    """Where a batch comes from in its store: one kiosk's pending rows, and their seqs in the
    edge's file, in the batch's order. The bus names each message by them
    (server.bus.names.message_id)."""

    kiosk_id: str
    seqs: tuple[int, ...]


@dataclass(frozen=True)
class SignedBatch:
    """A batch as head office accepts it: its store, its rows (lists of
    server.orders.BATCH_COLUMNS, checked), the signature that vouched for it and the exact
    body it came in, and when it came."""

    store_id: str
    rows: list[list]
    proof: Verified
    body: bytes
    received_at: str


class CentralLedger(Protocol):
    """What a store's sync and its reads need. Implementations make `deliver` atomic and
    idempotent.

    Two kinds of failure: `deliver` raising means "not now" (the whole batch stays pending and
    is retried with backoff); an order in `Delivery.refused` means "never" (retrying cannot
    help, e.g. central holds different content under its order_uuid), and only that order is
    set aside while the rest of the batch commits."""

    async def open(self) -> "CentralLedger":
        """Connect, creating or migrating the ledger's schema."""

    async def close(self) -> None:
        """Disconnect."""

    async def deliver(self, batch: str, origin: BatchOrigin | None = None) -> Delivery:
        """Commit a batch of sales (a JSON array of rows of server.orders.BATCH_COLUMNS); an
        order_uuid already held with the same content counts as delivered, with other content
        as refused. Text, as it would travel to a ledger behind a network; its origin (the
        sync always tells it) for a ledger that names batches by it."""

    async def list_orders(self, kiosk_id: str | None, after: int,
                          limit: int) -> tuple[list[dict], str | None]:
        """A page of the store's orders, in arrival order, and the `next` cursor."""

    async def order_count(self) -> int:
        """How many of the store's orders the ledger holds."""

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Per kiosk and business day: {kiosk_id, business_day, orders, total_ore}."""

    async def in_transit(self) -> dict | None:
        """The store's sales on their way to the ledger, as head office last saw the bus
        (server.bus.transit's figures), or None where no bus carries them."""

    async def health(self) -> None:
        """Raise unless the ledger answers."""


class HeadOfficeLedger(Protocol):
    """What head office needs of its ledger: every store's sales, each batch's proof."""

    async def open(self) -> "HeadOfficeLedger":
        """Connect, creating or migrating the ledger's schema."""

    async def close(self) -> None:
        """Disconnect."""

    async def ingest(self, batch: SignedBatch) -> Delivery:
        """Record the batch and insert its rows, in one transaction: a row held with the same
        content counts as already present, one held with other content is refused for good."""

    async def store_orders(self, store_id: str | None, kiosk_id: str | None, after: int,
                           limit: int) -> list[dict]:
        """A page of orders (of one store, or of all), in arrival order, each with its
        `store_id` and `cursor`."""

    async def store_totals(self, store_id: str) -> list[dict]:
        """A store's {kiosk_id, business_day, orders, total_ore}."""

    async def store_figures(self) -> dict[str, dict]:
        """Per store: {orders, total_ore, batches, last_received_at}."""

    async def days_totals(self, days: list[str], store_id: str | None = None) -> list[dict]:
        """Every store's (or one's) {store_id, kiosk_id, business_day, orders, total_ore} on
        these days."""

    async def batches(self, after: int, limit: int) -> list[dict]:
        """A page of accepted batches with their proof, in order (for verify-ledger)."""

    async def batch_rows(self, store_id: str, batch_id: int) -> list[dict]:
        """The rows held that name this batch."""

    async def batches_held(self, digests: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (store_id, content digest) batches the ledger holds."""

    async def health(self) -> None:
        """Raise unless the ledger answers."""
