"""`python -m server hq` (or `checkout-hq`): head office's service, and its commands.

    hq [--host H] [--port P] (--database DSN | --data-dir DIR)     serve
    hq enroll-store STORE_ID --public-key=KEY                      enrol a store's key
    hq revoke-store-key STORE_ID KEY_ID                             end one of its keys
    hq token --role hq-operator|hq-dashboard [--label TEXT]         a token for a person
    hq verify-ledger                                                prove every row (exit 0/1/2)
    hq public-key                                                   head office's key, for stores
    hq publish-catalog FILE [--effective-at ISO]                    sign and publish a price list
    hq ingest --nats URL [--prefix P] [--stream S]                  take sales from the bus

Every command takes --database DSN (PostgreSQL) or --data-dir DIR (SQLite, the embedded
default) and --config FILE, and runs beside the running service on the same storage. A new
token or a key id is printed alone on the last line. A key id is base64url and may begin
with "-", which would read as an option: then give the options first and "--" before the
store id (`hq revoke-store-key --database DSN -- STORE_ID -xY…`).
"""
import argparse
import asyncio
import sys

from server.auth import enrolment
from server.cli import hq_catalog as catalog_commands
from server.cli import hq_ingest
from server.cli.serve import add_listen_arguments, run_service, start_logging
from server.clock import to_iso, utc_now
from server.config import HqSettings, load_settings
from server.errors import DomainError
from server.hq.storage import open_storage
from server.web.fields import STORE_ID

ACTOR = "cli"


def _store_id(text: str) -> str:
    if STORE_ID.regex.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"{text!r}: {STORE_ID.error}")
    return text


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"checkout-hq {command}".strip(), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="PostgreSQL DSN, e.g. postgresql://user@host/db")
    parser.add_argument("--data-dir", help="folder of head office's SQLite files (no database)")
    parser.add_argument("--config", help="TOML file with any other setting")
    return parser


def _settings(args, **more) -> HqSettings:
    return load_settings(args.config, kind=HqSettings, database=args.database,
                         data_dir=args.data_dir, **more)


async def _with_storage(settings: HqSettings, work):
    storage = await open_storage(settings)
    try:
        return await work(storage, to_iso(utc_now()))
    finally:
        await storage.close()


def serve(argv: list[str]) -> int:
    """Run head office until interrupted."""
    from server.hq.factory import create_hq_app
    parser = _parser("")
    add_listen_arguments(parser, 8090)
    args = parser.parse_args(argv)
    settings = _settings(args, host=args.host, port=args.port)
    start_logging(settings)
    return run_service(create_hq_app(settings), settings)


def enroll_store(argv: list[str]) -> int:
    """`enroll-store STORE_ID --public-key=KEY`: the key's id on the last line."""
    parser = _parser("enroll-store")
    parser.add_argument("store_id", type=_store_id)
    parser.add_argument("--public-key", required=True,
                        help="as `store-key` printed it; write --public-key=KEY, as a key may "
                             "begin with '-'")
    args = parser.parse_args(argv)

    async def work(storage, now):
        key_id = await storage.registry.enroll(args.store_id, args.public_key, now)
        await storage.auth.audit(now, ACTOR, "enroll_store", args.store_id, {"key_id": key_id})
        return key_id
    key_id = asyncio.run(_with_storage(_settings(args), work))
    print(f"Store {args.store_id} may deliver with key id:")
    print(key_id)
    return 0


def revoke_store_key(argv: list[str]) -> int:
    """`revoke-store-key STORE_ID KEY_ID`: exit 1 if no such key was in use."""
    parser = _parser("revoke-store-key")
    parser.add_argument("store_id", type=_store_id)
    parser.add_argument("key_id")
    args = parser.parse_args(argv)

    async def work(storage, now):
        ended = await storage.registry.revoke(args.store_id, args.key_id, now)
        await storage.auth.audit(now, ACTOR, "revoke_store_key", args.store_id,
                                 {"key_id": args.key_id, "revoked": ended})
        return ended
    ended = asyncio.run(_with_storage(_settings(args), work))
    print(f"key {args.key_id} of {args.store_id}: {'revoked' if ended else 'not in use'}")
    return 0 if ended else 1


def issue_token(argv: list[str]) -> int:
    """`token --role hq-operator|hq-dashboard`: the token on the last line."""
    parser = _parser("token")
    parser.add_argument("--role", required=True, choices=["hq-operator", "hq-dashboard"])
    parser.add_argument("--label", default="", help="who or what holds it, for the audit trail")
    args = parser.parse_args(argv)
    settings = _settings(args)

    async def work(storage, now):
        return await enrolment.issue_person_token(storage.auth, args.role,
                                                  args.label or f"{args.role} token", ACTOR, now)
    issued = asyncio.run(_with_storage(settings, work))
    print(f"Issued an {args.role} credential (id {issued.token_id}). Sign-in link:")
    print(f"  http://{settings.host}:{settings.port}{issued.signin_path()}")
    print("Bearer token (shown only now):")
    print(issued.token)
    return 0


def verify_ledger(argv: list[str]) -> int:
    """`verify-ledger`: 0 intact, 1 broken, 2 cannot check."""
    from server.journal.ledger_verify import format_report
    from server.journal.ledger_verify import verify_ledger as check
    args = _parser("verify-ledger").parse_args(argv)
    try:
        report = asyncio.run(_with_storage(_settings(args), lambda storage, now: check(storage)))
    except Exception as exc:  # the storage is unreachable or unreadable: nothing was proven
        print(f"verify-ledger: cannot check: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 0 if report.ok else 1


def bus_ingest(argv: list[str]) -> int:
    """`ingest --nats URL`: take the stores' batches from the bus until stopped (exit 2 if
    the bus cannot be used as it is)."""
    parser = _parser("ingest")
    hq_ingest.add_bus_arguments(parser)
    args = parser.parse_args(argv)
    args.settings = _settings(args)
    return hq_ingest.ingest(args)


COMMANDS = {"enroll-store": enroll_store, "revoke-store-key": revoke_store_key,
            "token": issue_token, "verify-ledger": verify_ledger,
            "public-key": catalog_commands.public_key,
            "publish-catalog": catalog_commands.publish_catalog, "ingest": bus_ingest}


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a command of head office's, or serve. A refusal (a bad key, say) is one
    line on standard error and exit status 1."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        return serve(argv)
    try:
        return COMMANDS[argv[0]](argv[1:])
    except DomainError as refusal:
        fields = refusal.details.get("fields", {})
        why = "; ".join(f"{name}: {', '.join(problems)}" for name, problems in fields.items())
        print(f"hq {argv[0]}: {refusal.message}{f' ({why})' if why else ''}", file=sys.stderr)
        return 1


def console_main() -> None:
    """The `checkout-hq` console script."""
    sys.exit(main())
