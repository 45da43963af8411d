"""`python -m server hq public-key` and `hq publish-catalog FILE [--effective-at ISO]`: head
office's price lists (its key is made on first need, in its own storage).

publish-catalog checks the file whole: a bad one is refused with every problem on a line of
its own on standard error, exit 1, and nothing is stored. A good one is signed and stored as
the next version; its seq and version are printed, the version alone on the last line.
"""
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from server.catalog.validation import CatalogProblems
from server.central import hq_catalogs
from server.clock import to_iso, utc_now

ACTOR = "cli"


# hq.py's own helpers (its usage text, its storage options), imported when called: hq.py
# imports this module for its command table.
def _parser(command: str):
    from server.cli.hq import _parser as hq_parser
    return hq_parser(command)


def _run(args, work):
    from server.cli.hq import _settings, _with_storage
    settings = _settings(args)
    return asyncio.run(_with_storage(settings, lambda storage, now: work(storage, settings)))


def public_key(argv: list[str]) -> int:
    """`public-key`: head office's public key alone on the last line (made if need be)."""
    args = _parser("public-key").parse_args(argv)

    async def work(storage, settings):
        return await hq_catalogs.public_key(storage.catalogs, to_iso(utc_now()))
    key = _run(args, work)
    print("Head office's public key (each store's hq_public_key, CHECKOUT_HQ_PUBLIC_KEY):")
    print(key)
    return 0


def _moment(text: str) -> datetime:
    """An ISO 8601 time that names its offset (a store's clock and head office's may be in
    other zones: a time without one means nothing certain)."""
    import argparse
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} must carry a UTC offset (+01:00, Z)")
    return moment


def publish_catalog(argv: list[str]) -> int:
    """`publish-catalog FILE [--effective-at ISO]`: exit 0 published, 1 refused."""
    parser = _parser("publish-catalog")
    parser.add_argument("file", type=Path, help="JSON: {currency, items: [...]}")
    parser.add_argument("--effective-at", type=_moment, default=None,
                        help="when stores put it in use, with its offset (default: now)")
    args = parser.parse_args(argv)
    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"hq publish-catalog: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1

    async def work(storage, settings):
        now = utc_now()
        row = await hq_catalogs.publish(storage.catalogs, raw, args.effective_at or now, now,
                                        settings.hq_max_catalog_bytes)
        await storage.auth.audit(to_iso(now), ACTOR, "publish_catalog", str(row["seq"]), {
            "version": row["version"], "effective_at": row["effective_at"],
            "file": args.file.name})
        return row
    try:
        row = _run(args, work)
    except CatalogProblems as refused:
        print(f"hq publish-catalog: {args.file} refused, nothing published:", file=sys.stderr)
        for problem in refused.problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"Published seq {row['seq']}, effective at {row['effective_at']}; version:")
    print(row["version"])
    return 0
