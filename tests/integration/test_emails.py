"""The people who get the emails: one per event, urgent first, quiet hours in their own
time zone, at most three a week with the rest in a digest, never twice, never lost.

Every test goes through the local stack (signed webhook -> ... -> notifier -> SES) on a
simulated calendar (``stack.travel_to``) and runs the scheduled digest function as
EventBridge would (``stack.run_schedules``); assertions are on the emails SES sent.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from botocore.exceptions import ClientError

from nextmove import delivery
from nextmove.adapters import mailbox, store, suppressions
from nextmove.contracts import Recommendation
from tests.support import bus_event, load_event, table_items
from tests.support import post_at as post

TOKYO_NIGHT = datetime.fromisoformat("2026-05-06T23:30:00+09:00")
CHICAGO_NOON = datetime.fromisoformat("2026-05-06T12:00:00-05:00")


def profile(stack, *, time_zone: str, at: datetime) -> None:
    document = load_event("profile_updated")
    document["data"]["time_zone"] = time_zone
    post(stack, document, at=at)


def goal(n: int, *, specific: bool = False) -> dict:
    """A goal update; a vague one yields one (normal) recommendation, a specific one a
    goal and a skills recommendation from the same event."""
    document = load_event("goal_updated")
    document["id"] = f"evt-goal-{n}"
    if specific:
        return document
    document["data"] = {"statement": f"Become an executive, take {n}"}
    return document


def major_success(n: int) -> dict:
    """A major success: opens a timing window, the urgent (high priority) kind."""
    document = load_event("success_recorded")
    document["id"] = f"evt-win-{n}"
    return document


def emails(stack) -> list:
    return [message_from_bytes(s.eml.read_bytes(), policy=policy.default) for s in stack.sent]


def text_of(message) -> str:
    return " ".join(message.get_body(preferencelist=("plain",)).get_content().split())


def rows(stack, prefix: str) -> list[dict]:
    return [i for i in table_items(stack) if i["sk"]["S"].startswith(prefix)]


def test_one_event_with_two_recommendations_is_one_email(stack):
    profile(stack, time_zone="America/Chicago", at=CHICAGO_NOON)
    post(stack, goal(1, specific=True), at=CHICAGO_NOON)
    recs = [r for r in stack.published if r["trigger_event_id"] == "evt-goal-1"]
    assert {r["kind"] for r in recs} == {"goal", "skills"}
    [message] = emails(stack)
    skills = next(r for r in recs if r["kind"] == "skills")  # normal priority leads low
    assert message["Subject"] == f"{skills['headline']} (+1 more)"
    text = text_of(message)
    assert all(r["headline"] in text for r in recs)
    assert {i["status"]["S"] for i in rows(stack, "EMAIL#")} == {"sent"}


def test_quiet_hours_in_tokyo_hold_the_email_until_eight_local(stack):
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, goal(1), at=TOKYO_NIGHT)
    assert stack.sent == []
    [held] = rows(stack, "DIGEST#")
    assert held["due_at"]["S"] == "2026-05-06T23:00:00Z"  # 08:00 in Tokyo
    stack.run_schedules(datetime.fromisoformat("2026-05-07T07:45:00+09:00"))
    assert stack.sent == []
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:00:00+09:00"))
    [message] = emails(stack)
    rec = next(r for r in stack.published if r["kind"] == "goal")
    assert message["Subject"] == rec["headline"]  # one event's email, not a digest
    assert rows(stack, "DIGEST#") == []
    stack.run_schedules(datetime.fromisoformat("2026-05-07T09:00:00+09:00"))
    assert len(stack.sent) == 1  # sent once


def test_the_flush_after_a_replay_at_night_still_sends_what_night_held(stack):
    # ``flush`` is what replay and ``nextmove admin`` end with; started in the person's
    # quiet hours, a run a whole number of days later is in quiet hours too.
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, goal(1), at=TOKYO_NIGHT)
    assert stack.sent == []
    stack.flush(TOKYO_NIGHT)
    assert len(stack.sent) == 1
    assert rows(stack, "DIGEST#") == []


def test_urgent_advice_goes_at_once_even_at_night(stack):
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, major_success(1), at=TOKYO_NIGHT)
    timing = next(r for r in stack.published if r["kind"] == "timing")
    assert timing["priority"] == "high"
    [message] = emails(stack)
    assert message["Subject"] == timing["headline"]


def test_past_three_a_week_the_rest_wait_for_one_digest_and_urgent_still_goes(stack):
    profile(stack, time_zone="America/Chicago", at=CHICAGO_NOON)
    for day in range(3):
        post(stack, goal(day), at=CHICAGO_NOON + timedelta(days=day))
    assert len(stack.sent) == 3
    post(stack, goal(3), at=CHICAGO_NOON + timedelta(days=3))
    post(stack, goal(4), at=CHICAGO_NOON + timedelta(days=4))
    assert len(stack.sent) == 3
    assert len(rows(stack, "DIGEST#")) == 2
    post(stack, major_success(1), at=CHICAGO_NOON + timedelta(days=4, hours=1))
    assert len(stack.sent) == 4  # urgent: past the limit, and it counts

    # Room opens a week after the first email; by then the urgent one also counts, so
    # the digest waits for the second slot: day 8, noon.
    stack.run_schedules(CHICAGO_NOON + timedelta(days=7, hours=1))
    assert len(stack.sent) == 4
    stack.run_schedules(CHICAGO_NOON + timedelta(days=8, minutes=15))
    assert len(stack.sent) == 5
    digest = emails(stack)[-1]
    held = [r for r in stack.published if r["trigger_event_id"] in {"evt-goal-3", "evt-goal-4"}]
    assert digest["Subject"].startswith("Your NextMove digest: ")
    assert digest["Subject"].endswith("(+1 more)")
    text = text_of(digest)
    assert all(r["headline"] in text for r in held)
    assert "not emailed too often" in text
    assert rows(stack, "DIGEST#") == []


def test_a_digest_goes_within_a_week_even_when_urgent_emails_fill_every_slot(stack):
    profile(stack, time_zone="America/Chicago", at=CHICAGO_NOON)
    for day in range(3):
        post(stack, major_success(day), at=CHICAGO_NOON + timedelta(days=day))
    post(stack, goal(1), at=CHICAGO_NOON + timedelta(days=2, hours=1))
    assert len(stack.sent) == 3
    for day in range(3, 10):  # an urgent email every day keeps the window full
        post(stack, major_success(day), at=CHICAGO_NOON + timedelta(days=day))
        stack.run_schedules(CHICAGO_NOON + timedelta(days=day, hours=2))
    goal_rec = next(r for r in stack.published if r["trigger_event_id"] == "evt-goal-1")
    assert any(goal_rec["headline"] in text_of(m) for m in emails(stack))
    assert rows(stack, "DIGEST#") == []


def test_redelivered_messages_send_nothing_twice_sent_or_held(stack):
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, goal(1, specific=True), at=TOKYO_NIGHT - timedelta(hours=12))  # 11:30 Tokyo
    post(stack, goal(2), at=TOKYO_NIGHT)  # held for the morning
    assert len(stack.sent) == 1
    queue = stack.resolve.refs["EmailQueue"]
    for rec in stack.published:
        stack.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps(rec))
    stack.drain()
    assert len(stack.sent) == 1
    assert len(rows(stack, "DIGEST#")) == 1
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:00:00+09:00"))
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:15:00+09:00"))
    assert len(stack.sent) == 2
    assert not any(stack.queue_depths().values())


def test_a_held_email_survives_a_failed_send_and_goes_on_the_next_run(stack, monkeypatch):
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, goal(1), at=TOKYO_NIGHT)
    digest = stack.functions["DigestFunction"].environment
    # IAM (ses:FromAddress) and SES both refuse this sender.
    monkeypatch.setitem(digest, "SENDER_EMAIL", "unverified@nowhere.example")
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:00:00+09:00"))
    assert stack.sent == []
    assert stack.queue_depths()["DigestDLQ"] == 1  # the failed run, for the alarm
    assert len(rows(stack, "DIGEST#")) == 1  # nothing lost
    monkeypatch.setitem(digest, "SENDER_EMAIL", stack.resolve.refs["SenderEmail"])
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:15:00+09:00"))
    assert len(stack.sent) == 1
    assert rows(stack, "DIGEST#") == []


def test_a_person_who_turns_email_off_while_held_gets_nothing(stack):
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, goal(1), at=TOKYO_NIGHT)
    off = load_event("profile_updated")
    off["id"] = "evt-profile-off"
    off["data"]["time_zone"] = "Asia/Tokyo"
    off["data"]["notifications"] = {"email": False, "kinds": []}
    post(stack, off, at=TOKYO_NIGHT + timedelta(minutes=5))
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:00:00+09:00"))
    assert stack.sent == []
    assert rows(stack, "DIGEST#") == []


def test_two_sends_at_once_cannot_both_take_the_weeks_last_slot(stack, monkeypatch):
    profile(stack, time_zone="America/Chicago", at=CHICAGO_NOON)
    for day in range(2):
        post(stack, goal(day), at=CHICAGO_NOON + timedelta(days=day))
    assert len(stack.sent) == 2  # one of the week's three left
    at = CHICAGO_NOON + timedelta(days=2)
    stack.travel_to(at)
    for n in (2, 3):  # two events recorded, their emails not sent yet
        document = {**goal(n), "occurred_at": at.isoformat()}
        stack.functions["GoalUpdatedFunction"].invoke(bus_event(stack, document))
    first, second = (
        store.recommendation_from_image(row)
        for n in (2, 3)
        for row in rows(stack, "REC#")
        if json.loads(row["body"]["S"])["trigger_event_id"] == f"evt-goal-{n}"
    )
    claim = mailbox.claim

    def rival_between_read_and_claim(*args, **kwargs):
        monkeypatch.setattr(mailbox, "claim", claim)
        assert delivery.deliver(second) == "sent"  # another container takes the last slot
        return claim(*args, **kwargs)

    monkeypatch.setattr(mailbox, "claim", rival_between_read_and_claim)
    assert delivery.deliver(first) == "held:weekly_limit"
    stack.drain()  # the stream's own deliveries of both find them decided
    assert len(stack.sent) == 3
    [held] = rows(stack, "DIGEST#")
    assert json.loads(held["body"]["S"])[0]["id"] == first.id


def _recorded_goal(stack) -> Recommendation:
    """A person in Chicago at noon with one goal recorded, its email not sent yet."""
    profile(stack, time_zone="America/Chicago", at=CHICAGO_NOON)
    document = {**goal(1), "occurred_at": CHICAGO_NOON.isoformat()}
    stack.functions["GoalUpdatedFunction"].invoke(bus_event(stack, document))
    [rec] = [store.recommendation_from_image(row) for row in rows(stack, "REC#")]
    return rec


def _landed_then_raised(write):
    """``write`` that lands, its reply lost and botocore's retries spent."""

    def lost_reply(*args, **kwargs):
        write(*args, **kwargs)
        raise ClientError({"Error": {"Code": "InternalServerError"}}, "TransactWriteItems")

    return lost_reply


def _table_down(*_args, **_kwargs):
    raise ClientError({"Error": {"Code": "InternalServerError"}}, "TransactWriteItems")


def test_a_claim_whose_attempt_failed_before_the_send_is_taken_over_and_sent_once(
    stack, monkeypatch
):
    """The claim landed, its reply was lost and the release failed too: the row says
    'claimed', so SES never saw the email, and the redelivery sends it."""
    rec = _recorded_goal(stack)
    with monkeypatch.context() as faults:
        faults.setattr(mailbox, "claim", _landed_then_raised(mailbox.claim))
        faults.setattr(mailbox, "release", _table_down)
        with pytest.raises(ClientError):
            delivery.deliver(rec)
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "claimed" and stack.sent == []
    stack.drain()  # the stream's own delivery: the redelivery
    assert len(stack.sent) == 1
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "sent"
    [box] = rows(stack, "MAILBOX")
    assert list(box["sent"]["M"]) == [rec.id]  # counted once


def test_a_claim_taken_over_before_its_send_is_sent_only_by_the_one_that_took_it(
    stack, monkeypatch
):
    rec = _recorded_goal(stack)
    mark = mailbox.mark_sending

    def duplicate_delivery_first(*args, **kwargs):
        monkeypatch.setattr(mailbox, "mark_sending", mark)
        assert delivery.deliver(rec) == "sent"  # finds the claim 'claimed': takes it over
        return mark(*args, **kwargs)

    monkeypatch.setattr(mailbox, "mark_sending", duplicate_delivery_first)
    assert delivery.deliver(rec) == "duplicate"
    stack.drain()  # the stream's own delivery finds it sent
    assert len(stack.sent) == 1


def test_a_send_ses_refused_is_given_back_row_by_row_when_the_release_fails(stack, monkeypatch):
    """SES refused the email and the release's transaction failed: each row goes back to
    'claimed' with a write of its own, and the redelivery sends the email once."""
    rec = _recorded_goal(stack)

    def ses_refuses(*_args, **_kwargs):
        raise RuntimeError("SES Throttling: Maximum sending rate exceeded.")

    with monkeypatch.context() as faults:
        faults.setattr(delivery, "_send", ses_refuses)
        faults.setattr(mailbox, "release", _table_down)
        with pytest.raises(RuntimeError, match="SES Throttling"):
            delivery.deliver(rec)
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "claimed" and stack.sent == []
    stack.drain()
    assert len(stack.sent) == 1
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "sent"


class _ConflictOnGiveBack:
    """The table's client, but the first ``times`` transactions that take a count out
    of MAILBOX (a release) are cancelled by another transaction on the same rows: a
    ``TransactionConflict``, which botocore does not retry."""

    def __init__(self, real, times: int) -> None:
        self._real, self.left = real, times

    def __getattr__(self, name):
        return getattr(self._real, name)

    def transact_write_items(self, **request):
        releasing = any(
            "REMOVE sent." in item.get("Update", {}).get("UpdateExpression", "")
            for item in request["TransactItems"]
        )
        if releasing and self.left:
            self.left -= 1
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}]
                    + [{"Code": "None"}] * (len(request["TransactItems"]) - 1),
                },
                "TransactWriteItems",
            )
        return self._real.transact_write_items(**request)


def _conflicting_table(monkeypatch, times: int) -> None:
    real = mailbox.client
    monkeypatch.setattr(
        mailbox,
        "client",
        lambda service: (
            _ConflictOnGiveBack(real(service), times) if service == "dynamodb" else real(service)
        ),
    )


@pytest.mark.parametrize("conflicts", [1, mailbox.CONFLICT_ATTEMPTS])
def test_a_release_another_transaction_cancelled_is_not_taken_for_done(
    stack, monkeypatch, conflicts
):
    """SES refused the email and the release was cancelled by a conflict (not a failed
    condition): it is tried again, or given back row by row, and the email goes once."""
    rec = _recorded_goal(stack)

    def ses_refuses(*_args, **_kwargs):
        raise RuntimeError("SES Throttling: Maximum sending rate exceeded.")

    with monkeypatch.context() as faults:
        faults.setattr(delivery, "_send", ses_refuses)
        faults.setattr(mailbox.time, "sleep", lambda _seconds: None)
        _conflicting_table(faults, conflicts)
        with pytest.raises(RuntimeError, match="SES Throttling"):
            delivery.deliver(rec)
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] != "sending" and stack.sent == []
    stack.drain()
    assert len(stack.sent) == 1
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "sent"


def _leave_sending(rec, monkeypatch):
    """Deliver ``rec`` with its 'sending' mark landed but its reply lost, and the table
    refusing both the release and the rows' own give-back: the row stays 'sending'."""
    with monkeypatch.context() as faults:
        faults.setattr(mailbox, "mark_sending", _landed_then_raised(mailbox.mark_sending))
        faults.setattr(mailbox, "release", _table_down)
        faults.setattr(mailbox, "unmark", _table_down)
        with pytest.raises(ClientError):
            delivery.deliver(rec)


def test_a_sending_mark_left_behind_is_never_sent_again(stack, monkeypatch):
    """The one case at-most-once costs an email: marked 'sending', the reply lost, and
    the table refusing both the release and the rows' own give-back. No later delivery
    can know SES never saw it: unconfirmed."""
    rec = _recorded_goal(stack)
    _leave_sending(rec, monkeypatch)
    stack.drain()
    assert stack.sent == []
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "unconfirmed"


def test_a_sending_mark_left_behind_is_unconfirmed_even_after_the_person_unsubscribes(
    stack, monkeypatch
):
    """The 10,000-event reliability run once ended with three rows 'sending' for good:
    the redelivery found the person suppressed and answered before it looked at the
    claim. A suppression since the send settles nothing over a 'sending' row: the row is
    'unconfirmed' (SES may have sent it), the outcome counted so, nothing sent."""
    rec = _recorded_goal(stack)
    _leave_sending(rec, monkeypatch)
    suppressions.unsubscribe(rec.tenant, rec.person_id, CHICAGO_NOON + timedelta(hours=1))
    assert delivery.deliver(rec) == "unconfirmed"
    assert stack.sent == []
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "unconfirmed"


def test_a_claim_left_behind_is_settled_suppressed_when_the_person_unsubscribes(stack, monkeypatch):
    """A claim SES never saw ('claimed') and a person who unsubscribed since: the
    redelivery records why nothing went out instead of leaving the claim waiting."""
    rec = _recorded_goal(stack)
    with monkeypatch.context() as faults:
        faults.setattr(mailbox, "claim", _landed_then_raised(mailbox.claim))
        faults.setattr(mailbox, "release", _table_down)
        with pytest.raises(ClientError):
            delivery.deliver(rec)
    suppressions.unsubscribe(rec.tenant, rec.person_id, CHICAGO_NOON + timedelta(hours=1))
    stack.drain()
    assert stack.sent == []
    [row] = rows(stack, "EMAIL#")
    assert row["status"]["S"] == "suppressed:unsubscribed"


def test_a_held_email_a_failed_digest_run_claimed_goes_on_the_next_run(stack, monkeypatch):
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, goal(1), at=TOKYO_NIGHT)
    with monkeypatch.context() as faults:
        faults.setattr(mailbox, "take", _landed_then_raised(mailbox.take))
        faults.setattr(mailbox, "release_held", _table_down)
        stack.run_schedules(datetime.fromisoformat("2026-05-07T08:00:00+09:00"))
    [held] = rows(stack, "DIGEST#")
    assert held["status"]["S"] == "claimed" and stack.sent == []
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:15:00+09:00"))
    assert len(stack.sent) == 1
    assert rows(stack, "DIGEST#") == []


def test_a_held_email_whose_release_a_conflict_cancelled_goes_on_the_next_run(stack, monkeypatch):
    profile(stack, time_zone="Asia/Tokyo", at=TOKYO_NIGHT)
    post(stack, goal(1), at=TOKYO_NIGHT)

    def ses_refuses(*_args, **_kwargs):
        raise RuntimeError("SES Throttling: Maximum sending rate exceeded.")

    with monkeypatch.context() as faults:
        faults.setattr(delivery, "_send", ses_refuses)
        faults.setattr(mailbox.time, "sleep", lambda _seconds: None)
        _conflicting_table(faults, mailbox.CONFLICT_ATTEMPTS)
        stack.run_schedules(datetime.fromisoformat("2026-05-07T08:00:00+09:00"))
    [held] = rows(stack, "DIGEST#")
    assert held["status"]["S"] == "claimed" and stack.sent == []
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:15:00+09:00"))
    assert len(stack.sent) == 1
    assert rows(stack, "DIGEST#") == []


def test_a_digest_run_takes_at_most_its_rows_per_person_and_leaves_the_rest_held(
    stack, monkeypatch
):
    # A transaction holds 100 items at most: a digest run takes TAKE_ROWS held rows.
    profile(stack, time_zone="America/Chicago", at=CHICAGO_NOON)
    for day in range(5):
        post(stack, goal(day), at=CHICAGO_NOON + timedelta(days=day))
    assert len(stack.sent) == 3 and len(rows(stack, "DIGEST#")) == 2
    monkeypatch.setattr(mailbox, "TAKE_ROWS", 1)
    stack.run_schedules(CHICAGO_NOON + timedelta(days=7, hours=1))
    assert len(stack.sent) == 4  # the oldest held email, as its usual email
    [left] = rows(stack, "DIGEST#")
    assert "evt-goal-4" in left["body"]["S"]
