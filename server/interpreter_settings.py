"""The interpreter's settings for a long-running process holding many sockets: the edge, and
the benchmark's reference server and socket clients (which must not pause where the edge
would not)."""
import gc
import sys

# Collect the youngest objects after 50,000 more allocations than deallocations (700 by
# default). A request's objects die young, by reference count, before a collection ever sees
# them; at 700 the ones still waiting on a commit were promoted, piled up in the oldest
# generation and set off full collections: with 10,000 kiosk sockets each of those walked
# every socket's objects for 0.7-1.1 s, the whole tail of the heartbeat acks (scripts/bench).
GC_THRESHOLDS = (50_000, 20, 10)
# How long a thread waits for the interpreter lock before the one holding it must let go
# (5 ms by default). The SQLite writer's thread asks for it back after every statement and
# every fsync while the event loop holds it serving requests; at 5 ms the writer's turn, and
# every sale waiting on it, stretched by whole intervals. Checkout under wrk, alternated
# against the same data: 2,320-2,750 sales/s at 5 ms, 2,700-3,200 at 1 ms; then, with a
# group's sales in two statements, 0.5 ms beat 1 ms in six rounds of six (4-19 %), while
# 0.3 and 0.2 ms did no better than 1 ms.
SWITCH_INTERVAL_S = 0.0005


def tune_interpreter() -> None:
    """Set GC_THRESHOLDS and SWITCH_INTERVAL_S, and move what start-up made (modules,
    schemas, the catalog) out of the collector's sight for good: it lives as long as the
    process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
