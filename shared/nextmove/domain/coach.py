"""The coach: what each career event does to a person's record, and the advice it gives.

Each handler folds its event into the person's record, then runs the rules that event
can fire, in order, and returns the new record with the recommendations. Everything is
pure and deterministic: "now" is the event's own ``occurred_at``, and a recommendation's
id derives from the tenant, the trigger event and its kind, so a redelivered event gets
byte-identical advice and consumers can drop the duplicate.

``STEPS`` is the one table from an event type to its model and its step: the event
functions, the admin ``recompute``, the bench and the local stack all go through
``react``, always with the thresholds in force (a step that reads none never asks for
them, so its function needs no SSM grant; a test holds the template to ``tuned``).

Out-of-order delivery: a goal, profile or offer version older than the stored one does
not replace it and gives no advice, nor does an offer outcome older than the stored one;
a job change older than the current job joins the career history without advice;
successes and check-ins take their place in time, and a late check-in is recorded
without advice, since it is not how the person feels now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from nextmove.contracts.events import (
    FeelingsCheckedIn,
    GoalUpdated,
    JobChanged,
    OfferReceived,
    OfferResolved,
    ProfileUpdated,
    SuccessRecorded,
)
from nextmove.contracts.recommendation import Recommendation
from nextmove.domain import feelings, goals, outcomes, skills, timing
from nextmove.domain.state import (
    CheckinEntry,
    GoalEntry,
    OfferEntry,
    PersonState,
    ProfileEntry,
    SuccessEntry,
)
from nextmove.domain.thresholds import Thresholds

type Fact = (
    SuccessRecorded
    | GoalUpdated
    | OfferReceived
    | OfferResolved
    | JobChanged
    | ProfileUpdated
    | FeelingsCheckedIn
)


@dataclass(frozen=True)
class Outcome:
    state: PersonState
    recommendations: list[Recommendation]


def react(
    state: PersonState, event: Fact, *, tenant: str, thresholds: Callable[[], Thresholds]
) -> Outcome:
    """Fold any inbound event into ``state`` and return the advice it gives; ``thresholds``
    is called only by a step that reads them."""
    step = STEPS[event.type]
    if step.tuned:
        return step.fold(state, event, tenant=tenant, thresholds=thresholds())
    return step.fold(state, event, tenant=tenant)


def on_success_recorded(
    state: PersonState, event: SuccessRecorded, *, tenant: str, thresholds: Thresholds
) -> Outcome:
    """A success joins the brag document; a major one may open a timing window."""
    entry = SuccessEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)
    window = partial(timing.advise_window, thresholds=thresholds)
    return _advise(state.with_success(entry), event, tenant, window)


def on_goal_updated(state: PersonState, event: GoalUpdated, *, tenant: str) -> Outcome:
    """A new goal is scored for specificity, and its target role gets a skills plan."""
    entry = GoalEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)
    if not entry.supersedes(state.goal):
        return Outcome(state, [])
    state = state.model_copy(update={"goal": entry})
    return _advise(state, event, tenant, goals.advise_goal, skills.advise_gap)


def on_offer_received(
    state: PersonState, event: OfferReceived, *, tenant: str, thresholds: Thresholds
) -> Outcome:
    """An offer (or a newer version of one) is stored and negotiated from the market."""
    # Imported here: only the offer function needs the market reference it loads.
    from nextmove.domain import negotiation

    entry = OfferEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)
    if not entry.supersedes(state.offer(event.data.offer_id)):
        return Outcome(state.with_earlier_offer(entry), [])
    state = state.with_offer(entry)
    if state.resolution(event.data.offer_id) is not None:
        return Outcome(state, [])  # already accepted, declined or withdrawn: nothing to negotiate
    advice = negotiation.advise_offer(state, event, tenant=tenant, thresholds=thresholds)
    return Outcome(state, advice)


def on_offer_resolved(state: PersonState, event: OfferResolved, *, tenant: str) -> Outcome:
    """An offer's outcome closes it; an accepted one shows what negotiating earned."""
    entry = outcomes.resolution_entry(event)
    if not entry.supersedes(state.resolution(event.data.offer_id)):
        return Outcome(state, [])
    state = state.with_resolution(entry)
    rec = outcomes.advise_resolution(state, event, tenant=tenant)
    return Outcome(state, [rec] if rec is not None else [])


def on_job_changed(state: PersonState, event: JobChanged, *, tenant: str) -> Outcome:
    """A new job joins the career history; when it is the current one, the window
    closes, tenure restarts and the next goal is asked for."""
    entry = outcomes.job_entry(state, event)
    state = state.with_job(entry)
    if state.current_job is None or state.current_job.event_id != event.id:
        return Outcome(state, [])  # an older job, arriving late: history only
    state = outcomes.close_window(state, entry)
    rec = outcomes.advise_job_change(state, entry, event, tenant=tenant)
    return Outcome(state, [rec])


def on_profile_updated(state: PersonState, event: ProfileUpdated, *, tenant: str) -> Outcome:
    """A new profile is stored; changed skills get a fresh skills plan."""
    entry = ProfileEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)
    if not entry.supersedes(state.profile):
        return Outcome(state, [])
    # The current job (when newer than this profile) keeps its role, pay and start.
    state = state.model_copy(update={"profile": entry}).with_current_job()
    return _advise(state, event, tenant, skills.advise_gap)


def on_feelings_checked_in(
    state: PersonState, event: FeelingsCheckedIn, *, tenant: str, thresholds: Thresholds
) -> Outcome:
    """A check-in joins the trend; it may tip a window open, or call for a plan."""
    entry = CheckinEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)
    state = state.with_checkin(entry)
    if state.checkins[-1].event_id != event.id:
        return Outcome(state, [])
    # The two timing rules exclude each other: one needs an open window, the other none.
    return _advise(
        state,
        event,
        tenant,
        partial(timing.advise_window, thresholds=thresholds),
        partial(timing.advise_build_case, thresholds=thresholds),
        feelings.advise_checkin,
    )


# A rule: (record, event, *, tenant) -> (record, at most one recommendation).
type Rule = Callable[..., tuple[PersonState, Recommendation | None]]


def _advise(state: PersonState, event: Fact, tenant: str, *rules: Rule) -> Outcome:
    """Run ``rules`` in order, each seeing the record the previous one left."""
    recommendations = []
    for rule in rules:
        state, rec = rule(state, event, tenant=tenant)
        if rec is not None:
            recommendations.append(rec)
    return Outcome(state, recommendations)


@dataclass(frozen=True)
class Step:
    """One event type's place in the coach: what it does to the person's record
    (``tuned``: with the operators' thresholds, which that event's function then reads
    from SSM). The type's model is ``contracts.EVENT_MODELS``'s, the fold's event."""

    fold: Callable[..., Outcome]
    tuned: bool


STEPS: dict[str, Step] = {
    "success.recorded": Step(on_success_recorded, tuned=True),
    "goal.updated": Step(on_goal_updated, tuned=False),
    "offer.received": Step(on_offer_received, tuned=True),
    "offer.resolved": Step(on_offer_resolved, tuned=False),
    "job.changed": Step(on_job_changed, tuned=False),
    "profile.updated": Step(on_profile_updated, tuned=False),
    "feelings.checked_in": Step(on_feelings_checked_in, tuned=True),
}
