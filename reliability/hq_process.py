"""Head office as a process (`python -m server hq`) on a free port, on a PostgreSQL database
(its DSN) or SQLite in a folder, with the commands that enrol stores and issue tokens."""
from pathlib import Path

from reliability.edge_process import Edge, ServiceProcess, run_command


class HeadOffice(ServiceProcess):
    """Head office's process and its storage."""

    name = "head office"

    def __init__(self, work: Path, database: str = "", env: dict | None = None):
        super().__init__(work / "hq.log", env)
        self.database, self.data_dir = database, work / "hq-data"

    def storage_args(self) -> list[str]:
        """Where its storage is, as every `hq` command takes it."""
        return ["--database", self.database] if self.database else [
            "--data-dir", str(self.data_dir)]

    def command(self) -> list[str]:
        return ["hq", "--port", str(self.port), *self.storage_args()]

    def hq(self, *args: str) -> str:
        """`python -m server hq ARGS...` on this head office's storage; what it printed."""
        return run_command("hq", *args, *self.storage_args())

    def token(self, role: str = "hq-operator") -> str:
        """A new token for a person at head office."""
        return self.hq("token", "--role", role).splitlines()[-1]

    def enroll(self, store_id: str, public_key: str) -> str:
        """Enrol a store's key; its key id."""
        enrolled = self.hq("enroll-store", store_id, f"--public-key={public_key}")
        return enrolled.splitlines()[-1]

    def chain_edge(self, data_dir: Path, store_id: str, env: dict | None = None) -> Edge:
        """A store's edge that delivers here: its key made and enrolled, not yet started."""
        edge = Edge(data_dir, {"CHECKOUT_STORE_ID": store_id, "CHECKOUT_CENTRAL_URL": self.url,
                               **(env or {})})
        data_dir.mkdir(parents=True, exist_ok=True)
        self.enroll(store_id, edge.store_key())
        return edge
