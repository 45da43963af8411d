"""Head office's settings for watching the bus: a part of HqSettings (server/config.py), kept
in a module of its own so that each stays short. Documented, with their defaults, in the
README's "Head office" settings table, as every setting is.

With `hq_nats_url` set, head office's service looks at the sales stream every
`hq_transit_interval_s` for the sales in transit (server.bus.transit): published by a store,
not yet taken by the ingest. The stream and prefix are the ingest's (`hq ingest --stream
--prefix`), so the two name them alike. Empty: a chain on HTTP, and nothing is in transit."""
from dataclasses import dataclass

from server.settings_field import setting as _setting


@dataclass(frozen=True)
class HqBusSettings:
    """Where head office's service finds the sales stream, and how often it looks."""

    hq_nats_url: str = _setting(
        "", "NATS server of the sales stream, watched for sales in transit (empty: none).")
    hq_nats_stream: str = _setting("SALES", "The sales stream's name, as hq ingest's --stream.")
    hq_nats_subject_prefix: str = _setting(
        "sales", "The stream's subject prefix, as hq ingest's --prefix.")
    hq_transit_interval_s: float = _setting(
        5.0, "How often head office looks at the stream for the sales in transit.")
    hq_transit_look_limit: int = _setting(
        100_000, "Most messages one look reads; beyond it, the figures are a floor.")

    def check_hq_bus_settings(self) -> None:
        """Refuse nonsense at start-up (HqSettings calls this)."""
        if self.hq_nats_url and not self.hq_nats_url.startswith(("nats://", "tls://")):
            raise ValueError("setting hq_nats_url must be a nats:// or tls:// URL")
        for name in ("hq_transit_interval_s", "hq_transit_look_limit"):
            if getattr(self, name) <= 0:
                raise ValueError(f"setting {name} must be positive")
