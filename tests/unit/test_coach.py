"""The coach: folding events into the record, out-of-order delivery, redelivery, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextmove.contracts.events import EVENT_MODELS, Envelope
from nextmove.contracts.recommendation import recommendation_id
from nextmove.domain.coach import Outcome, react
from nextmove.domain.state import KEEP_CHECKINS, KEEP_OFFERS, KEEP_SUCCESSES, PersonState
from nextmove.domain.thresholds import defaults

TENANT = "acme"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def event(type_: str, data: dict, *, at: datetime = T0, id: str | None = None) -> Envelope:
    return EVENT_MODELS[type_].model_validate(
        {
            "id": id or f"{type_}-{at:%Y%m%d%H%M%S}",
            "type": type_,
            "occurred_at": at,
            "person_id": "p-1",
            "data": data,
        }
    )


def profile(
    *,
    at: datetime = T0,
    role: str = "Software Engineer",
    skills: tuple[str, ...] = ("Python", "System design"),
    id: str | None = None,
):
    data = {
        "email": "ana@example.com",
        "current_role": role,
        "current_level": "senior",
        "location": {"city": "Austin", "state": "TX"},
        "skills": list(skills),
        "employer_since": "2022-02-01",
    }
    return event("profile.updated", data, at=at, id=id)


def goal(statement: str, *, at: datetime = T0, id: str | None = None):
    return event("goal.updated", {"statement": statement}, at=at, id=id)


def success(title: str, *, at: datetime = T0, magnitude: str = "major"):
    data = {"title": title, "category": "launch", "magnitude": magnitude}
    return event("success.recorded", data, at=at)


def checkin(feeling: str, *, at: datetime = T0):
    return event("feelings.checked_in", {"feeling": feeling}, at=at)


def offer(offer_id: str, base: float, *, at: datetime = T0):
    data = {
        "offer_id": offer_id,
        "company": "Globex",
        "role_title": "Engineering Manager",
        "level": "manager",
        "location": {"city": "Austin", "state": "TX"},
        "package": {"base_salary": base},
    }
    return event("offer.received", data, at=at, id=f"{offer_id}-{at:%Y%m%d%H%M%S}")


def fresh() -> PersonState:
    return PersonState.new(TENANT, "p-1")


def play(*events, state: PersonState | None = None) -> Outcome:
    state = state or fresh()
    out = Outcome(state, [])
    for e in events:
        out = react(out.state, e, tenant=TENANT, thresholds=defaults)
    return out


# ---- dispatch and the shape of every recommendation -----------------------------------


def test_react_dispatches_each_event_to_its_rules():
    assert [r.rule for r in play(success("Launched the payments API")).recommendations] == [
        "timing.window_opened"
    ]
    assert [r.rule for r in play(goal("Become an Executive")).recommendations] == ["goal.too_vague"]
    assert [
        r.rule for r in play(profile(), goal("Become an engineering manager")).recommendations
    ] == [
        "goal.too_vague",
        "skills.gap_plan",
    ]
    # Overwhelmed without a goal gets help to make a plan, not a second task on top.
    assert [r.rule for r in play(checkin("overwhelmed")).recommendations] == [
        "feelings.overwhelmed_no_plan"
    ]
    assert [r.rule for r in play(checkin("unhappy")).recommendations] == ["timing.build_case_first"]
    assert play(profile()).recommendations == []


def test_recommendations_are_dated_and_identified_by_their_trigger():
    trigger = checkin("overwhelmed", at=T0 + timedelta(hours=5))
    recs = play(trigger).recommendations

    assert len({r.kind for r in recs}) == len(recs)  # at most one per kind per event
    for rec in recs:
        assert rec.created_at == trigger.occurred_at
        assert rec.trigger_event_id == trigger.id
        assert rec.id == recommendation_id(TENANT, "p-1", trigger.id, rec.kind)
        assert (rec.tenant, rec.person_id) == (TENANT, "p-1")
        assert rec.evidence and rec.actions


def test_the_input_state_is_never_mutated():
    before = play(profile(), goal("Become an engineering manager"), success("Won X")).state
    snapshot = before.model_dump_json()

    for e in [
        success("Launched Y", at=T0 + timedelta(days=200)),
        goal("Become CMO of a $1B technology company by 2029", at=T0 + timedelta(days=1)),
        profile(at=T0 + timedelta(days=1), role="Engineering Manager"),
        checkin("unhappy", at=T0 + timedelta(days=300)),
    ]:
        react(before, e, tenant=TENANT, thresholds=defaults)

    assert before.model_dump_json() == snapshot


# ---- out-of-order delivery ------------------------------------------------------------


def test_an_older_goal_does_not_replace_a_newer_one():
    newer = goal("Become CMO of a $1B technology company by 2029", at=T0 + timedelta(days=2))
    state = play(newer).state

    out = react(state, goal("Become an Executive", at=T0), tenant=TENANT, thresholds=defaults)

    assert out.state == state
    assert out.recommendations == []


def test_an_older_profile_does_not_replace_a_newer_one():
    state = play(profile(at=T0 + timedelta(days=2), role="Engineering Manager")).state

    out = react(state, profile(at=T0, role="Software Engineer"), tenant=TENANT, thresholds=defaults)

    assert out.state.profile.data.current_role == "Engineering Manager"
    assert out.recommendations == []


def test_successes_and_check_ins_take_their_place_in_time():
    days = [5, 1, 3]
    state = play(
        *(success(f"Win {d}", at=T0 + timedelta(days=d), magnitude="notable") for d in days)
    ).state
    state = play(*(checkin("content", at=T0 + timedelta(days=d)) for d in days), state=state).state

    assert [s.data.title for s in state.successes] == ["Win 1", "Win 3", "Win 5"]
    assert [c.occurred_at.day for c in state.checkins] == [3, 5, 7]


def test_offers_are_keyed_by_offer_id_and_the_newer_version_wins():
    pytest.importorskip("nextmove.domain.negotiation")
    state = play(
        offer("o-1", 180_000, at=T0 + timedelta(days=2)),
        offer("o-2", 150_000, at=T0 + timedelta(days=3)),
    ).state

    late = react(state, offer("o-1", 170_000, at=T0), tenant=TENANT, thresholds=defaults)
    # The older version replaces nothing and gets no advice; it is the first offer,
    # which an accepted offer's outcome is measured from.
    assert late.state.offers[0].data == state.offers[0].data and late.recommendations == []
    assert late.state.offer("o-1").first == (offer("o-1", 170_000).data.package, T0)
    assert late.state.model_copy(update={"offers": state.offers}) == state

    revised = react(
        state, offer("o-1", 195_000, at=T0 + timedelta(days=4)), tenant=TENANT, thresholds=defaults
    )
    assert [o.data.package.base_salary for o in revised.state.offers] == [150_000, 195_000]
    assert [r.kind for r in revised.recommendations] == ["negotiation"]


# ---- redelivery ----------------------------------------------------------------------

HISTORY = [
    profile(at=T0 - timedelta(days=30)),
    goal("Become an engineering manager", at=T0 - timedelta(days=20)),
    checkin("content", at=T0 - timedelta(days=10)),
]
EVENTS = [
    success("Launched the payments API"),
    goal("Become VP of Engineering at a Series B fintech startup by 2029"),
    profile(skills=("Python", "people management"), id="profile-redelivered"),
    checkin("overwhelmed"),
    checkin("unhappy", at=T0 + timedelta(days=1)),
]


@pytest.mark.parametrize("redelivered", EVENTS, ids=lambda e: e.type)
def test_a_redelivered_event_gets_the_same_answer(redelivered):
    state = play(*HISTORY).state
    first = react(state, redelivered, tenant=TENANT, thresholds=defaults)

    # Delivered twice to the same record: byte-identical advice.
    again = react(state, redelivered, tenant=TENANT, thresholds=defaults)
    assert [r.model_dump_json() for r in again.recommendations] == [
        r.model_dump_json() for r in first.recommendations
    ]
    # Delivered again after it was applied: the record stays, the advice is the same.
    replay = react(first.state, redelivered, tenant=TENANT, thresholds=defaults)
    assert replay.state == first.state
    assert [r.id for r in replay.recommendations] == [r.id for r in first.recommendations]
    assert first.recommendations  # each of these events has something to say


# ---- bounds --------------------------------------------------------------------------


def test_the_record_stays_bounded():
    pytest.importorskip("nextmove.domain.negotiation")
    many = 3 * max(KEEP_SUCCESSES, KEEP_CHECKINS, KEEP_OFFERS)
    times = [T0 + timedelta(hours=h) for h in range(many)]
    state = play(
        *(success(f"Win {i}", at=t, magnitude="minor") for i, t in enumerate(times)),
        *(checkin("neutral", at=t) for t in times),
        *(offer(f"o-{i}", 100_000, at=t) for i, t in enumerate(times)),
    ).state

    assert len(state.successes) == KEEP_SUCCESSES
    assert len(state.checkins) == KEEP_CHECKINS
    assert len(state.offers) == KEEP_OFFERS
    # The newest are kept.
    assert state.successes[-1].data.title == f"Win {many - 1}"
    assert state.offers[0].data.offer_id == f"o-{many - KEEP_OFFERS}"

    # A success older than everything kept is not stored at all.
    ancient = react(
        state,
        success("Ancient", at=T0 - timedelta(days=1), magnitude="minor"),
        tenant=TENANT,
        thresholds=defaults,
    )
    assert ancient.state.successes == state.successes
