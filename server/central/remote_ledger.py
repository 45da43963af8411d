"""The central ledger at head office, over the network: how a store's edge in a chain
delivers. Each batch goes as one signed POST (RFC 9421 with the store's key, the exact bytes
signed); the store's own sales and totals are read back with signed GETs. One client session
reuses its connections, with connect and total timeouts.

Head office unreachable, busy (503 hq_busy, with Retry-After) or refusing (401, 403, 4xx)
is "not now" for the sync: it raises HeadOfficeError, the batch stays pending, and the sync
backs off (at least the Retry-After asked, with jitter). Reads of head office's figures for
the wallboard are reused for `cache_s` (until the next delivery), so that a busy wallboard
does not become load there.
"""
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from server.central.ledger import BatchOrigin, Delivery
from server.chain.batches import batch_request_body
from server.chain.signing import sign
from server.chain.store_keys import KEY_FILE, StoreKey, load_key
from server.errors import CentralUnavailable

# Answers about one batch; any other failure (no answer, busy, 5xx, the store's key refused)
# is about head office and the store as a whole, and the sync backs off as one store.
ABOUT_THE_BATCH = frozenset({400, 413, 422})
BUSY = "hq_busy"  # head office up, taking other stores' batches: it paces by Retry-After


class HeadOfficeError(CentralUnavailable):
    """Head office did not take the batch (or the read) now; `retry_after_s` if it said;
    `paced` when it is up and only busy (hq_busy with a Retry-After): the sync then waits what
    it asked rather than backing off further. A route that meets it answers 503
    central_unavailable."""

    def __init__(self, message: str, retry_after_s: float | None = None,
                 status: int | None = None, code: str = ""):
        super().__init__(message, {"retry_after_s": retry_after_s},
                         {"Retry-After": str(round(retry_after_s or 5))})
        self.retry_after_s = retry_after_s
        self.whole_ledger = status not in ABOUT_THE_BATCH
        self.paced = code == BUSY and bool(retry_after_s)


class RemoteLedger:
    """CentralLedger at head office, for one store."""

    def __init__(self, base_url: str, store_id: str, data_dir: Path, connect_timeout_s: float,
                 timeout_s: float, cache_s: float, clock=time.monotonic):
        self.base_url, self.store_id = base_url.rstrip("/"), store_id
        self.key_path = data_dir / KEY_FILE
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=connect_timeout_s)
        self.cache_s, self.clock = cache_s, clock
        self.session: aiohttp.ClientSession | None = None
        self._key: tuple[float, StoreKey] | None = None
        self._totals: tuple[float, dict] | None = None

    async def open(self) -> "RemoteLedger":
        """Check the store has its key, and open the client session."""
        if not self.key_path.exists():
            raise RuntimeError(
                f"central_url is set but this store has no key ({self.key_path}): run "
                "`python -m server store-key --data-dir DIR` and enrol the key it prints at "
                "head office (`python -m server hq enroll-store STORE_ID --public-key=KEY`)")
        self.session = aiohttp.ClientSession(timeout=self.timeout, raise_for_status=False)
        return self

    async def close(self) -> None:
        """Close the session and its connections."""
        if self.session is not None:
            await self.session.close()

    def key(self) -> StoreKey:
        """The store's key in use, read again when its file changes (a rotation)."""
        changed = self.key_path.stat().st_mtime
        if self._key is None or self._key[0] != changed:
            self._key = (changed, load_key(self.key_path))
        return self._key[1]

    async def _call(self, method: str, path: str, body: bytes = b"") -> dict:
        url = f"{self.base_url}{path}"
        headers = sign(self.key(), method, url, body)
        try:
            async with self.session.request(method, url, data=body or None,
                                            headers=headers) as answer:
                payload = await answer.json(content_type=None)
                status, retry = answer.status, answer.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise HeadOfficeError(f"head office is unreachable: {type(exc).__name__}") from exc
        if status == 200:
            return payload
        error = (payload or {}).get("error", {}) if isinstance(payload, dict) else {}
        code = error.get("code", "")
        raise HeadOfficeError(f"head office answered {status} {code}: "
                              f"{error.get('message', '')}".strip(),
                              float(retry) if retry and retry.isdigit() else None, status,
                              code)

    async def deliver(self, batch: str, origin: BatchOrigin | None = None) -> Delivery:
        """Send the batch (its rows as the edge wrote them), signed; head office's answer.
        (Its origin names a message on the bus; a POST needs none.)"""
        answer = await self._call("POST", "/hq/v1/batches",
                                  batch_request_body(self.store_id, batch))
        self.forget_figures()
        return Delivery(answer["inserted"], answer["already_present"], answer["refused"])

    def forget_figures(self) -> None:
        """Read head office's figures afresh next time: they just changed."""
        self._totals = None

    async def send_status(self, status: dict) -> dict:
        """Send the store's status report, signed; head office's answer (when it came)."""
        return await self._call("POST", "/hq/v1/status", json.dumps(status).encode())

    async def list_orders(self, kiosk_id: str | None, after: int,
                          limit: int) -> tuple[list[dict], str | None]:
        """A page of the store's orders as head office holds them, and the `next` cursor."""
        query = {"store_id": self.store_id, "limit": limit,
                 **({"after": after} if after else {}),
                 **({"kiosk_id": kiosk_id} if kiosk_id else {})}
        answer = await self._call("GET", f"/hq/v1/orders?{urlencode(query)}")
        orders = [{k: v for k, v in order.items() if k != "store_id"}
                  for order in answer["orders"]]
        return orders, answer["next"]

    async def _store_totals(self) -> dict:
        """Head office's answer on the store's totals (reused for cache_s)."""
        if self._totals is None or self.clock() - self._totals[0] > self.cache_s:
            answer = await self._call("GET", f"/hq/v1/stores/{self.store_id}/totals")
            self._totals = (self.clock(), answer)
        return self._totals[1]

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Per kiosk and business day, head office's count and sum."""
        return (await self._store_totals())["totals"]

    async def in_transit(self) -> dict | None:
        """The store's sales head office sees on the bus, not yet taken (None: it watches
        no bus)."""
        return (await self._store_totals()).get("in_transit")

    async def refused_rows(self, after: int) -> dict:
        """A page of the store's rows head office refused for good after cursor `after`
        (signed GET), as it answered it: {"rows", "next"}."""
        return await self._call("GET", f"/hq/v1/stores/{self.store_id}/refused-rows?"
                                f"{urlencode({'after': after, 'limit': 1000})}")

    async def catalogs(self, after: int) -> dict:
        """Head office's price lists after seq `after` (signed GET), as it answered them."""
        return await self._call("GET", f"/hq/v1/catalogs?{urlencode({'after': after})}")

    async def order_count(self) -> int:
        """How many of the store's orders head office holds."""
        return sum(row["orders"] for row in await self.totals_by_kiosk_day())

    async def health(self) -> None:
        """Raise unless head office answers its health check."""
        try:
            async with self.session.get(f"{self.base_url}/health") as answer:
                if answer.status != 200:
                    raise HeadOfficeError(f"head office's health is {answer.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise HeadOfficeError(f"head office is unreachable: {type(exc).__name__}") from exc
