"""Whether and when a person gets an email: their preferences and the no-spam rules,
pure (no clock, no I/O).

The unit is one email per trigger event: every recommendation an event yields goes out
together. Whether that email goes now or waits is decided here:

- **urgent first**: an email carrying a ``high`` priority recommendation (a timing
  window, an offer with a deadline) goes at once, in quiet hours and past the weekly
  limit alike, because waiting would cost the person the chance; it still counts
  towards the limit;
- **quiet hours**: anything else waits until the person's quiet hours (in their own
  time zone) end;
- **weekly limit**: at most ``weekly_limit`` emails in any rolling ``window``; beyond
  it, emails are held for the person's **digest**, one email that goes out as soon as
  the window has room again, and never later than ``max_wait`` after the first held
  email (so a burst of urgent emails cannot hold the rest back for ever).

Everything held for a person goes out together as one digest when it is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nextmove.contracts.events import NotificationPreferences
from nextmove.contracts.recommendation import KINDS, Recommendation

__all__ = [
    "Decision",
    "MailingPolicy",
    "decide",
    "is_urgent",
    "local_zone",
    "order",
    "wanted",
    "wants_email",
]

Reason = Literal["urgent", "open", "quiet_hours", "weekly_limit"]


@dataclass(frozen=True)
class MailingPolicy:
    """The limits one person's inbox gets; the defaults are the product's."""

    weekly_limit: int = 3
    window: timedelta = timedelta(days=7)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    max_wait: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if self.weekly_limit < 1:
            raise ValueError("weekly_limit must be at least 1")
        if self.window <= timedelta(0) or self.max_wait <= timedelta(0):
            raise ValueError("window and max_wait must be positive")


@dataclass(frozen=True)
class Decision:
    """Send at ``send_at``: ``now`` means at once; later means hold it until then."""

    send_at: datetime
    reason: Reason

    def is_now(self, now: datetime) -> bool:
        """Whether the email goes out in this run."""
        return self.send_at <= now


_PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}


def order(recs: Iterable[Recommendation]) -> list[Recommendation]:
    """Most urgent first, then in the product's kind order; the first one leads the email
    (its headline is the subject)."""
    return sorted(
        recs, key=lambda r: (_PRIORITY_RANK[r.priority], KINDS.index(r.kind), r.created_at)
    )


def is_urgent(recs: Iterable[Recommendation]) -> bool:
    """An email is urgent when any recommendation in it is high priority."""
    return any(r.priority == "high" for r in recs)


def local_zone(name: str) -> ZoneInfo:
    """The person's time zone; an unknown name falls back to UTC rather than losing
    the email (the profile contract accepts any short text)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def decide(
    *,
    urgent: bool,
    now: datetime,
    time_zone: str,
    sent: Sequence[datetime],
    policy: MailingPolicy,
    held_since: datetime | None = None,
) -> Decision:
    """When the next email to this person may go out.

    ``sent`` are the times of the emails already sent to them (at least those within
    ``policy.window`` of ``now``); ``held_since`` is when the oldest email held for them
    was held, if any. All datetimes are timezone-aware.
    """
    if urgent:
        return Decision(now, "urgent")
    zone = local_zone(time_zone)
    at = _after_quiet_hours(now, zone, policy)
    reason: Reason = "open" if at == now else "quiet_hours"
    room = _room_at(sent, at, policy)
    if room > at:
        at, reason = room, "weekly_limit"
        deadline = (held_since or now) + policy.max_wait
        if deadline < at:
            at = max(deadline, now)
        at = _after_quiet_hours(at, zone, policy)
    return Decision(at, reason)


def _after_quiet_hours(at: datetime, zone: ZoneInfo, policy: MailingPolicy) -> datetime:
    """``at`` itself when outside the quiet hours, else the moment they end (local)."""
    local = at.astimezone(zone)
    start, end = policy.quiet_start, policy.quiet_end
    clock = local.time()
    if start == end:
        return at  # no quiet hours
    if start < end:  # e.g. 13:00-15:00, within one day
        quiet = start <= clock < end
        end_day = local.date()
    else:  # e.g. 21:00-08:00, across midnight
        quiet = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return at
    # Wall-clock end in the person's zone; a DST gap just moves it by the gap.
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def _room_at(sent: Sequence[datetime], at: datetime, policy: MailingPolicy) -> datetime:
    """The first moment from ``at`` when fewer than ``weekly_limit`` emails were sent in
    the rolling window ending then."""
    recent = sorted(t for t in sent if at - policy.window < t <= at)
    excess = len(recent) - policy.weekly_limit
    if excess < 0:
        return at
    # Once the (excess+1) oldest sends leave the window, one slot is free.
    return recent[excess] + policy.window


def wants_email(rec_kind: str, prefs: NotificationPreferences) -> bool:
    """Whether the person wants this kind of recommendation by email.

    Both must hold: email is switched on, and the kind is one they chose.
    """
    return prefs.email and rec_kind in prefs.kinds


def wanted(recs: Iterable[Recommendation], prefs: NotificationPreferences) -> list[Recommendation]:
    """The recommendations the person wants by email, most urgent first (``order``)."""
    return order([r for r in recs if wants_email(r.kind, prefs)])
