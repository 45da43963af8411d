"""Head office's /metrics for Prometheus, in a registry of its own: batches and rows taken
in, refusals by code (signatures among them), overload, the ingest's latency and the
database connections it holds; with a bus watched, the sales in transit, the oldest's age
and the dead letters (gauges read at each scrape). Beside them, what the chain wallboard
reads: rows refused since the start (by store, with when), and the times of the signature
refusals of the last hour (a bounded deque: a flood of forgeries costs a fixed amount of
memory)."""
from collections import deque
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

INGEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SIGNATURE_CODES = frozenset({"bad_signature", "unknown_key", "stale_signature"})
SIGNATURE_WINDOW = timedelta(hours=1)
SIGNATURE_TIMES_KEPT = 10_000  # far above any alert threshold; the count says "at least"


class HqMetrics:
    """Head office's Prometheus instruments."""

    def __init__(self, clock):
        self.clock = clock
        self.rows_refused: dict[str, tuple[int, datetime]] = {}  # store -> (rows, last at)
        self.signature_times: deque[datetime] = deque(maxlen=SIGNATURE_TIMES_KEPT)
        self.on_change: list = []  # () -> None: a batch or a refusal (the board looks again)
        self.registry = r = CollectorRegistry()
        self.batches = Counter("hq_batches", "Batches accepted and recorded", registry=r)
        self.rows = Counter("hq_rows", "Rows of accepted batches, by outcome", ["outcome"],
                            registry=r)
        self.refusals = Counter("hq_refusals", "Requests refused, by error code (signature "
                                "refusals: bad_signature, unknown_key, stale_signature)",
                                ["code"], registry=r)
        self.ingest = Histogram("hq_ingest_seconds", "Time to take in one batch, once checked",
                                buckets=INGEST_BUCKETS, registry=r)
        self.connections = Gauge("hq_db_connections", "PostgreSQL connections held now",
                                 registry=r)
        self.in_transit = Gauge("hq_bus_in_transit_sales", "Sales on the bus not yet taken "
                                "by hq ingest, as of the last look", registry=r)
        self.in_transit_age = Gauge("hq_bus_oldest_in_transit_age_seconds", "How long the "
                                    "oldest sale in transit has waited (0: none)", registry=r)
        self.dead_letters = Gauge("hq_bus_dead_letters", "Messages from the bus that could "
                                  "never be ingested, ever", registry=r)

    def delivered(self, delivery, store_id: str | None = None) -> None:
        """A batch went in: count it and its rows (a store's refused rows, for the board)."""
        if delivery.refused and store_id is not None:
            held, _ = self.rows_refused.get(store_id, (0, None))
            self.rows_refused[store_id] = (held + len(delivery.refused), self.clock())
        self.batches.inc()
        self.rows.labels("inserted").inc(delivery.inserted)
        self.rows.labels("already_present").inc(delivery.already_present)
        self.rows.labels("refused").inc(len(delivery.refused))
        self._changed()

    def refused(self, code: str) -> None:
        """A request was refused with this code."""
        self.refusals.labels(code).inc()
        if code in SIGNATURE_CODES:
            self.signature_times.append(self.clock())
        self._changed()

    def _changed(self) -> None:
        for listener in self.on_change:
            listener()

    def signature_refusals_last_hour(self) -> int:
        """Signature refusals within the last hour (older times are let go of here)."""
        since = self.clock() - SIGNATURE_WINDOW
        while self.signature_times and self.signature_times[0] < since:
            self.signature_times.popleft()
        return len(self.signature_times)

    def exposition(self, connections: int, bus: dict | None = None,
                   dead_letters: int = 0) -> bytes:
        """The text to serve, with the gauges read now (`bus`: the chain's sales in transit,
        when head office watches a bus)."""
        self.connections.set(connections)
        if bus is not None:
            oldest = bus["oldest_at"]
            self.in_transit.set(bus["sales"])
            self.in_transit_age.set(0 if oldest is None else max(0.0, (
                self.clock() - datetime.fromisoformat(oldest)).total_seconds()))
            self.dead_letters.set(dead_letters)
        return generate_latest(self.registry)
