"""/docs and /openapi.json: Swagger UI from the package's own assets, no outside host."""
import copy
from pathlib import Path

import aiohttp_apispec
from aiohttp import web
from aiohttp_apispec import AiohttpApiSpec
from aiohttp_apispec.utils import get_path

PAGE_DIR = Path(__file__).with_name("docs_page")
SWAGGER_ASSETS = Path(aiohttp_apispec.__file__).parent / "static"
DESCRIPTION = (
    "Self-checkout that never loses a sale. Kiosks record sales at the store's edge, which "
    "commits each one before it answers and later drains them, exactly once, into the central "
    "ledger. Money is integer öre (SEK). Every error is "
    '`{"error": {"code", "message", "details"}}`.'
)


class _RepeatableApiSpec(AiohttpApiSpec):
    """aiohttp-apispec 2.2.3 consumes each view's `__apispec__` while registering it, so a
    second app built in one process would get dangling refs; register from a copy instead."""

    def _register_route(self, route, method, view):
        url_path = get_path(route) if hasattr(view, "__apispec__") else None
        if url_path:
            self._update_paths(copy.deepcopy(view.__apispec__), method, self.prefix + url_path)


async def _docs_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "index.html")


async def _docs_init(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "init.js")


def setup_docs(app: web.Application) -> None:
    """Build the spec from the documented routes (call after every route is added)."""
    app.router.add_get("/docs", _docs_page, allow_head=False)
    app.router.add_get("/docs/init.js", _docs_init, allow_head=False)
    app.router.add_static("/static/swagger", SWAGGER_ASSETS)
    _RepeatableApiSpec(url="/openapi.json", app=app, in_place=True,
                   title="Always-On Checkout", version="1.0.0",
                   info={"description": DESCRIPTION})
