"""The first start of a fresh data dir enrols a small demo fleet and says where to go.

Its tokens are live credentials: printed on the terminal when the service runs in one (the
quick start), and otherwise written to FIRST_START_FILE in the data dir, readable by the
service's user only, never to standard output, where a service manager's log would keep them.
"""
import logging
import sys
from pathlib import Path

from server.auth.enrolment import Issued, enrol_kiosk, issue_person_token
from server.auth.store import AuthStore
from server.sqlite import write_private

log = logging.getLogger(__name__)
DEMO_KIOSKS = ("kiosk-1", "kiosk-2", "kiosk-3")
FIRST_START_FILE = "first-start.txt"


async def enrol_demo_fleet(store: AuthStore, at: str) -> list[Issued]:
    """Three kiosks, a dashboard and an operator, only when no credential exists yet."""
    if await store.credential_count():
        return []
    issued = [await enrol_kiosk(store, kiosk, "demo", at) for kiosk in DEMO_KIOSKS]
    issued.append(await issue_person_token(store, "dashboard", "demo wallboard", "demo", at))
    issued.append(await issue_person_token(store, "operator", "demo operator", "demo", at))
    return issued


def announce(issued: list[Issued], base_url: str) -> str:
    """The text printed on first start: each sign-in link, then each bearer token."""
    lines = ["First start: enrolled a demo fleet. Open these (each link signs that browser in):"]
    for item in issued:
        who = item.kiosk_id or item.role
        lines.append(f"  {who:<10} {base_url}{item.signin_path()}")
    lines.append("Bearer tokens for API clients (shown once; only their hashes are kept):")
    lines += [f"  {item.kiosk_id or item.role:<10} {item.token}" for item in issued]
    return "\n".join(lines)


def hand_over(text: str, data_path: Path) -> None:
    """Show the first start's links and tokens to whoever started the service: on its
    terminal, or in a file of the data dir that only the service's user may read."""
    if sys.stdout.isatty():
        print(text, flush=True)
        return
    path = data_path / FIRST_START_FILE
    write_private(path, text + "\n")
    log.warning("first start: enrolled a demo fleet; its sign-in links and tokens are in %s "
                "(readable by this user only: delete it once the screens are signed in)", path)
