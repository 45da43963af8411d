"""Checkout: durable sales per second and their latency, beside the framework's ceiling (a
bare aiohttp handler parsing the same body), both loaded by the same wrk script; then the
edge pricing the same carts (`POST /edge/quote`: the same token check, body, validation,
pricing and answer, with no fingerprint, journal or write), which parts the gap into what
every priced request pays and what a sale's own record and write add."""
import asyncio
import itertools

from bench.processes import ReferenceServer, cpu_s
from bench.progress import say
from bench.session import Session
from bench.wrk import WrkResult, run_wrk, write_checkout_script

_RUNS = itertools.count(1)


def checkout_script(session: Session, label: str, route: str = "checkout"):
    """A fresh wrk script (its own run tag: its keys are new to the edge) for one run."""
    tag = f"r{next(_RUNS)}"
    return write_checkout_script(session.work / f"{label}-{tag}.lua", session.load_tokens, tag,
                                 route)


async def warm_up(session: Session, label: str, url: str, route: str = "checkout") -> None:
    """A wrk run thrown away: connections, caches and the allocator settle first."""
    if session.sizes.warmup_s:
        await run_wrk(f"{label} (warm-up)", url, checkout_script(session, label, route),
                      session.sizes.warmup_s)


async def measured(session: Session, label: str, url: str, duration_s: float,
                   route: str = "checkout") -> WrkResult:
    """One measured wrk run of checkouts (or of quotes)."""
    return await run_wrk(label, url, checkout_script(session, label, route), duration_s)


async def measured_with_cpu(session: Session, label: str, url: str, pid: int,
                            route: str = "checkout") -> tuple[WrkResult, float]:
    """A measured run and the server's CPU time per answered request, in microseconds: a
    figure that drifts less than requests per second when the machine is shared."""
    before = cpu_s(pid)
    result = await measured(session, label, url, session.sizes.wrk_s, route)
    return result, (cpu_s(pid) - before) / max(result.ok_requests, 1) * 1e6


async def orders_total_after_quiet(session: Session) -> int:
    """The edge's order count once the sales wrk left in flight have landed."""
    say("checkout: reading the edge's order count once wrk's last sales have landed")
    await asyncio.sleep(1.0)
    return (await session.overview())["orders_total"]


async def measure_reference(session: Session) -> tuple[WrkResult, float]:
    """The bare handler, in its own process on this host, loaded like the edge."""
    reference = ReferenceServer(session.work / "reference.log")
    reference.start()
    try:
        await warm_up(session, "reference", reference.url)
        return await measured_with_cpu(session, "reference", reference.url, reference.proc.pid)
    finally:
        reference.stop()


async def measure_quote(session: Session) -> tuple[WrkResult, float]:
    """The edge pricing the sales' carts, loaded like the checkout: a sale without its record
    and its write."""
    await warm_up(session, "quote", session.edge.url, "quote")
    return await measured_with_cpu(session, "quote (no write)", session.edge.url,
                                   session.edge.proc.pid, "quote")


async def measure_checkout(session: Session) -> None:
    """checkout_rps, reference_rps, their ratio, and the edge's p99 at 64 connections; the
    edge's quotes beside them (in details)."""
    reference, reference_cpu_us = await measure_reference(session)
    await warm_up(session, "checkout", session.edge.url)
    before = await orders_total_after_quiet(session)
    edge, edge_cpu_us = await measured_with_cpu(session, "checkout", session.edge.url,
                                                session.edge.proc.pid)
    written = await orders_total_after_quiet(session) - before
    quote, quote_cpu_us = await measure_quote(session)
    session.figures.update({
        "checkout_rps": round(edge.rps, 1),
        "reference_rps": round(reference.rps, 1),
        "checkout_ratio": round(edge.rps / reference.rps, 4) if reference.rps else 0.0,
        "checkout_p99_ms": edge.p(99),
    })
    session.details["checkout"] = {
        "edge": edge.as_json(), "reference": reference.as_json(),
        # Rows the edge committed for the run: wrk's answered count, plus at most the 64 in
        # flight when it stopped; fewer would mean an answer without a row.
        "orders_committed_during_run": written,
        "cpu_us_per_request": {"edge": round(edge_cpu_us, 1),
                               "reference": round(reference_cpu_us, 1),
                               "quote": round(quote_cpu_us, 1)},
        "quote": {**quote.as_json(),
                  "ratio": round(quote.rps / reference.rps, 4) if reference.rps else 0.0},
    }
    session.series["checkout"] = edge.percentiles_ms
    session.series["reference (bare aiohttp)"] = reference.percentiles_ms
    session.series["quote (no write)"] = quote.percentiles_ms
    say(f"checkout: {edge.rps:.0f}/s vs reference {reference.rps:.0f}/s "
        f"({session.figures['checkout_ratio']:.1%}), p99 {edge.p(99):.1f} ms; CPU per "
        f"request {edge_cpu_us:.0f} us vs {reference_cpu_us:.0f} us; quotes (no write) "
        f"{quote.rps:.0f}/s ({session.details['checkout']['quote']['ratio']:.1%}), "
        f"{quote_cpu_us:.0f} us")
