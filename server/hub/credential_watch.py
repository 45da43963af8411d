"""A socket outlives the request that opened it; this watch closes the ones whose credential
or browser session has ended since.

A revocation through the API and a sign-out close their sockets at once (the auth store's
listeners). A revocation written into a running edge's file by the command line, and a
browser session that runs out, are found here, every `interval_s`: the same 2 s in which a
checked token is trusted without asking the file again (server/auth/store.py).
"""
import asyncio
import logging
from datetime import timedelta

from server.auth.store import CREDENTIAL_CACHE_S, AuthStore
from server.clock import to_iso
from server.hub.hub import SocketHub
from server.tasks import BackgroundTask

log = logging.getLogger(__name__)
OVERLAP = timedelta(seconds=10)  # clocks of the edge and a command beside it may differ a little


class CredentialWatch:
    """The background task that closes sockets of credentials and sessions that ended."""

    def __init__(self, hub: SocketHub, store: AuthStore, clock,
                 interval_s: float = CREDENTIAL_CACHE_S):
        self.hub, self.store, self.clock, self.interval_s = hub, store, clock, interval_s
        self._task = BackgroundTask("credential-watch")

    def start(self) -> None:
        """Start watching."""
        self._task.start(self._run())

    async def stop(self) -> None:
        """Stop watching."""
        await self._task.stop()

    async def _run(self) -> None:
        since = self.clock() - OVERLAP
        while True:
            await asyncio.sleep(self.interval_s)
            now = self.clock()
            try:
                await self.check(to_iso(since))
            except Exception:
                log.exception("could not check the sockets' credentials; trying again")
                continue
            since = now - OVERLAP

    async def check(self, since: str) -> None:
        """Close the sockets of credentials revoked since `since`, and of expired sessions."""
        if not self.hub.credentials():
            return
        revoked = set(await self.store.revoked_since(since)) & self.hub.credentials()
        self.hub.close_credentials(revoked)
        self.hub.close_expired_sessions(to_iso(self.clock()))
