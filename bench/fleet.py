"""Credentials and kiosk state, made with the project's own store functions on the data dir
of a stopped edge: thousands of enrolments this way take seconds, not minutes of HTTP."""
import contextlib
import time

from bench.progress import say
from server.auth import enrolment
from server.auth.store import AuditEvent, AuthStore
from server.clock import to_iso, utc_now
from server.config import EDGE_DB
from server.edge.store import EdgeStore
from server.encryption import DatabaseKey

ACTOR = "bench"


@contextlib.asynccontextmanager
async def edge_store(data_dir, key: DatabaseKey | None):
    """The edge store of a stopped edge's data dir (keyed as the edge keys it: None when its
    files are plain), opened and closed around the body."""
    store = await EdgeStore(data_dir / EDGE_DB, key=key).open()
    try:
        yield store
    finally:
        await store.close()


async def enrol_kiosks(data_dir, key: DatabaseKey | None, kiosk_ids: list[str],
                       label: str) -> dict[str, str]:
    """A fresh token for each kiosk (server.auth.enrolment.enrol_kiosk, as the CLI does)."""
    tokens, last_said = {}, time.monotonic()
    async with edge_store(data_dir, key) as store:
        auth = AuthStore(store.db)
        for kiosk_id in kiosk_ids:
            issued = await enrolment.enrol_kiosk(auth, kiosk_id, ACTOR, to_iso(utc_now()))
            tokens[kiosk_id] = issued.token
            if time.monotonic() - last_said >= 2:
                say(f"{label}: enrolled {len(tokens)}/{len(kiosk_ids)} kiosks")
                last_said = time.monotonic()
    say(f"{label}: enrolled {len(tokens)} kiosks")
    return tokens


async def issue_wallboard_tokens(data_dir, key: DatabaseKey | None, count: int) -> list[str]:
    """A dashboard token for each of `count` wallboards: as in a store, each screen holds its
    own credential (one credential holds at most ws_max_sockets_per_credential sockets)."""
    async with edge_store(data_dir, key) as store:
        auth = AuthStore(store.db)
        return [(await enrolment.issue_person_token(auth, "dashboard", f"wallboard {i}", ACTOR,
                                                    to_iso(utc_now()))).token
                for i in range(count)]


async def force_links_down(data_dir, key: DatabaseKey | None, kiosk_ids: list[str]) -> None:
    """Put kiosks in a staff drill (link forced down): their sales stay pending, so a load
    of them measures the sale alone, with no sync to central beside it."""
    async with edge_store(data_dir, key) as store:
        for kiosk_id in kiosk_ids:
            at = to_iso(utc_now())
            drill = AuditEvent(at, ACTOR, "link_override", kiosk_id, {"forced_down": True})
            await store.force_link_down(kiosk_id, True, at, drill)


async def record_links_down(data_dir, key: DatabaseKey | None, kiosk_ids: list[str]) -> None:
    """A heartbeat with the link down for each kiosk, so the edge holds their sales until a
    heartbeat says the link is back."""
    async with edge_store(data_dir, key) as store:
        for kiosk_id in kiosk_ids:
            await store.record_heartbeat(kiosk_id, False, to_iso(utc_now()))


def kiosk_names(prefix: str, count: int) -> list[str]:
    """`prefix-0001` ... : ids the API accepts, sorted as numbered."""
    width = max(4, len(str(count)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]
