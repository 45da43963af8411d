"""One simulated kiosk: its socket and heartbeats, its central-link flag, and its sales."""
import asyncio
import json
import math
import random
import time
import uuid

import aiohttp

from server.catalog.ean import ean13_check_digit

SOCKET_GONE = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED,
               aiohttp.WSMsgType.ERROR)


def scale_label(plu: str, grams: int) -> str:
    """The EAN-13 a store scale prints for a weight of a weighed product (2 5 PLU GRAMS C)."""
    first12 = f"25{plu}{grams:05d}"
    return first12 + str(ean13_check_digit(first12))


class SimKiosk:
    """A kiosk of the fleet; `fleet` gives it the options, clock, client, counters, history."""

    def __init__(self, fleet, kiosk_id: str, token: str, catalog_items: list[dict]):
        self.fleet, self.kiosk_id, self.token = fleet, kiosk_id, token
        seed, options = fleet.options.seed, fleet.options
        # Two streams, so the timing of heartbeats never changes which carts are sold.
        self.cart_rng = random.Random(None if seed is None else f"{seed}:{kiosk_id}:sales")
        self.link_rng = random.Random(None if seed is None else f"{seed}:{kiosk_id}:link")
        # Age-restricted products need staff with a PIN at the kiosk: no shopper alone buys them.
        self.products = [p for p in catalog_items if not p.get("age_limit")
                         and (p.get("sold_by", "each") == "each" or p.get("plu"))]
        if not self.products:
            raise RuntimeError("the catalog has nothing a shopper may buy alone")
        self.link_up = True
        # Kiosks flip out of step with each other, as real links fail.
        self.flip_phase_s = self.link_rng.uniform(0, options.flip_every_s or 0)
        self.sales_made = 0

    # Sales

    def new_sale(self) -> dict:
        """A fresh sale: 1-4 lines of real products (weighed ones by scale label), paid."""
        rng = self.cart_rng
        self.sales_made += 1
        chosen = rng.sample(self.products, rng.randint(1, min(4, len(self.products))))
        lines = [{"sku": scale_label(p["plu"], rng.randint(100, 2500)), "qty": 1}
                 if p.get("sold_by") == "kg" else {"sku": p["sku"], "qty": rng.randint(1, 3)}
                 for p in chosen]
        method = rng.choice(("card", "swish"))
        # A letter between the counter and the random part: no run of digits a reference
        # holds may pass for a card number (13 or more digits with a good Luhn sum).
        reference = f"{method.upper()}-{self.sales_made:06d}-R{rng.getrandbits(32):08x}"
        return {"idempotency_key": str(uuid.uuid4()), "items": lines,
                "payment": {"method": method, "reference": reference}}

    async def sell(self, sale: dict) -> None:
        """Send one sale until answered (the same key and body each time); record the end."""
        fleet, key = self.fleet, sale["idempotency_key"]
        fleet.record("invoke", self.kiosk_id, key, lines=len(sale["items"]))
        answer, attempts = await fleet.client.call("POST", "/edge/checkout", self.token,
                                                   fleet.deadline, sale)
        stats = fleet.stats
        stats.retried_sales += attempts > 1
        if answer is None:
            stats.unknown += 1
            fleet.record("unknown", self.kiosk_id, key, attempts=attempts)
        elif answer.status in (200, 201):
            stats.ok += 1
            stats.replayed += answer.replayed
            total = answer.body.get("total_ore") if isinstance(answer.body, dict) else None
            fleet.record("ok", self.kiosk_id, key, status=answer.status, total_ore=total,
                         replayed=answer.replayed, attempts=attempts)
        else:
            stats.fail += 1
            stats.fail_codes[answer.error_code or str(answer.status)] += 1
            fleet.record("fail", self.kiosk_id, key, status=answer.status,
                         error=answer.error_code, attempts=attempts)

    async def sell_at_rate(self) -> None:
        """Start sales at random (Poisson) times at the kiosk's rate until the run's bounds,
        then wait for each to be answered or given up."""
        fleet = self.fleet
        slots = asyncio.Semaphore(fleet.options.max_in_flight)
        sales: set[asyncio.Task] = set()
        while True:
            pause = self.cart_rng.expovariate(fleet.options.rate_per_s)
            if time.monotonic() + pause >= fleet.window_end:
                break
            await asyncio.sleep(pause)
            if not await self._take_slot(slots):
                break
            if not fleet.may_start_sale():
                slots.release()
                break
            sale = asyncio.create_task(self.sell(self.new_sale()))
            sales.add(sale)
            sale.add_done_callback(sales.discard)
            sale.add_done_callback(lambda _: slots.release())
        await asyncio.gather(*sales)

    async def _take_slot(self, slots: asyncio.Semaphore) -> bool:
        """Wait for a free till, but not past the end of the selling window."""
        try:
            async with asyncio.timeout(max(0.0, self.fleet.window_end - time.monotonic())):
                await slots.acquire()
            return True
        except TimeoutError:
            return False

    # The socket and the link

    async def keep_socket(self) -> None:
        """Hold the kiosk's socket for the whole run, reconnecting with backoff when it drops."""
        fleet, failures = self.fleet, 0
        while True:
            try:
                async with asyncio.timeout(fleet.options.request_timeout_s):
                    ws = await fleet.client.session.ws_connect(
                        fleet.client.url("/ws/kiosk"), params={"kiosk_id": self.kiosk_id},
                        headers={"Authorization": f"Bearer {self.token}"},
                        timeout=aiohttp.ClientWSTimeout(ws_close=1.0))
                failures = 0
                try:
                    await self._heartbeat_over(ws)
                finally:
                    await ws.close()
            except (aiohttp.ClientError, ConnectionError, TimeoutError):
                pass
            failures += 1
            fleet.stats.reconnects += 1
            await asyncio.sleep(fleet.client.backoff_s(failures))

    async def _heartbeat_over(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Heartbeat every interval (and at once when the link flips); read acks in between."""
        stats, sent = self.fleet.stats, 0
        while True:
            self._update_link()
            sent += 1
            await ws.send_json({"type": "heartbeat", "central_link_up": self.link_up,
                                "id": f"{self.kiosk_id}-{sent}"})
            stats.heartbeats += 1
            wake_at = time.monotonic() + min(self.fleet.options.heartbeat_s,
                                             self._until_scheduled_flip())
            while (left := wake_at - time.monotonic()) > 0:
                try:
                    message = await ws.receive(timeout=left)
                except TimeoutError:
                    break
                self._take_message(message)

    def _take_message(self, message: aiohttp.WSMessage) -> None:
        """Count acks and error replies; a closed socket ends the session."""
        if message.type in SOCKET_GONE:
            raise ConnectionResetError(f"{self.kiosk_id}: the socket closed")
        if message.type != aiohttp.WSMsgType.TEXT:
            return
        try:
            data = json.loads(message.data)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.fleet.stats.socket_errors["not_a_json_object"] += 1
        elif data.get("type") == "ack":
            self.fleet.stats.acks += 1
        elif data.get("type") == "error":
            self.fleet.stats.socket_errors[data.get("code", "?")] += 1

    def _update_link(self) -> None:
        """Set the link flag by the schedule, or flip it at random, before a heartbeat."""
        options, before = self.fleet.options, self.link_up
        if options.flip_every_s:
            elapsed = time.monotonic() - self.fleet.started_at + self.flip_phase_s
            self.link_up = int(elapsed // options.flip_every_s) % 2 == 0
        elif options.flip_probability and self.link_rng.random() < options.flip_probability:
            self.link_up = not self.link_up
        self.fleet.stats.link_flips += self.link_up != before

    def _until_scheduled_flip(self) -> float:
        """Seconds until the schedule flips the link (a hair later, to land past the edge)."""
        every = self.fleet.options.flip_every_s
        if not every:
            return math.inf
        elapsed = time.monotonic() - self.fleet.started_at + self.flip_phase_s
        return every - elapsed % every + 0.001
