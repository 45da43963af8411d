"""Head office's credentials, sessions and audit trail on PostgreSQL: the same named queries
as server/auth/store.py (whose cache of checked tokens and whose listeners it keeps), so that
every head office process sees one set of credentials."""
import json

from server.auth.store import HQ_PEOPLE, AuditEvent, AuthStore
from server.postgres import PostgresDatabase

INSERT_CREDENTIAL = ("INSERT INTO credentials (token_id, secret_hash, role, kiosk_id, label,"
                     " created_at) VALUES ($1, $2, $3, $4, $5, $6)")
INSERT_AUDIT = ("INSERT INTO audit_events (at, actor, action, target, details_json)"
                " VALUES ($1, $2, $3, $4, $5)")


class PgAuthStore(AuthStore):
    """AuthStore on head office's PostgreSQL database."""

    def __init__(self, db: PostgresDatabase, person_roles: tuple[str, ...] = HQ_PEOPLE):
        super().__init__(db, person_roles)

    async def add_credential(self, token_id: str, secret_hash: str, role: str,
                             kiosk_id: str | None, label: str, at: str,
                             revoke_kiosk_others: bool = False) -> None:
        """Store a credential (head office has no kiosks to rotate)."""
        await self.db.execute(INSERT_CREDENTIAL, token_id, secret_hash, role, kiosk_id, label, at)
        self._revoked([])

    async def active_credential(self, token_id: str):
        """The credential row if it exists and is not revoked, else None."""
        return await self.db.fetchrow(
            "SELECT * FROM credentials WHERE token_id = $1 AND revoked_at IS NULL", token_id)

    async def revoke(self, at: str, token_id: str | None = None,
                     kiosk_id: str | None = None) -> int:
        """Revoke one credential; return how many (0 or 1)."""
        rows = await self.db.fetch(
            "UPDATE credentials SET revoked_at = $1 WHERE revoked_at IS NULL"
            " AND (token_id = $2 OR kiosk_id = $3) RETURNING token_id", at, token_id, kiosk_id)
        self._revoked([row[0] for row in rows])
        return len(rows)

    async def revoked_since(self, since: str) -> list[str]:
        """The ids of the credentials revoked at or after `since`."""
        rows = await self.db.fetch(
            "SELECT token_id FROM credentials WHERE revoked_at >= $1", since)
        return [row[0] for row in rows]

    async def credential_count(self) -> int:
        """How many credentials were ever issued."""
        return (await self.db.fetchrow("SELECT count(*) FROM credentials"))[0]

    async def add_session(self, session_hash: str, token_id: str, at: str, expires_at: str):
        """Open a browser session for a credential (and forget the expired ones)."""
        async with self.db.connection() as conn, conn.transaction():
            await conn.execute("DELETE FROM sessions WHERE expires_at < $1", at)
            await conn.execute("INSERT INTO sessions (session_hash, token_id, created_at,"
                               " expires_at) VALUES ($1, $2, $3, $4)",
                               session_hash, token_id, at, expires_at)

    async def session_credential(self, session_hash: str, now: str):
        """The active credential behind an unexpired session, or None."""
        return await self.db.fetchrow(
            "SELECT c.*, s.expires_at AS session_expires_at"
            " FROM sessions AS s JOIN credentials AS c USING (token_id)"
            " WHERE s.session_hash = $1 AND s.expires_at > $2 AND c.revoked_at IS NULL",
            session_hash, now)

    async def end_session(self, session_hash: str) -> None:
        """Sign a browser out."""
        await self.db.execute("DELETE FROM sessions WHERE session_hash = $1", session_hash)
        self.on_session_ended(session_hash)

    async def audit(self, at: str, actor: str, action: str, target: str | None = None,
                    details: dict | None = None) -> None:
        """Append one event to the audit trail."""
        event = AuditEvent(at, actor, action, target, details)
        await self.db.execute(INSERT_AUDIT, event.at, event.actor, event.action, event.target,
                              json.dumps(event.details or {}))

    async def audit_page(self, after: int, limit: int) -> list[dict]:
        """A page of audit events, oldest first."""
        rows = await self.db.fetch(
            "SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
        return [{**{k: row[k] for k in ("id", "at", "actor", "action", "target")},
                 "details": json.loads(row["details_json"])} for row in rows]
