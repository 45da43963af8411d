"""Kiosk sockets: 10,000 kiosks hold a socket each and heartbeat every 5 s, from several
client processes; the ack round trip, and the edge's memory per socket."""
import asyncio
import json
import math
import sys
import time

from bench.fleet import enrol_kiosks, kiosk_names
from bench.processes import child_setup
from bench.progress import percentile, percentile_series, rounded, say
from bench.session import Session

LINE_LIMIT = 1 << 26  # a worker's last line carries every round trip it timed


class WorkerPool:
    """The client processes, and the last thing each said."""

    def __init__(self):
        self.procs: list[asyncio.subprocess.Process] = []
        self.last: dict[int, dict] = {}
        self.readers: list[asyncio.Task] = []

    async def spawn(self, url: str, tokens_file, first: int, count: int, sizes) -> None:
        """One `python -m bench.socket_worker` for `count` kiosks from line `first`."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.socket_worker", "--url", url, "--tokens",
            str(tokens_file), "--first", str(first), "--count", str(count),
            "--interval", str(sizes.beat_interval_s), "--hold", str(sizes.beat_hold_s),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=LINE_LIMIT,
            preexec_fn=child_setup())
        index = len(self.procs)
        self.procs.append(proc)
        self.readers.append(asyncio.ensure_future(self._read(index, proc)))

    async def _read(self, index: int, proc) -> None:
        while line := await proc.stdout.readline():
            self.last[index] = json.loads(line)

    def count(self, event: str) -> int:
        """How many workers last said `event`."""
        return sum(1 for said in self.last.values() if said["event"] == event)

    def total(self, key: str) -> int:
        """A figure summed over what every worker last said."""
        return sum(said.get(key, 0) for said in self.last.values())

    async def go(self) -> None:
        """Start every worker's heartbeats at once."""
        for proc in self.procs:
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
            proc.stdin.close()

    async def finish(self) -> None:
        """Wait for every worker to exit (each stops by itself after its hold)."""
        await asyncio.gather(*self.readers)
        await asyncio.gather(*(proc.wait() for proc in self.procs))

    def kill(self) -> None:
        """Kill our workers that are still running (after a failure), by PID."""
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()


async def wait_ready(pool: WorkerPool, wanted: int, timeout_s: float) -> float:
    """Wait for every worker's `ready`, printing the sockets open every 2 s; seconds taken."""
    started = last_said = time.monotonic()
    while pool.count("ready") < len(pool.procs):
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"sockets: {pool.total('connected')}/{wanted} after {timeout_s}s")
        if any(proc.returncode not in (None, 0) for proc in pool.procs):
            raise RuntimeError("a socket worker died while connecting")
        await asyncio.sleep(0.2)
        if time.monotonic() - last_said >= 2:
            say(f"sockets: {pool.total('connected')}/{wanted} connected")
            last_said = time.monotonic()
    return time.monotonic() - started


async def hold_and_sample(session: Session, pool: WorkerPool) -> int:
    """Let every socket heartbeat; the edge's peak RSS (KiB) meanwhile; progress every 2 s."""
    peak, last_said = session.edge.rss_kb(), time.monotonic()
    finished = asyncio.ensure_future(pool.finish())
    while not finished.done():
        await asyncio.wait({finished}, timeout=0.5)
        if pool.count("done") < len(pool.procs):
            peak = max(peak, session.edge.rss_kb())
        if time.monotonic() - last_said >= 2:
            say(f"sockets: {pool.total('acks')} acks, {pool.total('failed')} sockets failed, "
                f"edge RSS {peak / 1024:.0f} MB")
            last_said = time.monotonic()
    await finished
    return peak


async def enrol_socket_kiosks(session: Session) -> object:
    """Enrol the kiosks (edge stopped) and write `kiosk_id token` lines for the workers."""
    kiosks = kiosk_names("sock", session.sizes.sockets)
    tokens = await enrol_kiosks(session.edge.data_dir, session.edge.key, kiosks,
                                "sockets")
    path = session.work / "socket-tokens.txt"
    path.write_text("".join(f"{k} {tokens[k]}\n" for k in kiosks))
    return path


async def measure_sockets(session: Session) -> None:
    """sockets held, socket_ack_p99_ms and rss_per_socket_kb."""
    sizes, pool = session.sizes, WorkerPool()
    tokens_file = await session.offline(lambda: enrol_socket_kiosks(session))
    await asyncio.sleep(sizes.settle_s)
    before = session.edge.rss_kb()
    try:
        for first in range(0, sizes.sockets, sizes.sockets_per_worker):
            count = min(sizes.sockets_per_worker, sizes.sockets - first)
            await pool.spawn(session.edge.url, tokens_file, first, count, sizes)
        connect_s = await wait_ready(pool, sizes.sockets, timeout_s=300)
        ready = session.edge.rss_kb()
        say(f"sockets: {pool.total('connected')} open in {connect_s:.1f} s; heartbeating "
            f"every {sizes.beat_interval_s:.0f} s for {sizes.beat_hold_s:.0f} s")
        await pool.go()
        peak = await hold_and_sample(session, pool)
    finally:
        pool.kill()
    record_sockets(session, pool, before, ready, peak, connect_s)


def record_sockets(session: Session, pool: WorkerPool, before: int, ready: int, peak: int,
                   connect_s: float) -> None:
    """The sockets' figures, details and plot series."""
    latencies = [ms for said in pool.last.values() for ms in said.get("latencies_ms", [])]
    held = pool.total("held")
    session.figures["sockets"] = held
    session.figures["socket_ack_p99_ms"] = rounded(percentile(latencies, 99))
    session.figures["rss_per_socket_kb"] = round((peak - before) / max(held, 1), 2)
    session.details["sockets"] = {
        "wanted": session.sizes.sockets, "held": held, "workers": len(pool.procs),
        "connect_failed": pool.total("connect_failed"), "connect_s": round(connect_s, 2),
        "acks": len(latencies), "rss_kb": {"before": before, "connected": ready, "peak": peak},
        "ack_ms": {str(p): rounded(percentile(latencies, p)) for p in (50, 99, 99.9)},
        "ack_max_ms": max(latencies, default=None),
        "heartbeats_at_least": held * math.floor(session.sizes.beat_hold_s
                                                 / session.sizes.beat_interval_s)}
    session.series["kiosk socket ack"] = percentile_series(latencies)
    say(f"sockets: {held} held; ack p99 {session.figures['socket_ack_p99_ms']} ms; "
        f"{session.figures['rss_per_socket_kb']} KB RSS per socket")
