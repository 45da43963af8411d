"""The garbage collector's settings for a long-running process holding many sockets: the
edge, and the benchmark's reference server and socket clients (which must not pause where
the edge would not)."""
import gc

# Collect the youngest objects after 50,000 more allocations than deallocations (700 by
# default). A request's objects die young, by reference count, before a collection ever sees
# them; at 700 the ones still waiting on a commit were promoted, piled up in the oldest
# generation and set off full collections: with 10,000 kiosk sockets each of those walked
# every socket's objects for 0.7-1.1 s, the whole tail of the heartbeat acks (scripts/bench).
GC_THRESHOLDS = (50_000, 20, 10)


def tune_gc() -> None:
    """Set GC_THRESHOLDS, and move what start-up made (modules, schemas, the catalog) out of
    the collector's sight for good: it lives as long as the process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
