"""Timing: a major success opens a window, announced once; unhappiness builds the case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from nextmove.contracts.events import (
    FeelingsCheckedIn,
    GoalUpdated,
    ProfileUpdated,
    SuccessRecorded,
)
from nextmove.contracts.recommendation import Recommendation
from nextmove.domain.coach import react
from nextmove.domain.state import KEEP_SUCCESSES, PersonState, SuccessEntry
from nextmove.domain.thresholds import defaults
from nextmove.domain.timing import window_strength

TENANT = "acme"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def success(
    title: str,
    *,
    at: datetime = T0,
    magnitude: str = "major",
    category: str = "launch",
    impact: str | None = None,
) -> SuccessRecorded:
    return SuccessRecorded.model_validate(
        {
            "id": f"success-{at:%Y%m%d%H}",
            "type": "success.recorded",
            "occurred_at": at,
            "person_id": "p-1",
            "data": {
                "title": title,
                "category": category,
                "magnitude": magnitude,
                "impact": impact,
            },
        }
    )


def checkin(feeling: str, *, at: datetime, note: str | None = None) -> FeelingsCheckedIn:
    return FeelingsCheckedIn.model_validate(
        {
            "id": f"checkin-{at:%Y%m%d%H}",
            "type": "feelings.checked_in",
            "occurred_at": at,
            "person_id": "p-1",
            "data": {"feeling": feeling, "note": note},
        }
    )


def profile(
    employer_since: date, *, role: str = "Software Engineer", skills: list[str] | None = None
) -> ProfileUpdated:
    return ProfileUpdated.model_validate(
        {
            "id": f"profile-{employer_since}",
            "type": "profile.updated",
            "occurred_at": T0 - timedelta(days=30),
            "person_id": "p-1",
            "data": {
                "email": "ana@example.com",
                "current_role": role,
                "current_level": "senior",
                "location": {"city": "Austin", "state": "TX"},
                "employer_since": employer_since.isoformat(),
                "skills": skills or [],
            },
        }
    )


def specific_goal() -> GoalUpdated:
    return GoalUpdated.model_validate(
        {
            "id": "goal-1",
            "type": "goal.updated",
            "occurred_at": T0 - timedelta(days=20),
            "person_id": "p-1",
            "data": {
                "statement": "Become Engineering Manager at a Series B fintech startup by 2028"
            },
        }
    )


def play(state: PersonState, *events) -> tuple[PersonState, list[Recommendation]]:
    """Apply events in turn; the timing recommendations of the last one."""
    for event in events:
        out = react(state, event, tenant=TENANT, thresholds=defaults)
        state = out.state
    return state, [r for r in out.recommendations if r.kind == "timing"]


def fresh() -> PersonState:
    return PersonState.new(TENANT, "p-1")


def test_a_major_success_opens_a_window_naming_both_paths():
    _, [rec] = play(fresh(), success("Launched the payments API", impact="$2.4M ARR"))

    assert (rec.kind, rec.rule, rec.priority) == ("timing", "timing.window_opened", "high")
    assert rec.headline == "Your window to move is open: Launched the payments API"
    assert "ask for a bigger role inside" in rec.body
    assert "outside" in rec.body
    assert "strongest for 3 months and closes after about 9" in rec.body
    assert rec.created_at == T0
    bls = next(e for e in rec.evidence if e.source == "BLS Employee Tenure")
    assert (bls.value, bls.unit, bls.year) == (3.9, "years", "January 2024")
    strength = next(e for e in rec.evidence if e.label == "Window strength")
    assert (strength.value, strength.unit) == (100, "%")


def test_the_window_lists_the_brag_document():
    state, _ = play(
        fresh(), success("Won the Globex deal", at=T0 - timedelta(days=200), category="sale")
    )
    _, [rec] = play(state, success("Launched the payments API", impact="$2.4M ARR"))

    wins = [e for e in rec.evidence if e.label.startswith("Recorded win")]
    assert [w.value for w in wins] == ["Launched the payments API", "Won the Globex deal"]
    assert wins[0].detail == "$2.4M ARR" and wins[0].year == "2026-03-02"
    assert rec.actions[-1] == (
        "Update your brag document and bring it: Launched the payments API ($2.4M ARR) "
        "and Won the Globex deal."
    )


def test_without_a_specific_goal_the_first_action_is_to_set_one():
    _, [rec] = play(fresh(), success("Launched the payments API"))

    assert rec.actions[0].startswith("Set a specific goal first")
    assert "Outside: target your goal role elsewhere" in " ".join(rec.actions)


def test_with_a_specific_goal_the_outside_path_names_the_goal_role():
    _, [rec] = play(fresh(), specific_goal(), success("Launched the payments API"))

    assert not rec.actions[0].startswith("Set a specific goal")
    assert "Outside: apply for Engineering Manager roles now" in " ".join(rec.actions)
    assert "target Engineering Manager outside" in rec.body


def test_tenure_beyond_the_median_puts_the_outside_path_first():
    _, [rec] = play(fresh(), profile(date(2020, 1, 6)), specific_goal(), success("Launched X"))

    assert rec.actions[0].startswith("Outside:")
    assert "longer than the median of 3.9" in rec.body
    yours = next(e for e in rec.evidence if e.label == "Your tenure with current employer")
    assert (yours.value, yours.unit, yours.detail) == (6.2, "years", "since 2020-01-06")


def test_a_new_joiner_is_pointed_inside_first():
    _, [rec] = play(fresh(), profile(date(2025, 9, 1)), specific_goal(), success("Launched X"))

    assert rec.actions[0].startswith("Inside: ask your manager for a bigger role")
    assert "a bigger scope inside is the easier ask" in rec.body


def test_the_window_is_announced_once():
    state, [_] = play(fresh(), success("Launched the payments API"))

    # A second, success-less event, and a smaller success, say nothing more.
    state, recs = play(state, checkin("excited", at=T0 + timedelta(days=3)))
    assert recs == []
    state, recs = play(
        state, success("Shipped a fix", at=T0 + timedelta(days=9), magnitude="notable")
    )
    assert recs == []
    assert state.timing.window_success_id == "success-2026030209"


def test_a_new_major_success_reopens_the_window():
    state, _ = play(fresh(), success("Launched the payments API"))
    later = T0 + timedelta(days=120)

    state, [rec] = play(state, success("Closed the Initech deal", at=later, category="sale"))

    assert rec.headline.endswith("Closed the Initech deal")
    assert state.timing.window_opened_at == later


def test_an_older_major_success_arriving_late_does_not_reopen_the_window():
    state, _ = play(fresh(), success("Launched the payments API"))

    state, recs = play(state, success("Older launch", at=T0 - timedelta(days=20)))

    assert recs == []
    assert [s.data.title for s in state.successes] == ["Older launch", "Launched the payments API"]


@pytest.mark.parametrize("magnitude", ["minor", "notable"])
def test_smaller_successes_open_no_window(magnitude: str):
    _, recs = play(fresh(), success("Fixed the flaky build", magnitude=magnitude))
    assert recs == []


@pytest.mark.parametrize(
    ("months", "category", "strength"),
    [
        (0, "launch", 1.0),
        (3, "launch", 1.0),
        (6, "launch", 0.5),
        (9, "launch", 0.0),
        (0, "award", 0.7),
        (0, "other", 0.4),
    ],
)
def test_the_window_decays_over_months(months: int, category: str, strength: float):
    entry = SuccessEntry(
        event_id="s",
        occurred_at=T0,
        data={"title": "x", "category": category, "magnitude": "major"},
    )
    assert window_strength(entry, T0 + timedelta(days=30.44 * months)) == strength


def test_an_excited_streak_tips_a_weaker_window_open():
    state, recs = play(fresh(), success("Spoke at KubeCon", category="other"))
    assert recs == []  # an "other" success alone is a weak window

    for day in (2, 5):
        state, recs = play(state, checkin("excited", at=T0 + timedelta(days=day)))
        assert recs == []
    state, [rec] = play(state, checkin("excited", at=T0 + timedelta(days=8)))

    assert rec.rule == "timing.window_opened"
    assert "Your last 3 check-ins were excited" in rec.body
    streak = next(e for e in rec.evidence if e.label.startswith("Excited check-ins"))
    assert streak.value == 3


# ---- unhappy without a success -------------------------------------------------------


def test_unhappiness_without_a_success_builds_the_case_first():
    _, [rec] = play(fresh(), checkin("unhappy", at=T0))

    assert (rec.kind, rec.rule, rec.priority) == ("timing", "timing.build_case_first", "normal")
    assert rec.headline == "Record your wins and build the case first"
    assert "quit" not in rec.body.lower()
    assert rec.actions[0].startswith("Set a specific goal first")
    assert any(a.startswith("Record your wins") for a in rec.actions)
    assert any(e.source == "BLS Employee Tenure" for e in rec.evidence)


def test_build_the_case_is_said_at_most_once_a_month():
    state, [_] = play(fresh(), checkin("unhappy", at=T0))

    state, recs = play(state, checkin("anxious", at=T0 + timedelta(days=29)))
    assert [r.rule for r in recs] == []
    state, recs = play(state, checkin("unhappy", at=T0 + timedelta(days=31)))
    assert [r.rule for r in recs] == ["timing.build_case_first"]


def test_building_the_case_does_not_ask_for_a_specific_goal_the_person_has():
    _, [vague] = play(fresh(), checkin("unhappy", at=T0))
    _, [specific] = play(fresh(), specific_goal(), checkin("unhappy", at=T0))

    assert "make your goal specific" in vague.body
    assert "make your goal specific" not in specific.body
    assert not specific.actions[0].startswith("Set a specific goal first")


def test_a_major_success_of_another_kind_reads_as_a_success():
    # "other" weighs 0.4, below the announce threshold, until an excited streak follows.
    _, [rec] = play(
        fresh(),
        success("Rebuilt the churn model", category="other"),
        *(checkin("excited", at=T0 + timedelta(days=d)) for d in (1, 2, 3)),
    )
    assert rec.body.startswith("Rebuilt the churn model is a major success:")


def test_overwhelmed_without_a_specific_goal_gets_a_plan_not_the_case_to_build():
    # feelings.overwhelmed_no_plan answers it (see test_coach); with a goal, the case.
    _, recs = play(fresh(), checkin("overwhelmed", at=T0))
    assert recs == []

    _, recs = play(fresh(), specific_goal(), checkin("overwhelmed", at=T0))
    assert [r.rule for r in recs] == ["timing.build_case_first"]


def test_unhappiness_right_after_a_major_success_does_not_say_build_the_case():
    state, _ = play(fresh(), success("Launched the payments API"))

    _, recs = play(state, checkin("unhappy", at=T0 + timedelta(days=10)))

    assert recs == []  # the window was announced already; nothing new to say


def test_unhappiness_long_after_a_success_builds_the_case_and_lists_the_wins():
    state, _ = play(fresh(), success("Launched the payments API", impact="$2.4M ARR"))

    _, [rec] = play(state, checkin("unhappy", at=T0 + timedelta(days=300)))

    assert rec.rule == "timing.build_case_first"
    assert "Keep in your brag document: Launched the payments API ($2.4M ARR)" in rec.actions


def test_the_case_counts_the_wins_honestly_past_what_the_record_keeps():
    minor = [
        success(f"Shipped fix {i}", at=T0 - timedelta(days=400 + i), magnitude="minor")
        for i in range(KEEP_SUCCESSES + 5)
    ]
    _, [rec] = play(fresh(), *minor[:3], checkin("unhappy", at=T0))
    _, [rec_many] = play(fresh(), *minor, checkin("unhappy", at=T0))

    def detail(r):
        return next(e.detail for e in r.evidence if e.label.startswith("Major successes"))

    assert detail(rec) == "3 wins recorded in all"
    assert (
        detail(rec_many)
        == f"the {KEEP_SUCCESSES} most recent wins recorded (older ones are not counted)"
    )


def _seller(role: str, skills: list[str]) -> ProfileUpdated:
    return profile(date(2024, 1, 8), role=role, skills=skills)


def _sales_goal() -> GoalUpdated:
    return GoalUpdated.model_validate(
        {
            "id": "goal-sales",
            "type": "goal.updated",
            "occurred_at": T0 - timedelta(days=20),
            "person_id": "p-1",
            "data": {"statement": "Become Sales Manager at a Series B fintech startup by 2028"},
        }
    )


def test_when_the_goal_role_needs_skills_the_person_lacks_the_win_buys_a_stretch_step():
    """The skills plan says team leadership, coaching and hiring are missing: the timing
    advice must not say 'apply for Sales Manager roles now' on the same record."""
    sdr = _seller("Sales Development Representative", ["negotiation", "discovery"])
    _, [rec] = play(fresh(), sdr, _sales_goal(), success("Closed the Initech deal"))
    actions = " ".join(rec.actions)

    assert "apply for Sales Manager roles now" not in actions
    assert "Outside: apply for Account Executive roles, one step short of Sales Manager" in (
        actions
    )
    assert "what carries over (negotiation)" in actions
    assert (
        "Inside: citing Closed the Initech deal, ask your manager for the work that builds "
        "team leadership" in actions
    )
    assert "stretch step towards Sales Manager" in rec.body
    assert "team leadership, sales forecasting, and coaching and mentoring" in rec.body


def test_a_stretch_never_points_at_the_role_the_person_already_has():
    ae = _seller("Account Executive", ["negotiation"])
    _, [rec] = play(fresh(), ae, _sales_goal(), success("Closed the Initech deal"))
    actions = " ".join(rec.actions)

    assert "apply for Account Executive roles" not in actions
    assert "if you apply for Sales Manager roles now, lead with Closed the Initech deal" in actions
    assert "be ready to show how you are building team leadership" in actions


def test_with_most_core_skills_on_the_profile_the_goal_role_is_the_next_step():
    have = ["team leadership", "sales forecasting", "coaching", "hiring", "negotiation"]
    _, [rec] = play(fresh(), _seller("Account Executive", have), _sales_goal(), success("Won X"))

    assert "Outside: apply for Sales Manager roles now" in " ".join(rec.actions)
    assert "stretch" not in rec.body


# ---- the person's own words: a check-in note's signals ----------------------------

SEED_NOTE = "Passed over for the team lead role; thinking of leaving"


def test_a_note_saying_passed_over_and_thinking_of_leaving_builds_the_case_whatever_the_feeling():
    # "neutral" alone asks for nothing; the note is the seed's own situation.
    assert play(fresh(), checkin("neutral", at=T0))[1] == []
    state, [rec] = play(fresh(), specific_goal(), checkin("neutral", at=T0, note=SEED_NOTE))

    assert rec.rule == "timing.build_case_first"
    assert rec.headline == "Passed over? Build the case before you move"
    assert rec.body.startswith(
        "You wrote that you were passed over and you are thinking of leaving, and you have "
        "no major success in the last 9 months."
    )
    assert "what would make you the pick next time" in rec.body
    assert "so you leave for something, not away from this" in rec.body
    assert rec.actions[0] == (
        "Ask whoever decided what the gap was and what would make you the pick next time."
    )
    [note] = [e for e in rec.evidence if e.label == "In your check-in note"]
    assert note.value == "passed over, thinking of leaving"
    # The note itself is said back by its signals only, and the record drops it.
    assert "team lead" not in rec.model_dump_json()
    assert "team lead" not in state.model_dump_json()


def test_a_new_win_in_a_note_is_to_be_recorded():
    _, [rec] = play(
        fresh(), checkin("unhappy", at=T0, note="We launched the new ward rota, still fed up")
    )
    assert "You mention a new win: record it as a success" in rec.body
    assert "Record the win you mention as a success, with the figure it moved." in rec.actions


def test_burning_out_is_answered_with_rest_not_the_case_to_build():
    out = react(
        fresh(),
        checkin("unhappy", at=T0, note="Completely burnt out, working every weekend"),
        tenant=TENANT,
        thresholds=defaults,
    )
    assert [r.rule for r in out.recommendations] == ["feelings.burnout"]


def test_a_note_thinking_of_leaving_puts_the_outside_path_first_when_the_window_opens():
    # A new joiner is pointed inside first; their note turns that round.
    events = [
        profile(date(2026, 1, 5)),
        specific_goal(),
        success("Rebuilt the churn model", category="other"),
        checkin("excited", at=T0 + timedelta(days=1)),
        checkin("excited", at=T0 + timedelta(days=2)),
    ]
    last = "excited, but thinking about leaving if they won't promote me"
    _, [plain] = play(fresh(), *events, checkin("excited", at=T0 + timedelta(days=3)))
    _, [rec] = play(fresh(), *events, checkin("excited", at=T0 + timedelta(days=3), note=last))

    assert plain.actions[0].startswith("Inside:")
    assert rec.actions[0].startswith("Outside:")
    assert (
        "You wrote that you are thinking of leaving: with this win fresh, a move is a step "
        "towards something, from strength"
    ) in rec.body
