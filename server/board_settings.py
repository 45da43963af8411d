"""Head office's settings for its chain wallboard: a part of HqSettings (server/config.py),
kept in a module of its own so that each stays short. Documented, with their defaults, in
the README's "Head office" settings table, as every setting is."""
import zoneinfo
from dataclasses import dataclass

from server.settings_field import setting as _setting


@dataclass(frozen=True)
class ChainBoardSettings:
    """When a store counts as silent, when the board raises an alert, how often it looks."""

    hq_timezone: str = _setting("Europe/Stockholm", "Time zone of head office's \"today\".")
    hq_store_silent_after_s: float = _setting(90.0, "No report for this long: a store is silent.")
    hq_alert_silent_s: float = _setting(600.0, "A store silent longer than this is an alert.")
    hq_alert_backlog_s: float = _setting(900.0, "A sale waiting in a store longer: an alert.")
    hq_alert_signature_refusals_per_hour: int = _setting(
        20, "More signature refusals than this in the last hour is an alert.")
    # A look at 1,300 stores costs head office's loop 0.13-0.2 s (measured): one per 2 s.
    hq_board_min_interval_s: float = _setting(2.0, "Least time between two looks at the chain.")
    hq_board_tick_s: float = _setting(5.0, "Most time between two looks at the chain.")

    def check_board_settings(self) -> None:
        """Refuse nonsense at start-up (HqSettings calls this)."""
        zoneinfo.ZoneInfo(self.hq_timezone)
        for name in ("hq_store_silent_after_s", "hq_alert_silent_s", "hq_alert_backlog_s",
                     "hq_board_min_interval_s", "hq_board_tick_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"setting {name} must be positive")
