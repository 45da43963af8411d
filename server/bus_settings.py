"""The store's settings for sending its batches over the bus (NATS JetStream): a part of
Settings (server/config.py), kept in a module of its own so that each stays short.
Documented, with their defaults, in the README's settings table, as every setting is.

With `central_transport = "nats"` only the batches travel by the bus, published to the
stream at `nats_url` under `<nats_subject_prefix>.<store_id>`. `central_url` is still
required: the store's reads of head office's figures (`GET /central/orders`, the totals of
the reconciliation and the wallboard), its status reports and the price lists it follows
stay signed HTTP requests to head office. Each of them wants head office's own answer, which
a stream cannot give; the batches are what head office's other systems want as a stream,
and the store needs only the stream's acknowledgement that it holds them.

The prefix and the store id are checked as subject tokens when the ledger is made at start
(server.bus.names), since this kernel module may not import the bus."""
from dataclasses import dataclass

from server.settings_field import setting as _setting

TRANSPORTS = ("http", "nats")
NATS_SCHEMES = ("nats://", "tls://")


@dataclass(frozen=True)
class BusSettings:
    """How the store's batches reach head office: by HTTP, or published to NATS JetStream."""

    central_transport: str = _setting(
        "http", "How batches go to head office: http (signed POSTs to central_url) or nats "
        "(published to JetStream at nats_url; reads stay on central_url)."
    )
    nats_url: str = _setting(
        "", "NATS server the batches are published to (nats://host:4222), with "
        "central_transport nats."
    )
    nats_subject_prefix: str = _setting(
        "sales", "The subject's first part: a store publishes to <prefix>.<store_id>."
    )
    nats_publish_timeout_s: float = _setting(
        10.0, "How long a publish waits for JetStream's acknowledgement."
    )
    nats_refusals_poll_s: float = _setting(
        30.0, "How often a store on the bus asks head office for sales it refused after "
        "their sync (set aside for staff)."
    )

    def check_bus_settings(self, central_url: str) -> None:
        """Refuse nonsense at start-up (Settings calls this)."""
        if self.central_transport not in TRANSPORTS:
            raise ValueError("setting central_transport must be http or nats")
        for name in ("nats_publish_timeout_s", "nats_refusals_poll_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"setting {name} must be positive")
        if self.central_transport != "nats":
            return
        if not self.nats_url.startswith(NATS_SCHEMES):
            raise ValueError("setting nats_url must be a nats:// or tls:// URL with "
                             "central_transport nats")
        if not central_url:
            raise ValueError("setting central_transport nats needs central_url as well: the "
                             "store's reads, status reports and price lists stay on HTTP")
