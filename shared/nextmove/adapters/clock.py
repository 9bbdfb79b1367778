"""The wall clock, read in one place so the local stack can run a simulated calendar.

Only the email rules need the time of day (quiet hours, the weekly limit). On Lambda
this is plain UTC now; ``nextmove replay`` moves it to each event's ``occurred_at`` so a
year of events gets the emails that year would have brought.
"""

from __future__ import annotations

from datetime import UTC, datetime

_fixed: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return _fixed or datetime.now(UTC)


def travel_to(at: datetime | None) -> None:
    """Fix the clock at ``at`` (None: back to real time). For the local stack and tests."""
    global _fixed
    if at is not None and at.tzinfo is None:
        raise ValueError("travel_to needs a timezone-aware datetime")
    _fixed = at
