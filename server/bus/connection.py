"""A connection to the NATS server, made the one way every part of the package makes it: a
plain TCP connect first, since nats-py keeps trying a port where nothing listens until its
own timeouts run out, then nats-py's connect, the whole bounded by `timeout_s`; nats-py's
failed tries told as one warning line each, not its default traceback at ERROR."""
import asyncio
import logging
from urllib.parse import urlsplit

import nats

log = logging.getLogger(__name__)


async def connect_bus(url: str, timeout_s: float, name: str, **options):
    """A nats-py client connected to `url` (its other options as nats.connect takes them);
    OSError, TimeoutError or a nats error when none answers in time."""
    where = urlsplit(url)
    async with asyncio.timeout(timeout_s):
        _, writer = await asyncio.open_connection(where.hostname, where.port or 4222)
        writer.close()
        return await nats.connect(url, connect_timeout=timeout_s, error_cb=told, name=name,
                                  **options)


async def told(exc: Exception) -> None:
    """nats-py's error callback: one line per failed try."""
    log.warning("bus: %s: %s", type(exc).__name__, exc)
