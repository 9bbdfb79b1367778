"""Career feelings: check-ins form a trend; an overwhelmed person without a plan gets help.

Each check-in scores on the NextMove feelings scale (2026): overwhelmed -2, unhappy -2,
anxious -1, neutral 0, content 1, excited 2. The trend is the least-squares slope of the
last ``TREND_OVER`` scores: a change of at least ``TREND_SLOPE`` points per check-in is
rising or falling, anything gentler is steady. Feeling overwhelmed or anxious is a cue
to plan, not to act: without a specific goal, the advice is to set one, in small steps.
A trend falling into negative feelings gets a check on what changed. A run of excited
check-ins after a major success feeds the timing rule: the moment to move (``timing``).

A check-in's note is read for a few clear signals (``note_signals``): passed over,
burnout, thinking of leaving, a new win. They shape this advice and the timing advice;
the note itself is never kept, logged or quoted: only the signals' names are said back.
Burnout is answered first and alone (``feelings.burnout``): rest before any plan.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from nextmove.contracts.events import Feeling, FeelingsCheckedIn
from nextmove.contracts.recommendation import Evidence, Recommendation
from nextmove.domain import goals
from nextmove.domain.state import CheckinEntry, PersonState
from nextmove.domain.wording import join_words

SCALE = "NextMove feelings scale"
SCALE_YEAR = "2026"
NOTE_RULE = "NextMove check-in note rule"
SCORES: dict[Feeling, int] = {
    "overwhelmed": -2,
    "unhappy": -2,
    "anxious": -1,
    "neutral": 0,
    "content": 1,
    "excited": 2,
}
TREND_OVER = 5
TREND_MIN = 3  # fewer check-ins than this are not a trend yet
TREND_SLOPE = 0.25  # points per check-in
NEEDS_A_PLAN: frozenset[Feeling] = frozenset({"overwhelmed", "anxious"})
EXCITED_STREAK = 3

Trend = Literal["rising", "falling", "steady"]

# ---- the note's signals --------------------------------------------------------------

Signal = Literal["passed_over", "burnout", "thinking_of_leaving", "new_win"]
SIGNAL_WORDS: dict[Signal, str] = {
    "passed_over": "you were passed over",
    "burnout": "you are burning out",
    "thinking_of_leaving": "you are thinking of leaving",
    "new_win": "you have a new win",
}
# A small keyword rule, on purpose: a phrase a coach would read the same way, or nothing.
# Each pattern runs on the lower-cased note with curly apostrophes made straight.
_SIGNAL_PATTERNS: dict[Signal, tuple[str, ...]] = {
    "passed_over": (
        r"\bpassed (me )?over\b",
        r"\b(didn't|did not|wasn't|was not|not) (get )?(promoted|picked|chosen|selected)\b",
        r"\b(didn't|did not) get the (promotion|role|job|position|lead)\b",
        r"\b(missed out on|lost out on|turned down for|rejected for) (the |a |my )?"
        r"(promotion|role|position|lead)\b",
        r"\b(someone else|they) got (the|my) (promotion|role|job|position)\b",
        r"\bnever got (the|my|a) (promotion|role|job|position|lead)\b",
    ),
    "burnout": (
        r"\bburn(ed|t|ing)?[- ]?out\b",
        r"\bexhausted\b",
        r"\bcompletely drained\b",
        r"\bcan't (keep up|switch off|sleep)\b",
        r"\bworking (every|all) (night|weekend)s?\b",
    ),
    "thinking_of_leaving": (
        r"\bthinking (of|about) (just |simply |maybe |seriously )?(leaving|quitting)\b",
        r"\b(want|wanting|going|ready|planning|plan|about) to (leave|quit)\b",
        r"\blooking (for|at) (a )?(new|other|another) (job|role|position)s?\b",
        r"\bjob[- ]hunting\b",
        r"\b(hand|handing|put|putting) in my notice\b",
        r"\bupdat(e|ed|ing) my (cv|resume|résumé)\b",
    ),
    "new_win": (
        r"\b(got|won|landed|earned|received) (a |an |the |my )?"
        r"(promotion|award|raise|big deal|deal|contract|grant|certification|licen[cs]e)\b",
        r"\bgot promoted\b",
        r"\b(launched|shipped|delivered)\b",
        r"\bclosed (the|a|our|my) (deal|sale|round|account)\b",
        r"\bhit (my|our|the) (target|quota|goal)\b",
        r"\bpassed (my|the) [a-z ]{0,30}(exam|boards?|certification)\b",
    ),
}
_COMPILED = {
    signal: tuple(re.compile(pattern) for pattern in patterns)
    for signal, patterns in _SIGNAL_PATTERNS.items()
}
# "not burned out", "no longer thinking of leaving", "never launched": a negation in the
# few words before a phrase cancels it, within its clause.
_NEGATED = re.compile(r"\b(not|no|never|nothing|isn't|aren't|haven't|hasn't)\b[^.,;!?]{0,20}$")
# The passed-over phrases carry their own negation ("didn't get promoted"): not cancelled.
_OWN_NEGATION: frozenset[Signal] = frozenset({"passed_over"})


def note_signals(note: str | None) -> frozenset[Signal]:
    """The signals a check-in's note states plainly, e.g. "Passed over for the team lead
    role; thinking of leaving" -> passed_over and thinking_of_leaving."""
    if not note:
        return frozenset()
    text = note.lower().replace("\u2019", "'")
    found: set[Signal] = set()
    for signal, patterns in _COMPILED.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                own = signal in _OWN_NEGATION
                if own or not _NEGATED.search(text[: match.start()]):
                    found.add(signal)
    return frozenset(found)


def said_back(signals: frozenset[Signal]) -> str:
    """'you were passed over and you are thinking of leaving', in a fixed order."""
    return join_words([SIGNAL_WORDS[s] for s in SIGNAL_WORDS if s in signals])


def trend(checkins: list[CheckinEntry]) -> Trend | None:
    """The direction of the last few check-ins (oldest first), or None if too few."""
    scores = [SCORES[c.data.feeling] for c in checkins[-TREND_OVER:]]
    if len(scores) < TREND_MIN:
        return None
    slope = _slope(scores)
    if slope >= TREND_SLOPE:
        return "rising"
    if slope <= -TREND_SLOPE:
        return "falling"
    return "steady"


def _slope(ys: list[int]) -> float:
    """Least-squares slope of ``ys`` against 0, 1, 2, ..."""
    n = len(ys)
    mean_x, mean_y = (n - 1) / 2, sum(ys) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(ys))
    return num / sum((x - mean_x) ** 2 for x in range(n))


def excited_streak(checkins: list[CheckinEntry], *, since: datetime, until: datetime) -> int:
    """How many check-ins in a row, the latest up to ``until`` backwards to ``since``, say
    excited."""
    streak = 0
    for c in reversed(checkins):
        if c.occurred_at > until:
            continue
        if c.occurred_at < since or c.data.feeling != "excited":
            break
        streak += 1
    return streak


def needs_a_plan(state: PersonState, event: FeelingsCheckedIn) -> bool:
    """Overwhelmed or anxious without a specific goal: the check-in calls for a plan."""
    if event.data.feeling not in NEEDS_A_PLAN:
        return False
    return state.goal is None or not goals.assess(state.goal.data).specific


def advise_checkin(
    state: PersonState, event: FeelingsCheckedIn, *, tenant: str
) -> tuple[PersonState, Recommendation | None]:
    """Rules ``feelings.overwhelmed_no_plan`` and ``feelings.falling_trend``.

    Run on the person's latest check-in only: a late, older check-in is history, not
    how they feel now.
    """
    goal = goals.assess(state.goal.data) if state.goal else None
    # Rest before any plan: a goal to set or a case to build would add to the load.
    if "burnout" in note_signals(event.data.note):
        return state, _burnout(state, event, tenant)
    if needs_a_plan(state, event):
        return state, _overwhelmed_no_plan(state, event, tenant, goal)
    # Said once, when it starts, not at every check-in on the way down.
    if _falling_below_neutral(state.checkins) and not _falling_below_neutral(state.checkins[:-1]):
        return state, _falling_trend(state, event, tenant)
    return state, None


def _falling_below_neutral(checkins: list[CheckinEntry]) -> bool:
    """Falling into negative feelings: from excited to content is no cause for a check."""
    return trend(checkins) == "falling" and SCORES[checkins[-1].data.feeling] < 0


def _overwhelmed_no_plan(
    state: PersonState,
    event: FeelingsCheckedIn,
    tenant: str,
    goal: goals.GoalAssessment | None,
) -> Recommendation:
    feeling = event.data.feeling
    evidence = [_feeling_evidence(event)]
    if goal is None:
        situation = "you have not set a career goal yet"
    else:
        situation = f"your goal scores {goal.score} of 100 on specificity, so it is not a plan yet"
        evidence.append(
            Evidence(
                label="Goal specificity",
                value=goal.score,
                unit="points of 100",
                source=goals.RUBRIC,
                year=goals.RUBRIC_YEAR,
            )
        )
    return Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="wellbeing",
        created_at=event.occurred_at,
        priority="high",
        headline=f"Feeling {feeling}? Let's turn it into a plan",
        body=(
            f"You checked in feeling {feeling}, and {situation}. Feeling {feeling} is common "
            "when the next step is unclear; a specific goal and one small step at a time "
            "make it manageable. Do not decide anything big this week: set the goal first."
        ),
        evidence=evidence,
        actions=[
            "Write down one role you would be excited to hold in three to five years.",
            "Make it specific: the level, the kind, size and industry of the organisation, "
            "and a year.",
            "Pick one skill that role needs and one project in your current job to build it.",
            "Block 30 minutes a week to review progress, and record each win as it happens.",
        ],
        rule="feelings.overwhelmed_no_plan",
    )


def _burnout(state: PersonState, event: FeelingsCheckedIn, tenant: str) -> Recommendation:
    return Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="wellbeing",
        created_at=event.occurred_at,
        priority="high",
        headline="Burning out? Rest comes before the next move",
        body=(
            "You wrote that you are burning out. That comes before any career move: make no "
            "big decision while you are exhausted, and take on no new stretch project this "
            "month. Talk to your manager about what can stop or wait, take time off you are "
            "owed, and if it goes on for weeks, talk to a doctor or your employee assistance "
            "programme. The plan will keep until you are rested."
        ),
        evidence=[_feeling_evidence(event), note_evidence(event, frozenset({"burnout"}))],
        actions=[
            "Tell your manager this week which work can stop, wait or move to someone else.",
            "Book time off you are owed, even a few days.",
            "If the exhaustion lasts more than a few weeks, talk to a doctor or your "
            "employee assistance programme.",
            "Put big career decisions on hold until you feel rested.",
        ],
        rule="feelings.burnout",
    )


def note_evidence(event: FeelingsCheckedIn, signals: frozenset[Signal]) -> Evidence:
    """The signals read from the note, by name: the note itself is never repeated."""
    return Evidence(
        label="In your check-in note",
        value=", ".join(s.replace("_", " ") for s in SIGNAL_WORDS if s in signals),
        source=NOTE_RULE,
        year=SCALE_YEAR,
        detail=f"check-in of {event.occurred_at.date().isoformat()}; the note itself is not kept",
    )


def _falling_trend(state: PersonState, event: FeelingsCheckedIn, tenant: str) -> Recommendation:
    recent = [c.data.feeling for c in state.checkins[-TREND_OVER:]]
    return Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="wellbeing",
        created_at=event.occurred_at,
        priority="normal",
        headline="Your check-ins are trending down",
        body=(
            f"Your last {len(recent)} check-ins went {' → '.join(recent)}. Before it turns "
            "into wanting out, find what changed: the work, the people, or the lack of a "
            "next step. Unhappiness is a poor moment to move; a recorded success is a good one."
        ),
        evidence=[
            _feeling_evidence(event),
            Evidence(
                label="Trend over recent check-ins",
                value="falling",
                source=SCALE,
                year=SCALE_YEAR,
                detail=", ".join(f"{f} ({SCORES[f]:+d})" for f in recent),
            ),
        ],
        actions=[
            "Note what changed since you last felt content or excited.",
            "Raise the one thing you can change with your manager this week.",
            "Record your recent wins, so the next conversation starts from them.",
        ],
        rule="feelings.falling_trend",
    )


def _feeling_evidence(event: FeelingsCheckedIn) -> Evidence:
    feeling = event.data.feeling
    return Evidence(
        label="Latest check-in",
        value=feeling,
        source=SCALE,
        year=SCALE_YEAR,
        detail=f"scores {SCORES[feeling]:+d} of -2..+2, on {event.occurred_at.date().isoformat()}",
    )
