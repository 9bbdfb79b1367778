"""The tunable thresholds: today's rules by default, and each tunable changes the advice."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from nextmove.contracts.events import FeelingsCheckedIn, OfferReceived, SuccessRecorded
from nextmove.contracts.recommendation import Recommendation
from nextmove.domain import coach, email_policy, negotiation
from nextmove.domain.state import PersonState
from nextmove.domain.thresholds import DEFAULT, Thresholds
from nextmove_local import template
from tests.support import load_event

TENANT = "t1"


def tuned(**sections: dict[str, Any]) -> Thresholds:
    return Thresholds.model_validate(sections)


def success() -> SuccessRecorded:
    return SuccessRecorded.model_validate(load_event("success_recorded"))


def unhappy_after(months: float) -> FeelingsCheckedIn:
    event = load_event("feelings_checked_in")
    at = success().occurred_at + timedelta(days=30.44 * months)
    event.update(occurred_at=at.isoformat(), id="evt-unhappy")
    event["data"]["feeling"] = "unhappy"
    return FeelingsCheckedIn.model_validate(event)


def play(thresholds: Thresholds, *events: Any) -> list[Recommendation]:
    state = PersonState.new(TENANT, "p-sam")
    recs: list[Recommendation] = []
    for event in events:
        outcome = coach.react(state, event, tenant=TENANT, thresholds=lambda: thresholds)
        state, recs = outcome.state, outcome.recommendations
    return recs  # the last event's advice


def counter(recs: list[Recommendation]) -> float:
    (rec,) = recs
    return next(e.value for e in rec.evidence if e.label == "Counter-offer (base)")


def test_the_defaults_are_the_rules_as_they_were():
    assert (DEFAULT.timing.full_months, DEFAULT.timing.closed_months) == (3, 9)
    assert round(negotiation.SUCCESS_UPLIFT, 9) == 0.05
    policy = email_policy.MailingPolicy()
    email = DEFAULT.email
    assert (email.weekly_limit, email.quiet_start, email.quiet_end) == (
        policy.weekly_limit,
        policy.quiet_start,
        policy.quiet_end,
    )


def test_the_template_ships_the_defaults_in_the_parameter():
    parameter = template.load()["Resources"]["ThresholdsParameter"]["Properties"]
    assert parameter["Type"] == "String"
    assert Thresholds.model_validate(json.loads(parameter["Value"])) == DEFAULT


def test_a_longer_window_keeps_a_success_open_for_longer():
    # Ten months on, the default window (closed after 9) has shut: build the case first.
    default = play(DEFAULT, success(), unhappy_after(10))
    assert [r.rule for r in default] == ["timing.build_case_first"]
    assert "no major success in the last 9 months" in default[0].body
    # Closed after 12, it is still open: no "build the case", the window was announced.
    longer = tuned(timing={"full_months": 6, "closed_months": 12})
    assert [r.rule for r in play(longer, success(), unhappy_after(10))] == []
    (window,) = play(longer, success())
    assert "strongest for 6 months and closes after about 12" in window.body


def test_the_uplift_for_a_recent_success_is_tunable():
    offer = OfferReceived.model_validate(load_event("offer_received"))
    none, usual, more = (
        counter(play(tuned(negotiation={"anchor_uplift_pct": pct}), success(), offer))
        for pct in (0, 5, 10)
    )
    assert none < usual < more
    assert usual == counter(play(DEFAULT, success(), offer))
    (rec,) = play(tuned(negotiation={"anchor_uplift_pct": 10}), success(), offer)
    assert "plus 10% for your major success" in rec.body


def test_a_level_can_be_anchored_on_another_percentile():
    offer = OfferReceived.model_validate(load_event("offer_received"))  # a mid-level role
    usual = play(DEFAULT, offer)
    higher = play(tuned(negotiation={"level_percentile": {"mid": "p75"}}), offer)
    assert counter(higher) > counter(usual)
    mapping = next(e for e in higher[0].evidence if e.label == "Level to market percentile")
    assert mapping.value == "mid → 75th percentile"


@pytest.mark.parametrize(
    "raw",
    [
        {"timing": {"full_month": 6}},  # misspelt
        {"timing": {"full_months": 9, "closed_months": 9}},  # never fades
        {"negotiation": {"level_percentile": {"mid": "p99"}}},  # no such percentile
        {"negotiation": {"level_percentile": {"wizard": "p90"}}},  # no such level
        {"email": {"weekly_limit": 0}},
    ],
)
def test_a_setting_that_makes_no_sense_is_refused(raw):
    with pytest.raises(ValidationError):
        Thresholds.model_validate(raw)
