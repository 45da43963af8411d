"""Browser hardening headers on every answer."""
from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",          # no inline scripts, no eval
    "style-src 'self' 'unsafe-inline'",  # Swagger UI sets style attributes
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@web.middleware
async def security_headers_middleware(request: web.Request, handler):
    """Add the hardening headers, whatever the handler or the error middleware answered."""
    response = await handler(request)
    response.headers.update(SECURITY_HEADERS)
    return response
