"""`scripts/bench`: every figure of the issue in one run, each beside its reference or
target, as a table on stdout, JSON (--json) and a latency plot (--png)."""
import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.checkout import measure_checkout
from bench.dashboards import measure_dashboards
from bench.drain import measure_drain
from bench.encryption import measure_encryption
from bench.footprint import measure_footprint
from bench.hq import measure_hq
from bench.hq_bus import default_nats_url
from bench.plot import write_plot
from bench.progress import say
from bench.report import as_json, table
from bench.session import FULL, QUICK, Session
from bench.sockets import measure_sockets
from bench.wrk import ensure_wrk

# In this order: the footprint is the first start's; the drain's backlog and the sockets'
# 10,000 kiosks come late so they weigh on no earlier figure; encryption's two edges of its
# own (with the run's edge stopped) between them, where neither weighs on the other; and head
# office's million rows and its PostgreSQL last of all.
SECTIONS = {"footprint": measure_footprint, "checkout": measure_checkout,
            "dashboards": measure_dashboards, "drain": measure_drain,
            "encryption": measure_encryption, "sockets": measure_sockets, "hq": measure_hq}
# Sections that need not the run's edge (hq needs none, encryption starts its own two): with
# only these, it is not started; and those that load nothing with wrk.
EDGE_FREE, WRK_FREE = {"hq", "encryption"}, {"hq"}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line of scripts/bench."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, under a minute (CI keeps it working; no thresholds)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    parser.add_argument("--png", type=Path, help="the latency plot (default: a temp path)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated, of: {', '.join(SECTIONS)} (default: all; "
                             "hq needs PostgreSQL: CHECKOUT_TEST_POSTGRES, else "
                             "127.0.0.1:5432, user postgres; and NATS: see --nats)")
    parser.add_argument("--nats", metavar="URL", default=default_nats_url(),
                        help="NATS server with JetStream for hq's bus phase (default: "
                             "CHECKOUT_TEST_NATS, else nats://127.0.0.1:4222)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the data dir, the logs and head office's databases")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def default_png() -> Path:
    """Where the plot goes when --png is not given."""
    folder = Path(tempfile.gettempdir()) / "always-on-checkout-bench"
    folder.mkdir(exist_ok=True)
    return folder / f"latency-{time.strftime('%Y%m%d-%H%M%S')}.png"


async def run_sections(session: Session, names: list[str]) -> dict[str, str]:
    """Each chosen section in turn; one that fails is reported and the rest still run."""
    failures = {}
    if set(names) - EDGE_FREE:
        await session.begin()
    for name in SECTIONS:
        if name not in names:
            continue
        say(f"== {name}")
        try:
            await SECTIONS[name](session)
        except Exception as exc:  # one broken section must not hide the others' figures
            traceback.print_exc()
            failures[name] = f"{type(exc).__name__}: {exc}"
            say(f"{name} failed: {failures[name]}")
    return failures


async def run(args: argparse.Namespace) -> int:
    """Measure, then print the table and write the JSON and the plot; 1 if a section failed."""
    if set(args.sections) - WRK_FREE:
        ensure_wrk()
    started = time.monotonic()
    session = Session(QUICK if args.quick else FULL, keep=args.keep, nats_url=args.nats)
    load_before = os.getloadavg()
    try:
        failures = await run_sections(session, args.sections)
    finally:
        await session.close(keep=args.keep)
    meta = {"mode": "quick" if args.quick else "full", "seconds": round(time.monotonic()
            - started, 1), "cpus": os.cpu_count(), "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(), "sections": args.sections, "failures": failures}
    png = args.png or default_png()
    write_plot(session, png)
    print(table(session, meta))
    print(f"latency plot: {png}")
    if args.json:
        args.json.write_text(json.dumps(as_json(session, meta), indent=2) + "\n")
        print(f"figures as JSON: {args.json}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of scripts/bench."""
    return asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))
