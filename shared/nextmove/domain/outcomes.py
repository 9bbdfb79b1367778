"""Closing the loop: what an offer's outcome and a job change tell the person.

**An accepted offer** (rule ``negotiation.offer_accepted``) gets one "negotiation"
recommendation, in the person's own numbers: what they asked (when they countered),
what they got, against the first version of the offer and against their old pay; then,
over a ten-year horizon, the new base against what a job-mindset raise (10% and 20%
over the old pay: what asking from current pay tends to bring) would have paid. The
assumption is stated in the advice: both paths then grow alike, ``GROWTH`` (3%) a year,
so a yearly gap in base counts ``horizon_factor()`` (11.46) times; a comparison, not a
forecast. A declined or withdrawn offer is recorded and closes the offer (it no longer
counts as open, a later version of it is not negotiated, and its advice still waiting
to be emailed is not sent); it gets no advice of its own. An outcome for an offer
NextMove never saw is recorded without advice: there is no first offer to measure
against, and NextMove says nothing it cannot back with the person's figures.

**A job change** (rule ``goal.next_role``) gets one "goal" recommendation: you are now X
at Y; what is the next role? The window a past success held open closes (no success
from before the new start opens one), tenure restarts with a new employer, and the
career history (roles and pay over time) is shown with the change in base since the
previous role. What the move left behind (the role and pay before it, the window it
closed) is kept on the job's entry, so a redelivery gives the same advice.

Pure: no boto3, no clock; every date comes from the events.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from nextmove.contracts.events import (
    CompensationPackage,
    CurrentCompensation,
    JobChanged,
    OfferResolved,
)
from nextmove.contracts.recommendation import Evidence, Recommendation
from nextmove.domain import goals, skills, timing
from nextmove.domain.state import JobEntry, PersonState, ResolutionEntry
from nextmove.domain.wording import join_words, money, pct

RULE_ACCEPTED = "negotiation.offer_accepted"
RULE_NEXT_ROLE = "goal.next_role"
RULE_SOURCE = "NextMove outcome rule"
RULE_YEAR = "2026"
RECORD = "Your NextMove record"

HORIZON_YEARS = 10
GROWTH = 0.03  # both paths grow alike after the move: the assumption the advice states
JOB_MINDSET_RAISES = (0.10, 0.20)  # what a raise asked from current pay tends to be
HISTORY_SHOWN = 5  # the newest jobs the advice lists (the record keeps KEEP_JOBS)


# ---- the arithmetic -----------------------------------------------------------------


def horizon_factor(years: int = HORIZON_YEARS, growth: float = GROWTH) -> float:
    """How many of this year's salaries ``years`` years of it come to, when it grows by
    ``growth`` a year: 1 + (1+g) + ... + (1+g)^(years-1). 11.46 for 10 years at 3%."""
    return sum((1 + growth) ** year for year in range(years))


def over_horizon(yearly_gap: float, years: int = HORIZON_YEARS, growth: float = GROWTH) -> float:
    """A yearly difference in base, summed over ``years`` as both paths grow alike."""
    return yearly_gap * horizon_factor(years, growth)


# ---- offer.resolved -----------------------------------------------------------------


def advise_resolution(
    state: PersonState, event: OfferResolved, *, tenant: str
) -> Recommendation | None:
    """Rule ``negotiation.offer_accepted``: for an accepted offer NextMove saw, what
    negotiating from the market earned the person; nothing for any other outcome."""
    resolution = event.data
    offer = state.offer(resolution.offer_id)
    if resolution.outcome != "accepted" or offer is None:
        return None
    first, first_at = offer.first
    final = resolution.final_package or offer.data.package
    cur = final.currency
    company = offer.data.company
    got, first_base = final.base_salary, first.base_salary
    on = event.occurred_at.date().isoformat()
    offered_on = first_at.date().isoformat()

    evidence = [
        Evidence(
            label="First offer (base)",
            value=first_base,
            unit=first.currency,
            source=RECORD,
            year=offered_on,
            detail=f"{company}, {offer.data.role_title}",
        ),
        Evidence(
            label="Accepted (base)",
            value=got,
            unit=cur,
            source="Your offer's outcome",
            year=on,
            detail=f"{company}, {offer.data.role_title}",
        ),
    ]
    parts = [
        f"You accepted {company}'s offer for {offer.data.role_title} at {money(got, cur)} base."
    ]
    asked = resolution.counter_base_salary if cur == first.currency else None
    gained = got - first_base if cur == first.currency else None
    if asked is not None:
        parts.append(
            f"You asked for {money(asked, cur)} and got {money(got, cur)}"
            f"{_share(asked, got, first_base)}."
        )
        evidence.append(
            Evidence(
                label="Your counter (base)",
                value=asked,
                unit=cur,
                source="Your offer's outcome",
                year=on,
            )
        )
    else:
        parts.append("You countered." if resolution.countered else "You did not counter.")
    negotiated = resolution.countered or asked is not None
    if gained is not None and gained > 0:
        share = f" ({pct(gained / first_base)} more)" if first_base > 0 else ""
        why = "what negotiating earned you" if negotiated else "what the revised offer added"
        parts.append(
            f"That is {money(gained, cur)} a year more than the first offer of "
            f"{money(first_base, cur)}{share}: {why}."
        )
    elif gained is not None and negotiated:
        parts.append(
            f"The base stayed at the first offer's {money(first_base, cur)} or below. Ask now "
            "for a written salary review within six months; next time, anchor your counter "
            "on the market rate of the role and hold it."
        )
    elif gained is not None:
        below = " or less" if gained < 0 else ""
        parts.append(
            f"That is the first offer's base of {money(first_base, cur)}{below}: next time, "
            "counter from the market rate of the role; employers expect it."
        )
    extras = _extras_gained(first, final)
    if extras:
        parts.append(f"Beyond base, the final package adds {join_words(extras)}.")

    factor = horizon_factor()
    assumption = (
        f"Over {HORIZON_YEARS} years, if both paths then grow {pct(GROWTH)} a year (an "
        "assumption, not a forecast: the same share every year on either path, so a gap in "
        f"base now is a gap {factor:.2f} times over)"
    )
    old = _old_base(state, cur)
    body = [" ".join(parts)]
    if gained is not None and gained > 0:
        won = "you negotiated" if negotiated else "the revision added"
        body.append(
            f"{assumption}, the {money(gained, cur)} {won} on base comes to "
            f"{money(over_horizon(gained), cur)}."
        )
        assumption = f"Over the same {HORIZON_YEARS} years"
    if old is None:
        body.append(
            "NextMove has no current pay on record in this currency, so it cannot set this "
            "base against your old pay or against a job-mindset raise."
        )
    else:
        old_base, old_on = old
        raise_ = got / old_base - 1
        evidence.append(
            Evidence(
                label="Your old base",
                value=old_base,
                unit=cur,
                source="Your profile",
                year=old_on,
            )
        )
        evidence.append(
            Evidence(
                label="Raise over your old base",
                value=round(raise_ * 100, 1),
                unit="%",
                source="Your offer's outcome and your profile",
                year=on,
                detail=f"{money(got, cur)} against {money(old_base, cur)}",
            )
        )
        change = (
            f"a raise of {pct(raise_)}"
            if raise_ >= 0
            else f"a pay cut of {pct(-raise_)} ({money(old_base - got, cur)} a year less)"
        )
        compared = []
        for mindset in JOB_MINDSET_RAISES:
            alternative = old_base * (1 + mindset)
            gap = over_horizon(got - alternative)
            side = "more" if gap >= 0 else "less"
            compared.append(
                f"{money(abs(gap), cur)} {side} than a {pct(mindset)} raise "
                f"({money(alternative, cur)})"
            )
            evidence.append(
                Evidence(
                    label=f"{HORIZON_YEARS} years against a {pct(mindset)} job-mindset raise",
                    value=round(gap),
                    unit=cur,
                    source=RULE_SOURCE,
                    year=RULE_YEAR,
                    detail=(
                        f"({money(got, cur)} - {money(alternative, cur)}) x {factor:.2f}: both "
                        f"grow {pct(GROWTH)} a year for {HORIZON_YEARS} years"
                    ),
                )
            )
        low, high = (old_base * (1 + m) for m in JOB_MINDSET_RAISES)
        if got >= high:
            verdict = "More than even a generous job-mindset raise would have brought."
        elif got >= low:
            verdict = "More than a typical job-mindset raise, short of a generous one."
        else:
            verdict = (
                "Less than a job-mindset raise would have brought: worth knowing, and a "
                "reason to ask from the market for the next role."
            )
        body.append(
            f"Against your old base of {money(old_base, cur)}, it is {change}. A job-mindset "
            f"move, asking from current pay, tends to bring {pct(JOB_MINDSET_RAISES[0])} to "
            f"{pct(JOB_MINDSET_RAISES[1])}. {assumption}, your new base earns "
            f"{compared[0]} and {compared[1]}. {verdict}"
        )
    body.append(
        "This offer is closed: NextMove no longer counts it among your open offers. When "
        "you start, send your new role as a job change and NextMove will restart your "
        "tenure and ask about the role after this one."
    )
    return Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="negotiation",
        created_at=event.occurred_at,
        priority="normal",
        headline=_accepted_headline(gained if negotiated else None, cur),
        body="\n\n".join(body),
        evidence=evidence,
        actions=[
            "Get the final package in writing, signed, before you resign.",
            "Note what worked in this negotiation, for the next one.",
            "When you start, set the goal for the role after this one.",
        ],
        rule=RULE_ACCEPTED,
    )


def _share(asked: float, got: float, first: float) -> str:
    """How much of the ask the person got: ': all of it', or how far from the first offer."""
    if got >= asked:
        return ": all of it"
    if asked > first and got > first:
        return (
            f", {pct((got - first) / (asked - first))} of the way from the first offer to your ask"
        )
    return ""


def _accepted_headline(gained: float | None, currency: str) -> str:
    if gained is not None and gained > 0:
        return f"Negotiating earned you {money(gained, currency)} a year over the first offer"
    return "Offer accepted: your numbers, and what to ask next time"


def _extras_gained(first: CompensationPackage, final: CompensationPackage) -> list[str]:
    """What the final package added beyond base, in words."""
    if first.currency != final.currency:
        return []
    cur = final.currency
    said = []
    if final.sign_on_bonus > first.sign_on_bonus:
        said.append(f"{money(final.sign_on_bonus - first.sign_on_bonus, cur)} more sign-on")
    if final.equity_grant_value > first.equity_grant_value:
        said.append(
            f"{money(final.equity_grant_value - first.equity_grant_value, cur)} more equity"
        )
    if final.target_bonus_pct > first.target_bonus_pct:
        more = final.target_bonus_pct - first.target_bonus_pct
        said.append(f"{more:g} points more target bonus")
    return said


def _old_base(state: PersonState, currency: str) -> tuple[float, str] | None:
    """The person's base before this move (the profile's, as the current job left it),
    when known and in ``currency``."""
    if state.profile is None or state.profile.data.compensation is None:
        return None
    pay = state.profile.data.compensation
    if pay.currency != currency or pay.base_salary <= 0:
        return None
    return pay.base_salary, state.profile.occurred_at.date().isoformat()


def resolution_entry(event: OfferResolved) -> ResolutionEntry:
    return ResolutionEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)


# ---- job.changed --------------------------------------------------------------------


def job_entry(state: PersonState, event: JobChanged) -> JobEntry:
    """The job as the record keeps it: a redelivery finds the entry first stored, with
    what the move left behind (the role and pay before it, the window it closed)."""
    stored = next((j for j in state.jobs if j.event_id == event.id), None)
    if stored is not None:
        return stored
    current = state.current_job
    pay_before: CurrentCompensation | None
    new = JobEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)
    if current is not None and current.order > new.order:
        return new  # an older job arriving late: history only, it left nothing behind
    if current is not None:
        role_before: str | None = f"{current.data.role_title} at {current.data.employer}"
        pay_before = current.data.compensation
    elif state.profile is not None:
        role_before = state.profile.data.current_role
        pay_before = state.profile.data.compensation
    else:
        role_before, pay_before = None, None
    window = timing.open_window(state, event.occurred_at)
    return new.model_copy(
        update={
            "role_before": role_before,
            "pay_before": pay_before,
            "closed_window_of": window[0].data.title if window is not None else None,
        }
    )


def close_window(state: PersonState, job: JobEntry) -> PersonState:
    """The timing window closes: no success from before the new job's start opens one."""
    closes = datetime.combine(job.data.start_date, time(), tzinfo=UTC)
    stored = state.timing.window_closed_at
    if stored is not None and stored >= closes:
        return state
    timing = state.timing.model_copy(update={"window_closed_at": closes})
    return state.model_copy(update={"timing": timing})


def advise_job_change(
    state: PersonState, entry: JobEntry, event: JobChanged, *, tenant: str
) -> Recommendation:
    """Rule ``goal.next_role``: you are now X; what is the next role? ``state`` holds the
    job ``entry`` as its current job."""
    job = event.data
    cur = job.compensation.currency
    role = f"{job.role_title} at {job.employer}"
    started = job.start_date.isoformat()
    previous = _previous_job(state, event.id)
    new_employer = _new_employer(previous, job.employer)
    evidence = [
        Evidence(
            label="New role",
            value=f"{job.role_title} ({job.level}), {job.employer}",
            source="Your job change",
            year=started,
            detail=f"base {money(job.compensation.base_salary, cur)}",
        ),
        Evidence(
            label="Tenure with your employer counts from",
            value=started if new_employer else "your start with them (unchanged)",
            source="Your job change",
            year=started,
            detail="a new employer restarts it" if new_employer else "the same employer",
        ),
    ]
    paragraphs = [f"You are now {role} (since {started}): what is the next role?"]

    old_pay = _pay_before(entry, cur)
    if old_pay is not None:
        old_base, where = old_pay
        change = job.compensation.base_salary / old_base - 1
        word = f"a raise of {pct(change)}" if change >= 0 else f"a cut of {pct(-change)}"
        paragraphs.append(
            f"Your base went from {money(old_base, cur)} ({where}) to "
            f"{money(job.compensation.base_salary, cur)}: {word}."
        )
        evidence.append(
            Evidence(
                label="Change in base over your previous role",
                value=round(change * 100, 1),
                unit="%",
                source=RECORD,
                year=started,
                detail=f"{money(job.compensation.base_salary, cur)} against {money(old_base, cur)}",
            )
        )

    history = _history(state)
    if len(state.jobs) > 1:
        paragraphs.append("Your career so far, newest first:\n" + history)

    goal_line = _goal_line(state, job.role_title)
    paragraphs.append(goal_line)
    closed = (
        f"The window your win '{entry.closed_window_of}' opened is closed: it belongs to "
        "your last role; a major success in this one will open the next."
        if entry.closed_window_of
        else ""
    )
    tenure = (
        f"Your tenure restarts: NextMove counts it from {started}."
        if new_employer
        else f"You stay with {job.employer}: your tenure there continues."
    )
    paragraphs.append(" ".join(part for part in (closed, tenure) if part))
    next_up = _next_role(job.role_title)
    example = (
        f"Become {next_up} at <kind and size of organisation> in <industry> by "
        f"{job.start_date.year + 3}"
    )
    paragraphs.append(
        f"Set the next goal while the move is fresh: a specific role, level and kind of "
        f'organisation, with a date. For example: "{example}" (fill in the slots).'
    )
    return Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="goal",
        created_at=event.occurred_at,
        priority="normal",
        headline=f"You are now {_clip(job.role_title)}: what is the next role?",
        body="\n\n".join(paragraphs),
        evidence=evidence,
        actions=[
            f"Name the role after {job.role_title}, and by when.",
            "In your first 90 days, agree with your manager what a major success looks like.",
            "Start a record of your wins in the new role from week one.",
        ],
        rule=RULE_NEXT_ROLE,
    )


def _previous_job(state: PersonState, event_id: str) -> JobEntry | None:
    earlier = [j for j in state.jobs if j.event_id != event_id]
    return earlier[-1] if earlier else None


def _new_employer(previous: JobEntry | None, employer: str) -> bool:
    return previous is None or previous.data.employer != employer


def _pay_before(entry: JobEntry, currency: str) -> tuple[float, str] | None:
    """The base before this move, and in which role, when known and in ``currency``."""
    pay = entry.pay_before
    if pay is None or pay.currency != currency or pay.base_salary <= 0:
        return None
    return pay.base_salary, f"as {entry.role_before}"


def _history(state: PersonState) -> str:
    """The newest jobs in the record, one a line: role, level, employer, start, base."""
    lines = []
    for job in reversed(state.jobs[-HISTORY_SHOWN:]):
        pay = job.data.compensation
        lines.append(
            f"- {job.data.start_date.isoformat()}: {job.data.role_title} ({job.data.level}) at "
            f"{job.data.employer}, {money(pay.base_salary, pay.currency)} base"
        )
    return "\n".join(lines)


def _goal_line(state: PersonState, new_role: str) -> str:
    """What the move means for the goal on record."""
    if state.goal is None:
        return "You have no goal on record yet: the next one is the place to start."
    assessment = goals.assess(state.goal.data)
    target = assessment.found.get("role")
    if target and _same_role(target, new_role):
        return f"You reached your goal, {target}: it is time to set the next one."
    stated = state.goal.data.statement
    return (
        f'Your goal on record is "{stated}". Check it still fits from where you are now, '
        "or set a new one."
    )


def _same_role(target: str, new_role: str) -> bool:
    cat = skills.catalogue()
    a, b = cat.find_role(target), cat.find_role(new_role)
    if a is not None and b is not None:
        return a is b
    return target.casefold() in new_role.casefold()


def _next_role(title: str) -> str:
    cat = skills.catalogue()
    current = cat.find_role(title)
    if current is not None and current.step_up:
        return cat.roles[current.step_up].title
    return f"<the role after {title}>"


def _clip(text: str, limit: int = 150) -> str:
    """A title short enough for a headline (a headline holds 200 characters)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
