"""The kiosk hub: who is connected, a cap per credential, pushes, and closing on shutdown."""
import logging

from aiohttp import WSCloseCode

from server.hub.connection import Connection

log = logging.getLogger(__name__)


class KioskHub:
    """Kiosk sockets by kiosk id, at most `max_per_credential` per credential."""

    def __init__(self, max_per_credential: int):
        self.max_per_credential = max_per_credential
        self._by_kiosk: dict[str, set[Connection]] = {}
        self._by_credential: dict[str, list[Connection]] = {}

    def register(self, kiosk_id: str, token_id: str, conn: Connection) -> list[Connection]:
        """Add a socket; return the credential's oldest ones beyond the cap, to be closed."""
        self._by_kiosk.setdefault(kiosk_id, set()).add(conn)
        held = self._by_credential.setdefault(token_id, [])
        held.append(conn)
        excess = held[:-self.max_per_credential]
        del held[:-self.max_per_credential]
        for old in excess:
            self._by_kiosk[kiosk_id].discard(old)
        return excess

    def unregister(self, kiosk_id: str, token_id: str, conn: Connection) -> None:
        """Forget a socket (called from the handler's finally)."""
        self._by_kiosk.get(kiosk_id, set()).discard(conn)
        held = self._by_credential.get(token_id, [])
        if conn in held:
            held.remove(conn)

    def push(self, kiosk_id: str, message: dict) -> None:
        """Send to every socket of a kiosk without waiting for any of them."""
        for conn in list(self._by_kiosk.get(kiosk_id, ())):
            conn.send(message)

    def sockets_of(self, kiosk_id: str) -> int:
        """How many sockets a kiosk holds."""
        return len(self._by_kiosk.get(kiosk_id, ()))

    async def close_all(self, app=None) -> None:
        """Close every socket with GOING_AWAY (on shutdown), from a copy of the registry."""
        for conns in list(self._by_kiosk.values()):
            for conn in list(conns):
                await conn.close(WSCloseCode.GOING_AWAY, b"edge shutting down")
