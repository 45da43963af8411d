"""POST /edge/sync: an operator's "drain now", for one kiosk or for every kiosk allowed to."""
from server.errors import CentralLinkDown, CentralUnavailable, UnknownKiosk
from server.sync.worker import SyncWorker


async def sync_one(worker: SyncWorker, kiosk_id: str) -> dict:
    """Drain one kiosk now, ignoring its backoff; refuse while its link is down."""
    if await worker.store.get_kiosk(kiosk_id) is None:
        raise UnknownKiosk(f"no kiosk {kiosk_id!r} has been seen by this edge")
    if not await worker.link_up(kiosk_id):
        retry_after = worker.settings.sync_retry_after_s
        raise CentralLinkDown(
            f"kiosk {kiosk_id} reports its central link down; its sales stay pending",
            {"kiosk_id": kiosk_id, "pending_count": await worker.store.pending_count(kiosk_id)},
            {"Retry-After": str(retry_after)},
        )
    report = await worker.drain_kiosk(kiosk_id)
    if report.outcome == "central_error":
        raise CentralUnavailable(
            "the central ledger failed; the sales stay pending and will be retried",
            report.as_json(), {"Retry-After": str(worker.settings.sync_retry_after_s)},
        )
    return _summary([report.as_json()], [])


async def sync_all(worker: SyncWorker) -> dict:
    """Drain every kiosk with pending sales whose link is up; list those skipped."""
    reports, skipped = [], []
    for kiosk_id in await worker.store.kiosks_with_pending():
        if await worker.link_up(kiosk_id):
            reports.append((await worker.drain_kiosk(kiosk_id)).as_json())
        else:
            skipped.append(kiosk_id)
    return _summary(reports, skipped)


def _summary(reports: list[dict], skipped: list[str]) -> dict:
    return {
        "results": reports,
        "skipped_link_down": skipped,
        "synced": sum(r["synced"] for r in reports),
        "already_present": sum(r["already_present"] for r in reports),
        "set_aside": sum(r["set_aside"] for r in reports),
    }
