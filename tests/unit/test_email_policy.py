"""The no-spam rules: when a person's next email may go out."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from nextmove.contracts.recommendation import Recommendation
from nextmove.domain.email_policy import MailingPolicy, decide, is_urgent, order

POLICY = MailingPolicy()  # 3 a week, quiet 21:00-08:00 local
NOON_CHICAGO = datetime(2026, 5, 6, 17, 0, tzinfo=UTC)  # 12:00 CDT


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def days_ago(now: datetime, *days: float) -> list[datetime]:
    return [now - timedelta(days=d) for d in days]


def test_an_ordinary_email_in_the_day_goes_now() -> None:
    d = decide(urgent=False, now=NOON_CHICAGO, time_zone="America/Chicago", sent=[], policy=POLICY)
    assert d.is_now(NOON_CHICAGO)
    assert d.reason == "open"


def test_quiet_hours_hold_until_eight_in_the_morning_local() -> None:
    # 23:30 in Tokyo (14:30 UTC): waits for 08:00 the next morning in Tokyo.
    now = at("2026-05-06T14:30:00+00:00")
    d = decide(urgent=False, now=now, time_zone="Asia/Tokyo", sent=[], policy=POLICY)
    assert not d.is_now(now)
    assert d.reason == "quiet_hours"
    assert d.send_at == at("2026-05-07T08:00:00+09:00")


def test_after_midnight_is_still_quiet_until_eight_the_same_day() -> None:
    now = at("2026-05-07T03:15:00+09:00")
    d = decide(urgent=False, now=now, time_zone="Asia/Tokyo", sent=[], policy=POLICY)
    assert d.send_at == at("2026-05-07T08:00:00+09:00")


def test_the_same_moment_is_quiet_in_one_zone_and_open_in_another() -> None:
    now = at("2026-05-06T14:30:00+00:00")  # 23:30 in Tokyo, 09:30 in Chicago
    kwargs = {"urgent": False, "now": now, "sent": [], "policy": POLICY}
    assert not decide(time_zone="Asia/Tokyo", **kwargs).is_now(now)
    assert decide(time_zone="America/Chicago", **kwargs).is_now(now)


def test_urgent_goes_now_in_quiet_hours_and_past_the_limit() -> None:
    now = at("2026-05-06T23:30:00+09:00")
    d = decide(
        urgent=True,
        now=now,
        time_zone="Asia/Tokyo",
        sent=days_ago(now, 1, 2, 3, 4),
        policy=POLICY,
    )
    assert d.is_now(now)
    assert d.reason == "urgent"


def test_the_fourth_email_in_a_week_waits_until_the_oldest_is_a_week_old() -> None:
    now = NOON_CHICAGO
    sent = days_ago(now, 1, 2, 6)
    d = decide(urgent=False, now=now, time_zone="America/Chicago", sent=sent, policy=POLICY)
    assert d.reason == "weekly_limit"
    assert d.send_at == now + timedelta(days=1)  # the one sent 6 days ago leaves the window


def test_emails_older_than_the_window_do_not_count() -> None:
    sent = days_ago(NOON_CHICAGO, 1, 2, 7, 8, 30)
    d = decide(
        urgent=False, now=NOON_CHICAGO, time_zone="America/Chicago", sent=sent, policy=POLICY
    )
    assert d.is_now(NOON_CHICAGO)


def test_a_digest_due_at_night_waits_for_the_morning() -> None:
    now = NOON_CHICAGO
    sent = days_ago(now, 1, 2, 7 - 10 / 24)  # room opens at 22:00 Chicago
    d = decide(urgent=False, now=now, time_zone="America/Chicago", sent=sent, policy=POLICY)
    assert d.reason == "weekly_limit"
    assert d.send_at == at("2026-05-07T08:00:00-05:00")


def test_held_email_never_waits_more_than_max_wait() -> None:
    # Urgent emails keep the window full; the digest still goes a week after it began.
    now = NOON_CHICAGO
    held_since = now - timedelta(days=6, hours=20)  # a week old at 16:00 Chicago
    sent = days_ago(now, 0.1, 0.2, 0.3)
    d = decide(
        urgent=False,
        now=now,
        time_zone="America/Chicago",
        sent=sent,
        policy=POLICY,
        held_since=held_since,
    )
    assert d.send_at == held_since + timedelta(days=7)


def test_a_tuned_policy_applies() -> None:
    policy = MailingPolicy(weekly_limit=1, quiet_start=time(13, 0), quiet_end=time(14, 0))
    now = at("2026-05-06T13:30:00-05:00")
    d = decide(urgent=False, now=now, time_zone="America/Chicago", sent=[], policy=policy)
    assert d.send_at == at("2026-05-06T14:00:00-05:00")
    d = decide(
        urgent=False,
        now=now,
        time_zone="America/Chicago",
        sent=days_ago(now, 3),
        policy=policy,
    )
    assert d.reason == "weekly_limit"


def test_an_unknown_time_zone_is_read_as_utc_not_an_error() -> None:
    now = at("2026-05-06T22:00:00+00:00")
    d = decide(urgent=False, now=now, time_zone="Mars/Olympus", sent=[], policy=POLICY)
    assert d.send_at == at("2026-05-07T08:00:00+00:00")


def test_a_policy_must_allow_at_least_one_email() -> None:
    with pytest.raises(ValueError, match="weekly_limit"):
        MailingPolicy(weekly_limit=0)


def rec(kind: str, priority: str) -> Recommendation:
    return Recommendation.create(
        tenant="acme",
        person_id="p-1",
        trigger_event_id="evt-1",
        kind=kind,  # type: ignore[arg-type]
        created_at=NOON_CHICAGO,
        priority=priority,
        headline=f"{kind} advice",
        body="Body.",
        rule=f"{kind}.rule",
    )


def test_the_most_urgent_recommendation_leads_the_email() -> None:
    recs = [rec("goal", "low"), rec("skills", "normal"), rec("timing", "high")]
    assert [r.kind for r in order(recs)] == ["timing", "skills", "goal"]
    assert is_urgent(recs)
    assert not is_urgent(recs[:2])
