"""What an operator sees: business metrics in the functions' output (CloudWatch EMF),
structured logs that follow an event and a person, and thresholds tuned in SSM without
a deploy."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support import bus_event, load_event


def emitted(out: str) -> list[tuple[str, str, dict[str, str], float]]:
    """(namespace, metric, dimensions, value) for every metric in the EMF lines of ``out``,
    read as CloudWatch reads them."""
    found = []
    for line in out.splitlines():
        document = json.loads(line) if line.startswith("{") else {}
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            for dimension_set in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    value = document[metric["Name"]]
                    total = sum(value) if isinstance(value, list) else value
                    dims = {name: document[name] for name in dimension_set}
                    found.append((directive["Namespace"], metric["Name"], dims, total))
    return found


def metric(name: str, value: float, **dimensions: str) -> tuple[str, str, dict[str, str], float]:
    """One metric as it must appear: NextMove namespace, this environment's service."""
    return ("NextMove", name, {"service": "nextmove-local", **dimensions}, value)


def post(stack: Any, document: dict[str, Any], **forged: Any) -> int:
    body = json.dumps(document).encode()
    status, _ = stack.post(body, stack.signed_headers(body, **forged))
    return status


@contextmanager
def function_logs(stack: Any) -> Iterator[io.StringIO]:
    """The JSON lines the functions log (what CloudWatch Logs would hold) while inside."""
    stack.functions["WebhookFunction"]._load()  # the Logger's handler exists once loaded
    handlers = logging.getLogger(os.environ["POWERTOOLS_SERVICE_NAME"]).handlers
    streams = [h for h in handlers if isinstance(h, logging.StreamHandler)]
    buffer = io.StringIO()
    # Swapped, not setStream(): that flushes the old stream, which an earlier test's
    # captured output may have closed already.
    previous = [h.stream for h in streams]
    for handler in streams:
        handler.stream = buffer
    try:
        yield buffer
    finally:
        for handler, stream in zip(streams, previous, strict=True):
            handler.stream = stream


def test_the_webhook_counts_accepted_events_by_type_and_rejections_by_reason(stack, capsys):
    assert post(stack, load_event("offer_received")) == 202
    assert post(stack, load_event("goal_updated"), secret="whsec_" + "A" * 32) == 401
    unknown = {**load_event("goal_updated"), "type": "salary.wished"}
    assert post(stack, unknown) == 422

    metrics = emitted(capsys.readouterr().out)
    assert metric("EventsAccepted", 1, event_type="offer.received") in metrics
    assert metric("EventsRejected", 1, reason="bad_signature") in metrics
    assert metric("EventsRejected", 1, reason="unknown_event_type") in metrics
    assert len(metrics) == 3  # one line per request, nothing else


def test_recommendations_are_counted_by_kind_and_each_email_by_outcome(stack, capsys):
    profile = load_event("profile_updated")
    stack.functions["ProfileUpdatedFunction"].invoke(bus_event(stack, profile))
    offer = load_event("offer_received")
    result = stack.functions["OfferReceivedFunction"].invoke(bus_event(stack, offer))
    again = stack.functions["OfferReceivedFunction"].invoke(bus_event(stack, offer))
    stack.drain()

    metrics = emitted(capsys.readouterr().out)
    kinds = [r["kind"] for r in result["recommendations"]]
    assert kinds == ["negotiation"] and again["duplicate"]
    assert metric("EventsRecorded", 1, event_type="profile.updated") in metrics
    assert metric("EventsRecorded", 1, event_type="offer.received") in metrics
    assert metric("DuplicateEvents", 1, event_type="offer.received") in metrics
    assert metric("Recommendations", 1, kind="negotiation") in metrics
    assert [m for m in metrics if m[1] == "Recommendations"] == [
        metric("Recommendations", 1, kind="negotiation")
    ]  # the duplicate recommended nothing, and counted nothing
    assert len(stack.sent) == 1
    assert metric("Emails", 1, outcome="sent") in metrics
    assert metric("EmailFailures", 0) in metrics


def test_an_email_the_person_turned_off_is_counted_as_suppressed(stack, capsys):
    profile = load_event("profile_updated")
    profile["data"]["notifications"] = {"email": True, "kinds": ["timing"]}
    stack.functions["ProfileUpdatedFunction"].invoke(bus_event(stack, profile))
    stack.functions["OfferReceivedFunction"].invoke(bus_event(stack, load_event("offer_received")))
    stack.drain()

    metrics = emitted(capsys.readouterr().out)
    assert stack.sent == []
    assert metric("Emails", 1, outcome="suppressed:preferences") in metrics
    assert not [m for m in metrics if m[1] == "Emails" and m[2]["outcome"] == "sent"]


def test_every_function_logs_the_event_id_person_and_tenant(stack):
    offer = load_event("offer_received")
    with function_logs(stack) as logs:
        assert post(stack, load_event("profile_updated")) == 202
        assert post(stack, offer) == 202
        stack.drain()
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    # The "follow-event" saved query: every line that names the offer's event id.
    trail = [
        line
        for line in lines
        if offer["id"] in (line.get("correlation_id"), line.get("trigger_event_id"))
    ]
    functions = {line["function_name"] for line in trail}  # the deployed names, as on Lambda
    logical = ("WebhookFunction", "OfferReceivedFunction", "PublisherFunction", "NotifierFunction")
    assert functions >= {stack.functions[name].name for name in logical}
    assert {line["message"] for line in trail} >= {"accepted", "recorded", "published", "email"}
    # The "person" saved query: each of those lines names the person and the tenant.
    assert all(
        line.get("person_id") == offer["person_id"] and line.get("tenant") == stack.tenant
        for line in trail
    )


def _success(person: str) -> dict[str, Any]:
    event = load_event("success_recorded")
    return {**event, "id": f"evt-{person}-win", "person_id": person}


def _timing_body(stack: Any, person: str) -> str:
    stack.drain()
    return next(
        r["body"] for r in stack.published if r["person_id"] == person and r["kind"] == "timing"
    )


def test_a_new_timing_window_in_ssm_changes_the_advice_without_a_deploy(stack):
    from nextmove.adapters import settings

    assert post(stack, _success("p-one")) == 202
    assert "strongest for 3 months and closes after about 9" in _timing_body(stack, "p-one")

    # An operator edits the parameter in the console.
    stack.client("ssm").put_parameter(
        Name=stack.resolve.refs["ThresholdsParameter"],
        Value=json.dumps({"timing": {"full_months": 6, "closed_months": 12}}),
        Type="String",
        Overwrite=True,
    )
    assert post(stack, _success("p-two")) == 202
    assert "closes after about 9" in _timing_body(stack, "p-two")  # cached for 5 minutes

    settings.forget()  # what the cache's expiry does
    assert post(stack, _success("p-three")) == 202
    assert "strongest for 6 months and closes after about 12" in _timing_body(stack, "p-three")


def test_a_misspelt_threshold_fails_loudly_and_the_event_waits_in_the_dlq(stack):
    from nextmove.adapters import settings

    stack.client("ssm").put_parameter(
        Name=stack.resolve.refs["ThresholdsParameter"],
        Value=json.dumps({"timing": {"full_month": 6}}),
        Type="String",
        Overwrite=True,
    )
    settings.forget()
    assert post(stack, _success("p-four")) == 202
    stack.drain()
    assert not [r for r in stack.published if r["person_id"] == "p-four"]
    assert stack.queue_depths()["EventFunctionsDLQ"] == 1
