"""The central ledger at head office, with the batches sent over the bus: a store's edge in
a chain with `central_transport = "nats"`. Each batch is published to NATS JetStream on the
store's subject (`<prefix>.<store_id>`) as the signed message server.bus.envelope makes of
the very body an HTTP delivery would POST, with a Nats-Msg-Id unique in the chain; the batch
counts as delivered only once JetStream acknowledged it (a PubAck: the stream holds it on
disk). A batch over the server's max_payload goes as consecutive parts (server.bus.parts),
each acknowledged in turn. Everything else (the store's reads of head office's figures, its
status reports, the price lists) is a RemoteLedger's, over HTTP to `central_url`.

What "delivered" means here: the stream took the rows (`inserted`, or `already_present`
when JetStream saw the message's id within its duplicate window); head office's ingest puts
them in its ledger later, and only it can refuse a row, so nothing is ever `refused` here.

Every failure (the NATS server unreachable, no acknowledgement in time, no stream for the
subject, a publish refused) raises HeadOfficeError about the whole ledger, as an HTTP
delivery's do: the rows stay pending, the sync records the error and backs off as one store.
The edge never creates the stream; head office does, with its settings (server.bus.stream).

One connection per edge. Its start never waits for NATS: open() only begins a first connect
in the background, and a delivery that finds no connection makes one, each try bounded by
`connect_timeout_s`. A plain TCP connect comes first, since nats-py keeps trying a port where
nothing listens. Once connected, nats-py reconnects by itself a few times; past those the
connection closes, and the next delivery makes a new one.
"""
import asyncio
import logging
from urllib.parse import urlsplit

from nats.errors import Error as NatsError
from nats.js.errors import NoStreamResponseError

from server.bus.connection import connect_bus
from server.bus.names import store_subject
from server.bus.parts import RowTooLarge, batch_messages
from server.central.ledger import BatchOrigin, Delivery
from server.central.remote_ledger import HeadOfficeError, RemoteLedger
from server.tasks import BackgroundTask

log = logging.getLogger(__name__)
RECONNECT_TRIES = 3  # then the connection closes, and the next delivery makes a new one
RECONNECT_WAIT_S = 1.0


class BusLedger:
    """CentralLedger for one store whose batches go to NATS JetStream, the rest over HTTP."""

    def __init__(self, remote: RemoteLedger, nats_url: str, prefix: str,
                 connect_timeout_s: float, publish_timeout_s: float):
        self.remote, self.nats_url, self.prefix = remote, nats_url, prefix
        self.subject = store_subject(remote.store_id, prefix)  # a bad name stops the start
        self.connect_timeout_s, self.publish_timeout_s = connect_timeout_s, publish_timeout_s
        self.connection = None
        self._connecting = asyncio.Lock()
        self._first_connect = BackgroundTask("bus-connect")

    async def open(self) -> "BusLedger":
        """Open the HTTP side, and begin connecting to NATS without waiting for it."""
        await self.remote.open()
        self._first_connect.start(self._quietly_connected())
        return self

    async def close(self) -> None:
        """Stop connecting, close the NATS connection, then the HTTP side."""
        await self._first_connect.stop()
        if self.connection is not None:
            await self.connection.close()
        await self.remote.close()

    async def _quietly_connected(self) -> None:
        try:
            await self._connected()
        except HeadOfficeError as exc:  # the first delivery tries again, and says so
            log.warning("bus: %s", exc)

    async def _connected(self):
        """The live connection, made first if there is none."""
        async with self._connecting:
            if self.connection is None or self.connection.is_closed:
                self.connection = await self._connect()
            return self.connection

    async def _connect(self):
        try:
            return await connect_bus(self.nats_url, self.connect_timeout_s, "checkout-edge",
                                     max_reconnect_attempts=RECONNECT_TRIES,
                                     reconnect_time_wait=RECONNECT_WAIT_S)
        except (OSError, TimeoutError, NatsError) as exc:
            where = urlsplit(self.nats_url)
            raise HeadOfficeError(f"the bus is unreachable at {where.hostname}:{where.port}: "
                                  f"{type(exc).__name__}") from exc

    async def deliver(self, batch: str, origin: BatchOrigin | None = None) -> Delivery:
        """Publish the batch (one message, or parts under max_payload), each acknowledged by
        JetStream before the next; how many rows the stream took new, how many it had."""
        if origin is None or not origin.seqs:
            raise ValueError("a batch on the bus needs its origin: its kiosk and seqs")
        connection = await self._connected()
        try:
            parts = batch_messages(self.remote.key(), self.remote.store_id, origin.kiosk_id,
                                   batch, origin.seqs, connection.max_payload, self.prefix)
        except RowTooLarge as exc:
            raise HeadOfficeError(f"the bus cannot carry this batch: {exc}") from exc
        js, inserted, already = connection.jetstream(), 0, 0
        for part in parts:
            ack = await self._published(js, part.message)
            if ack.duplicate:  # seen within JetStream's duplicate window: held already
                already += part.rows
            else:
                inserted += part.rows
        self.remote.forget_figures()
        return Delivery(inserted, already, {})

    async def _published(self, js, message):
        try:
            return await js.publish(message.subject, message.body, headers=message.headers,
                                    timeout=self.publish_timeout_s)
        except NoStreamResponseError as exc:
            raise HeadOfficeError(f"no stream takes {message.subject} on the bus (head office "
                                  "creates it at its start)") from exc
        except (NatsError, TimeoutError) as exc:
            raise HeadOfficeError(f"the bus did not take the batch: {type(exc).__name__} "
                                  f"{exc}".strip()) from exc

    async def send_status(self, status: dict) -> dict:
        """The store's status report, over HTTP (RemoteLedger.send_status)."""
        return await self.remote.send_status(status)

    async def list_orders(self, kiosk_id: str | None, after: int,
                          limit: int) -> tuple[list[dict], str | None]:
        """A page of the store's orders at head office, over HTTP."""
        return await self.remote.list_orders(kiosk_id, after, limit)

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Head office's totals for this store, over HTTP."""
        return await self.remote.totals_by_kiosk_day()

    async def in_transit(self) -> dict | None:
        """The store's sales head office sees on the bus, not yet taken, over HTTP."""
        return await self.remote.in_transit()

    async def refused_rows(self, after: int) -> dict:
        """The store's rows head office's ingest refused for good, over HTTP."""
        return await self.remote.refused_rows(after)

    async def catalogs(self, after: int) -> dict:
        """Head office's price lists after seq `after`, over HTTP."""
        return await self.remote.catalogs(after)

    async def order_count(self) -> int:
        """How many of the store's orders head office holds, over HTTP."""
        return await self.remote.order_count()

    async def health(self) -> None:
        """Raise unless head office answers over HTTP and the bus is connected."""
        await self.remote.health()
        if self.connection is None or not self.connection.is_connected:
            raise HeadOfficeError("the bus is not connected")

