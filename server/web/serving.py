"""How the service's HTTP server runs: the options every runner of the app passes (the
command line, the tests), and the access log.

- Request bodies are never inflated. With `Content-Encoding: gzip` aiohttp's parser inflates
  a body as it arrives, on the event loop, before any handler can refuse it: 1 MB of gzip
  that inflates to 1 GB cost 2.3 s of the loop's CPU, and every shopper waited. No client of
  this API sends compressed bodies; the plain-bodies middleware refuses them with 415, and
  what the connection still carries is thrown away as it comes, uninflated.
- A connection idle for `http_idle_timeout_s`, or that slow to send its request head, is
  closed (aiohttp starts that clock when the connection opens): the slow-loris defence.
- The access log names the path, never the query string, which may carry what a log
  should not keep. Routine traffic answered well (a kiosk's health probe every 5 s, its
  heartbeats, a scrape of the metrics) is logged at DEBUG only: at INFO a store's log holds
  what people and sales did, not thousands of lines a minute of kiosks saying "still here".
- The Server header says what this is, not which Python and aiohttp versions serve it.
"""
import logging

from aiohttp import web_response
from aiohttp.abc import AbstractAccessLogger

from server.config import Settings

SERVER_NAME = "always-on-checkout"
ROUTINE = frozenset({("GET", "/health"), ("POST", "/edge/heartbeat"), ("GET", "/metrics"),
                     ("GET", "/favicon.ico")})


class AccessLog(AbstractAccessLogger):
    """One line per answered request: client, method, path (no query), status, size, time;
    routine requests answered 2xx at DEBUG, everything else at INFO."""

    def log(self, request, response, time: float) -> None:
        """Write the line (aiohttp calls this after each answer)."""
        routine = (request.method, request.path) in ROUTINE and response.status < 300
        self.logger.log(logging.DEBUG if routine else logging.INFO,
                        '%s "%s %s" %s %s %.1fms', request.remote, request.method,
                        request.path, response.status, response.body_length, time * 1000)

    @property
    def enabled(self) -> bool:
        """Skip the work when nobody reads INFO."""
        return self.logger.isEnabledFor(logging.INFO)


def server_options(settings: Settings) -> dict:
    """The keyword arguments of `web.run_app`, `web.AppRunner` or a test server for this app."""
    # aiohttp puts its own name and versions in every answer's Server header, its parser's
    # 400s (which never reach the app or its signals) included; only this constant of its
    # own says otherwise, for the whole process.
    web_response.SERVER_SOFTWARE = SERVER_NAME
    return {
        "auto_decompress": False,
        "keepalive_timeout": settings.http_idle_timeout_s,
        "access_log_class": AccessLog,
    }
