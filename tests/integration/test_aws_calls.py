"""What an event costs in AWS calls, counted the way `make bench` counts them.

The webhook's PutEvents and the event function's one read and one transaction are the
design's minimum (README, Performance): a second read, a read-before-write or a scan
on that path is a cost every event pays, so it fails here rather than on the bill.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from nextmove_local.bench.cold_init import lambda_environments
from nextmove_local.bench.workload import SAMPLES
from nextmove_local.calls import counting
from tests.support import load_event, table_items

FUNCTION_OF = {
    "success.recorded": "SuccessRecordedFunction",
    "goal.updated": "GoalUpdatedFunction",
    "offer.received": "OfferReceivedFunction",
    "offer.resolved": "OfferResolvedFunction",
    "job.changed": "JobChangedFunction",
    "profile.updated": "ProfileUpdatedFunction",
    "feelings.checked_in": "FeelingsCheckedInFunction",
}


def _calls(window, function):
    return sorted(c["operation"] for c in window if c["function"] == function)


def test_each_event_costs_one_put_events_one_read_and_one_transaction(stack):
    thresholds_reads: Counter[str] = Counter()
    with counting(stack) as log:
        for name in SAMPLES:  # one person's year, in order: profile first
            body = json.dumps(load_event(name)).encode()
            with log.mark() as window:
                status, _ = stack.post(body, stack.signed_headers(body))
                stack.drain()
            assert status == 202
            event_type = json.loads(body)["type"]
            webhook = [c for c in _calls(window, "WebhookFunction") if c != "GetSecretValue"]
            assert webhook == ["PutEvents"], event_type
            # The thresholds are read once per container (then cached for 5 minutes),
            # as the webhook's secret is: counted below, not a call every event makes.
            calls = _calls(window, FUNCTION_OF[event_type])
            thresholds_reads[FUNCTION_OF[event_type]] += calls.count("GetParameter")
            own = [c for c in calls if c != "GetParameter"]
            assert own == [
                "GetItem",
                "TransactWriteItems",
            ], event_type
            assert all(
                c["operation"] not in {"Scan", "Query"}
                for c in window
                if c["function"] == FUNCTION_OF[event_type]
            )
    assert max(thresholds_reads.values()) <= 1, thresholds_reads


def test_closing_the_loop_costs_the_same_read_and_transaction_and_one_email_each(stack):
    """offer.resolved and job.changed (not in the bench's five-event year): one
    PutEvents, one GetItem, one TransactWriteItems, and an email at the usual five calls."""
    stack.travel_to(datetime(2026, 6, 1, 17, 0, tzinfo=UTC))  # 10:00 in Los Angeles
    one_email = ["BatchGetItem", "PutItem", "SendRawEmail", "TransactWriteItems", "UpdateItem"]
    with counting(stack) as log:
        for name in ("profile_updated", "offer_received", "offer_resolved", "job_changed"):
            body = json.dumps(load_event(name)).encode()
            with log.mark() as window:
                assert stack.post(body, stack.signed_headers(body))[0] == 202
                stack.drain()
            event_type = json.loads(body)["type"]
            if event_type not in {"offer.resolved", "job.changed"}:
                continue
            webhook = [c for c in _calls(window, "WebhookFunction") if c != "GetSecretValue"]
            assert webhook == ["PutEvents"], event_type
            assert _calls(window, FUNCTION_OF[event_type]) == ["GetItem", "TransactWriteItems"]
            notifier = [c for c in _calls(window, "NotifierFunction") if c != "GetParameter"]
            assert notifier == one_email, event_type


def test_the_stacks_own_polling_is_not_counted(stack):
    with counting(stack) as log:
        stack.drain()  # the pumps poll every queue and the stream, outside any function
    assert log.calls == []


@pytest.mark.parametrize(
    ("logical", "variable", "value"),
    [
        ("WebhookFunction", "BUS_NAME", "nextmove-dev"),
        ("NotifierFunction", "TABLE_NAME", "nextmove-dev-career"),
        ("PublisherFunction", "TOPIC_ARN", "nextmove-dev-recommendations"),
    ],
)
def test_each_function_gets_its_template_environment_as_lambda_would(logical, variable, value):
    env = lambda_environments()[logical]
    assert value in env[variable]
    assert env["LAMBDA_TASK_ROOT"].endswith(logical.removesuffix("Function").lower())
    assert env["AWS_LAMBDA_FUNCTION_NAME"].startswith("nextmove-dev-")
    assert not any("Fn::" in v or "'Ref'" in v for v in env.values())  # all resolved


def test_an_email_costs_a_read_a_claim_a_sending_mark_the_send_and_a_settle(stack):
    # A weekday morning where the person lives: each email goes out at once.
    stack.travel_to(datetime(2026, 5, 6, 17, 0, tzinfo=UTC))
    notifier = {}
    secret_reads: dict[str, int] = {}
    with counting(stack) as log:
        for name in SAMPLES:
            body = json.dumps(load_event(name)).encode()
            with log.mark() as window:
                assert stack.post(body, stack.signed_headers(body))[0] == 202
                stack.drain()
            # Less what a container reads once and caches: the thresholds parameter (5
            # minutes) and the unsubscribe key (its life).
            calls = [
                c
                for c in _calls(window, "NotifierFunction")
                if c not in ("GetParameter", "GetSecretValue")
            ]
            notifier[json.loads(body)["type"]] = calls
            secret_reads[json.loads(body)["type"]] = _calls(window, "NotifierFunction").count(
                "GetSecretValue"
            )
    one_email = ["BatchGetItem", "PutItem", "SendRawEmail", "TransactWriteItems", "UpdateItem"]
    assert notifier["success.recorded"] == one_email
    assert notifier["offer.received"] == one_email
    # Goal and skills advice: two messages, one email. The second message's read finds
    # both claims taken, and that is all it costs; the two rows are marked 'sending' in
    # one transaction and settle in one batch.
    assert notifier["goal.updated"] == [
        "BatchGetItem",
        "BatchGetItem",
        "BatchWriteItem",
        "SendRawEmail",
        "TransactWriteItems",
        "TransactWriteItems",
    ]
    assert notifier["profile.updated"] == notifier["feelings.checked_in"] == []
    assert len(stack.sent) == 3
    assert sum(secret_reads.values()) == 1  # the key is read once for all three emails


def test_an_email_held_for_later_costs_one_read_and_one_transaction(stack):
    # 23:00 in Los Angeles: quiet hours, so the email waits for the morning.
    stack.travel_to(datetime(2026, 5, 7, 6, 0, tzinfo=UTC))
    with counting(stack) as log:
        for name in ("profile_updated", "goal_updated"):
            body = json.dumps(load_event(name)).encode()
            with log.mark() as window:
                assert stack.post(body, stack.signed_headers(body))[0] == 202
                stack.drain()
    # Goal and skills advice (not urgent): the first message holds both, the second
    # message's read finds them held.
    calls = [c for c in _calls(window, "NotifierFunction") if c != "GetParameter"]
    assert calls == ["BatchGetItem", "BatchGetItem", "TransactWriteItems"]
    assert stack.sent == []
    held = [i for i in table_items(stack) if i["sk"]["S"].startswith("DIGEST#")]
    assert len(held) == 1 and held[0]["reason"]["S"] == "quiet_hours"
