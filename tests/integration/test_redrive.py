"""Re-driving the DLQs: parked work goes through the pipeline once, and a second
redrive (or a redrive of a copy) changes nothing."""

from __future__ import annotations

import json
from datetime import datetime

from support import bus_event, keys, load_event, table_items

from nextmove_local.faults import FaultInjector
from nextmove_local.redrive import Pipeline, redrive_all


def _post(stack, name):
    document = load_event(name)
    body = json.dumps(document).encode()
    status, _ = stack.post(body, stack.signed_headers(body))
    assert status == 202
    return document


def _depths(stack):
    return {name: n for name, n in stack.queue_depths().items() if n}


def test_a_failing_publisher_and_ses_park_work_that_redrive_delivers_once(stack):
    # Midday for the sample's person (Los Angeles): at night the email would be held for
    # quiet hours, not sent, and this test would depend on when it runs.
    stack.travel_to(datetime.fromisoformat("2026-05-06T12:00:00-07:00"))
    injector = FaultInjector(1.0, hops={"stream->publisher"})
    injector.install(stack)
    _post(stack, "profile_updated")
    _post(stack, "goal_updated")
    stack.drain()
    assert stack.published == []
    assert set(_depths(stack)) == {"PublisherDLQ"}

    injector.hops = {"notifier->ses"}  # the publisher is back; now SES is down
    with injector.no_backoff_sleep():
        first = redrive_all(Pipeline.from_resources(stack.resolve.refs))
        stack.drain()
    assert first.redriven["PublisherDLQ"] == 1
    published = {rec["id"] for rec in stack.published}
    recs = {k.removeprefix("REC#") for k in keys(table_items(stack)) if k.startswith("REC#")}
    assert recs and published == recs
    assert stack.sent == []
    assert set(_depths(stack)) == {"EmailDLQ"}

    injector.enabled = False
    second = redrive_all(Pipeline.from_resources(stack.resolve.refs))
    stack.drain()
    assert second.redriven["EmailDLQ"] >= 1
    emails = len({rec["trigger_event_id"] for rec in stack.published})  # one per event
    assert emails == 1 and len(stack.sent) == emails  # the goal came after the profile
    assert _depths(stack) == {}

    third = redrive_all(Pipeline.from_resources(stack.resolve.refs))
    stack.drain()
    assert third.total == 0
    assert len(stack.sent) == emails


def test_parked_events_are_put_back_on_the_bus_and_a_copy_changes_nothing(stack):
    document = load_event("goal_updated")
    event = bus_event(stack, document)
    sqs = stack.client("sqs")
    on_failure = {"requestContext": {"condition": "RetriesExhausted"}, "requestPayload": event}
    sqs.send_message(QueueUrl=stack.resolve.refs["RuleDeliveryDLQ"], MessageBody=json.dumps(event))
    for _ in range(2):  # the same failure parked twice: a copy
        sqs.send_message(
            QueueUrl=stack.resolve.refs["EventFunctionsDLQ"], MessageBody=json.dumps(on_failure)
        )

    result = redrive_all(Pipeline.from_resources(stack.resolve.refs))
    stack.drain()

    assert result.redriven["RuleDeliveryDLQ"] == 1
    assert result.redriven["EventFunctionsDLQ"] == 2
    rows = keys(table_items(stack))
    assert rows.count(f"EVENT#{document['id']}") == 1
    recs = [k for k in rows if k.startswith("REC#")]
    assert recs and len(stack.published) == len(recs)
    assert _depths(stack) == {}
