"""Schemathesis against our own /openapi.json, every check on: no 5xx, every answer matches
its documented schema and status, bad input refused, auth never ignored (TOOLING.md)."""
import asyncio
import atexit
import json
import re
import shutil
import tempfile
import threading
import urllib.request
from datetime import UTC, datetime

import pytest
import schemathesis
from aiohttp import web
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.config import SchemathesisConfig

from server.auth.enrolment import enrol_kiosk, issue_person_token
from server.clock import to_iso
from server.config import Settings
from server.edge_app.factory import create_app
from server.edge_app.routes import ROUTES
from server.web.keys import AUTH_STORE
from server.web.serving import server_options

SEED = 1
MAX_EXAMPLES = 50          # per operation and phase: the file runs in well under a minute
FUZZ_KIOSK = "fuzz-kiosk-7f3a"  # no fuzzed enrol will name it, so its token stays valid
LINK_DOWN_KIOSK = "fuzz-link-down"

CART_ROUTES = "^/edge/(checkout|quote)$"
CONFIG = {
    "seed": SEED,
    "cache": {"enabled": False},                  # nothing written into the repo
    # The test signs every request with a real token of the route's role (below), so the
    # generator must not draw or drop the Authorization header itself: a case "without it"
    # would still carry ours. The `ignored_auth` check still sends requests without it.
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none",
                   "with-security-parameters": False},
    "checks": {"enabled": True},                  # all of them, as `--checks all`
    "operations": [
        {
            # Two rules of a cart no JSON Schema can state: a well-formed EAN-13 the store does
            # not sell (422 `unknown_sku`; the catalog is data, not schema) and a SKU on two
            # lines (uniqueness by one property of the items). Schema-valid carts may meet them,
            # so 422 is an expected answer here, and `refused_only_for_cart_rules` then checks
            # that one of these two rules, and nothing else, refused it.
            "include-path-regex": CART_ROUTES,
            "checks": {"positive_data_acceptance": {"expected-statuses": [
                "2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]}},
        },
    ],
}


class LiveServer:
    """The real app on its own event loop in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, settings: Settings):
        self.app = create_app(settings)
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(self.app, **server_options(settings))
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-server",
                                        daemon=True)
        self.base_url = ""

    def start(self) -> None:
        """Start the loop's thread, then the app on it; return once it listens."""
        self._thread.start()
        self.run(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.run(site.start())
        host, port = self.runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    def run(self, coro, timeout: float = 30):
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Clean shutdown: the app's cleanup contexts run, then the loop and thread end."""
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def get_json(self, path: str, token: str | None = None) -> dict:
        """GET a JSON document from the server (only ever 127.0.0.1)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(self.base_url + path, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def post_json(self, path: str, body: dict, token: str) -> int:
        """POST a JSON body; return the status."""
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status


async def _mint_tokens(app: web.Application) -> dict[str, str]:
    """One credential per role, issued by the project's own enrolment code."""
    store, now = app[AUTH_STORE], to_iso(datetime.now(UTC))
    tokens = {"kiosk": (await enrol_kiosk(store, FUZZ_KIOSK, "fuzz", now)).token,
              "link_down": (await enrol_kiosk(store, LINK_DOWN_KIOSK, "fuzz", now)).token}
    for role in ("operator", "dashboard"):
        tokens[role] = (await issue_person_token(store, role, f"fuzz {role}", "fuzz", now)).token
    return tokens


def _seed_data(server: LiveServer, tokens: dict[str, str]) -> None:
    """Orders at the edge and at central, and a kiosk whose link is down, so lists hold real
    rows (checked against their schema) and POST /edge/sync meets its 503."""
    catalog = server.get_json("/catalog", tokens["operator"])
    sku = next(item["sku"] for item in catalog["items"]
               if item["sold_by"] == "each" and not item.get("age_limit"))
    for kiosk, link_up in (("kiosk", True), ("link_down", False)):
        server.post_json("/edge/heartbeat", {"central_link_up": link_up}, tokens[kiosk])
        for n in range(3):
            sale = {"idempotency_key": f"fuzz-seed-{kiosk}-{n}",
                    "items": [{"sku": sku, "qty": n + 1}],
                    "payment": {"method": "card", "reference": f"SEED-{n}"}}
            assert server.post_json("/edge/checkout", sale, tokens[kiosk]) == 201


# Hypothesis keeps caches (constants of our code, unicode tables) in ./.hypothesis, and fills
# them while pytest collects this file: point it at a temp dir now, removed when the run ends,
# so the suite writes nothing into the repo (its example database is off as well, in CONFIG).
HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="hypothesis-")
set_hypothesis_home_dir(HYPOTHESIS_HOME)
atexit.register(shutil.rmtree, HYPOTHESIS_HOME, ignore_errors=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The real service, started once for the whole file and stopped cleanly after it."""
    settings = Settings(data_dir=str(tmp_path_factory.mktemp("fuzz") / "data"),
                        demo_fleet=False, rate_limits="off", sync_sweep_interval_s=0.2)
    server = LiveServer(settings)
    server.start()
    try:
        server.tokens = server.run(_mint_tokens(server.app))
        _seed_data(server, server.tokens)
        yield server
    finally:
        server.stop()


def documented_503s(spec: dict) -> list[dict]:
    """503 is part of some operations' contract (the central link is down, a store is
    unavailable) and documented there: for those operations, and for 503 alone, the check
    for server errors takes it as an answer. A 500 stays a failure everywhere."""
    expected = {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}}
    return [{"include-name": f"{method.upper()} {path}", "checks": expected}
            for path, operations in spec["paths"].items()
            for method, operation in operations.items() if "503" in operation["responses"]]


@pytest.fixture(scope="module")
def api_schema(live):
    """Our own spec, as the service serves it."""
    spec = live.get_json("/openapi.json")
    config = {**CONFIG, "operations": CONFIG["operations"] + documented_503s(spec)}
    return schemathesis.openapi.from_dict(spec, config=SchemathesisConfig.from_dict(config))


def _role_for(method: str, path: str) -> str:
    """Whose token a route gets: the role it is built for, the operator where it may act."""
    roles = next(roles for m, p, _, roles, _ in ROUTES if (m, p) == (method, path))
    if roles == frozenset({"kiosk"}):
        return "kiosk"
    if "dashboard" in roles and "kiosk" not in roles:
        return "dashboard"
    return "operator"


def refused_only_for_cart_rules(ctx, response, case):
    """A schema-valid cart refused with 422 was refused for an unknown SKU or a SKU on two
    lines: any other 422 is a limit the spec does not publish."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    error = response.json()["error"]
    messages = [m for field in error["details"].get("fields", {}).values() for m in field]
    if error["code"] == "unknown_sku" or (
            error["code"] == "invalid_fields" and messages
            and all("appears on more than one line" in m for m in messages)):
        return None
    raise AssertionError(f"a schema-valid cart was refused: {error}")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_the_api_keeps_its_documented_contract(case, live):
    # The operation's method, not the case's: some probes send methods it does not have.
    role = _role_for(case.operation.method.upper(), case.operation.path)
    cart = re.match(CART_ROUTES, case.operation.path) is not None
    case.call_and_validate(base_url=live.base_url,
                           headers={"Authorization": f"Bearer {live.tokens[role]}"},
                           additional_checks=[refused_only_for_cart_rules] if cart else [])


def test_a_sync_while_the_link_is_down_is_the_documented_503(api_schema, live):
    """The fuzzer cannot guess a kiosk whose link is down: this case names one."""
    # A fresh heartbeat first: after a long fuzz the seed's one is stale, and a kiosk gone
    # quiet drains by the edge's own view of central, whatever its last flag said.
    live.post_json("/edge/heartbeat", {"central_link_up": False}, live.tokens["link_down"])
    case = api_schema["/edge/sync"]["POST"].Case(body={"kiosk_id": LINK_DOWN_KIOSK},
                                                  media_type="application/json")
    response = case.call_and_validate(
        base_url=live.base_url, headers={"Authorization": f"Bearer {live.tokens['operator']}"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "central_link_down"
    assert int(response.headers["retry-after"][0]) > 0   # schemathesis: lowercase, lists
