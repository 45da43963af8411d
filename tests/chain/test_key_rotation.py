"""A store's key rotates with an overlap, with real processes: a next key is made at the
store and enrolled at head office; during the overlap batches signed with either key are
taken in; the edge puts the next key in use for its next batch; once head office revokes
the old key, a batch signed with it is refused (within the key ring's refresh)."""
import asyncio
import io
import subprocess
import sys

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reliability.edge_process import run_command
from server.chain.registry import REFRESH_S
from server.chain.signing import sign
from server.chain.store_keys import KEY_FILE, NEXT_KEY_FILE, StoreKey, load_key
from tests.chain.helpers import batch_body, beat, held_at_hq, sales_rows, sell, until


async def post_signed(hq, key, rows) -> tuple[int, dict]:
    url = f"{hq.url}/hq/v1/batches"
    body = batch_body("store-a", rows)
    async with aiohttp.ClientSession() as http, http.post(
            url, data=io.BytesIO(body), headers=sign(key, "POST", url, body)) as answer:
        return answer.status, await answer.json()


async def test_old_and_new_keys_overlap_then_the_old_one_is_refused(tmp_path, head_office,
                                                                   postgres):
    data = tmp_path / "store-a"
    edge = head_office.chain_edge(data, "store-a")
    await asyncio.to_thread(edge.start)
    try:
        old = load_key(data / KEY_FILE)
        run_command("store-key", "--rotate", "--data-dir", str(data))
        new = load_key(data / NEXT_KEY_FILE)
        assert head_office.enroll("store-a", new.public_text) == new.key_id
        # The overlap: both keys verify. Head office sees a key a command enrolled at its
        # next look at the ring: within MISS_REFRESH_S of its last one (a 401 writes nothing).
        assert (await post_signed(head_office, old, sales_rows("kiosk-8", 1)))[0] == 200

        async def new_key_verifies():
            return (await post_signed(head_office, new, sales_rows("kiosk-9", 1)))[0] == 200
        await until(new_key_verifies, timeout=REFRESH_S + 2)
        # The edge signs with the new key from its next batch on.
        run_command("store-key", "--use-next", "--data-dir", str(data))
        await beat(edge, "kiosk-1", link_up=True)
        [sold] = await sell(edge, "kiosk-1", 1)

        async def delivered():
            return [row for row in await held_at_hq(postgres) if row["order_uuid"] == sold]
        [row] = await until(delivered)
        assert row["key_id"] == new.key_id
        # The old key ends; a batch signed with it is refused once the ring has looked again.
        # A key id is base64url and may begin with "-": the options first, then "--".
        run_command("hq", "revoke-store-key", *head_office.storage_args(), "--", "store-a",
                    old.key_id)

        async def refused():
            status, answer = await post_signed(head_office, old, sales_rows("kiosk-7", 1))
            return status == 401 and answer["error"]["code"] == "unknown_key"
        await until(refused, timeout=20)
        assert (await post_signed(head_office, new, sales_rows("kiosk-6", 1)))[0] == 200
    finally:
        await asyncio.to_thread(edge.stop)


async def test_a_key_held_by_one_store_cannot_be_enrolled_for_another(tmp_path, head_office):
    edge = head_office.chain_edge(tmp_path / "store-a", "store-a")
    command = [sys.executable, "-m", "server", "hq", "enroll-store", "store-b",
               f"--public-key={edge.store_key()}", *head_office.storage_args()]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True,
                                   timeout=60)
    assert done.returncode == 1, done.stderr
    assert "this key belongs to another store" in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_key_that_begins_with_a_dash_enrols(head_office):
    """One key in 64 begins with '-': written --public-key=KEY, it is a value, not an option."""
    while not (key := StoreKey(Ed25519PrivateKey.generate())).public_text.startswith("-"):
        pass
    key_id = await asyncio.to_thread(head_office.enroll, "store-d", key.public_text)
    assert key_id == key.key_id
