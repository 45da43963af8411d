"""Head office's ingest under a steady chain: stores deliver their batches, a fixed number of
stores at once (each sending its own batches one after another, as one store's sync does),
a tenth of the batches sent twice (a store that never saw the answer sends the batch again,
after its next one). The bodies are made before the clock starts; each is signed as it is
sent."""
import asyncio
import time
from dataclasses import dataclass, field

from bench.hq_rows import SalesMaker, batch_body, kiosk_of
from bench.hq_stores import Deliverer, SimulatedStore
from bench.progress import say, ticking

REPEAT_EVERY = 10  # one batch in ten is sent twice


@dataclass
class Plan:
    """What each store sends, in order, and what that adds up to."""

    sends: list = field(default_factory=list)   # [(store, [body, ...]), ...]
    rows: int = 0                               # distinct rows in all
    batches: int = 0                            # distinct batches
    repeats: int = 0                            # batches sent a second time

    @property
    def bodies(self) -> list[bytes]:
        """Every body in the order the stores hold them, repeats included."""
        return [body for _, bodies in self.sends for body in bodies]


async def make_plan(stores: list[SimulatedStore], maker: SalesMaker, rows: int,
                    batch_rows: int, repeat_every: int | None = REPEAT_EVERY) -> Plan:
    """`rows` new rows in batches of `batch_rows`, dealt to the stores in turn; every
    `repeat_every`-th batch (None: none) sent again after the store's next one (or last)."""
    plan, own = Plan(), {store.store_id: [] for store in stores}
    said, count = time.monotonic(), rows // batch_rows
    for index in range(count):
        store = stores[index % len(stores)]
        kiosk = kiosk_of(store.store_id, index // len(stores))
        body = batch_body(store.store_id, maker.rows(store.store_id, kiosk, batch_rows))
        own[store.store_id].append(body)
        plan.rows, plan.batches = plan.rows + batch_rows, plan.batches + 1
        if repeat_every and index % repeat_every == 0:
            own[store.store_id].append(None)  # a marker: the repeat goes after the next one
            own[store.store_id].append(body)
            plan.repeats += 1
        if time.monotonic() - said >= 1:
            say(f"hq: {index + 1:,} of {count:,} batches made")
            said = time.monotonic()
            await asyncio.sleep(0)
    for store in stores:
        plan.sends.append((store, _repeats_after_the_next(own[store.store_id])))
    return plan


def _repeats_after_the_next(bodies: list) -> list[bytes]:
    """[a, None, a, b] -> [a, b, a]: a repeat (after its marker) moves one batch later."""
    ordered, held = [], None
    items = iter(bodies)
    for body in items:
        if body is None:
            held = next(items)
            continue
        ordered.append(body)
        if held is not None:
            ordered.append(held)
            held = None
    if held is not None:
        ordered.append(held)
    return ordered


async def deliver_plan(deliverer: Deliverer, plan: Plan, at_once: int, label: str) -> float:
    """Every store's batches, `at_once` stores at a time; seconds from the first send to the
    last answer."""
    tally = deliverer.tally
    started = tally.started = time.monotonic()

    def progress() -> str:
        elapsed = time.monotonic() - started
        return (f"hq: {label}: {tally.statuses[200]:,} batches in, {tally.inserted:,} new rows "
                f"({tally.inserted / elapsed:,.0f}/s), {tally.statuses[503]:,} 503s, "
                f"{tally.non_503_errors} other errors")

    async with ticking(progress, 1.0):
        await stores_at_once(plan.sends, at_once, deliverer.deliver)
    seconds = time.monotonic() - started
    say(progress())
    return seconds


async def stores_at_once(sends: list, at_once: int, send_one) -> None:
    """`await send_one(store, item)` for each store's items in order (one after another, as
    one store's sync sends them), `at_once` stores at a time."""
    stores = iter(sends)  # shared: each store is taken by the first sender free

    async def store_after_store():
        for store, items in stores:
            for item in items:
                await send_one(store, item)

    await asyncio.gather(*(store_after_store() for _ in range(at_once)))
