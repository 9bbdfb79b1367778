"""The outbox (stream -> publisher -> SNS) and the notifier (SQS -> SES)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from tests.support import bus_event, load_event


def _record(stack, *names):
    for name in names:
        document = load_event(name)
        fn = {
            "profile.updated": "ProfileUpdatedFunction",
            "offer.received": "OfferReceivedFunction",
            "goal.updated": "GoalUpdatedFunction",
        }[document["type"]]
        stack.functions[fn].invoke(bus_event(stack, document))


def test_each_new_recommendation_is_published_once_with_its_attributes(stack):
    _record(stack, "profile_updated", "offer_received")
    stack.drain()
    negotiation = [r for r in stack.published if r["kind"] == "negotiation"]
    assert len(negotiation) == 1
    assert negotiation[0]["trigger_event_id"] == "evt-sam-0004"
    assert negotiation[0]["tenant"] == stack.tenant


def test_the_email_reaches_the_person_with_the_advice_first(stack):
    _record(stack, "profile_updated", "offer_received")
    stack.drain()
    emails = [s for s in stack.sent if "negotiat" in s.eml.read_text().lower()]
    assert emails, [s.subject for s in stack.sent]
    message = message_from_bytes(emails[0].eml.read_bytes(), policy=policy.default)
    rec = next(r for r in stack.published if r["kind"] == "negotiation")
    assert message["To"] == "sam.lee@example.com"
    assert message["Subject"] == rec["headline"]
    assert message["List-Unsubscribe"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert rec["headline"] in text
    assert emails[0].html.read_text().startswith("<!DOCTYPE html>")


def test_no_email_for_kinds_the_person_turned_off(stack):
    profile = load_event("profile_updated")
    profile["data"]["notifications"] = {"email": True, "kinds": ["timing"]}
    stack.functions["ProfileUpdatedFunction"].invoke(bus_event(stack, profile))
    _record(stack, "offer_received")
    stack.drain()
    assert any(r["kind"] == "negotiation" for r in stack.published)  # still published for partners
    assert stack.sent == []


def test_a_redelivered_message_sends_no_second_email(stack):
    _record(stack, "profile_updated", "offer_received")
    stack.drain()
    sent = len(stack.sent)
    rec = next(r for r in stack.published if r["kind"] == "negotiation")
    queue = stack.resolve.refs["EmailQueue"]
    stack.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps(rec))
    stack.drain()
    assert len(stack.sent) == sent
    assert not any(stack.queue_depths().values())


def test_a_failed_send_is_retried_then_parked_in_the_email_dlq(stack, monkeypatch):
    _record(stack, "profile_updated")
    stack.drain()
    notifier = stack.functions["NotifierFunction"].environment
    # IAM (ses:FromAddress) and SES both refuse this sender.
    monkeypatch.setitem(notifier, "SENDER_EMAIL", "unverified@nowhere.example")
    _record(stack, "offer_received")
    stack.drain()
    assert stack.sent == [] or all("negotiat" not in s.subject.lower() for s in stack.sent)
    assert stack.queue_depths()["EmailDLQ"] >= 1
