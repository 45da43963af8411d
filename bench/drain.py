"""Backlog drain: 100,000 pending sales over 50 kiosks go to central when their links come
back, timed, while wrk keeps selling; checkout p99 then, against idle p99 (no drain, no
backlog) and against p99 with the backlog held but not draining."""
import asyncio
import contextlib
import time

import aiohttp

from bench.backlog import fill_backlog, verify_backlog
from bench.checkout import checkout_script, measured, warm_up
from bench.fleet import enrol_kiosks, kiosk_names, record_links_down
from bench.kiosk_client import KioskSocket
from bench.progress import say, ticking
from bench.session import Session
from bench.wrk import run_wrk
from server.clock import from_iso, utc_now

POLL_S = 0.5  # the overview's aggregates read every row: polled gently


async def prepare_backlog(session: Session, kiosks: list[str],
                          verify: bool = True) -> dict[str, str]:
    """With the edge stopped: enrol the kiosks, write their backlog, check its journal
    (unless told not to), and record their links down last (fresh heartbeats: the edge holds
    their sales)."""
    data_dir, key = session.edge.data_dir, session.edge.key
    tokens = await enrol_kiosks(data_dir, key, kiosks, "drain")
    fill_s = await fill_backlog(data_dir, key, kiosks, session.sizes.backlog)
    journal = "not checked"
    if verify:
        async with ticking(lambda: "drain: the journal verifier is checking every chain"):
            journal = await asyncio.to_thread(verify_backlog, data_dir, key)
    say(f"drain: backlog written in {fill_s:.1f} s; journal {journal}")
    session.details["drain"] = {"fill_s": round(fill_s, 2), "journal": journal}
    await record_links_down(data_dir, key, kiosks)
    return tokens


async def wait_for_central(session: Session, target: int, cap_s: float) -> tuple[int, float]:
    """Poll the overview until central holds `target` orders (or `cap_s` passes); return
    what it held last and when that was seen (monotonic)."""
    started, last_said = time.monotonic(), 0.0
    while True:
        held = (await session.overview())["central_order_count"]
        seen = time.monotonic()
        if held >= target or seen - started > cap_s:
            return held, seen
        if seen - last_said >= 2:
            say(f"drain: central holds {held}, waiting for {target}")
            last_said = seen
        await asyncio.sleep(POLL_S)


async def last_batch_at(session: Session, kiosks: list[str]) -> float | None:
    """When the edge marked the drain's last batch synced (its kiosks' last_sync_at), as a
    Unix time: more precise than the poll that noticed it."""
    rows = (await session.api("GET", "/dashboard/kiosks", session.operator))["kiosks"]
    wanted = set(kiosks)
    stamps = [row["last_sync_at"] for row in rows if row["kiosk_id"] in wanted]
    if not stamps or None in stamps:
        return None
    return max(from_iso(s) for s in stamps).timestamp()


async def release_backlog(session: Session, links: list[KioskSocket], kiosks: list[str],
                          base: int) -> dict:
    """Every link up at once; wait until central holds `base` plus the backlog: the rows
    synced, the seconds from the flip to the last batch, and whether all went."""
    flipped, flipped_wall = time.monotonic(), utc_now().timestamp()
    for link in links:
        link.flip(True)
    held, seen = await wait_for_central(session, base + session.sizes.backlog,
                                        session.sizes.drain_cap_s)
    finished = await last_batch_at(session, kiosks)
    elapsed = (finished - flipped_wall) if finished else (seen - flipped)
    return {"synced": held - base, "elapsed_s": elapsed,
            "complete": held - base >= session.sizes.backlog}


async def drain_under_load(session: Session, links: list[KioskSocket],
                           kiosks: list[str]) -> dict:
    """wrk at full load, then every link up; wrk stops when central holds the backlog."""
    base = (await session.overview())["central_order_count"]
    drained = asyncio.Event()
    script = checkout_script(session, "checkout-during-drain")
    load = asyncio.ensure_future(run_wrk("checkout during drain", session.edge.url, script,
                                         session.sizes.drain_cap_s + 60, until=drained))
    await asyncio.sleep(0.5)  # wrk at full load before the first batch
    try:
        drain = await release_backlog(session, links, kiosks, base)
    finally:
        drained.set()
    return {"during": await load, **drain}


@contextlib.asynccontextmanager
async def kiosk_links(session: Session, tokens: dict[str, str], kiosks: list[str]):
    """The kiosks' sockets, connected and heartbeating (links down until flipped) while the
    body runs, then closed."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        links = [KioskSocket(http, session.edge.url, tokens[k]) for k in kiosks]
        await asyncio.gather(*(link.connect() for link in links))
        beats = [asyncio.ensure_future(link.keep_beating(session.sizes.beat_interval_s))
                 for link in links]
        try:
            yield links
        finally:
            for beat in beats:
                beat.cancel()
            await asyncio.gather(*beats, return_exceptions=True)
            await asyncio.gather(*(link.close() for link in links), return_exceptions=True)


async def measure_drain(session: Session) -> None:
    """drain_rows_per_s and drain_p99_ratio (checkout p99 during the drain / idle p99)."""
    kiosks = kiosk_names("drain", session.sizes.drain_kiosks)
    tokens = await session.offline(lambda: prepare_backlog(session, kiosks))
    async with kiosk_links(session, tokens, kiosks) as links:
        await warm_up(session, "checkout, backlog held", session.edge.url)
        held = await measured(session, "checkout, backlog held", session.edge.url,
                              session.sizes.wrk_s)
        drain = await drain_under_load(session, links, kiosks)
    record_drain(session, held, drain)


def record_drain(session: Session, held, drain: dict) -> None:
    """The drain's figures, details and plot series."""
    during, rate = drain["during"], drain["synced"] / max(drain["elapsed_s"], 1e-6)
    # "Idle p99" is the checkout section's (nothing pending, nothing draining). With the
    # backlog merely held, the edge is slower still (every sale wakes a sweep over it), so
    # that run would flatter the drain: it is kept beside, and stands in only when the
    # checkout section was not run.
    idle_p99 = session.figures.get("checkout_p99_ms") or held.p(99)
    session.figures["drain_rows_per_s"] = round(rate, 1)
    session.figures["drain_p99_ratio"] = round(during.p(99) / idle_p99, 3)
    session.details["drain"].update({
        "p99_baseline": "checkout" if session.figures.get("checkout_p99_ms") else "held",
        "p99_ratio_vs_backlog_held": round(during.p(99) / held.p(99), 3),
        "rows": drain["synced"], "seconds": round(drain["elapsed_s"], 3),
        "complete": drain["complete"], "kiosks": session.sizes.drain_kiosks,
        "checkout_backlog_held": held.as_json(), "checkout_during_drain": during.as_json()})
    session.series["checkout, backlog held"] = held.percentiles_ms
    session.series["checkout during drain"] = during.percentiles_ms
    say(f"drain: {drain['synced']} rows in {drain['elapsed_s']:.2f} s = {rate:.0f} rows/s; "
        f"checkout p99 {during.p(99):.1f} ms, idle {idle_p99:.1f} ms, "
        f"{held.p(99):.1f} ms with the backlog held")
