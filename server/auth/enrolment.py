"""Issuing and revoking credentials: one code path for the CLI, the API and the demo fleet."""
from dataclasses import dataclass

from server.auth.store import AuthStore
from server.auth.tokens import new_token


@dataclass(frozen=True)
class Issued:
    """A credential just issued: its token is shown now and never again."""

    token: str
    token_id: str
    role: str
    kiosk_id: str | None

    def signin_path(self) -> str:
        """Where a browser signs in with this token and lands on its page.

        The token rides in the URL fragment, which browsers never send to a server or log.
        """
        landings = {"kiosk": f"/kiosk/{self.kiosk_id}", "dashboard": "/dashboard",
                    "operator": "/docs", "hq-dashboard": "/hq", "hq-operator": "/hq"}
        landing = landings.get(self.role, "/")
        return f"/signin#token={self.token}&next={landing}"


async def enrol_kiosk(store: AuthStore, kiosk_id: str, actor: str, at: str) -> Issued:
    """A new credential for a kiosk; its older ones are revoked (enrolling again rotates)."""
    token, token_id, secret_hash = new_token()
    await store.add_credential(token_id, secret_hash, "kiosk", kiosk_id, f"kiosk {kiosk_id}",
                               at, revoke_kiosk_others=True)
    await store.audit(at, actor, "enrol_kiosk", kiosk_id, {"token_id": token_id})
    return Issued(token, token_id, "kiosk", kiosk_id)


async def issue_person_token(store: AuthStore, role: str, label: str, actor: str,
                             at: str) -> Issued:
    """A new dashboard or operator credential."""
    if role not in store.person_roles:
        raise ValueError(f"a person's role here is one of {', '.join(store.person_roles)},"
                         f" not {role!r}")
    token, token_id, secret_hash = new_token()
    await store.add_credential(token_id, secret_hash, role, None, label, at)
    await store.audit(at, actor, "issue_token", token_id, {"role": role, "label": label})
    return Issued(token, token_id, role, None)


async def revoke_kiosk(store: AuthStore, kiosk_id: str, actor: str, at: str) -> int:
    """End every credential of a kiosk; return how many were active."""
    count = await store.revoke(at, kiosk_id=kiosk_id)
    await store.audit(at, actor, "revoke_kiosk", kiosk_id, {"revoked": count})
    return count


async def revoke_token(store: AuthStore, token_id: str, actor: str, at: str) -> int:
    """End one credential by its id (the part after `aoc_`); return 1 if it was active."""
    count = await store.revoke(at, token_id=token_id)
    await store.audit(at, actor, "revoke_token", token_id, {"revoked": count})
    return count
