"""/metrics for a store's own monitoring: Prometheus text from a registry of this app's own.

Counters and the latency histogram count what happened since the service started (as
Prometheus expects); the gauges are read from the same figures as GET /dashboard/overview at
each scrape, so the two always agree.
"""
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class CheckoutMetrics:
    """The service's Prometheus instruments, in a registry of their own (no global state)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.checkouts = Counter("checkout_sales", "Sales recorded at the edge", registry=r)
        self.replays = Counter("checkout_replays", "Checkouts answered as idempotent replays",
                               registry=r)
        self.latency = Histogram("checkout_latency_seconds", "Time to answer a checkout",
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.duplicates = Counter("central_duplicates_absorbed",
                                  "Sales central already held when a batch arrived", registry=r)
        self.batches = Counter("sync_batches", "Batches delivered to central", registry=r)
        self.sync_errors = Counter("sync_errors", "Deliveries to central that failed", registry=r)
        self.status_reports = Counter("status_reports", "Status reports head office took",
                                      registry=r)
        self.status_reports_dropped = Counter(
            "status_reports_dropped", "Status reports that could not be sent (dropped: the "
            "next one says the newer state)", registry=r)
        self.auth_failures = Counter("auth_failures", "Failed credentials (bad tokens, sign-ins)",
                                     registry=r)
        self.auth_failures_unaudited = Counter(
            "auth_failures_unaudited", "Failed credentials counted without an audit row (beyond "
            "the per-address and overall rates)", registry=r)
        self.catalog_refusals = Counter(
            "catalog_refusals", "Price lists from head office refused (signature, version, "
            "items)", registry=r)
        self.pending = Gauge("pending_orders", "Sales waiting to reach central", registry=r)
        self.oldest_pending = Gauge("oldest_pending_age_seconds",
                                    "Age of the oldest sale waiting for central", registry=r)
        self.set_aside = Gauge("orders_set_aside",
                               "Sales central refused for good, waiting for staff", registry=r)
        self.kiosks_online = Gauge("kiosks_online", "Kiosks heard from recently", registry=r)
        self.central_orders = Gauge("central_orders", "Sales in the central ledger", registry=r)
        self.duplicates_absorbed = 0  # the same figure, for the reconciliation view

    def on_sale(self, kiosk_id: str, order: dict) -> None:
        """An edge listener: a new sale was recorded."""
        self.checkouts.inc()

    def on_replay(self, kiosk_id: str, order: dict) -> None:
        """An edge listener: a retry was answered with the sale its key made."""
        self.replays.inc()

    def on_batch(self, kiosk_id: str, delivery, pending_count: int) -> None:
        """A sync-worker listener: one batch reached central."""
        self.batches.inc()
        self.duplicates.inc(delivery.already_present)
        self.duplicates_absorbed += delivery.already_present

    def on_failure(self, kiosk_id: str, error: str) -> None:
        """A sync-worker listener: a delivery to central failed."""
        self.sync_errors.inc()

    def on_status_sent(self) -> None:
        """A status-reporter listener: head office took a report."""
        self.status_reports.inc()

    def on_status_dropped(self, error: str) -> None:
        """A status-reporter listener: a report could not be sent."""
        self.status_reports_dropped.inc()

    def on_auth_failure(self, audited: bool) -> None:
        """A failure-audit listener: a credential failed (and was audited, or only counted)."""
        self.auth_failures.inc()
        if not audited:
            self.auth_failures_unaudited.inc()

    def exposition(self, overview: dict) -> bytes:
        """The text to serve, with the gauges set from the overview just computed."""
        self.pending.set(overview["pending_count"])
        self.oldest_pending.set(overview["oldest_pending_age_s"] or 0)
        self.set_aside.set(overview["set_aside_count"])
        self.kiosks_online.set(overview["kiosks_online"])
        self.central_orders.set(overview["central_order_count"] or 0)
        return generate_latest(self.registry)
