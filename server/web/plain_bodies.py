"""Request bodies come as they are: a compressed one is refused before anything reads it.

The server never inflates a body (server/web/serving.py), so a body with a Content-Encoding
would reach a view as gzip bytes; it is refused here, with no credential needed and before
any body is read, and what the connection still carries is thrown away uninflated.
"""
from aiohttp import web

from server.errors import UnsupportedContentEncoding


@web.middleware
async def plain_bodies_middleware(request: web.Request, handler):
    """415 for a request that announces an encoded body; everything else passes."""
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding != "identity":
        raise UnsupportedContentEncoding(
            "send request bodies uncompressed (no Content-Encoding)",
            {"content_encoding": encoding[:40]})
    return await handler(request)
