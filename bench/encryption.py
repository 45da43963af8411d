"""Encryption at rest: what SQLCipher costs the sale and the drain, in the same run.

Two edges of the section's own, each on a fresh data dir: one on plain files, one on files
encrypted with a raw key (a 0600 key file, as a store keeps it). First each drains the same
backlog (written into its stopped files, keyed as its own, as the drain section does), then
each takes the same wrk checkout load (the checkout section's script, connections and
warm-up), plain and encrypted in turn, round after round, so the machine's drift falls on
both alike. The figures are the encrypted edge's medians over the plain edge's. The drains
run with no checkout beside them: the ratio is the drain's own cost, not the sale's again.
The run's own edge is stopped meanwhile, so that it takes no CPU from either.
"""
import dataclasses
import secrets
import statistics

from bench.checkout import measured_with_cpu, warm_up
from bench.drain import kiosk_links, prepare_backlog, release_backlog
from bench.fleet import kiosk_names
from bench.processes import cpu_s
from bench.progress import say
from bench.session import Session
from server.config import CENTRAL_DB, EDGE_DB
from server.encryption import write_key_file
from server.sqlite_open import file_kind

KINDS = ("plain", "encrypted")


def new_edges(session: Session) -> dict[str, Session]:
    """A plain and an encrypted edge, not started yet, each a session of its own (its data
    dir, kiosks and tokens) under the run's work dir, sized for this section."""
    sizes = dataclasses.replace(
        session.sizes, wrk_s=session.sizes.encryption_wrk_s,
        backlog=session.sizes.encryption_backlog, dashboards=1, settle_s=0)
    edges = {}
    for kind in KINDS:
        work = session.work / f"encryption-{kind}"
        work.mkdir()
        key_file = None
        if kind == "encrypted":
            key_file = work / "store.key"  # beside the data dir, never inside it
            write_key_file(key_file, secrets.token_hex(32))
        edges[kind] = Session(sizes, keep=session.keep, work=work, key_file=key_file)
    return edges


async def drain_once(edge: Session, kind: str, round_no: int) -> dict:
    """One backlog drained by one edge, its kiosks new to it: rows/s and CPU per row."""
    kiosks = kiosk_names(f"drain{round_no}", edge.sizes.drain_kiosks)
    # The journal verifier checks the first keyed fill; later ones are written alike, and
    # its cross-check of both files grows slow once central holds a drained backlog.
    tokens = await edge.offline(lambda: prepare_backlog(edge, kiosks, verify=round_no == 1),
                                measure_start=False)
    async with kiosk_links(edge, tokens, kiosks) as links:
        base = (await edge.overview())["central_order_count"]
        cpu_before = cpu_s(edge.edge.proc.pid)
        drain = await release_backlog(edge, links, kiosks, base)
        cpu = cpu_s(edge.edge.proc.pid) - cpu_before
    if not drain["complete"]:
        raise AssertionError(f"the {kind} edge drained {drain['synced']} of "
                             f"{edge.sizes.backlog} rows in {edge.sizes.drain_cap_s} s")
    rate = drain["synced"] / max(drain["elapsed_s"], 1e-6)
    say(f"encryption: {kind} drain, round {round_no}: {drain['synced']} rows in "
        f"{drain['elapsed_s']:.2f} s = {rate:.0f} rows/s")
    return {"rows_per_s": round(rate, 1), "rows": drain["synced"],
            "seconds": round(drain["elapsed_s"], 3),
            "cpu_us_per_row": round(cpu / max(drain["synced"], 1) * 1e6, 1),
            **edge.details["drain"]}  # the fill's seconds and the journal's verdict


async def checkout_once(edge: Session, kind: str, round_no: int) -> dict:
    """One warmed-up, measured wrk run of checkouts on one edge: sales/s and CPU per sale."""
    label = f"{kind} checkout, round {round_no}"
    await warm_up(edge, label, edge.edge.url)
    result, cpu_us = await measured_with_cpu(edge, label, edge.edge.url, edge.edge.proc.pid)
    return {**result.as_json(), "cpu_us_per_request": round(cpu_us, 1)}


def files_as_expected(edges: dict[str, Session]) -> dict[str, list[str]]:
    """Each edge's two files' kinds, read from their first bytes: a key file the encrypted
    edge did not take would measure plain against plain, so it fails the section."""
    kinds = {kind: [file_kind(edge.edge.data_dir / name) for name in (EDGE_DB, CENTRAL_DB)]
             for kind, edge in edges.items()}
    if kinds != {kind: [kind, kind] for kind in KINDS}:
        raise AssertionError(f"the edges' files are not of their kinds: {kinds}")
    return kinds


def median_of(runs: list[dict], key: str) -> float:
    """The median of one figure over a kind's rounds."""
    return statistics.median(run[key] for run in runs)


def ratio(runs: dict[str, list[dict]], key: str) -> float:
    """Encrypted's median over plain's (0 when plain measured nothing)."""
    plain = median_of(runs["plain"], key)
    return round(median_of(runs["encrypted"], key) / plain, 4) if plain else 0.0


async def compare(session: Session, edges: dict[str, Session]) -> None:
    """The drains, then the checkout rounds, plain and encrypted in turn; the figures."""
    rounds = range(1, session.sizes.encryption_rounds + 1)
    drains, checkouts = {k: [] for k in KINDS}, {k: [] for k in KINDS}
    for round_no in rounds:
        for kind in KINDS:
            drains[kind].append(await drain_once(edges[kind], kind, round_no))
    for round_no in rounds:
        for kind in KINDS:
            checkouts[kind].append(await checkout_once(edges[kind], kind, round_no))
    files = files_as_expected(edges)
    session.figures["encrypted_checkout_ratio"] = ratio(checkouts, "rps")
    session.figures["encrypted_drain_ratio"] = ratio(drains, "rows_per_s")
    session.details["encryption"] = {
        "rounds": len(rounds), "backlog": session.sizes.encryption_backlog,
        "wrk_s": session.sizes.encryption_wrk_s, "files": files, "checkout": checkouts,
        "drain": drains,
        "medians": {kind: {"checkout_rps": median_of(checkouts[kind], "rps"),
                           "checkout_cpu_us": median_of(checkouts[kind], "cpu_us_per_request"),
                           "drain_rows_per_s": median_of(drains[kind], "rows_per_s"),
                           "drain_cpu_us_per_row": median_of(drains[kind], "cpu_us_per_row")}
                    for kind in KINDS}}
    say(f"encryption: encrypted checkout {session.figures['encrypted_checkout_ratio']:.3f} "
        f"of plain, drain {session.figures['encrypted_drain_ratio']:.3f} of plain")


async def measure_encryption(session: Session) -> None:
    """encrypted_checkout_ratio and encrypted_drain_ratio: encrypted over plain, same run."""
    was_running = session.edge.running
    if was_running:
        say("encryption: stopping the run's edge while its two edges are measured")
        session.edge.stop()
    edges = new_edges(session)
    try:
        for kind, edge in edges.items():
            say(f"encryption: the {kind} edge")
            await edge.begin()
        await compare(session, edges)
    finally:
        for edge in edges.values():
            await edge.close(keep=session.keep)
        if was_running:
            session.edge.start()
