"""What an event costs in AWS calls, counted the way `make bench` counts them.

The webhook's PutEvents and the event function's one read and one transaction are the
design's minimum (README, Performance): a second read, a read-before-write or a scan
on that path is a cost every event pays, so it fails here rather than on the bill.
"""

from __future__ import annotations

import json

import pytest

from nextmove_local.bench import SAMPLES, counting, lambda_environments
from tests.support import load_event

FUNCTION_OF = {
    "success.recorded": "SuccessRecordedFunction",
    "goal.updated": "GoalUpdatedFunction",
    "offer.received": "OfferReceivedFunction",
    "profile.updated": "ProfileUpdatedFunction",
    "feelings.checked_in": "FeelingsCheckedInFunction",
}


def _calls(window, function):
    return sorted(c["operation"] for c in window if c["function"] == function)


def test_each_event_costs_one_put_events_one_read_and_one_transaction(stack):
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
            assert _calls(window, FUNCTION_OF[event_type]) == [
                "GetItem",
                "TransactWriteItems",
            ], event_type
            assert all(
                c["operation"] not in {"Scan", "Query"}
                for c in window
                if c["function"] == FUNCTION_OF[event_type]
            )


def test_the_stacks_own_polling_is_not_counted(stack):
    with counting(stack) as log:
        stack.drain()  # the pumps poll every queue and the stream, outside any function
    assert log.calls == []


@pytest.mark.parametrize("logical", ["WebhookFunction", "NotifierFunction", "PublisherFunction"])
def test_each_function_gets_its_template_environment_as_lambda_would(logical):
    env = lambda_environments()[logical]
    assert env["TABLE_NAME"] == "nextmove-dev-career"
    assert env["LAMBDA_TASK_ROOT"].endswith(logical.removesuffix("Function").lower())
    assert env["AWS_LAMBDA_FUNCTION_NAME"].startswith("nextmove-dev-")
    assert not any("Fn::" in v or "'Ref'" in v for v in env.values())  # all resolved
