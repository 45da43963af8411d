"""Credential commands, run beside (or without) the service on its data dir.

    enroll-kiosk KIOSK_ID    a new kiosk token (enrolling again rotates: older ones end)
    revoke-kiosk KIOSK_ID    end every credential of a kiosk
    token --role ROLE        a new dashboard or operator token
    revoke-token TOKEN_ID    end one credential (TOKEN_ID: the part after `aoc_`)
    retire-kiosk KIOSK_ID    a kiosk that left: its credentials end, it leaves the wallboard,
                             a drill on its link ends, and its sales still drain to central

A new token is printed alone on the last line (for scripts: `| tail -1`), its sign-in link
above it, at the store's address (`public_url`, else where the service was last started, as
it recorded in the data dir). Only the token's hash is stored: it cannot be shown again.
A command refuses a data dir that holds no store (a mistyped path, or the wrong working
directory) unless given --create.
"""
import argparse
import asyncio
import sys

from server.auth import enrolment
from server.auth.store import AuthStore
from server.cli.serve import add_data_dir_arguments
from server.clock import to_iso, utc_now
from server.config import ADDRESS_FILE, load_settings
from server.edge import retire
from server.edge.events import EdgeEvents
from server.edge.store import EdgeStore
from server.errors import UnknownKiosk
from server.web.fields import KIOSK_ID

ACTOR = "cli"


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"checkout-server {command}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_dir_arguments(parser)
    parser.add_argument("--create", action="store_true",
                        help="make a new store in the data dir if it holds none")
    return parser


async def _with_edge(args, work):
    settings = load_settings(args.config, data_dir=args.data_dir)
    if not settings.edge_db_path.exists() and not args.create:
        sys.exit(f"no store in {settings.data_path.resolve()} (no {settings.edge_db_path.name}): "
                 "give the service's --data-dir, or --create to make a new store there")
    store = await EdgeStore(settings.edge_db_path, settings.sqlite_busy_timeout_ms,
                            settings.database_key()).open()
    try:
        return await work(store, AuthStore(store.db), settings, utc_now())
    finally:
        await store.close()


async def _with_store(args, work):
    return await _with_edge(
        args, lambda store, auth, settings, now: work(auth, settings, to_iso(now)))


def _link_base(settings) -> str:
    """`public_url`, else the address the running (or last) service recorded, else the
    settings' own host and port."""
    recorded = settings.data_path / ADDRESS_FILE
    if not settings.public_url and recorded.exists():
        return recorded.read_text().strip()
    return settings.link_base()


def _print_issued(issued: enrolment.Issued, settings) -> None:
    who = f"kiosk {issued.kiosk_id}" if issued.kiosk_id else issued.role
    article = "an" if who[0] in "aeiou" else "a"
    print(f"Issued {article} {who} credential (id {issued.token_id}). Sign-in link, valid "
          "until revoked:")
    print(f"  {_link_base(settings)}{issued.signin_path()}")
    print("Bearer token (shown only now):")
    print(issued.token)


def _kiosk_id(text: str) -> str:
    """The API's kiosk id rule for the CLI too: no id the API would refuse gets enrolled."""
    if KIOSK_ID.regex.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"{text!r}: {KIOSK_ID.error}")
    return text


def enroll_kiosk(argv: list[str]) -> int:
    """`enroll-kiosk KIOSK_ID`."""
    parser = _parser("enroll-kiosk")
    parser.add_argument("kiosk_id", type=_kiosk_id)
    args = parser.parse_args(argv)

    async def work(store, settings, now):
        _print_issued(await enrolment.enrol_kiosk(store, args.kiosk_id, ACTOR, now), settings)
    asyncio.run(_with_store(args, work))
    return 0


def issue_token(argv: list[str]) -> int:
    """`token --role dashboard|operator [--label TEXT]`."""
    parser = _parser("token")
    parser.add_argument("--role", required=True, choices=["dashboard", "operator"])
    parser.add_argument("--label", default="", help="who or what holds it, for the audit trail")
    args = parser.parse_args(argv)

    async def work(store, settings, now):
        label = args.label or f"{args.role} token"
        _print_issued(await enrolment.issue_person_token(store, args.role, label, ACTOR, now),
                      settings)
    asyncio.run(_with_store(args, work))
    return 0


def _revoke(command: str, argv: list[str], what: str, revoke) -> int:
    parser = _parser(command)
    parser.add_argument(what)
    args = parser.parse_args(argv)

    async def work(store, settings, now):
        return await revoke(store, getattr(args, what), ACTOR, now)
    count = asyncio.run(_with_store(args, work))
    print(f"revoked {count} active credential(s)")
    return 0 if count else 1


def revoke_kiosk(argv: list[str]) -> int:
    """`revoke-kiosk KIOSK_ID`: exit 1 when it had no active credential."""
    return _revoke("revoke-kiosk", argv, "kiosk_id", enrolment.revoke_kiosk)


def revoke_token(argv: list[str]) -> int:
    """`revoke-token TOKEN_ID`: exit 1 when no such active credential."""
    return _revoke("revoke-token", argv, "token_id", enrolment.revoke_token)


def retire_kiosk(argv: list[str]) -> int:
    """`retire-kiosk KIOSK_ID`: exit 1 when there was nothing of it to retire."""
    parser = _parser("retire-kiosk")
    parser.add_argument("kiosk_id", type=_kiosk_id)
    args = parser.parse_args(argv)

    async def work(store, auth, settings, now):
        # The running edge hears nothing from this process (no listeners here): its sync
        # finds the sales at its next sweep, its wallboards drop the kiosk at their next look.
        return await retire.retire_kiosk(auth, store, EdgeEvents(), args.kiosk_id, ACTOR,
                                         now)
    try:
        retired = asyncio.run(_with_edge(args, work))
    except UnknownKiosk as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"retired {retired.kiosk_id}: revoked {retired.revoked} active credential(s)"
          f"{', released its link drill' if retired.drill_released else ''};"
          f" {retired.pending_count} of its sales still to sync")
    return 0
