"""Requests to the edge that ride through its death: sent again until it answers definitely.

Refused or reset connections, timeouts, 5xx, 429 (after its Retry-After) and 409
`request_in_progress` say nothing about what happened, so the same request (for a sale: the
same idempotency key and body) goes again, with capped exponential backoff and jitter, until
a definite answer comes or the caller's deadline passes.
"""
import asyncio
import random
import time
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class Answer:
    """A definite answer from the edge: its status, JSON body and replay header."""

    status: int
    body: object
    replayed: bool
    retry_after_s: float = 0.0

    @property
    def error_code(self) -> str | None:
        """The code of an error envelope, if this is one."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error.get("code") if isinstance(error, dict) else None

    @property
    def says_nothing(self) -> bool:
        """True for answers that do not settle the request: it must be sent again."""
        return self.status >= 500 or self.status == 429 or (
            self.status == 409 and self.error_code == "request_in_progress")


class EdgeClient:
    """One aiohttp session to one edge, with the retry rule above and a retry count."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str,
                 request_timeout_s: float = 5.0, backoff_max_s: float = 2.0):
        self.session, self.base_url = session, base_url.rstrip("/")
        self.request_timeout_s, self.backoff_max_s = request_timeout_s, backoff_max_s
        self.retries = 0
        self._jitter = random.Random()  # timing only: it never shapes what is sold

    def url(self, path: str) -> str:
        """An absolute URL on the edge."""
        return self.base_url + path

    def backoff_s(self, attempt: int) -> float:
        """Capped exponential backoff with jitter, so a restart is not met by a stampede."""
        ceiling = min(self.backoff_max_s, 0.05 * 2 ** min(attempt, 10))
        return ceiling * (0.5 + self._jitter.random() / 2)

    async def call(self, method: str, path: str, token: str, deadline: float,
                   body: dict | None = None) -> tuple[Answer | None, int]:
        """Send until the edge answers definitely or `deadline` (monotonic) passes.

        Returns (the answer or None, how many times it was sent)."""
        attempt = 0
        while (remaining := deadline - time.monotonic()) > 0:
            attempt += 1
            answer = await self.send_once(method, path, token, body, remaining)
            if answer is not None and not answer.says_nothing:
                return answer, attempt
            self.retries += 1
            pause = self.backoff_s(attempt)
            if answer is not None:
                pause = max(pause, answer.retry_after_s)
            await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        return None, attempt

    async def send_once(self, method: str, path: str, token: str, body: dict | None,
                        remaining: float) -> Answer | None:
        """One request; None when there was no answer at all (refused, reset, timed out)."""
        timeout = aiohttp.ClientTimeout(total=min(self.request_timeout_s, remaining))
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self.session.request(method, self.url(path), json=body,
                                            headers=headers, timeout=timeout) as resp:
                data = await resp.json(content_type=None)
                retry_after = resp.headers.get("Retry-After", "")
                return Answer(resp.status, data,
                              resp.headers.get("Idempotent-Replayed") == "true",
                              float(retry_after) if retry_after.isdigit() else 0.0)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
