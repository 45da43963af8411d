"""A TCP relay on 127.0.0.1 whose uplink can be held: a run puts it between an ingest process
and the NATS server, holds what the process sends (its acks among it) while the process
commits, and kills the process then. What it sent after the hold never reaches the server:
so a kill lands after a commit and before its ack, as a process dying in that instant would,
at a moment the run chooses rather than by luck (the instant lasts microseconds)."""
import asyncio
import contextlib

from reliability.edge_process import free_port

CHUNK = 65536


class HeldRelay:
    """Relays 127.0.0.1:`port` to 127.0.0.1:`target_port`, both ways, while it runs."""

    def __init__(self, target_port: int):
        self.port, self.target_port = free_port(), target_port
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._pumps: set[asyncio.Task] = set()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """The NATS URL a process behind the relay connects to."""
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on its port."""
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    def hold(self) -> None:
        """From now on, keep what the clients send (nothing of it is lost until a cut)."""
        self._flowing.clear()

    def release(self) -> None:
        """Let the clients' bytes through again (those held first)."""
        self._flowing.set()

    async def cut(self) -> None:
        """Drop every connection, and every byte held on it, then flow again."""
        pumps = list(self._pumps)
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        self.release()

    async def stop(self) -> None:
        """Cut every connection and stop listening."""
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _link(self, client_in, client_out) -> None:
        server_out = None
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.target_port)
            pumps = [asyncio.create_task(self._pump(client_in, server_out, uplink=True)),
                     asyncio.create_task(self._pump(server_in, client_out, uplink=False))]
            self._pumps.update(pumps)
            try:  # a cut cancels the pumps: either ending ends the link
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
                self._pumps.difference_update(pumps)
        except OSError:
            pass  # the server away: the client sees its connection closed
        finally:
            for writer in filter(None, (client_out, server_out)):
                writer.transport.abort()  # nothing held is sent on

    async def _pump(self, reader, writer, uplink: bool) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(CHUNK):
                if uplink:
                    await self._flowing.wait()  # read while flowing, sent only if still so
                writer.write(data)
                await writer.drain()
