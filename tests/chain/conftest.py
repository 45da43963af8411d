"""The chain's tests: a real head office (on a real PostgreSQL database made for each test
and dropped after: the `postgres` fixture of tests/conftest.py) and real store edges, as
processes or in this process."""
import io

import pytest
from aiohttp.test_utils import TestServer

from server.auth.enrolment import issue_person_token
from server.chain.signing import sign
from server.chain.store_keys import create_key
from server.clock import to_iso, utc_now
from server.config import HqSettings
from server.hq.factory import create_hq_app
from server.hq.keys import KEY_RING, STORAGE
from server.web.keys import AUTH_STORE
from server.web.serving import server_options


class SigningStore:
    """A store as head office sees it: its key, enrolled, and requests it signs."""

    def __init__(self, client, store_id: str, key):
        self.client, self.store_id, self.key = client, store_id, key

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def post(self, path: str, body: bytes, headers: dict | None = None, key=None):
        """POST `body` signed with the store's key (or `key`), then `headers` over them."""
        signed = sign(key or self.key, "POST", self.url(path), body)
        return await self.client.post(path, data=io.BytesIO(body),  # as aiohttp asks, when big
                                      headers={**signed, **(headers or {})})

    async def get(self, path: str):
        return await self.client.get(path, headers=sign(self.key, "GET", self.url(path)))


@pytest.fixture
async def hq_client(postgres, aiohttp_client, tmp_path):
    """Head office's app in this process, on this test's database, served on a real socket.
    (The database is made first, so that it is dropped after the app has closed its pool.)"""
    settings = HqSettings(database=postgres, data_dir=str(tmp_path / "hq-data"),
                          rate_limits="off")
    app = create_hq_app(settings)
    server = TestServer(app)
    await server.start_server(**server_options(settings))
    return await aiohttp_client(server)


@pytest.fixture
async def store(hq_client, tmp_path):
    """Store store-a, its key enrolled at head office."""
    key = create_key(tmp_path / "store-a.pem")
    app = hq_client.app
    await app[STORAGE].registry.enroll("store-a", key.public_text, to_iso(utc_now()))
    await app[KEY_RING].reload()
    return SigningStore(hq_client, "store-a", key)


@pytest.fixture
async def operator_token(hq_client) -> str:
    issued = await issue_person_token(hq_client.app[AUTH_STORE], "hq-operator", "test", "test",
                                      to_iso(utc_now()))
    return issued.token
