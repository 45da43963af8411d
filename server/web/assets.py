"""Public static files from a folder: only the files it holds, anything else a JSON 404.

(aiohttp's own static route answers a miss with a bare 404 and cannot carry an access rule.)
"""
from pathlib import Path

from aiohttp import web

from server.web.access import PUBLIC, allow

WEB = Path(__file__).resolve().parents[2] / "web"  # the browser apps and pages


def add_asset_folder(app: web.Application, prefix: str, folder: Path) -> None:
    """Serve each file of `folder` (top level) at `prefix/<name>`, open to everyone."""
    files = {p.name: p for p in folder.iterdir() if p.is_file()}

    async def asset(request: web.Request) -> web.FileResponse:
        path = files.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound(reason=f"no file {request.match_info['name']!r} here")
        return web.FileResponse(path)

    app.router.add_get(f"{prefix}/{{name}}", allow(PUBLIC, asset), allow_head=False)


FAVICON = WEB / "common" / "static" / "favicon.svg"


def add_favicon(app: web.Application) -> None:
    """/favicon.ico, which every browser asks for unbidden: the project's icon (an SVG, which
    browsers take by its content type), not a 404 in the log at every page load."""

    async def favicon(request: web.Request) -> web.FileResponse:
        return web.FileResponse(FAVICON, headers={"Content-Type": "image/svg+xml",
                                                  "Cache-Control": "max-age=86400"})

    app.router.add_get("/favicon.ico", allow(PUBLIC, favicon), allow_head=False)
