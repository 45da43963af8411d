"""/docs and /openapi.json: Swagger UI from the package's own assets, no outside host."""
import copy
from pathlib import Path

import aiohttp_apispec
from aiohttp import web
from aiohttp_apispec import AiohttpApiSpec
from aiohttp_apispec.utils import get_path
from marshmallow import RAISE

from server.web import docs_decl, signin
from server.web.access import PUBLIC, allow, roles_of
from server.web.assets import add_asset_folder
from server.web.docs_decl import ERROR_TEXT, errors

PAGE_DIR = Path(__file__).with_name("docs_page")
SWAGGER_ASSETS = Path(aiohttp_apispec.__file__).parent / "static"
SECURITY = {"bearer": {
    "type": "apiKey", "in": "header", "name": "Authorization",
    "description": "Type the word `Bearer`, a space, then the token as enrolment printed it: "
                   "`Bearer aoc_…`. Browsers use the session cookie set by POST /auth/session "
                   "instead.",
}}
ERRORS = 'Every error is `{"error": {"code", "message", "details"}}`.'


class _RepeatableApiSpec(AiohttpApiSpec):
    """aiohttp-apispec 2.2.3 consumes each view's `__apispec__` while registering it, so a
    second app built in one process would get dangling refs; register from a copy instead.
    `schema_modules` hold the service's marshmallow schemas (the spec names each by its
    class name, less "Schema")."""

    def __init__(self, *args, schema_modules=(), **kwargs):
        self.schema_modules = schema_modules
        super().__init__(*args, **kwargs)

    def swagger_dict(self) -> dict:
        """The spec, saying which objects refuse fields they do not know, and giving each
    request body whose schema has an `EXAMPLE` that example (one that works as shipped)."""
        spec = super().swagger_dict()
        for name, definition in spec.get("definitions", {}).items():
            found = (getattr(module, f"{name}Schema", None) for module in self.schema_modules)
            schema = next(filter(None, found), None)
            if schema is not None and schema.opts.unknown == RAISE:
                definition["additionalProperties"] = False
            if schema is not None and hasattr(schema, "EXAMPLE"):
                definition["example"] = schema.EXAMPLE  # what "Try it out" sends as is
        return spec

    def _register_route(self, route, method, view):
        url_path = get_path(route) if hasattr(view, "__apispec__") else None
        if url_path:
            data = copy.deepcopy(view.__apispec__)
            _document_access(data, roles_of(view))
            self._update_paths(data, method, self.prefix + url_path)


def _document_access(data: dict, roles) -> None:
    """Say in the spec which roles may call an operation, and what happens otherwise."""
    if roles is None or roles is PUBLIC:
        return
    data["security"] = [{"bearer": []}]
    data["responses"].update(errors(401, 403))
    who = ", ".join(sorted(roles))
    data["description"] = f"{data.get('description', '')}\n\nRoles: {who}.".strip()


async def _docs_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "index.html")


async def _docs_init(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "init.js")


def setup_docs(app: web.Application, title: str, description: str,
               schema_modules=()) -> dict:
    """Build the spec from the documented routes (call after every route is added); the
    spec, which the service may complete with what only its settings know."""
    app.router.add_get("/docs", allow(PUBLIC, _docs_page), allow_head=False)
    app.router.add_get("/docs/init.js", allow(PUBLIC, _docs_init), allow_head=False)
    add_asset_folder(app, "/static/swagger", SWAGGER_ASSETS)
    _RepeatableApiSpec(url="/openapi.json", app=app, in_place=True, title=title,
                       version="1.0.0", info={"description": f"{description} {ERRORS}"},
                       securityDefinitions=SECURITY,
                       schema_modules=(signin, docs_decl, *schema_modules))
    for route in app.router.routes():
        if route.resource and route.resource.canonical == "/openapi.json":
            allow(PUBLIC, route.handler)
    spec = app["swagger_dict"]
    _document_body_errors(spec)
    return spec


def _document_body_errors(spec: dict) -> None:
    """The 408 of a body that does not arrive in time and the 415 of a compressed one, on
    every operation that takes a body (the middlewares answer them, not the views)."""
    for operations in spec["paths"].values():
        for operation in operations.values():
            if any(param["in"] == "body" for param in operation.get("parameters", [])):
                for status in (408, 415):
                    operation["responses"][str(status)] = {
                        "schema": {"$ref": "#/definitions/Error"},
                        "description": ERROR_TEXT[status]}
