"""`scripts/simulate --stores N`: a chain's run, from the command line.

It starts head office on PostgreSQL (a database it makes, `aoc_sim_<hex>`, unless one is
given; it is left for the checker, named in the summary), or uses one already running
(`--hq URL`, with `--hq-database` so that the stores' keys can be enrolled), then N store
edges with K simulated kiosks each (reliability/chain.py). Links flip per store as in a
store's run; `--hq-outage-every S --hq-outage-for S` stop head office and start it again.
With `--transport nats` the stores publish their batches to a NATS JetStream stream of the
run's own (on `--nats URL`, else $CHECKOUT_TEST_NATS, else 127.0.0.1:4222; deleted after) and
two `hq ingest` processes take them; the heal then also waits until nothing is in transit.
Progress goes to stderr once a second, the summary (JSON, with the checker's command line)
to stdout. The work dir (each store's data dir and log) is kept for the checker.
"""
import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

import aiohttp

from reliability.chain import Chain, ChainOptions
from reliability.chain_bus import BusOptions, nats_url_of
from reliability.databases import admin_dsn, create_database
from reliability.history import HistoryWriter
from reliability.simulator import FleetOptions, add_fleet_arguments
from reliability.tool_help import ToolHelp


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of `scripts/simulate --stores N`."""
    parser = argparse.ArgumentParser(prog="simulate --stores N",
                                     description=__doc__.splitlines()[0],
                                     formatter_class=ToolHelp)
    add = parser.add_argument
    add("--stores", type=int, required=True, help="how many stores: store-1 .. store-N")
    add_fleet_arguments(parser, "simulated kiosks per store: sim-1 .. sim-K", settle_s=20.0,
                        heartbeat_s=2.0, history="chain-history.jsonl")
    add("--hq", metavar="URL", help="a head office already running, on this machine "
        "(default: one started on a new database)")
    add("--hq-database", metavar="DSN", help="head office's database (made if not given)")
    add("--postgres", metavar="DSN", help="admin DSN to make it with "
        "(default: $CHECKOUT_TEST_POSTGRES, else postgres@127.0.0.1:5432)")
    add("--hq-outage-every", type=float, metavar="S",
        help="stop head office (killed or stopped, at random) every S seconds (default: never)")
    add("--hq-outage-for", type=float, metavar="S", help="... for S seconds, then start it")
    add("--transport", choices=("http", "nats"), default="http",
        help="how the stores' batches reach head office: signed POSTs, or published to a "
        "NATS JetStream stream that two `hq ingest` processes take them from")
    add("--nats", metavar="URL", help="the NATS server (with JetStream) for --transport nats "
        "(default: $CHECKOUT_TEST_NATS, else nats://127.0.0.1:4222)")
    add("--work-dir", type=Path, help="where the stores' data dirs go (default: a new one)")
    args = parser.parse_args(argv)
    if args.hq and not args.hq_database:
        parser.error("--hq needs --hq-database (the stores' keys are enrolled there)")
    if args.hq and args.hq_outage_every:
        parser.error("head office's outages need a head office of the run's own (no --hq)")
    if args.nats and args.transport != "nats":
        parser.error("--nats goes with --transport nats")
    return args


def options_of(args: argparse.Namespace) -> ChainOptions:
    """The chain's options; each store's URL and token are filled in when it is up."""
    fleet = FleetOptions(
        base_url="http://127.0.0.1", operator_token="", kiosks=args.kiosks,
        rate_per_s=args.rate, duration_s=args.duration, settle_s=args.settle,
        heartbeat_s=args.heartbeat, flip_every_s=args.flip_every,
        flip_probability=args.flip_probability, seed=args.seed,
        request_timeout_s=args.timeout)
    fleet.validate()
    bus = BusOptions(nats_url_of(args.nats)) if args.transport == "nats" else None
    options = ChainOptions(args.stores, fleet, args.hq_outage_every, args.hq_outage_for, bus)
    options.validate()
    return options


def check_command(history: str, chain: Chain, drained: bool) -> str:
    """The checker's command line for this run."""
    return (f"scripts/check_history {history} --stores-dir {chain.workdir} "
            f"--hq-database {chain.database}" + (" --expect-drained" if drained else ""))


async def run_chain(args: argparse.Namespace, options: ChainOptions) -> dict:
    """Start the chain, sell, maybe heal, stop; the summary."""
    workdir = args.work_dir or Path(tempfile.mkdtemp(prefix="chain-run-"))
    workdir.mkdir(parents=True, exist_ok=True)
    database = args.hq_database or await create_database(admin_dsn(args.postgres), "sim")
    chain = Chain(options, workdir, database, args.hq)
    try:
        await chain.start(say)
        with HistoryWriter(args.history) as history:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                await chain.prepare_fleets(http, history)
                await chain.sell(say)
                healed = await chain.heal(args.heal) if args.heal is not None else None
    finally:
        await chain.stop()
    return {**chain.summary(healed), "history": args.history,
            "check": check_command(args.history, chain, args.heal is not None)}


def main(argv: list[str] | None = None) -> int:
    """Progress on stderr, the summary on stdout; 2 if the run could not be made."""
    args = parse_args(argv)
    try:
        options = options_of(args)
        summary = asyncio.run(run_chain(args, options))
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"simulate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"simulate: interrupted; the history so far is in {args.history}", file=sys.stderr)
        return 130
    print(json.dumps(summary, indent=2))
    return 0 if summary["healed"] is None or all(summary["healed"].values()) else 1


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
