"""Closing the loop: an offer's outcome and a job change, folded into the record, with
the advice they give (what negotiating earned; you are now X, what is the next role?)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from nextmove.contracts.events import EVENT_MODELS, Envelope
from nextmove.domain import outcomes, timing
from nextmove.domain.coach import Outcome, react
from nextmove.domain.state import KEEP_JOBS, OfferEntry, PersonState
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


def profile(*, at: datetime = T0, base: float | None = 150_000, currency: str = "USD"):
    data = {
        "email": "ana@example.com",
        "current_role": "Software Engineer",
        "current_level": "senior",
        "location": {"city": "Austin", "state": "TX"},
        "skills": ["Python"],
        "employer_since": "2022-02-01",
    }
    if base is not None:
        data["compensation"] = {"base_salary": base, "currency": currency}
    return event("profile.updated", data, at=at)


def offer(offer_id: str = "o-1", base: float = 180_000, *, at: datetime = T0, company="Globex"):
    data = {
        "offer_id": offer_id,
        "company": company,
        "role_title": "Engineering Manager",
        "level": "manager",
        "location": {"city": "Austin", "state": "TX"},
        "package": {"base_salary": base, "sign_on_bonus": 0},
    }
    return event("offer.received", data, at=at, id=f"offer-{offer_id}-{at:%Y%m%d%H%M%S}")


def resolved(
    outcome: str = "accepted",
    *,
    offer_id: str = "o-1",
    base: float | None = 195_000,
    asked: float | None = 200_000,
    at: datetime = T0 + timedelta(days=5),
):
    data: dict = {"offer_id": offer_id, "outcome": outcome, "countered": asked is not None}
    if base is not None:
        data["final_package"] = {"base_salary": base, "sign_on_bonus": 10_000}
    if asked is not None:
        data["counter_base_salary"] = asked
    return event("offer.resolved", data, at=at, id=f"res-{offer_id}-{at:%Y%m%d%H%M%S}")


def job(
    role: str = "Engineering Manager",
    *,
    employer: str = "Globex",
    start: date = date(2026, 4, 1),
    base: float = 195_000,
    at: datetime = T0 + timedelta(days=20),
    level: str = "manager",
):
    data = {
        "role_title": role,
        "level": level,
        "employer": employer,
        "start_date": start.isoformat(),
        "compensation": {"base_salary": base},
    }
    return event(
        "job.changed", data, at=at, id=f"job-{role.replace(' ', '-')[:40]}-{at:%Y%m%d%H%M%S}"
    )


def success(title: str = "Launched the payments API", *, at: datetime = T0):
    data = {"title": title, "category": "launch", "magnitude": "major"}
    return event("success.recorded", data, at=at, id=f"win-{at:%Y%m%d%H%M%S}")


def play(*events, state: PersonState | None = None) -> Outcome:
    out = Outcome(state or PersonState.new(TENANT, "p-1"), [])
    for e in events:
        out = react(out.state, e, tenant=TENANT, thresholds=defaults)
    return out


def body(out: Outcome) -> str:
    [rec] = out.recommendations
    return " ".join(rec.body.split())


# ---- the arithmetic -----------------------------------------------------------------


def test_ten_years_at_3_percent_is_11_46_salaries():
    # (1.03^10 - 1) / 0.03, the sum of a geometric series: 11.4639
    assert outcomes.horizon_factor() == pytest.approx((1.03**10 - 1) / 0.03)
    assert round(outcomes.horizon_factor(), 4) == 11.4639
    assert outcomes.horizon_factor(1) == 1
    assert round(outcomes.over_horizon(15_000)) == 171_958
    assert round(outcomes.over_horizon(-3_000)) == -34_392


# ---- offer.resolved -----------------------------------------------------------------


def test_an_accepted_offer_after_countering_shows_what_negotiating_earned():
    out = play(profile(), offer(base=180_000), resolved(base=195_000, asked=200_000))
    [rec] = out.recommendations
    text = body(out)

    assert (rec.kind, rec.rule, rec.priority) == (
        "negotiation",
        "negotiation.offer_accepted",
        "normal",
    )
    assert rec.headline == "Negotiating earned you $15,000 a year over the first offer"
    assert "You asked for $200,000 and got $195,000, 75% of the way from the first offer" in text
    assert "$15,000 a year more than the first offer of $180,000 (8% more)" in text
    assert "if both paths then grow 3% a year (an assumption, not a forecast" in text
    assert "the $15,000 you negotiated on base comes to $171,958" in text
    # Against old pay: 195,000 / 150,000 = +30%; 10%: 165,000; 20%: 180,000.
    assert "Against your old base of $150,000, it is a raise of 30%" in text
    assert "$343,916 more than a 10% raise ($165,000)" in text  # 30,000 x 11.46388
    assert "$171,958 more than a 20% raise ($180,000)" in text  # 15,000 x 11.4639
    assert "More than even a generous job-mindset raise" in text
    assert "the final package adds $10,000 more sign-on" in text
    labels = {e.label: e.value for e in rec.evidence}
    assert labels["First offer (base)"] == 180_000
    assert labels["Accepted (base)"] == 195_000
    assert labels["Your counter (base)"] == 200_000
    assert labels["10 years against a 10% job-mindset raise"] == 343_916
    assert labels["10 years against a 20% job-mindset raise"] == 171_958


def test_the_first_offer_is_measured_from_even_after_a_revised_version():
    revised = offer(base=190_000, at=T0 + timedelta(days=2))
    out = play(profile(), offer(base=180_000), revised, resolved(base=None, asked=200_000))
    text = body(out)
    # No final package: the latest version is what was signed.
    assert "at $190,000 base" in text
    assert "$10,000 a year more than the first offer of $180,000" in text


def test_taking_the_first_number_is_said_plainly_and_compared_honestly():
    out = play(profile(base=175_000), offer(base=180_000), resolved(base=180_000, asked=None))
    text = body(out)
    assert out.recommendations[0].headline.startswith("Offer accepted")
    assert "You did not counter." in text
    assert "next time, counter from the market rate of the role" in text
    assert "you negotiated on base" not in text
    # 180,000 against 175,000: +3%, below a 10% raise (192,500): 12,500 x 11.4639 less.
    assert "it is a raise of 3%" in text
    assert "$143,298 less than a 10% raise ($192,500)" in text
    assert "Less than a job-mindset raise would have brought" in text


def test_without_old_pay_there_is_no_invented_comparison():
    text = body(play(profile(base=None), offer(), resolved()))
    assert "no current pay on record in this currency" in text
    assert "job-mindset raise (" not in text and "old base" not in text


def test_old_pay_in_another_currency_is_not_compared():
    text = body(play(profile(base=90_000, currency="EUR"), offer(), resolved()))
    assert "no current pay on record in this currency" in text


@pytest.mark.parametrize("outcome", ["declined", "withdrawn"])
def test_a_declined_or_withdrawn_offer_closes_it_without_advice(outcome):
    out = play(profile(), offer("o-1"), resolved(outcome, asked=None))
    assert out.recommendations == []
    assert out.state.resolution("o-1").data.outcome == outcome
    assert out.state.open_offers(T0.date()) == []


def test_a_resolved_offer_is_not_compared_with_the_next_one():
    closed = play(profile(), offer("o-1", company="Northwind"), resolved("declined", asked=None))
    out = play(
        offer("o-2", 170_000, at=T0 + timedelta(days=6), company="Contoso"), state=closed.state
    )
    [rec] = out.recommendations
    assert "Northwind" not in rec.body and "Your open offers" not in rec.body


def test_an_outcome_for_an_unknown_offer_is_recorded_without_advice():
    out = play(profile(), resolved(offer_id="o-never-seen"))
    assert out.recommendations == []
    assert out.state.resolution("o-never-seen") is not None
    # When the offer arrives after its outcome, it is stored, closed, and not negotiated.
    late = play(offer("o-never-seen"), state=out.state)
    assert late.recommendations == []
    assert late.state.offer("o-never-seen") is not None
    assert late.state.open_offers(T0.date()) == []


def test_an_older_outcome_does_not_replace_a_newer_one():
    newer = resolved("accepted", at=T0 + timedelta(days=6))
    older = resolved("declined", asked=None, at=T0 + timedelta(days=5))
    out = play(profile(), offer(), newer, older)
    assert out.state.resolution("o-1").data.outcome == "accepted"
    assert out.recommendations == []  # the late one says nothing


def test_a_redelivered_outcome_is_one_fact_and_the_same_advice():
    first = play(profile(), offer(), resolved())
    again = play(resolved(), state=first.state)
    assert again.state == first.state
    assert again.recommendations == first.recommendations


# ---- job.changed --------------------------------------------------------------------


def test_a_job_change_asks_for_the_next_role_and_restarts_tenure():
    out = play(profile(), job("Engineering Manager", start=date(2026, 4, 1)))
    [rec] = out.recommendations
    text = body(out)

    assert (rec.kind, rec.rule) == ("goal", "goal.next_role")
    assert rec.headline == "You are now Engineering Manager: what is the next role?"
    assert "You are now Engineering Manager at Globex (since 2026-04-01)" in text
    assert "Your base went from $150,000 (as Software Engineer) to $195,000: a raise of 30%" in text
    assert "Your tenure restarts: NextMove counts it from 2026-04-01" in text
    assert "You have no goal on record yet" in text
    # The record: the profile now says what the new job is; tenure counts from its start.
    data = out.state.profile.data
    assert (data.current_role, data.current_level) == ("Engineering Manager", "manager")
    assert data.compensation.base_salary == 195_000
    assert data.employer_since == date(2026, 4, 1)
    assert timing.tenure_years(out.state, datetime(2027, 4, 1, tzinfo=UTC)) == 1.0


def test_reaching_the_goal_role_says_so():
    goal = event("goal.updated", {"statement": "Become an Engineering Manager by 2027"})
    text = body(play(profile(), goal, job("Engineering Manager")))
    assert "You reached your goal, Engineering Manager: it is time to set the next one." in text


def test_a_job_change_closes_the_open_window():
    win = success(at=T0)
    before = play(profile(), win)
    assert [r.rule for r in before.recommendations] == ["timing.window_opened"]
    out = play(job(start=date(2026, 3, 20), at=T0 + timedelta(days=20)), state=before.state)
    assert "The window your win 'Launched the payments API' opened is closed" in body(out)
    assert timing.open_window(out.state, T0 + timedelta(days=30)) is None
    # A win in the new job opens the next one.
    new_win = success("Shipped the team's first release", at=T0 + timedelta(days=40))
    after = play(new_win, state=out.state)
    assert [r.rule for r in after.recommendations] == ["timing.window_opened"]


def test_the_career_history_is_kept_in_order_and_bounded():
    jobs = [
        job(f"Role {n}", employer=f"Co {n}", start=date(2015 + n, 1, 1), at=T0 + timedelta(days=n))
        for n in range(KEEP_JOBS + 2)
    ]
    out = play(profile(), *jobs)
    assert len(out.state.jobs) == KEEP_JOBS
    assert [j.data.role_title for j in out.state.jobs] == [f"Role {n}" for n in range(2, 12)]
    text = out.recommendations[-1].body
    assert "Your career so far, newest first:\n- 2026-01-01: Role 11 (manager) at Co 11" in text
    assert "Your base went from $195,000 (as Role 10 at Co 10)" in text


def test_an_older_job_change_joins_the_history_without_replacing_the_current_job():
    current = job("Engineering Manager", start=date(2026, 4, 1), at=T0 + timedelta(days=20))
    older = job("Tech Lead", start=date(2025, 1, 1), base=170_000, at=T0 + timedelta(days=25))
    out = play(profile(), current, older)
    assert out.recommendations == []
    assert [j.data.role_title for j in out.state.jobs] == ["Tech Lead", "Engineering Manager"]
    assert out.state.profile.data.current_role == "Engineering Manager"


def test_a_late_older_profile_does_not_undo_the_job_change():
    out = play(profile(at=T0), job(at=T0 + timedelta(days=20)))
    late = play(profile(at=T0 + timedelta(days=10), base=151_000), state=out.state)
    assert late.state.profile.data.current_role == "Engineering Manager"
    assert late.state.profile.data.compensation.base_salary == 195_000
    # A newer profile, sent after the job change, is what the partner knows now.
    newer = play(profile(at=T0 + timedelta(days=30), base=199_000), state=late.state)
    assert newer.state.profile.data.compensation.base_salary == 199_000


def test_a_move_with_the_same_employer_keeps_tenure_with_it():
    first = job("Engineering Manager", employer="Globex", start=date(2025, 1, 1))
    second = job(
        "Director of Engineering",
        employer="Globex",
        start=date(2026, 4, 1),
        at=T0 + timedelta(days=30),
        level="director",
    )
    out = play(profile(), first, second)
    assert "You stay with Globex: your tenure there continues." in body(
        Outcome(out.state, out.recommendations[-1:])
    )
    assert out.state.profile.data.employer_since == date(2025, 1, 1)


def test_a_redelivered_job_change_is_one_fact_and_the_same_advice():
    first = play(profile(), job())
    again = play(job(), state=first.state)
    assert again.state == first.state
    assert again.recommendations == first.recommendations


def test_advice_on_a_resolved_offer_is_closed_including_its_first_version():
    first, revised = offer(base=180_000), offer(base=190_000, at=T0 + timedelta(days=2))
    state = play(profile(), first, revised).state
    assert not state.advice_closed(first.id) and not state.advice_closed(revised.id)
    closed = play(resolved("withdrawn", asked=None), state=state).state
    assert closed.advice_closed(first.id) and closed.advice_closed(revised.id)
    assert not closed.advice_closed("some-other-event")


def test_zero_figures_do_not_break_the_arithmetic():
    # An offer of $0 base (negotiation itself is not run here: only the record).
    zero = offer(base=0)
    state = play(profile()).state.with_offer(
        OfferEntry(event_id=zero.id, occurred_at=zero.occurred_at, data=zero.data)
    )
    text = body(play(resolved(base=50_000, asked=60_000), state=state))
    assert "$50,000 a year more than the first offer of $0: what negotiating" in text
    job_text = body(play(profile(base=0), job(base=0)))
    assert "Your base went from" not in job_text


def test_a_long_title_still_fits_the_headline():
    [rec] = play(profile(), job("Principal " + "x" * 190)).recommendations
    assert len(rec.headline) <= 200 and rec.headline.endswith("…: what is the next role?")


def test_a_counter_that_moved_nothing_is_not_called_a_gain():
    text = body(play(profile(), offer(base=180_000), resolved(base=180_000, asked=200_000)))
    assert "You asked for $200,000 and got $180,000." in text
    assert "The base stayed at the first offer's $180,000 or below." in text
    assert "what negotiating earned you" not in text


def test_a_revised_offer_taken_without_a_counter_is_not_credited_to_negotiating():
    revised = offer(base=190_000, at=T0 + timedelta(days=2))
    out = play(profile(), offer(base=180_000), revised, resolved(base=None, asked=None))
    text = body(out)
    assert (
        "$10,000 a year more than the first offer of $180,000 (6% more): what the revised" in text
    )
    assert "the $10,000 the revision added on base comes to $114,639" in text
    assert out.recommendations[0].headline.startswith("Offer accepted")


def test_a_job_change_replaces_the_profiles_occupation_code():
    coded = profile().model_copy(
        update={"data": profile().data.model_copy(update={"occupation_code": "15-1252"})}
    )
    out = play(coded, job("Engineering Manager"))
    assert out.state.profile.data.occupation_code is None  # not the old job's code
    manager = event(
        "job.changed",
        {**job().data.model_dump(mode="json"), "occupation_code": "11-3021"},
        at=T0 + timedelta(days=30),
        id="job-coded",
    )
    assert play(manager, state=out.state).state.profile.data.occupation_code == "11-3021"
