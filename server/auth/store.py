"""Credentials, sessions and the audit trail in edge_store.db (its one writer door): every
statement on the credentials, sessions and audit_events tables lives here."""
import json
import time
from dataclasses import dataclass

from server.auth.tokens import secret_matches, split_token
from server.events import Listeners

STORE_PEOPLE = ("dashboard", "operator")   # the roles a person at a store may hold
HQ_PEOPLE = ("hq-operator", "hq-dashboard")  # and at head office
# A token checked against the file is trusted this long without asking it again: every
# request carries one, and the lookup was a database round trip each. Revoking or rotating
# through the API forgets them all at once; a revocation written by the command line into a
# running edge's file takes effect within this time.
CREDENTIAL_CACHE_S = 2.0
CREDENTIAL_CACHE_SIZE = 50_000  # more than a store's kiosks and staff tokens together


# The kiosks enrolled here: holding a credential now, and ever (their credentials all
# revoked: they left the store). The wallboard's fleet is built on these (server.edge.figures).
ACTIVE_KIOSK_IDS = "SELECT kiosk_id FROM credentials WHERE role = 'kiosk' AND revoked_at IS NULL"
ENROLLED_KIOSK_IDS = "SELECT kiosk_id FROM credentials WHERE role = 'kiosk'"

INSERT_AUDIT = ("INSERT INTO audit_events (at, actor, action, target, details_json)"
                " VALUES (?, ?, ?, ?, ?)")


@dataclass(frozen=True)
class AuditEvent:
    """One entry of the audit trail: when, who, what, on what, and what else to know."""

    at: str
    actor: str
    action: str
    target: str | None = None
    details: dict | None = None


def append_audit(conn, event: AuditEvent) -> None:
    """Append `event` inside the caller's own write on the file (server.sqlite), so that it
    commits with what it records, or not at all."""
    conn.execute(INSERT_AUDIT, (event.at, event.actor, event.action, event.target,
                                json.dumps(event.details or {})))


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its role, its kiosk (kiosk role only), its credential (a
    store's key id, for a store that signed), the browser session it came by (a hash, and
    when it ends), if it came by one, and its store (a store that signed)."""

    role: str
    kiosk_id: str | None
    token_id: str
    session_hash: str | None = None
    session_expires_at: str | None = None
    store_id: str | None = None

    @classmethod
    def from_row(cls, row, session_hash: str | None = None) -> "Principal":
        """The principal a credentials row (with its session's expiry, if any) stands for."""
        expires = row["session_expires_at"] if session_hash is not None else None
        return cls(row["role"], row["kiosk_id"], row["token_id"], session_hash, expires)

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        named = {"kiosk": self.kiosk_id, "store": self.store_id}
        return f"{self.role}:{named.get(self.role) or self.token_id}"


class AuthStore:
    """Named queries over the credentials, sessions and audit_events tables of a SQLite file
    (a store's, or head office's on its embedded default; server/auth/pg_store.py is the same
    on PostgreSQL). `person_roles` are the roles a person's token may hold here."""

    def __init__(self, db, person_roles: tuple[str, ...] = STORE_PEOPLE):
        self.db, self.person_roles = db, person_roles
        self._checked: dict[str, tuple[float, object]] = {}  # token -> (until, credential)
        self._changes = 0  # credentials changed through us: a lookup begun before is stale
        # Told once committed: the token ids just revoked (a list), and the hash of a browser
        # session just ended.
        self.on_revoked = Listeners()
        self.on_session_ended = Listeners()

    async def add_credential(self, token_id: str, secret_hash: str, role: str,
                             kiosk_id: str | None, label: str, at: str,
                             revoke_kiosk_others: bool = False) -> None:
        """Store a credential; for a kiosk, optionally revoke its older ones (rotation)."""

        def work(conn):
            revoked = []
            if revoke_kiosk_others:
                revoked = conn.execute(
                    "UPDATE credentials SET revoked_at = ?"
                    " WHERE kiosk_id = ? AND revoked_at IS NULL RETURNING token_id",
                    (at, kiosk_id)).fetchall()
            conn.execute(
                "INSERT INTO credentials (token_id, secret_hash, role, kiosk_id, label, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, secret_hash, role, kiosk_id, label, at))
            return [row[0] for row in revoked]

        self._revoked(await self.db.write(work))

    def _revoked(self, token_ids: list[str]) -> None:
        """Forget every remembered token, and tell the listeners which ones ended."""
        self._changes += 1
        self._checked.clear()
        if token_ids:
            self.on_revoked(token_ids)

    async def active_credential(self, token_id: str):
        """The credential row if it exists and is not revoked, else None."""
        return await self.db.fetchone(
            "SELECT * FROM credentials WHERE token_id = ? AND revoked_at IS NULL", (token_id,))

    async def credential_for_token(self, token: str):
        """The active credential a bearer token proves, or None (malformed, unknown, revoked);
        a good answer is remembered for CREDENTIAL_CACHE_S."""
        now = time.monotonic()
        checked = self._checked.get(token)
        if checked is not None and checked[0] > now:
            return checked[1]
        parts, changes = split_token(token), self._changes
        row = await self.active_credential(parts[0]) if parts else None
        if row is None or not secret_matches(parts[1], row["secret_hash"]):
            return None
        if changes != self._changes:
            return row  # good when asked, but not to be remembered
        if len(self._checked) >= CREDENTIAL_CACHE_SIZE:
            self._checked.pop(next(iter(self._checked)))  # the oldest entry
        self._checked[token] = (now + CREDENTIAL_CACHE_S, row)
        return row

    async def revoke(self, at: str, token_id: str | None = None,
                     kiosk_id: str | None = None) -> int:
        """Revoke one credential, or every credential of a kiosk; return how many."""

        def work(conn):
            return [row[0] for row in conn.execute(
                "UPDATE credentials SET revoked_at = ? WHERE revoked_at IS NULL"
                " AND (token_id = ? OR kiosk_id = ?) RETURNING token_id",
                (at, token_id, kiosk_id)).fetchall()]

        revoked = await self.db.write(work)
        self._revoked(revoked)
        return len(revoked)

    async def revoked_since(self, since: str) -> list[str]:
        """The ids of the credentials revoked at or after `since` (by this process or by a
        command beside it)."""
        rows = await self.db.fetchall(
            "SELECT token_id FROM credentials WHERE revoked_at >= ?", (since,))
        return [row[0] for row in rows]

    async def credential_count(self) -> int:
        """How many credentials were ever issued (0 on a fresh data dir)."""
        return (await self.db.fetchone("SELECT COUNT(*) FROM credentials"))[0]

    async def add_session(self, session_hash: str, token_id: str, at: str, expires_at: str):
        """Open a browser session for a credential."""

        def work(conn):
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (at,))
            conn.execute(
                "INSERT INTO sessions (session_hash, token_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)", (session_hash, token_id, at, expires_at))

        await self.db.write(work)

    async def session_credential(self, session_hash: str, now: str):
        """The active credential behind an unexpired session, or None."""
        return await self.db.fetchone(
            "SELECT c.*, s.expires_at AS session_expires_at"
            " FROM sessions AS s JOIN credentials AS c USING (token_id)"
            " WHERE s.session_hash = ? AND s.expires_at > ? AND c.revoked_at IS NULL",
            (session_hash, now))

    async def end_session(self, session_hash: str) -> None:
        """Sign a browser out."""

        def work(conn):
            conn.execute("DELETE FROM sessions WHERE session_hash = ?", (session_hash,))

        await self.db.write(work)
        self.on_session_ended(session_hash)

    async def audit(self, at: str, actor: str, action: str, target: str | None = None,
                    details: dict | None = None) -> None:
        """Append one event to the audit trail, in a write of its own."""
        event = AuditEvent(at, actor, action, target, details)
        await self.db.write(lambda conn: append_audit(conn, event))

    async def audit_page(self, after: int, limit: int) -> list[dict]:
        """A page of audit events, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?", (after, limit))
        return [{**{k: row[k] for k in ("id", "at", "actor", "action", "target")},
                 "details": json.loads(row["details_json"])} for row in rows]
