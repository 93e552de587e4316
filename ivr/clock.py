"""The line's clock: real time, or the time pinned by IVR_FIXED_TIME for demos and tests."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ivr.config import Settings

EASTERN = ZoneInfo("America/New_York")


def line_now(settings: Settings) -> datetime:
    """Return the current time, aware, as the line sees it."""
    return settings.fixed_time or datetime.now(UTC)
