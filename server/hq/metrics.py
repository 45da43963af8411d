"""Head office's /metrics for Prometheus, in a registry of its own: batches and rows taken
in, refusals by code (signatures among them), overload, the ingest's latency and the
database connections it holds."""
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

INGEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class HqMetrics:
    """Head office's Prometheus instruments."""

    def __init__(self):
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

    def delivered(self, delivery) -> None:
        """A batch went in: count it and its rows."""
        self.batches.inc()
        self.rows.labels("inserted").inc(delivery.inserted)
        self.rows.labels("already_present").inc(delivery.already_present)
        self.rows.labels("refused").inc(len(delivery.refused))

    def refused(self, code: str) -> None:
        """A request was refused with this code."""
        self.refusals.labels(code).inc()

    def exposition(self, connections: int) -> bytes:
        """The text to serve, with the connection gauge read now."""
        self.connections.set(connections)
        return generate_latest(self.registry)
