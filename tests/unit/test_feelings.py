"""Feelings: check-ins form a trend; an overwhelmed person without a plan gets one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextmove.contracts.events import FeelingsCheckedIn, GoalUpdated
from nextmove.contracts.recommendation import Recommendation
from nextmove.domain.coach import react
from nextmove.domain.feelings import excited_streak, note_signals, trend
from nextmove.domain.state import CheckinEntry, PersonState
from nextmove.domain.thresholds import defaults

TENANT = "acme"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def checkin(feeling: str, day: int = 0) -> FeelingsCheckedIn:
    at = T0 + timedelta(days=day)
    return FeelingsCheckedIn.model_validate(
        {
            "id": f"checkin-{day}",
            "type": "feelings.checked_in",
            "occurred_at": at,
            "person_id": "p-1",
            "data": {"feeling": feeling},
        }
    )


def goal(statement: str) -> GoalUpdated:
    return GoalUpdated.model_validate(
        {
            "id": "goal-1",
            "type": "goal.updated",
            "occurred_at": T0 - timedelta(days=60),
            "person_id": "p-1",
            "data": {"statement": statement},
        }
    )


def entries(*feelings: str) -> list[CheckinEntry]:
    return [
        CheckinEntry(event_id=f"c{i}", occurred_at=T0 + timedelta(days=i), data={"feeling": f})
        for i, f in enumerate(feelings)
    ]


def wellbeing(state: PersonState, event) -> tuple[PersonState, list[Recommendation]]:
    out = react(state, event, tenant=TENANT, thresholds=defaults)
    return out.state, [r for r in out.recommendations if r.kind == "wellbeing"]


def fresh() -> PersonState:
    return PersonState.new(TENANT, "p-1")


@pytest.mark.parametrize(
    ("feelings", "expected"),
    [
        (("excited", "content"), None),
        (("unhappy", "neutral", "content", "excited"), "rising"),
        (("excited", "content", "neutral", "anxious", "overwhelmed"), "falling"),
        (("content", "neutral", "content", "neutral", "content"), "steady"),
        # Only the last five count: an old low does not make today's run look rising.
        (("overwhelmed", "excited", "excited", "excited", "excited", "excited"), "steady"),
    ],
)
def test_trend_over_the_last_check_ins(feelings, expected):
    assert trend(entries(*feelings)) == expected


def test_excited_streak_counts_back_from_now_until_another_feeling():
    history = entries("excited", "neutral", "excited", "excited", "excited")
    assert excited_streak(history, since=T0, until=T0 + timedelta(days=10)) == 3
    # Check-ins after "now" and before the success do not count.
    assert excited_streak(history, since=T0 + timedelta(days=3), until=T0 + timedelta(days=3)) == 1


@pytest.mark.parametrize("feeling", ["overwhelmed", "anxious"])
def test_overwhelmed_without_a_goal_gets_help_to_set_one(feeling: str):
    _, [rec] = wellbeing(fresh(), checkin(feeling))

    assert (rec.kind, rec.rule, rec.priority) == (
        "wellbeing",
        "feelings.overwhelmed_no_plan",
        "high",
    )
    assert rec.headline == f"Feeling {feeling}? Let's turn it into a plan"
    assert "you have not set a career goal yet" in rec.body
    assert rec.actions[0].startswith("Write down one role")
    assert len(rec.actions) == 4
    assert rec.evidence[0].value == feeling
    assert rec.evidence[0].source == "NextMove feelings scale"


def test_overwhelmed_with_a_vague_goal_also_gets_help():
    state, _ = wellbeing(fresh(), goal("Become an Executive"))

    _, [rec] = wellbeing(state, checkin("overwhelmed"))

    assert rec.rule == "feelings.overwhelmed_no_plan"
    assert "your goal scores 15 of 100" in rec.body
    assert {e.label: e.value for e in rec.evidence}["Goal specificity"] == 15


def test_overwhelmed_with_a_specific_goal_is_not_told_to_set_one():
    state, _ = wellbeing(fresh(), goal("Become CMO of a $1B technology company by 2029"))

    _, recs = wellbeing(state, checkin("overwhelmed"))

    assert recs == []


def test_a_falling_trend_gets_a_check_once_when_it_turns():
    state = fresh()
    for day, feeling in enumerate(["excited", "content", "neutral"]):
        state, recs = wellbeing(state, checkin(feeling, day))
        assert recs == []

    state, [rec] = wellbeing(state, checkin("unhappy", 3))
    assert (rec.rule, rec.priority) == ("feelings.falling_trend", "normal")
    assert "excited → content → neutral → unhappy" in rec.body
    trend_evidence = next(e for e in rec.evidence if e.label == "Trend over recent check-ins")
    assert trend_evidence.value == "falling"

    _, recs = wellbeing(state, checkin("unhappy", 4))  # still falling: said already
    assert recs == []


def test_a_late_check_in_is_recorded_without_advice():
    state, _ = wellbeing(fresh(), checkin("content", 5))

    state, recs = wellbeing(state, checkin("overwhelmed", 1))

    assert recs == []
    assert [c.data.feeling for c in state.checkins] == ["overwhelmed", "content"]


# ---- the note's signals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "signals"),
    [
        (
            "Passed over for the team lead role; thinking of leaving",
            {"passed_over", "thinking_of_leaving"},
        ),
        ("They passed me over again for charge nurse", {"passed_over"}),
        ("Didn't get the promotion. Someone else got the job", {"passed_over"}),
        ("I never got the promotion they promised", {"passed_over"}),
        ("So burnt out after the audit", {"burnout"}),
        ("Exhausted, can't switch off at night", {"burnout"}),
        ("Updating my résumé and looking for a new job", {"thinking_of_leaving"}),
        ("Ready to quit", {"thinking_of_leaving"}),
        ("We launched the new clinic!", {"new_win"}),
        ("Passed my NCLEX boards exam", {"new_win"}),
        ("Got promoted to site supervisor", {"new_win"}),
        ("Closed the Henderson deal and hit my quota", {"new_win"}),
        # Negations cancel, within their clause.
        ("I'm not burned out any more", set()),
        ("No longer thinking about quitting", set()),
        ("Never launched anything this year", set()),
        ("Not thinking of leaving, but exhausted", {"burnout"}),
        # Plain days say nothing.
        ("Good week, steady progress", set()),
        ("", set()),
        (None, set()),
    ],
)
def test_a_note_is_read_for_a_few_clear_signals(note: str | None, signals: set[str]) -> None:
    assert note_signals(note) == signals


def test_curly_apostrophes_read_as_straight_ones() -> None:
    assert note_signals("I didn\u2019t get promoted") == {"passed_over"}


def test_burning_out_comes_before_a_plan_and_is_said_back_without_the_note() -> None:
    event = FeelingsCheckedIn.model_validate(
        {
            "id": "checkin-b",
            "type": "feelings.checked_in",
            "occurred_at": T0,
            "person_id": "p-1",
            "data": {"feeling": "overwhelmed", "note": "burned out by the Q3 night shifts"},
        }
    )
    state, [rec] = wellbeing(fresh(), event)

    assert (rec.rule, rec.priority) == ("feelings.burnout", "high")
    assert rec.headline == "Burning out? Rest comes before the next move"
    assert "make no big decision while you are exhausted" in rec.body
    assert "doctor or your employee assistance programme" in rec.body
    assert "night shifts" not in rec.model_dump_json()
    assert "night shifts" not in state.model_dump_json()
