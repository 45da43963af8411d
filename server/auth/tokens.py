"""Bearer tokens: `aoc_<token id>_<secret>`. Only a hash of the secret is ever stored."""
import hashlib
import hmac
import secrets

PREFIX = "aoc"


def new_token() -> tuple[str, str, str]:
    """A fresh (token, token_id, secret_hash); the token itself is shown once, never stored."""
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(24)
    return f"{PREFIX}_{token_id}_{secret}", token_id, hash_secret(secret)


def split_token(token: str) -> tuple[str, str] | None:
    """(token_id, secret) of a well-formed token, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def token_id_of(token: str) -> str | None:
    """The public id part of a token (for the audit trail), if it is well formed."""
    parts = split_token(token.strip())
    return parts[0] if parts else None


def hash_secret(secret: str) -> str:
    """SHA-256 of a secret: tokens are random and long, so no slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    """Compare in constant time."""
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def new_session_secret() -> tuple[str, str]:
    """A fresh (cookie value, its hash) for a browser session."""
    value = secrets.token_urlsafe(32)
    return value, hash_secret(value)
