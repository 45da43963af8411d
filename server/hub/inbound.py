"""What a socket takes in: its message types, each with its JSON schema (schema/messages)
and its handler, and the one path every text message takes: the credential's rate limit,
then the message's size, JSON, type and schema, then its handler's answer. A message that
fails any of these gets an `error` reply; the socket stays open."""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from server.hub.hub import Holder
from server.hub.messages import MessageError, error_message, parse_message
from server.web.keys import RATE_LIMITS, SETTINGS

# (the request that opened the socket, who holds it, the message) -> the reply
Handler = Callable[[web.Request, Holder, dict], Awaitable[dict]]


@dataclass(frozen=True)
class MessageType:
    """One inbound type: its schema's name in schema/messages, and its handler."""

    schema: str
    handler: Handler


class Inbound:
    """A socket's inbound message types by `type`, registered once."""

    def __init__(self, types: dict[str, MessageType]):
        self.types = types
        self.schemas = {name: kind.schema for name, kind in types.items()}

    async def answer(self, request: web.Request, holder: Holder, raw: str) -> dict:
        """The reply to one text message: its handler's answer, or an error message."""
        wait = request.app[RATE_LIMITS].wait("socket_messages", holder.token_id)
        if wait is not None:
            return error_message("rate_limited", "too many messages; this one was dropped",
                                 {"retry_after_s": round(wait, 3)})
        try:
            message = parse_message(raw, self.schemas, request.app[SETTINGS].ws_max_message_bytes)
        except MessageError as exc:
            return exc.as_message()
        return await self.types[message["type"]].handler(request, holder, message)
