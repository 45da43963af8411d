"""The socket hub: every open socket (kiosks' and wallboards') by the credential and browser
session that opened it, with a cap per credential; pushes to a kiosk's sockets; and closing,
at once, the sockets of a credential revoked or a session ended, or all of them on shutdown.
"""
import asyncio
import json
import logging

from aiohttp import WSCloseCode

from server.hub.connection import Connection, Holder

log = logging.getLogger(__name__)


class SocketHub:
    """Open sockets by credential (at most `max_per_credential` each) and by kiosk."""

    def __init__(self, max_per_credential: int):
        self.max_per_credential = max_per_credential
        self._holders: dict[Connection, Holder] = {}
        self._by_credential: dict[str, list[Connection]] = {}
        self._by_kiosk: dict[str, set[Connection]] = {}

    def register(self, conn: Connection) -> None:
        """Add a socket under its holder; the credential's oldest ones beyond the cap are
        closed."""
        holder = conn.holder
        self._holders[conn] = holder
        held = self._by_credential.setdefault(holder.token_id, [])
        held.append(conn)
        if holder.kiosk_id is not None:
            self._by_kiosk.setdefault(holder.kiosk_id, set()).add(conn)
        for old in held[:-self.max_per_credential]:
            self._forget(old)
            old.drop(WSCloseCode.POLICY_VIOLATION, b"replaced by a newer connection")

    def unregister(self, conn: Connection) -> None:
        """Forget a socket (called from the handler's finally)."""
        self._forget(conn)

    def _forget(self, conn: Connection) -> None:
        holder = self._holders.pop(conn, None)
        if holder is None:
            return
        held = self._by_credential.get(holder.token_id, [])
        if conn in held:
            held.remove(conn)
        if not held:
            self._by_credential.pop(holder.token_id, None)
        if holder.kiosk_id is not None:
            self._by_kiosk.get(holder.kiosk_id, set()).discard(conn)

    def push(self, kiosk_id: str, message: dict) -> None:
        """Send to every socket of a kiosk without waiting for any of them."""
        for conn in list(self._by_kiosk.get(kiosk_id, ())):
            conn.send(message)

    def push_kiosks(self, message: dict) -> None:
        """Send to every kiosk's sockets (serialized once) without waiting for any of them."""
        text = json.dumps(message, ensure_ascii=False)
        for sockets in list(self._by_kiosk.values()):
            for conn in list(sockets):
                conn.send_text(text)

    def sockets_of(self, kiosk_id: str) -> list[Connection]:
        """The sockets a kiosk holds."""
        return list(self._by_kiosk.get(kiosk_id, ()))

    def credentials(self) -> set[str]:
        """The ids of the credentials that hold a socket now."""
        return set(self._by_credential)

    def close_credentials(self, token_ids, why: bytes = b"credential revoked") -> None:
        """Close, at once, every socket these credentials hold (a listener: never blocks)."""
        for token_id in token_ids:
            for conn in list(self._by_credential.get(token_id, ())):
                self._forget(conn)
                conn.drop(WSCloseCode.POLICY_VIOLATION, why)

    def close_session(self, session_hash: str) -> None:
        """Close every socket a browser session opened (it signed out)."""
        self._close_where(lambda holder: holder.session_hash == session_hash, b"signed out")

    def close_expired_sessions(self, now: str) -> None:
        """Close the sockets of browser sessions that have run out."""
        self._close_where(lambda holder: holder.session_expires_at is not None
                          and holder.session_expires_at <= now, b"session expired")

    def _close_where(self, ended, why: bytes) -> None:
        for conn, holder in list(self._holders.items()):
            if ended(holder):
                self._forget(conn)
                conn.drop(WSCloseCode.POLICY_VIOLATION, why)

    async def close_all(self, app=None) -> None:
        """Close every socket with GOING_AWAY (on shutdown), from a copy of the registry, all
        at once: each may take a moment to send what it has queued."""
        await asyncio.gather(*(conn.close(WSCloseCode.GOING_AWAY, b"shutting down")
                               for conn in list(self._holders)), return_exceptions=True)
