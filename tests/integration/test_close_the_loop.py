"""offer.resolved and job.changed through the local stack: signed webhook to email.

What a partner and a person would notice: a bad outcome or job change is refused with a
400 naming the field; an accepted offer is stored as closed and emailed once, however
often it is delivered; a job change keeps the career history and restarts tenure.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from nextmove.adapters import store
from tests.support import keys, load_event, table_items

LOOP = ["profile_updated", "offer_received", "offer_resolved", "job_changed"]


def _body(document: dict) -> bytes:
    return json.dumps(document).encode()


def _state(stack, person="p-sam") -> dict:
    item = next(
        i for i in table_items(stack) if i["sk"]["S"] == "STATE" and i["pk"]["S"].endswith(person)
    )
    return json.loads(store.state_json(item))


@pytest.mark.parametrize(
    ("name", "change", "field"),
    [
        ("offer_resolved", lambda d: d["data"].update(outcome="maybe"), "data.outcome"),
        ("offer_resolved", lambda d: d["data"].pop("offer_id"), "data.offer_id"),
        (
            "offer_resolved",
            lambda d: d["data"].update(counter_base_salary=-5),
            "data.counter_base_salary",
        ),
        ("job_changed", lambda d: d["data"].pop("start_date"), "data.start_date"),
        ("job_changed", lambda d: d["data"].update(level="boss"), "data.level"),
        (
            "job_changed",
            lambda d: d["data"]["compensation"].update(base_salary="lots"),
            "data.compensation.base_salary",
        ),
    ],
)
def test_a_bad_outcome_or_job_change_is_a_400_naming_the_field(stack, name, change, field):
    document = load_event(name)
    change(document)
    body = _body(document)
    status, answer = stack.post(body, stack.signed_headers(body))
    assert status == 400
    assert answer["error"] == "invalid_event"
    assert [d["field"] for d in answer["details"]] == [field]
    stack.drain()
    assert table_items(stack) == [] and stack.published == [] and stack.sent == []


def test_an_accepted_offer_is_closed_and_emailed_once_however_often_it_arrives(stack):
    bodies = [_body(load_event(name)) for name in LOOP[:3]]
    answers = stack.replay([*bodies, bodies[2], bodies[2]])  # the outcome three times
    assert [status for status, _ in answers] == [202] * 5

    stored = keys(table_items(stack))
    assert stored.count("EVENT#evt-sam-0005") == 1  # one fact
    state = _state(stack)
    assert [r["data"]["outcome"] for r in state["resolutions"]] == ["accepted"]
    assert state["resolutions"][0]["data"]["offer_id"] == "offer-devtools-se"

    accepted = [r for r in stack.published if r["rule"] == "negotiation.offer_accepted"]
    assert len(accepted) == 1  # one recommendation
    assert accepted[0]["headline"] == "Negotiating earned you $22,000 a year over the first offer"
    emails = [s for s in stack.sent if s.subject.startswith("Negotiating earned you")]
    assert len(emails) == 1  # one email
    assert "sam.lee@example.com" in emails[0].to
    text = " ".join(emails[0].eml.read_text().split())
    assert "You asked for $154,000 and got $150,000" in text
    assert "if both paths then grow 3% a year" in text


def test_a_job_change_keeps_the_history_restarts_tenure_and_asks_for_the_next_role(stack):
    answers = stack.replay([_body(load_event(name)) for name in LOOP])
    assert [status for status, _ in answers] == [202] * 4

    state = _state(stack)
    [job] = state["jobs"]
    assert (job["data"]["role_title"], job["data"]["employer"]) == (
        "Sales Engineer",
        "Devtools Inc",
    )
    assert job["pay_before"]["base_salary"] == 132000
    profile = state["profile"]["data"]
    assert (profile["current_role"], profile["employer_since"]) == ("Sales Engineer", "2026-06-01")
    assert profile["compensation"]["base_salary"] == 150000
    assert state["timing"]["window_closed_at"].startswith("2026-06-01")

    [email] = [s for s in stack.sent if s.subject.startswith("You are now Sales Engineer")]
    text = " ".join(email.eml.read_text().split())
    assert "Your tenure restarts: NextMove counts it from 2026-06-01." in text
    assert "Your base went from $132,000 (as Software Engineer) to $150,000" in text


def test_an_outcome_for_an_offer_never_received_is_kept_without_advice(stack):
    document = load_event("offer_resolved")
    document["data"]["offer_id"] = "offer-nobody-sent"
    answers = stack.replay([_body(load_event("profile_updated")), _body(document)])
    assert [status for status, _ in answers] == [202, 202]
    assert "EVENT#evt-sam-0005" in keys(table_items(stack))
    assert _state(stack)["resolutions"][0]["data"]["offer_id"] == "offer-nobody-sent"
    assert [r for r in stack.published if r["trigger_event_id"] == "evt-sam-0005"] == []
    assert stack.sent == []


def test_advice_held_overnight_on_an_offer_since_declined_is_not_sent(stack):
    """The offer's pending advice closes: its email waited for the morning, the person
    declined the offer in the night, and the morning's digest run sends nothing."""
    night = datetime.fromisoformat("2026-05-06T23:00:00-07:00")  # Los Angeles
    offer = load_event("offer_received")
    offer["data"].pop("deadline")  # no deadline: normal priority, held for quiet hours
    declined = load_event("offer_resolved")
    declined["data"] = {"offer_id": offer["data"]["offer_id"], "outcome": "declined"}
    for document, at in (
        (load_event("profile_updated"), night - timedelta(hours=1)),
        (offer, night),
        (declined, night + timedelta(hours=1)),
    ):
        stack.travel_to(at)
        body = _body({**document, "occurred_at": at.isoformat()})
        assert stack.post(body, stack.signed_headers(body))[0] == 202
        stack.drain()
    assert stack.sent == []
    assert [r["rule"] for r in stack.published] == ["negotiation.market_anchor"]
    stack.run_schedules(datetime.fromisoformat("2026-05-07T08:30:00-07:00"))
    assert stack.sent == []
    statuses = {
        i["sk"]["S"]: i["status"]["S"]
        for i in table_items(stack)
        if i["sk"]["S"].startswith("EMAIL#")
    }
    assert list(statuses.values()) == ["suppressed:closed"]
    assert not [i for i in table_items(stack) if i["sk"]["S"].startswith("DIGEST#")]
