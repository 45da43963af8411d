"""The first start of a fresh data dir enrols a small demo fleet and says where to go."""
import logging

from server.auth.enrolment import Issued, enrol_kiosk, issue_person_token
from server.auth.store import AuthStore

log = logging.getLogger(__name__)
DEMO_KIOSKS = ("kiosk-1", "kiosk-2", "kiosk-3")


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
