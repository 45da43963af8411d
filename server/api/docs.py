"""/docs and /openapi.json: Swagger UI from the package's own assets, no outside host."""
import copy
from pathlib import Path

import aiohttp_apispec
from aiohttp import web
from aiohttp_apispec import AiohttpApiSpec
from aiohttp_apispec.utils import get_path
from marshmallow import RAISE

from server.api import schemas
from server.keys import SWAGGER_FILES

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

    def swagger_dict(self) -> dict:
        """The spec, saying which objects refuse fields they do not know."""
        spec = super().swagger_dict()
        for name, definition in spec.get("definitions", {}).items():
            schema = getattr(schemas, f"{name}Schema", None)
            if schema is not None and schema.opts.unknown == RAISE:
                definition["additionalProperties"] = False
        return spec

    def _register_route(self, route, method, view):
        url_path = get_path(route) if hasattr(view, "__apispec__") else None
        if url_path:
            self._update_paths(copy.deepcopy(view.__apispec__), method, self.prefix + url_path)


async def _swagger_asset(request: web.Request) -> web.FileResponse:
    """One of Swagger UI's files; anything else is a 404 in the error envelope."""
    name = request.match_info["name"]
    if name not in request.app[SWAGGER_FILES]:
        raise web.HTTPNotFound(reason=f"no docs asset {name!r}")
    return web.FileResponse(SWAGGER_ASSETS / name)


async def _docs_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "index.html")


async def _docs_init(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "init.js")


def setup_docs(app: web.Application) -> None:
    """Build the spec from the documented routes (call after every route is added)."""
    app.router.add_get("/docs", _docs_page, allow_head=False)
    app.router.add_get("/docs/init.js", _docs_init, allow_head=False)
    app[SWAGGER_FILES] = frozenset(p.name for p in SWAGGER_ASSETS.iterdir() if p.is_file())
    app.router.add_get("/static/swagger/{name}", _swagger_asset, allow_head=False)
    _RepeatableApiSpec(url="/openapi.json", app=app, in_place=True,
                   title="Always-On Checkout", version="1.0.0",
                   info={"description": DESCRIPTION})
