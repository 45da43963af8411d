"""Footprint: how long the edge takes to answer /health, and its memory when idle."""
from bench.progress import say
from bench.session import Session


async def measure_footprint(session: Session) -> None:
    """start_s: spawn to the first /health 200 on an empty data dir (migrations and the demo
    fleet included: the slowest start); idle_rss_mb: that process's VmRSS once it settled,
    asked nothing but /health (both taken by Session.begin)."""
    idle_kb = session.idle_rss_kb
    session.figures["start_s"] = session.first_start_s
    session.figures["idle_rss_mb"] = round(idle_kb / 1024, 1)
    # Later starts on a full data dir are in details["restarts_s"].
    session.details["footprint"] = {"start_s": session.first_start_s, "idle_rss_kb": idle_kb}
    say(f"footprint: start {session.figures['start_s']:.2f} s, idle RSS "
        f"{session.figures['idle_rss_mb']:.1f} MB")
