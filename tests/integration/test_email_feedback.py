"""SES's feedback, end to end on the local stack: a send names the configuration set,
the local SES publishes what SES's mailbox simulator would (bounce, complaint,
delivery) to the default bus, the suppression function records it, and the notifier
and the digest never mail a suppressed address again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from nextmove.adapters import suppressions
from tests.support import load_event, table_items
from tests.support import post_at as post

NOON = datetime.fromisoformat("2026-05-06T12:00:00-05:00")


def profile(stack, address: str, *, at: datetime, event_id: str = "evt-profile") -> None:
    document = load_event("profile_updated")
    document["id"] = event_id
    document["data"]["email"] = address
    document["data"]["time_zone"] = "America/Chicago"
    post(stack, document, at=at)


def two_wins(stack, *, start: datetime) -> None:
    """Two major successes a day apart: each an urgent (timing) email."""
    for n in (1, 2):
        document = load_event("success_recorded")
        document["id"] = f"evt-win-{n}"
        post(stack, document, at=start + timedelta(days=n))


def email_rows(stack) -> dict[str, str]:
    return {
        i["sk"]["S"]: i["status"]["S"]
        for i in table_items(stack)
        if i["sk"]["S"].startswith("EMAIL#")
    }


def to(stack, address: str) -> list:
    return [s for s in stack.sent if s.to == address]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("bounce@simulator.amazonses.com", "suppressed:bounced"),
        ("complaint@simulator.amazonses.com", "suppressed:complained"),
        ("suppressionlist@simulator.amazonses.com", "suppressed:bounced"),
    ],
)
def test_after_a_bounce_or_complaint_the_address_gets_no_more_email(stack, address, reason):
    profile(stack, address, at=NOON)
    two_wins(stack, start=NOON)
    assert len(to(stack, address)) == 1  # the one that bounced (or was complained of)
    statuses = sorted(email_rows(stack).values())
    assert statuses.count("sent") >= 1
    assert reason in statuses


def test_a_deliverable_address_gets_both_emails_and_is_confirmed(stack):
    profile(stack, "success@simulator.amazonses.com", at=NOON)
    two_wins(stack, start=NOON)
    assert len(to(stack, "success@simulator.amazonses.com")) >= 2
    standing, _ = suppressions.load(stack.tenant, "p-sam")
    record = standing.record("success@simulator.amazonses.com")
    assert record.suppressed is None and record.confirmed_at is not None


def test_a_new_address_lifts_the_suppression_and_the_same_address_does_not(stack):
    profile(stack, "bounce@simulator.amazonses.com", at=NOON)
    two_wins(stack, start=NOON)
    # The partner sends the same address again: still suppressed.
    profile(stack, "bounce@simulator.amazonses.com", at=NOON + timedelta(days=3), event_id="p2")
    document = load_event("success_recorded")
    document["id"] = "evt-win-3"
    post(stack, document, at=NOON + timedelta(days=4))
    assert len(to(stack, "bounce@simulator.amazonses.com")) == 1
    # A different address is mailed.
    profile(stack, "success@simulator.amazonses.com", at=NOON + timedelta(days=5), event_id="p3")
    document["id"] = "evt-win-4"
    post(stack, document, at=NOON + timedelta(days=6))
    assert len(to(stack, "success@simulator.amazonses.com")) == 1


def test_the_suppression_row_says_why_and_when(stack):
    profile(stack, "bounce@simulator.amazonses.com", at=NOON)
    two_wins(stack, start=NOON)
    standing, _ = suppressions.load(stack.tenant, "p-sam")
    record = standing.record("BOUNCE@simulator.amazonses.com")
    assert record.suppressed == "bounced"
    assert record.why == "Permanent/General"
    assert record.suppressed_at is not None


def test_a_send_naming_no_existing_configuration_set_is_refused_as_ses_refuses_it(stack):
    ses = stack.functions["NotifierFunction"].client("ses")
    with pytest.raises(ClientError) as raised:
        ses.send_raw_email(
            Source=stack.resolve.refs["SenderEmail"],
            Destinations=["success@simulator.amazonses.com"],
            RawMessage={"Data": b"Subject: x\r\n\r\nx"},
            ConfigurationSetName="nextmove-nonesuch",
        )
    # IAM first: the notifier is granted only its own configuration set.
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as raised:
        stack.client("ses").send_raw_email(
            Source=stack.resolve.refs["SenderEmail"],
            Destinations=["success@simulator.amazonses.com"],
            RawMessage={"Data": b"Subject: x\r\n\r\nx"},
            ConfigurationSetName="nextmove-nonesuch",
        )
    assert raised.value.response["Error"]["Code"] == "ConfigurationSetDoesNotExist"


def test_a_tag_ses_would_refuse_is_refused(stack):
    with pytest.raises(ClientError) as raised:
        stack.client("ses").send_raw_email(
            Source=stack.resolve.refs["SenderEmail"],
            Destinations=["success@simulator.amazonses.com"],
            RawMessage={"Data": b"Subject: x\r\n\r\nx"},
            ConfigurationSetName=stack.resolve.refs["EmailConfigurationSet"],
            Tags=[{"Name": "person", "Value": "p@x.example"}],
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_an_email_held_for_the_digest_is_not_sent_once_the_address_bounced(stack):
    tokyo_noon = datetime.fromisoformat("2026-05-06T12:00:00+09:00")
    document = load_event("profile_updated")
    document["data"] |= {"email": "bounce@simulator.amazonses.com", "time_zone": "Asia/Tokyo"}
    post(stack, document, at=tokyo_noon)
    goal = load_event("goal_updated")  # normal priority: held for the Tokyo morning
    post(stack, goal, at=tokyo_noon + timedelta(hours=11))  # 23:00 in Tokyo
    assert stack.sent == []
    win = load_event("success_recorded")  # urgent: sent at once, and bounces
    post(stack, win, at=tokyo_noon + timedelta(hours=11, minutes=5))
    assert len(stack.sent) == 1
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:15:00+09:00"))
    assert len(stack.sent) == 1  # the digest settled the held email, sent nothing
    statuses = email_rows(stack)
    goal_recs = [r for r in stack.published if r["trigger_event_id"] == goal["id"]]
    assert goal_recs and all(
        statuses[f"EMAIL#{r['id']}"] == "suppressed:bounced" for r in goal_recs
    ), statuses


def test_pausing_the_configuration_set_holds_every_email_and_resuming_loses_none(stack):
    # The runbook's emergency stop, as an operator types it.
    from nextmove_local.redrive import Pipeline, redrive_all

    ses = stack.client("ses")
    name = stack.resolve.refs["EmailConfigurationSet"]
    profile(stack, "success@simulator.amazonses.com", at=NOON)
    ses.update_configuration_set_sending_enabled(ConfigurationSetName=name, Enabled=False)
    document = load_event("success_recorded")
    post(stack, document, at=NOON + timedelta(days=1))
    assert stack.sent == []  # SES refused the send; the notifier retried, then parked it
    assert stack.queue_depths()["EmailDLQ"] == 1
    ses.update_configuration_set_sending_enabled(ConfigurationSetName=name, Enabled=True)
    redrive_all(Pipeline.from_resources(stack.resolve.refs))
    stack.drain()
    assert len(to(stack, "success@simulator.amazonses.com")) == 1
