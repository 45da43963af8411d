"""Dashboard fan-out: wallboards connected during the checkout load; how long a sale takes
to show on them, and how many messages each gets a second.

A probe kiosk of its own sells every half second, and each wallboard times the first delta
in which that kiosk's `orders_count` (and with it the fleet's `orders_total`) includes the
sale: no other kiosk moves that count, so no other sale can be mistaken for the probe's.
The clock starts when the edge's 201 reaches the probe (the sale is committed: from then on
the wallboards are late), and again, for the details, when the probe sent the sale (which
adds the checkout's own latency under load). A delta that beats the 201 counts as 0 ms.
"""
import asyncio
import json
import time
import uuid

import aiohttp

from bench.checkout import checkout_script
from bench.progress import percentile, percentile_series, rounded, say
from bench.session import PROBE_KIOSK, Session
from bench.wrk import run_wrk, sale_skus
from server.catalog.catalog import Catalog

PROBE_EVERY_S = 0.5


class Wallboard:
    """One `/ws/dashboard`: the probe kiosk's count as each message showed it, and when."""

    def __init__(self):
        self.ws = None
        self.seen: list[tuple[float, int]] = []  # (monotonic, probe kiosk's orders_count)
        self.messages = 0
        self.gaps = 0
        self.seq = None

    async def connect(self, http: aiohttp.ClientSession, url: str, token: str) -> int:
        """Open the socket; the probe kiosk's count in the snapshot."""
        self.ws = await http.ws_connect(f"{url}/ws/dashboard",
                                        headers={"Authorization": f"Bearer {token}"})
        snapshot = await self.ws.receive_json()
        self.seq = snapshot["seq"]
        return snapshot["kiosks"].get(PROBE_KIOSK, {}).get("orders_count", 0)

    async def read(self) -> None:
        """Read until the socket closes, noting every message and the probe's count."""
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            at, message = time.monotonic(), json.loads(msg.data)
            self.messages += 1
            if message["type"] == "delta" and message["seq"] != self.seq + 1:
                self.gaps += 1  # a real wallboard would ask for a snapshot; we only count
            self.seq = message.get("seq", self.seq)
            count = message.get("kiosks", {}).get(PROBE_KIOSK, {}).get("orders_count")
            if count is not None:
                self.seen.append((at, count))

    def shown_at(self, count: int) -> float | None:
        """When a message first showed the probe's count at `count` or more."""
        return next((at for at, seen in self.seen if seen >= count), None)


async def probe(session: Session, http, base: int, stop: asyncio.Event) -> list[tuple]:
    """Sell one sale every PROBE_EVERY_S as the probe kiosk; (sent, answered, the count it
    makes)."""
    skus, sales = sale_skus(Catalog.load(None)), []
    headers = {"Authorization": f"Bearer {session.probe_token}"}
    while not stop.is_set():
        body = {"idempotency_key": uuid.uuid4().hex,
                "items": [{"sku": sku, "qty": 1} for sku in skus[:3]],
                "payment": {"method": "card", "reference": "PROBE"}}
        sent = time.monotonic()
        async with http.post(f"{session.edge.url}/edge/checkout", json=body,
                             headers=headers) as answer:
            if answer.status == 201:
                sales.append((sent, time.monotonic(), base + len(sales) + 1))
        await asyncio.sleep(PROBE_EVERY_S)
    return sales


def delays_ms(boards: list[Wallboard], sales: list[tuple], since: int) -> tuple[list, int]:
    """Every (sale, wallboard) delay in ms from `since` (0: sent, 1: answered), and how many
    sales a wallboard never showed."""
    delays, missed = [], 0
    for sale in sales:
        for board in boards:
            shown = board.shown_at(sale[2])
            if shown is None:
                missed += 1
            else:
                delays.append(max(0.0, shown - sale[since]) * 1000)
    return delays, missed


async def measure_dashboards(session: Session) -> None:
    """delta_p99_ms and dashboard_msgs_per_s, with wrk selling meanwhile."""
    sizes = session.sizes
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        boards = [Wallboard() for _ in range(sizes.dashboards)]
        bases = await asyncio.gather(*(b.connect(http, session.edge.url, token)
                                       for b, token in zip(boards, session.wallboard_tokens,
                                                           strict=True)))
        readers = [asyncio.ensure_future(b.read()) for b in boards]
        say(f"dashboards: {len(boards)} wallboards connected; selling with wrk beside")
        stop, started = asyncio.Event(), time.monotonic()
        probing = asyncio.ensure_future(probe(session, http, max(bases), stop))
        load = await run_wrk(f"checkout with {len(boards)} wallboards", session.edge.url,
                             checkout_script(session, "dashboards"), sizes.wrk_s)
        stop.set()
        sales = await probing
        await asyncio.sleep(1.0)  # the last sale's delta is still on its way
        window = time.monotonic() - started
        await asyncio.gather(*(b.ws.close() for b in boards))
        await asyncio.gather(*readers, return_exceptions=True)
    session.series[load.label] = load.percentiles_ms
    record_dashboards(session, boards, sales, window)


def record_dashboards(session: Session, boards: list[Wallboard], sales: list[tuple],
                      window: float) -> None:
    """The wallboards' figures, details and plot series."""
    delays, missed = delays_ms(boards, sales, since=1)
    from_send, _ = delays_ms(boards, sales, since=0)
    rates = [b.messages / window for b in boards]
    session.figures["delta_p99_ms"] = rounded(percentile(delays, 99))
    session.figures["dashboard_msgs_per_s"] = round(sum(rates) / len(rates), 3)
    session.details["dashboards"] = {
        "wallboards": len(boards), "probe_sales": len(sales), "delays": len(delays),
        "never_shown": missed, "seq_gaps": sum(b.gaps for b in boards),
        "delta_ms": {str(p): rounded(percentile(delays, p)) for p in (50, 99, 99.9)},
        "delta_from_send_ms": {str(p): rounded(percentile(from_send, p))
                               for p in (50, 99, 99.9)},
        "msgs_per_s_max": round(max(rates), 3), "window_s": round(window, 2)}
    session.series["sale to wallboard delta"] = percentile_series(delays)
    say(f"dashboards: delta p99 {session.figures['delta_p99_ms']} ms after the 201 "
        f"({rounded(percentile(from_send, 99))} ms after sending) over {len(delays)} deliveries; "
        f"{session.figures['dashboard_msgs_per_s']} msgs per wallboard per s")
