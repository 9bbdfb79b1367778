"""Timing: move after a major success, not when unhappy.

A major success (a launch, a big sale, a delivered programme) opens a window in which
the person is most valuable: to ask for a bigger role inside, or to target their goal
role outside, while the success is fresh. The window's strength is the success's
category weight times its freshness: full for ``full_months`` (3), fading linearly to
nothing at ``closed_months`` (9); an operator may tune both (``thresholds.TimingThresholds``).
It is announced once, when its strength (plus a run of excited
check-ins, see ``feelings``) reaches ``ANNOUNCE_AT``, and reopens only with a newer major
success. Category weights and the decay are NextMove's coaching judgement (2026).

Tenure shifts the emphasis between the two paths. The median tenure with the current
employer was 3.9 years in January 2024 (BLS, Employee Tenure news release): at
or beyond it, the outside path comes first; within the first year, the inside path.

The advice agrees with the skills plan: when the profile lacks most of the goal role's
core skills, the win buys a stretch step (inside: the work that builds the first missing
skill; outside: the role one step short of the goal, or the goal role leading with what
carries over) instead of "apply for the goal role now".

Unhappiness without a recent major success gets different advice: record your wins and
build the case first, at most once every ``CASE_EVERY``; except when the person is
overwhelmed or anxious without a specific goal, who gets help to make a plan instead, or
burning out, who is told to rest first. A check-in note that says the person was passed
over or is thinking of leaving (``feelings.note_signals``) calls for the case whatever
the feeling picked, and is answered in the advice; when a window is open, it puts the
outside path first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from nextmove.contracts.events import FeelingsCheckedIn, SuccessRecorded
from nextmove.contracts.recommendation import Evidence, Recommendation
from nextmove.domain import feelings, goals, skills
from nextmove.domain.state import KEEP_SUCCESSES, PersonState, SuccessEntry
from nextmove.domain.thresholds import DEFAULT, Thresholds, TimingThresholds
from nextmove.domain.wording import join_words

RULE_SOURCE = "NextMove timing rule"
RULE_YEAR = "2026"
RECORD = "Your NextMove record"

# Wins that show a result others can see weigh most; a promotion or award already
# cashed part of its value in, so the window they open is weaker.
CATEGORY_WEIGHT = {
    "launch": 1.0,
    "sale": 1.0,
    "programme": 1.0,
    "promotion": 0.7,
    "award": 0.7,
    "other": 0.4,
}
ANNOUNCE_AT = 0.5
EXCITED_BOOST = 0.2  # an excited streak says the person is ready: it can tip the window open
DAYS_PER_MONTH = 30.44  # the average Gregorian month

BLS_MEDIAN_TENURE_YEARS = 3.9
BLS_SOURCE = "BLS Employee Tenure"
BLS_YEAR = "January 2024"
NEW_JOINER_YEARS = 1.0

CASE_EVERY = timedelta(days=30)
UNHAPPY = frozenset({"unhappy", "overwhelmed", "anxious"})
BRAG_SHOWN = 5
# A check-in note that says either one calls for the case to be built, whatever the
# feeling picked: the seed's own situation, passed over and thinking of leaving.
MOVING_AWAY: frozenset[feelings.Signal] = frozenset({"passed_over", "thinking_of_leaving"})
PASSED_OVER_ACTION = (
    "Ask whoever decided what the gap was and what would make you the pick next time."
)
RECORD_THE_WIN_ACTION = "Record the win you mention as a success, with the figure it moved."


def window_strength(
    success: SuccessEntry, now: datetime, window: TimingThresholds = DEFAULT.timing
) -> float:
    """0..1: how open the window a success opened is at ``now`` (0 for non-major wins)."""
    if success.data.magnitude != "major" or success.occurred_at > now:
        return 0.0
    months = (now - success.occurred_at).total_seconds() / 86_400 / DAYS_PER_MONTH
    full, closed = window.full_months, window.closed_months
    freshness = min(1.0, max(0.0, (closed - months) / (closed - full)))
    return round(CATEGORY_WEIGHT[success.data.category] * freshness, 2)


def open_window(
    state: PersonState, now: datetime, window: TimingThresholds = DEFAULT.timing
) -> tuple[SuccessEntry, float] | None:
    """The newest major success whose window is still open at ``now``, with its strength.
    A job change closes the window: a success from before the new job opens none."""
    closed_at = state.timing.window_closed_at
    for success in reversed(state.successes):
        if closed_at is not None and success.occurred_at < closed_at:
            return None
        strength = window_strength(success, now, window)
        if strength > 0:
            return success, strength
        if success.data.magnitude == "major" and success.occurred_at <= now:
            return None  # the newest major success has faded: older ones have too
    return None


def advise_window(
    state: PersonState,
    event: SuccessRecorded | FeelingsCheckedIn,
    *,
    tenant: str,
    thresholds: Thresholds = DEFAULT,
) -> tuple[PersonState, Recommendation | None]:
    """Rule ``timing.window_opened``: announce an open window, once per major success."""
    now = event.occurred_at
    window = open_window(state, now, thresholds.timing)
    if window is None:
        return state, None
    success, strength = window
    timing = state.timing
    announced = (
        timing.window_opened_at is not None and success.occurred_at <= timing.window_opened_at
    )
    # Announced already: say nothing, unless this is the very event that announced it
    # being delivered again, which must get the same answer.
    if announced and timing.announced_by != event.id:
        return state, None
    streak = feelings.excited_streak(state.checkins, since=success.occurred_at, until=now)
    readiness = strength + (EXCITED_BOOST if streak >= feelings.EXCITED_STREAK else 0.0)
    if readiness < ANNOUNCE_AT:
        return state, None
    rec = _window_recommendation(state, event, tenant, success, strength, streak, thresholds.timing)
    marked = state.model_copy(
        update={
            "timing": timing.model_copy(
                update={
                    "window_success_id": success.event_id,
                    "window_opened_at": success.occurred_at,
                    "announced_by": event.id,
                }
            )
        }
    )
    return marked, rec


def advise_build_case(
    state: PersonState,
    event: FeelingsCheckedIn,
    *,
    tenant: str,
    thresholds: Thresholds = DEFAULT,
) -> tuple[PersonState, Recommendation | None]:
    """Rule ``timing.build_case_first``: unhappy, or a note that says passed over or
    thinking of leaving, without a recent major success.

    Moving away from unhappiness, or straight after a setback, means negotiating from
    weakness; the advice is to document wins and build the case, not to quit. Given at
    most once every 30 days.
    """
    now = event.occurred_at
    timing = state.timing
    closed = thresholds.timing.closed_months
    signals = feelings.note_signals(event.data.note)
    moving_away = signals & MOVING_AWAY
    if event.data.feeling not in UNHAPPY and not moving_away:
        return state, None
    if open_window(state, now, thresholds.timing):
        return state, None
    # Help to make a plan, or to rest, answers this check-in (feelings): a second task
    # on top, to build the case, would add to what overwhelms the person.
    if feelings.needs_a_plan(state, event) or "burnout" in signals:
        return state, None
    redelivered = timing.case_advised_by == event.id
    if not redelivered and timing.case_advised_at and now - timing.case_advised_at < CASE_EVERY:
        return state, None
    wins = _wins(state)
    evidence = [
        Evidence(
            label="Latest check-in",
            value=event.data.feeling,
            source=feelings.SCALE,
            year=feelings.SCALE_YEAR,
        ),
        *([feelings.note_evidence(event, signals)] if signals else []),
        Evidence(
            label=f"Major successes in the last {closed:g} months",
            value=0,
            source=RECORD,
            year=now.date().isoformat(),
            detail=_wins_on_record(state),
        ),
        *_tenure_evidence(state, now),
    ]
    goal_first = _goal_first_action(state)
    opening = (
        f"You wrote that {feelings.said_back(signals)}"
        if signals
        else f"You checked in feeling {event.data.feeling}"
    )
    body = (
        f"{opening}, and you have no major success in the last {closed:g} "
        "months. Moving now would mean moving away from something, from a position of "
        "weakness. The better move comes after your next major success: "
        # Telling someone whose goal is already specific to make it so reads as unheard.
        f"record your wins, {'make your goal specific and ' if goal_first else ''}line up "
        "the work that can produce that success, then ask for more inside or look outside "
        "from strength."
    )
    lead = len(body)
    if "passed_over" in signals:
        body += (
            " Being passed over stings, and it is information: ask whoever decided what the "
            "gap was and what would make you the pick next time. If the answer is vague, or "
            "the bar keeps moving, that is your case for looking outside, after your next win."
        )
    if "thinking_of_leaving" in signals:
        body += (
            " Thinking of leaving is a signal worth acting on, not on impulse: decide which "
            "role you would move to, so you leave for something, not away from this."
        )
    if "new_win" in signals:
        body += (
            " You mention a new win: record it as a success, with the figure it moved. If it "
            "is a major one, it opens your window to move, and this advice changes."
        )
    body = _lead_apart(body, lead)
    rec = Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="timing",
        created_at=now,
        priority="normal",
        headline=_build_case_headline(signals),
        body=body,
        evidence=evidence,
        actions=[
            *([PASSED_OVER_ACTION] if "passed_over" in signals else []),
            *([goal_first] if goal_first else []),
            *([RECORD_THE_WIN_ACTION] if "new_win" in signals else []),
            "Record your wins: for each launch, sale or programme, what you did and the "
            "figure it moved.",
            "Ask your manager for one project with a visible, measurable result this quarter.",
            *(f"Keep in your brag document: {w}" for w in wins[:BRAG_SHOWN]),
        ],
        rule="timing.build_case_first",
    )
    marked = state.model_copy(
        update={
            "timing": timing.model_copy(
                update={"case_advised_at": now, "case_advised_by": event.id}
            )
        }
    )
    return marked, rec


def _build_case_headline(signals: frozenset[feelings.Signal]) -> str:
    if "passed_over" in signals:
        return "Passed over? Build the case before you move"
    if "thinking_of_leaving" in signals:
        return "Thinking of leaving? Move from strength, after your next win"
    return "Record your wins and build the case first"


def tenure_years(state: PersonState, now: datetime) -> float | None:
    """Years with the current employer at ``now``, from the profile, if known."""
    since = state.profile.data.employer_since if state.profile else None
    return None if since is None else _years_since(since, now)


def _years_since(since: date, now: datetime) -> float:
    return round(max((now.date() - since).days, 0) / 365.25, 1)


def _window_recommendation(
    state: PersonState,
    event: SuccessRecorded | FeelingsCheckedIn,
    tenant: str,
    success: SuccessEntry,
    strength: float,
    streak: int,
    window: TimingThresholds,
) -> Recommendation:
    now = event.occurred_at
    goal = goals.assess(state.goal.data) if state.goal else None
    goal_role = goal.found["role"] if goal and goal.specific else None
    tenure = tenure_years(state, now)
    title = success.data.title
    cited = f"{title} ({success.data.impact})" if success.data.impact else title
    stretch = _stretch(state, goal)
    # What the person's check-in note said, if this check-in opened the window.
    signals = (
        feelings.note_signals(event.data.note)
        if isinstance(event, FeelingsCheckedIn)
        else frozenset()
    )
    if stretch is not None:
        assert state.profile is not None  # a stretch is read from the profile's skills
        inside, outside = _stretch_paths(stretch, cited, state.profile.data.current_role)
    else:
        inside = (
            f"Inside: ask your manager for a bigger role or scope, citing {cited}, "
            "within the next few weeks."
        )
        outside = (
            f"Outside: apply for {goal_role} roles now, leading with {title}."
            if goal_role
            else f"Outside: target your goal role elsewhere, leading with {title}."
        )
    # Outside first after long tenure, or when the person's note says they were passed
    # over or are thinking of leaving (the inside path just told them no).
    paths = (
        [outside, inside]
        if (tenure is not None and tenure >= BLS_MEDIAN_TENURE_YEARS) or signals & MOVING_AWAY
        else [inside, outside]
    )
    goal_first = _goal_first_action(state)
    wins = _wins(state)
    body = (
        f"{title} is a major {_CATEGORY_WORDS.get(success.data.category, success.data.category)}"
        ": you are most valuable right after it. "
        + (
            f"Use the window while the success is fresh for a stretch step towards "
            f"{goal_role}, inside or outside. "
            if stretch is not None
            else "Use the window while the success is fresh: ask for a bigger role inside, "
            f"or target {goal_role or 'your goal role'} outside. "
        )
        + "It is strongest for "
        f"{window.full_months:g} months and closes after about {window.closed_months:g}."
    )
    lead = len(body)  # the rest is a paragraph of its own (see _lead_apart)
    if tenure is not None:
        if tenure >= BLS_MEDIAN_TENURE_YEARS:
            body += (
                f" You have been with your employer {tenure} years, longer than the median "
                f"of {BLS_MEDIAN_TENURE_YEARS}: the market is worth testing first."
            )
        elif tenure < NEW_JOINER_YEARS:
            body += (
                f" You joined {tenure} years ago: a bigger scope inside is the easier ask, "
                "and a move now is harder to explain."
            )
    if stretch is not None:
        lacking = join_words([sk.name.lower() for sk in stretch.to_build])
        shown = len(stretch.to_build)
        more = stretch.missing > shown  # the plan names the first PLAN_SIZE only
        body += (
            f" {stretch.role.title} depends on {stretch.missing} core skills your profile "
            f"does not list yet ({lacking}{', among others' if more else ''}): build them "
            "where this win gives you room, so the move after this one is the leap. "
            f"Work that builds {stretch.to_build[0].name.lower()}: {stretch.to_build[0].project}"
        )
    if streak >= feelings.EXCITED_STREAK:
        body += f" Your last {streak} check-ins were excited: you are ready, act on it."
    if signals & MOVING_AWAY:
        body += (
            f" You wrote that {feelings.said_back(signals & MOVING_AWAY)}: with this win "
            "fresh, a move is a step towards something, from strength, not away from a "
            "setback. Test the market outside first."
        )
    if "burnout" in signals:
        body += (
            " You also wrote that you are burning out: rest comes first. The window stays "
            f"strongest for {window.full_months:g} months, so there is time."
        )
    if goal_first:
        body += " First, though, make your goal specific, so you know what to ask for."
    body = _lead_apart(body, lead)
    evidence = [
        Evidence(
            label="Window strength",
            value=round(strength * 100),
            unit="%",
            source=RULE_SOURCE,
            year=RULE_YEAR,
            detail=(
                f"{success.data.category} weighs {CATEGORY_WEIGHT[success.data.category]}; "
                f"full for {window.full_months:g} months, closed after {window.closed_months:g}"
            ),
        ),
        *_tenure_evidence(state, now),
    ]
    if goal is not None:
        evidence.append(
            Evidence(
                label="Goal specificity",
                value=goal.score,
                unit="points of 100",
                source=goals.RUBRIC,
                year=goals.RUBRIC_YEAR,
            )
        )
    if streak:
        evidence.append(
            Evidence(
                label="Excited check-ins in a row since the success",
                value=streak,
                source=feelings.SCALE,
                year=feelings.SCALE_YEAR,
            )
        )
    evidence += [
        Evidence(
            label=f"Recorded win ({s.data.category}, {s.data.magnitude})",
            value=s.data.title,
            source=RECORD,
            year=s.occurred_at.date().isoformat(),
            detail=s.data.impact,
        )
        for s in reversed(state.successes[-BRAG_SHOWN:])
    ]
    return Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="timing",
        created_at=now,
        priority="high",
        headline=_clip(f"Your window to move is open: {title}"),
        body=body,
        evidence=evidence,
        actions=[
            *([goal_first] if goal_first else []),
            *paths,
            f"Update your brag document and bring it: {join_words(wins[:BRAG_SHOWN])}.",
        ],
        rule="timing.window_opened",
    )


def _stretch(state: PersonState, goal: goals.GoalAssessment | None) -> skills.GapPlan | None:
    """The skills plan for the goal role when the person lacks most of its core skills
    (from the profile's skills; unknown without them): then applying for the goal role
    now would contradict the plan, and the win is better spent on a stretch step."""
    role = goal.role if goal is not None and goal.specific else None
    if role is None or state.profile is None or not state.profile.data.skills:
        return None
    plan = skills.gap_plan(role, state.profile.data.skills)
    return plan if plan.to_build and plan.missing * 2 > len(role.core_skills) else None


def _stretch_paths(plan: skills.GapPlan, cited: str, current: str) -> tuple[str, str]:
    """Inside: ask to take on the first missing skill's work; outside: the role one step
    short of the goal (unless that is the ``current`` role already), or the goal role
    leading with what carries over."""
    goal_role = plan.role.title
    first = plan.to_build[0]
    # The project that builds it is in the body: an action read on a phone's first
    # screen says what to do, not every step of it.
    inside = (
        f"Inside: citing {cited}, ask your manager for the work that builds "
        f"{first.name.lower()}, the first skill {goal_role} needs that you have not shown yet."
    )
    cat = skills.catalogue()
    now = cat.find_role(current)
    below = [r for r in cat.roles.values() if r.step_up == plan.role.id and r != now]
    lead = cited
    if plan.carry_over:
        lead += (
            f" and what carries over ({join_words([sk.name.lower() for sk in plan.carry_over])})"
        )
    if below:
        outside = (
            f"Outside: apply for {below[0].title} roles, one step short of {goal_role}, "
            f"leading with {lead}."
        )
    else:
        outside = (
            f"Outside: if you apply for {goal_role} roles now, lead with {lead}, and be "
            f"ready to show how you are building {first.name.lower()}."
        )
    return inside, outside


# "is a major other" says nothing; the other categories read as they are.
_CATEGORY_WORDS = {"other": "success"}


def _goal_first_action(state: PersonState) -> str | None:
    """'Set a specific goal first', unless the person has one."""
    if state.goal is None:
        return "Set a specific goal first: the role, level, organisation and year you aim for."
    goal = goals.assess(state.goal.data)
    if goal.specific:
        return None
    missing = join_words(list(goal.missing))
    return f"Set a specific goal first: your goal scores {goal.score} of 100; name the {missing}."


def _tenure_evidence(state: PersonState, now: datetime) -> list[Evidence]:
    median = Evidence(
        label="Median tenure with current employer",
        value=BLS_MEDIAN_TENURE_YEARS,
        unit="years",
        source=BLS_SOURCE,
        year=BLS_YEAR,
        detail="all US wage and salary workers",
    )
    since = state.profile.data.employer_since if state.profile else None
    if since is None:
        return [median]
    yours = Evidence(
        label="Your tenure with current employer",
        value=_years_since(since, now),
        unit="years",
        source="Your profile",
        year=now.date().isoformat(),
        detail=f"since {since.isoformat()}",
    )
    return [yours, median]


def _wins_on_record(state: PersonState) -> str:
    """How many wins the record holds; it keeps the newest few, so past that it cannot
    say how many there were in all."""
    count = len(state.successes)
    if count >= KEEP_SUCCESSES:
        return f"the {count} most recent wins recorded (older ones are not counted)"
    return f"{count} {'win' if count == 1 else 'wins'} recorded in all"


def _wins(state: PersonState) -> list[str]:
    """The person's recorded wins, newest first, as they would list them."""
    return [
        f"{s.data.title} ({s.data.impact})" if s.data.impact else s.data.title
        for s in reversed(state.successes)
    ]


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lead_apart(body: str, lead: int) -> str:
    """The body with its first ``lead`` characters as a paragraph of their own: the email
    shows the first paragraph, the reason, right under the headline and above the actions,
    so it stays short; whatever the rule added after it follows the actions."""
    rest = body[lead:].strip()
    return f"{body[:lead]}\n\n{rest}" if rest else body
