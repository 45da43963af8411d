"""Settings: built-in defaults, overridden by a TOML file, then by CHECKOUT_<NAME> env vars,
then by the command line. `ServiceSettings` holds what every service of the package has (the
HTTP server, sign-in, sockets, limits); `Settings` is the store's, with its own besides."""
import dataclasses
import os
import re
import socket
import tomllib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from server.board_settings import ChainBoardSettings
from server.bus_settings import BusSettings
from server.encryption import StoreEncryptionSettings
from server.faults import parse_faults
from server.hq_bus_settings import HqBusSettings
from server.orders import ID_PATTERN, ID_RULE
from server.settings_field import coerce
from server.settings_field import setting as _setting

# The store's two SQLite files, in its data_dir; head office's, on its embedded default.
EDGE_DB = "edge_store.db"
CENTRAL_DB = "central_hq.db"
HQ_DB = "hq_store.db"
ADDRESS_FILE = "address.txt"  # in the data dir: where the store was last started to listen
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
ID = re.compile(ID_PATTERN)


def _require_positive(settings, names) -> None:
    for name in names:
        if getattr(settings, name) <= 0:
            raise ValueError(f"setting {name} must be positive")


@dataclass(frozen=True)
class ServiceSettings:
    """What every service of this package is configured by; each is documented in README.md."""

    host: str = _setting("127.0.0.1", "Address to listen on.")
    port: int = _setting(8080, "TCP port to listen on.")
    data_dir: str = _setting("data", "Folder holding edge_store.db and central_hq.db.")
    max_body_bytes: int = _setting(65536, "Largest request body accepted (413 above).")
    sqlite_busy_timeout_ms: int = _setting(5000, "How long a write waits for a locked database.")
    log_level: str = _setting("INFO", "Logging level (DEBUG, INFO, WARNING, ERROR).")
    session_ttl_s: int = _setting(43200, "How long a browser sign-in lasts.")
    cookie_secure: bool = _setting(
        False, "Mark the session cookie Secure (set it when the edge is served over HTTPS)."
    )
    rate_limits: str = _setting("on", "Per-credential rate limits: on, or off for load tests.")
    event_loop: str = _setting("uvloop", "The asyncio loop: uvloop (faster), or asyncio.")
    audit_failures_per_address_per_min: float = _setting(
        10.0, "Failed credentials from one address written to the audit trail (the rest counted)."
    )
    audit_failures_per_min: float = _setting(
        60.0, "Failed credentials written to the audit trail in all (the rest counted)."
    )
    dashboard_min_interval_s: float = _setting(
        0.2, "Least time between two deltas to a wallboard, whatever the traffic."
    )
    dashboard_tick_s: float = _setting(1.0, "Most time between two looks at the metrics.")
    ws_max_message_bytes: int = _setting(4096, "Largest socket message taken (else: error).")
    ws_messages_per_s: float = _setting(2.0, "Steady socket messages per second per credential.")
    ws_message_burst: int = _setting(10, "Socket messages a credential may send at once.")
    ws_max_sockets_per_credential: int = _setting(
        3, "Sockets one credential may hold; a newer one closes the oldest."
    )
    ws_send_queue: int = _setting(64, "Messages queued for a slow socket before it is dropped.")
    http_idle_timeout_s: float = _setting(
        30.0, "A connection idle this long, or this slow to send a request, is closed."
    )

    def __post_init__(self):
        """Refuse nonsense at start-up rather than at the first request."""
        if self.rate_limits not in ("on", "off"):
            raise ValueError("setting rate_limits must be on or off")
        if self.event_loop not in ("uvloop", "asyncio"):
            raise ValueError("setting event_loop must be uvloop or asyncio")
        _require_positive(self, (
            "port", "max_body_bytes", "session_ttl_s", "ws_max_message_bytes",
            "ws_messages_per_s", "ws_message_burst", "ws_max_sockets_per_credential",
            "ws_send_queue", "http_idle_timeout_s", "audit_failures_per_address_per_min",
            "audit_failures_per_min"))

    @property
    def data_path(self) -> Path:
        """The data folder as a Path."""
        return Path(self.data_dir)


@dataclass(frozen=True)
class Settings(ServiceSettings, StoreEncryptionSettings, BusSettings):
    """The store's edge: every knob of ServiceSettings, and the store's own."""

    catalog_file: str = _setting("", "JSON catalog replacing the built-in one (empty: built-in).")
    public_url: str = _setting(
        "", "Address kiosks and people reach the store at, for printed sign-in links "
        "(empty: where it was last started)."
    )
    store_timezone: str = _setting("Europe/Stockholm", "Time zone of the store's business day.")
    max_order_lines: int = _setting(100, "Most lines one order may hold.")
    max_line_qty: int = _setting(999, "Largest quantity on one order line.")
    heartbeat_timeout_s: float = _setting(15.0, "Silence after which a kiosk counts as offline.")
    sync_batch_size: int = _setting(1000, "Rows per central insert while draining a kiosk.")
    sync_parallel_kiosks: int = _setting(
        4, "How many kiosks drain side by side (their commits at each end are grouped)."
    )
    sync_sweep_interval_s: float = _setting(
        5.0, "How often the sync coroutine looks for pending rows nobody woke it for."
    )
    sync_wake_coalesce_s: float = _setting(
        0.05, "Least time between two sweeps for the kiosks whose sales woke the sync."
    )
    sync_backoff_initial_s: float = _setting(1.0, "First retry delay after central fails.")
    sync_backoff_max_s: float = _setting(60.0, "Cap of the exponential retry delay.")
    sync_retry_after_s: int = _setting(5, "Retry-After sent with 503 central_link_down.")
    demo_fleet: bool = _setting(
        True, "On the first start of an empty data dir, enrol 3 demo kiosks and 2 people."
    )
    checkout_rate_per_s: float = _setting(5.0, "Steady checkouts per second per kiosk.")
    checkout_burst: int = _setting(20, "Checkouts a kiosk may send at once above that rate.")
    staff_pin: str = _setting("1234", "Staff PIN at the kiosks (drills, age checks): change it.")
    staff_pin_attempts_per_min: float = _setting(5.0, "Staff PIN attempts a kiosk may make.")
    central_health_url: str = _setting(
        "/health", "What kiosk pages probe to see whether head office answers (the edge's "
        "/health says whether the edge reaches it)."
    )
    kiosk_idle_timeout_s: int = _setting(120, "Idle time after which a kiosk clears its cart.")
    kiosk_idle_warning_s: int = _setting(20, "How long the kiosk warns before it clears.")
    kiosk_receipt_timeout_s: int = _setting(
        30, "How long the receipt stays on screen before the kiosk is ready for the next shopper."
    )
    store_name: str = _setting("", "The store's name on the kiosks' receipts (empty: store_id).")
    dashboard_backlog_alert_s: int = _setting(
        300, "A sale waiting longer than this for central turns the wallboard's backlog red."
    )
    fault_injection: str = _setting(
        "", "Torture runs only: fault points that make this edge misbehave on purpose."
    )
    store_id: str = _setting(
        "store-1", "This store's id in the chain (head office keeps its sales under it)."
    )
    central_url: str = _setting(
        "", "Head office's URL (http://host:port): deliver there, signed; empty: the embedded "
        "ledger."
    )
    central_connect_timeout_s: float = _setting(
        5.0, "How long a delivery to head office may take to connect."
    )
    central_timeout_s: float = _setting(30.0, "How long one delivery to head office may take.")
    central_cache_s: float = _setting(
        5.0, "How long head office's figures for this store are reused by the wallboard."
    )
    store_status_interval_s: float = _setting(
        30.0, "How often the store reports its status to head office (and at once on a change)."
    )
    hq_public_key: str = _setting(
        "", "Head office's public key (`hq public-key`), pinned: follow its signed price lists; "
        "empty: the built-in catalog or catalog_file."
    )
    hq_catalog_poll_s: float = _setting(20.0, "How often to ask head office for new price lists.")

    def __post_init__(self):
        """Refuse nonsense at start-up rather than at the first sale."""
        super().__post_init__()
        if not ID.fullmatch(self.store_id):
            raise ValueError(f"setting store_id: {ID_RULE}")
        for name in ("central_url", "public_url"):
            if getattr(self, name) and not getattr(self, name).startswith(("http://",
                                                                           "https://")):
                raise ValueError(f"setting {name} must be an http:// or https:// URL")
        self.check_bus_settings(self.central_url)
        zoneinfo.ZoneInfo(self.store_timezone)
        parse_faults(self.fault_injection)
        if not (4 <= len(self.staff_pin) <= 12 and self.staff_pin.isdigit()):
            raise ValueError("setting staff_pin must be 4 to 12 digits")
        _require_positive(self, (
            "max_order_lines", "max_line_qty", "sync_batch_size", "sync_parallel_kiosks",
            "checkout_rate_per_s", "checkout_burst", "staff_pin_attempts_per_min",
            "central_connect_timeout_s", "central_timeout_s", "kiosk_receipt_timeout_s",
            "store_status_interval_s", "hq_catalog_poll_s"))

    @property
    def edge_db_path(self) -> Path:
        """The edge store's file: kiosks, sales, credentials and the audit trail."""
        return self.data_path / EDGE_DB

    @property
    def central_db_path(self) -> Path:
        """The embedded central ledger's file."""
        return self.data_path / CENTRAL_DB

    def link_base(self) -> str:
        """Where sign-in links point: `public_url`, else the address the store is started to
        listen on (a wildcard host named by this machine's name)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = socket.gethostname() if self.host in WILDCARD_HOSTS else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class HqSettings(ServiceSettings, ChainBoardSettings, HqBusSettings):
    """Head office: every knob of ServiceSettings, and its own. Its data_dir holds its
    SQLite files when no database is given."""

    port: int = _setting(8090, "TCP port to listen on.")
    data_dir: str = _setting("hq-data", "Folder of central_hq.db and hq_store.db (no database).")
    max_body_bytes: int = _setting(8_388_608, "Largest request body accepted (413 above).")
    database: str = _setting(
        "", "PostgreSQL DSN (postgresql://user@host:port/db); empty: SQLite in data_dir."
    )
    hq_max_batch_rows: int = _setting(5000, "Most rows one batch may hold (413 above).")
    # The ingest gate (server/hq/gate.py). Bytes: about the database server's cores plus one
    # 1,000-row batches (~0.95 MB each); beyond that, large batches only queue inside the
    # database. Measured on 2 cores (docs/performance.md): 2, 3, 4 or 8 such batches at once
    # took 19.2k, 22.3k, 22.7k and 22.3k rows/s, a batch's p99 106, 176, 323 and 670 ms;
    # one-sale batches, 190 a second 3 at once and 318 16 at once.
    hq_max_concurrent_batches: int = _setting(
        16, "Batches ingested at once; beyond it, 503 hq_busy with Retry-After."
    )
    hq_max_ingest_bytes: int = _setting(
        3_145_728, "Bytes of batches ingested at once (a batch alone always goes in); "
        "beyond it, 503 hq_busy."
    )
    hq_busy_retry_after_s: int = _setting(2, "Retry-After sent with 503 hq_busy.")
    hq_db_pool_size: int = _setting(20, "Most PostgreSQL connections head office holds.")
    hq_signature_max_age_s: float = _setting(
        300.0, "How far a signature's created time may be from head office's clock."
    )
    hq_max_status_bytes: int = _setting(262_144, "Largest status report a store may send "
                                        "(413 above).")
    hq_max_catalog_bytes: int = _setting(
        4_194_304, "Largest price list file publish-catalog takes.")
    fault_injection: str = _setting(
        "", "Torture runs only: fault points that make head office misbehave on purpose."
    )

    def __post_init__(self):
        """Refuse nonsense at start-up."""
        super().__post_init__()
        parse_faults(self.fault_injection)
        self.check_board_settings()
        self.check_hq_bus_settings()
        _require_positive(self, ("hq_max_batch_rows", "hq_max_concurrent_batches",
                                 "hq_max_ingest_bytes", "hq_busy_retry_after_s", "hq_db_pool_size",
                                 "hq_signature_max_age_s", "hq_max_status_bytes",
                                 "hq_max_catalog_bytes"))
        if self.database and not self.database.startswith(("postgresql://", "postgres://")):
            raise ValueError("setting database must be a postgresql:// DSN")
        if self.hq_db_pool_size < self.hq_max_concurrent_batches + 1:
            raise ValueError("setting hq_db_pool_size must exceed hq_max_concurrent_batches "
                             "(reads need a connection too)")

    @property
    def ledger_db_path(self) -> Path:
        """The ledger's file on the embedded default."""
        return self.data_path / CENTRAL_DB

    @property
    def hq_db_path(self) -> Path:
        """The stores' keys and the credentials, on the embedded default."""
        return self.data_path / HQ_DB


def setting_docs(kind: type = Settings) -> dict[str, tuple[object, str]]:
    """Each setting's default and its one-line doc, for the README table and its test."""
    return {f.name: (f.default, f.metadata["doc"]) for f in dataclasses.fields(kind)}


def load_settings(config_file: str | None = None, env=None, kind: type = Settings,
                  **overrides):
    """Defaults < TOML file < CHECKOUT_* environment < explicit overrides (command line), as
    the settings class `kind` (the store's, unless another service asks for its own)."""
    env = os.environ if env is None else env
    kinds = {f.name: f.type for f in dataclasses.fields(kind)}
    values: dict[str, object] = {}
    if config_file:
        with open(config_file, "rb") as fh:
            for name, raw in tomllib.load(fh).items():
                if name not in kinds:
                    raise ValueError(f"unknown setting {name!r} in {config_file}")
                values[name] = raw
    for name in kinds:
        raw = env.get(f"CHECKOUT_{name.upper()}")
        if raw is not None:
            values[name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    return kind(**{name: coerce(name, kinds[name], raw) for name, raw in values.items()})
