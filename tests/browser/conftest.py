"""Browser tests: the real service as a process, driven by Debian's Chromium via Playwright."""
import pytest
from playwright.async_api import async_playwright

from reliability.edge_process import ARGS, CHROMIUM, Edge


@pytest.fixture
async def edge(tmp_path, request):
    """A running edge whose first start printed its demo fleet. Settings for it come from
    `@pytest.mark.edge_env(NAME=value)` as CHECKOUT_* environment variables."""
    marker = request.node.get_closest_marker("edge_env")
    env = {f"CHECKOUT_{k.upper()}": str(v) for k, v in (marker.kwargs if marker else {}).items()}
    server = Edge(tmp_path / "data", env)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest.fixture
async def browser():
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()
