"""Bearer tokens: `aoc_<token id>_<secret>`. Only a hash of the secret is ever stored.

A token is plain ASCII of a fixed shape; anything else (any other character, a header that
was not UTF-8, an id of 8,000 characters) is malformed, refused like an unknown token, and
never hashed, stored or echoed.
"""
import hashlib
import hmac
import re
import secrets

PREFIX = "aoc"
_TOKEN = re.compile(r"aoc_([0-9a-f]{16})_([A-Za-z0-9_-]{16,86})")
_TOKEN_ID = re.compile(r"aoc_([0-9a-f]{16})_")
_SESSION = re.compile(r"[A-Za-z0-9_-]{16,86}")


def new_token() -> tuple[str, str, str]:
    """A fresh (token, token_id, secret_hash); the token itself is shown once, never stored."""
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(24)
    return f"{PREFIX}_{token_id}_{secret}", token_id, hash_secret(secret)


def split_token(token: str) -> tuple[str, str] | None:
    """(token_id, secret) of a well-formed token, else None."""
    match = _TOKEN.fullmatch(token)
    return (match.group(1), match.group(2)) if match else None


def token_id_of(token: str) -> str | None:
    """The public id part of what a caller sent as a token (for the audit trail), if it
    begins as a token does; never any part of a secret."""
    match = _TOKEN_ID.match(token.strip())
    return match.group(1) if match else None


def is_session_value(value: str) -> bool:
    """Whether a session cookie's value has the shape this service gives them."""
    return _SESSION.fullmatch(value) is not None


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
