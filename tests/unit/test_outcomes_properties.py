"""Properties of closing the loop, over every offer.resolved and job.changed the
published contract allows (generated from events/openapi.yaml): folding one into a
record with a profile and the offer it names never raises, gives at most one valid
recommendation, and the same again on redelivery."""

from __future__ import annotations

import os

import hypothesis
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode

from nextmove.contracts import EVENT_MODELS
from nextmove.contracts.recommendation import Recommendation
from nextmove.domain.coach import react
from nextmove.domain.state import OfferEntry, PersonState
from nextmove.domain.thresholds import defaults
from tests.support import EVENTS, load_event

SCALE = float(os.environ.get("NEXTMOVE_EXAMPLES_SCALE", "1"))
OPERATION = schemathesis.openapi.from_path(str(EVENTS / "openapi.yaml"))["/events"]["POST"]
PROFILE = EVENT_MODELS["profile.updated"].model_validate(load_event("profile_updated"))
OFFER = EVENT_MODELS["offer.received"].model_validate(load_event("offer_received"))


def _record(offer_id: str | None) -> PersonState:
    """p-sam's record: the sample profile and, under ``offer_id``, the sample offer."""
    state = react(
        PersonState.new("acme", "p-sam"), PROFILE, tenant="acme", thresholds=lambda: defaults
    ).state
    if offer_id is None:
        return state
    data = OFFER.data.model_copy(update={"offer_id": offer_id})
    return state.with_offer(OfferEntry(event_id=OFFER.id, occurred_at=OFFER.occurred_at, data=data))


@settings(max_examples=round(300 * SCALE), suppress_health_check=list(HealthCheck), deadline=None)
@given(case=OPERATION.as_strategy(GenerationMode.POSITIVE))
def test_any_outcome_or_job_change_folds_without_error(case):
    assume(case.body.get("type") in {"offer.resolved", "job.changed"})
    hypothesis.event(case.body["type"])
    event = EVENT_MODELS[case.body["type"]].model_validate(case.body)
    offer_id = case.body["data"].get("offer_id")
    state = _record(offer_id)
    out = react(state, event, tenant="acme", thresholds=lambda: defaults)
    assert len(out.recommendations) <= 1
    for rec in out.recommendations:
        assert Recommendation.model_validate(rec.model_dump()) == rec
        assert rec.trigger_event_id == event.id
    again = react(out.state, event, tenant="acme", thresholds=lambda: defaults)
    assert again.state == out.state and again.recommendations == out.recommendations
