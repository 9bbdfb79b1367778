"""Negotiation advice for an offer: what a person reading the recommendation would see.

Market figures come from the packaged BLS data through ``nextmove.reference.market``; the
expected counters are computed from it here, so a data refresh does not break the tests.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextmove.contracts.events import (
    CompensationPackage,
    CurrentCompensation,
    Level,
    Location,
    OfferData,
    OfferReceived,
    ProfileData,
    SuccessData,
)
from nextmove.contracts.recommendation import Evidence, Recommendation, recommendation_id
from nextmove.domain.negotiation import (
    RULE_MARKET_ANCHOR,
    RULE_NO_MARKET_DATA,
    MarketView,
    advise_offer,
    counter_offer,
    total_comp,
)
from nextmove.domain.state import OfferEntry, PersonState, ProfileEntry, SuccessEntry
from nextmove.domain.wording import money
from nextmove.reference import market, titles

TENANT = "acme-careers"
PERSON = "person-1"
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SWE_TITLE = "Senior Software Engineer"


# ---- builders ----------------------------------------------------------------------


def offer_data(
    *,
    offer_id: str = "offer-globex",
    company: str = "Globex",
    title: str = SWE_TITLE,
    level: Level = "senior",
    city: str | None = "Austin",
    state: str | None = "TX",
    country: str = "US",
    base: float = 150_000,
    currency: str = "USD",
    bonus_pct: float = 0,
    equity: float = 0,
    vesting_years: int = 4,
    cliff_months: int = 12,
    sign_on: float = 0,
    deadline: date | None = None,
    occupation_code: str | None = None,
) -> OfferData:
    return OfferData(
        offer_id=offer_id,
        company=company,
        role_title=title,
        level=level,
        location=Location(city=city, state=state, country=country),
        package=CompensationPackage(
            base_salary=base,
            currency=currency,
            target_bonus_pct=bonus_pct,
            equity_grant_value=equity,
            vesting_years=vesting_years,
            cliff_months=cliff_months,
            sign_on_bonus=sign_on,
        ),
        occupation_code=occupation_code,
        deadline=deadline,
    )


def offer_event(data: OfferData | None = None, *, at: datetime = AT) -> OfferReceived:
    return OfferReceived(
        id="evt-offer-1",
        type="offer.received",
        occurred_at=at,
        person_id=PERSON,
        data=data or offer_data(),
    )


def person(
    event: OfferReceived,
    *,
    current_base: float | None = None,
    current_currency: str = "USD",
    successes: list[SuccessEntry] | None = None,
    other_offers: list[OfferEntry] | None = None,
) -> PersonState:
    """A person whose record already holds the offer, as the coach folds it in first."""
    compensation = (
        CurrentCompensation(base_salary=current_base, currency=current_currency)
        if current_base is not None
        else None
    )
    profile = ProfileData(
        email="sam@example.com",
        current_role="Software Engineer",
        current_level="mid",
        location=Location(city="Austin", state="TX"),
        compensation=compensation,
    )
    this_offer = OfferEntry(event_id=event.id, occurred_at=event.occurred_at, data=event.data)
    return PersonState(
        tenant=TENANT,
        person_id=PERSON,
        profile=ProfileEntry(
            event_id="evt-profile", occurred_at=AT - timedelta(days=30), data=profile
        ),
        successes=successes or [],
        offers=[*(other_offers or []), this_offer],
    )


def major_success(days_before: int, magnitude: str = "major") -> SuccessEntry:
    return SuccessEntry(
        event_id=f"evt-success-{days_before}",
        occurred_at=AT - timedelta(days=days_before),
        data=SuccessData(title="Launched payments v2", category="launch", magnitude=magnitude),
    )


def advise(event: OfferReceived, state: PersonState | None = None) -> Recommendation:
    [recommendation] = advise_offer(state or person(event), event, tenant=TENANT)
    return recommendation


def evidence(rec: Recommendation, label: str) -> Evidence:
    [item] = [e for e in rec.evidence if e.label == label]
    return item


def counter_of(rec: Recommendation) -> float:
    value = evidence(rec, "Counter-offer (base)").value
    assert isinstance(value, float | int)
    return value


def up_to_thousand(amount: float) -> int:
    """The counter's rounding: up, never below the figure it anchors on."""
    return math.ceil(amount / 1000) * 1000


def austin_swe() -> market.WagePercentiles:
    occupation = market.occupation_for_title(SWE_TITLE)
    assert occupation is not None
    wages = market.wages(occupation.soc, city="Austin", state="TX")
    assert wages is not None
    return wages


def p75() -> int:
    value = austin_swe().at(market.LEVEL_PERCENTILE["senior"])
    assert value is not None
    return value


def below_market_base() -> int:
    """A realistic base the Austin market beats by more than the 5% minimum ask."""
    return up_to_thousand(p75() * 0.85)


# ---- market position and the counter -----------------------------------------------


def test_senior_swe_in_austin_is_countered_at_the_metro_75th_percentile() -> None:
    wages = austin_swe()
    rec = advise(offer_event(offer_data(base=below_market_base())))

    expected = up_to_thousand(p75())
    assert counter_of(rec) == expected
    assert rec.headline == (
        f"Counter at ${expected:,}: the market for this role pays more than the offer"
    )
    assert rec.rule == RULE_MARKET_ANCHOR
    assert rec.kind == "negotiation"
    # The reader is told which area the figures are for, and the level's percentile.
    assert wages.area_level == "metro"
    assert f"{wages.area_name} metro area" in rec.body
    area = evidence(rec, "Market area")
    assert (area.value, area.detail) == (
        f"{wages.area_name} (metro area)",
        "the metro area where the job is based",
    )
    mapping = evidence(rec, "Level to market percentile")
    assert mapping.value == "senior → 75th percentile"
    # The whole mapping is shown, not only the level's own point.
    assert mapping.detail is not None
    assert "mid → median" in mapping.detail and "senior and manager → 75th" in mapping.detail
    assert evidence(rec, "Occupation").value == "Software Developers (SOC 15-1252)"
    assert "anchor on the 75th percentile" in rec.body
    assert "what you are paid now does not" in rec.body


def test_every_market_figure_names_its_source_and_release() -> None:
    wages = austin_swe()
    rec = advise(offer_event(offer_data(base=below_market_base())))

    median = evidence(rec, "Market median")
    assert median.value == wages.p50
    assert (median.source, median.year, median.unit) == ("BLS OEWS", wages.release, "USD")
    # Source and release are said once, by source and year; the detail names the rest.
    assert median.detail == f"Software Developers, {wages.area_name} (metro area)"
    assert all(item.source and item.year for item in rec.evidence)
    for item in rec.evidence:
        assert f"{item.source} {item.year}" not in (item.detail or "")


def test_the_offer_base_and_total_comp_are_placed_on_the_distribution() -> None:
    wages = austin_swe()
    base = below_market_base()
    rec = advise(offer_event(offer_data(base=base, bonus_pct=10, equity=100_000)))

    base_position = wages.position(base)
    assert base_position is not None
    placed = evidence(rec, "Offer base on the market")
    # In words, as the body says it: "about the 32nd" percentile.
    assert placed.unit == "percentile"
    assert str(placed.value).startswith(f"about the {round(base_position)}")
    assert f"at {str(placed.value).replace('the', "the market's")} percentile" in rec.body
    assert evidence(rec, "Offer total compensation on the market").source == "BLS OEWS"
    assert "BLS wages leave out equity" in rec.body


def test_a_fresh_major_success_raises_the_counter_by_five_percent() -> None:
    event = offer_event(offer_data(base=below_market_base()))

    fresh = advise(event, person(event, successes=[major_success(days_before=90)]))
    stale = advise(event, person(event, successes=[major_success(days_before=400)]))
    minor = advise(event, person(event, successes=[major_success(90, magnitude="notable")]))

    assert counter_of(fresh) == up_to_thousand(p75() * 1.05)
    assert "Launched payments v2" in fresh.body
    assert counter_of(stale) == counter_of(minor) == up_to_thousand(p75())


def test_a_strong_offer_is_still_countered_above_its_base() -> None:
    base = up_to_thousand(p75() * 1.2)
    rec = advise(offer_event(offer_data(base=base)))

    assert rec.headline == "This offer is strong — still ask, starting with base"
    assert counter_of(rec) == up_to_thousand(base * 1.05)
    assert rec.actions[1] == f"Counter on base at ${counter_of(rec):,.0f}."


def test_the_counter_is_never_below_the_offer_even_above_the_published_range() -> None:
    base = 1_000_000.0
    rec = advise(offer_event(offer_data(base=base, level="staff")))
    assert counter_of(rec) >= base


# ---- total compensation and side by side ------------------------------------------


def test_total_comp_adds_bonus_equity_per_year_and_sign_on_spread_over_vesting() -> None:
    data = offer_data(
        base=150_000, bonus_pct=10, equity=160_000, vesting_years=4, cliff_months=12, sign_on=20_000
    )
    comp = total_comp(data)

    assert comp.bonus == 15_000
    assert comp.equity_per_year == 40_000
    assert comp.sign_on_per_year == 5_000
    assert comp.per_year == 210_000

    rec = advise(offer_event(data))
    assert evidence(rec, "Total compensation per year at Globex").value == 210_000
    assert "$210,000 a year = $150,000 base + $15,000 target bonus" in rec.body
    assert (
        "$40,000 equity a year ($160,000 over 4 years; nothing vests before month 12)" in rec.body
    )
    assert "$5,000 sign-on a year ($20,000 spread over 4 years)" in rec.body


def test_two_open_offers_are_compared_side_by_side_by_total_comp() -> None:
    event = offer_event(offer_data(base=150_000, bonus_pct=10, equity=160_000, sign_on=20_000))
    initech = OfferEntry(
        event_id="evt-offer-0",
        occurred_at=AT - timedelta(days=3),
        data=offer_data(offer_id="offer-initech", company="Initech", base=185_000, equity=200_000),
    )
    expired = OfferEntry(
        event_id="evt-offer-old",
        occurred_at=AT - timedelta(days=60),
        data=offer_data(offer_id="offer-hooli", company="Hooli", deadline=date(2026, 1, 15)),
    )
    munich = OfferEntry(
        event_id="evt-offer-eu",
        occurred_at=AT - timedelta(days=1),
        data=offer_data(offer_id="offer-eu", company="Umbrella", currency="EUR", country="DE"),
    )
    rec = advise(event, person(event, other_offers=[initech, expired, munich]))

    assert (
        "1. Initech: $235,000 a year ($185,000 base)\n"
        "2. Globex (this offer): $210,000 a year ($150,000 base)"
    ) in rec.body
    assert evidence(rec, "Total compensation per year at Initech").value == 235_000
    assert "Hooli" not in rec.body  # its deadline passed: not an open offer
    assert "Not ranked, paid in another currency: Umbrella (EUR)" in rec.body


def _open_offer(days_ago: int, **fields: object) -> OfferEntry:
    return OfferEntry(
        event_id=f"evt-offer-{days_ago}",
        occurred_at=AT - timedelta(days=days_ago),
        data=offer_data(**fields),  # type: ignore[arg-type]
    )


def _median(title: str, city: str, state: str) -> int:
    occupation = market.occupation_for_title(title)
    assert occupation is not None
    wages = market.wages(occupation.soc, city=city, state=state)
    assert wages is not None and wages.p50 is not None
    return wages.p50


def test_competing_offers_say_where_the_difference_comes_from_part_by_part() -> None:
    # Initech leads on total through equity and bonus while Globex pays more base.
    event = offer_event(offer_data(base=160_000, bonus_pct=5, equity=80_000))
    initech = _open_offer(
        3, offer_id="offer-initech", company="Initech", base=150_000, bonus_pct=10, equity=200_000
    )
    rec = advise(event, person(event, other_offers=[initech]))

    assert (
        "Initech pays $27,000 a year more than this offer: $10,000 less base, $7,000 more "
        "target bonus and $30,000 more equity a year."
    ) in rec.body
    assert "On base alone, the only part paid for certain every year, Globex leads" in rec.body
    assert "Equity is the least certain part" in rec.body
    assert "nothing vests before month 12" in rec.body


def test_every_open_offer_is_compared_with_the_new_one() -> None:
    event = offer_event(offer_data(base=150_000))
    others = [
        _open_offer(5, offer_id="offer-initech", company="Initech", base=170_000),
        _open_offer(2, offer_id="offer-hooli", company="Hooli", base=140_000),
    ]
    rec = advise(event, person(event, other_offers=others))

    assert (
        "1. Initech: $170,000 a year ($170,000 base)\n"
        "2. Globex (this offer): $150,000 a year ($150,000 base)\n"
        "3. Hooli: $140,000 a year ($140,000 base)"
    ) in rec.body
    assert "Initech pays $20,000 a year more than this offer: $20,000 more base." in rec.body
    assert "Hooli pays $10,000 a year less than this offer: $10,000 less base." in rec.body
    # Equity is the same (none) everywhere: nothing to warn about.
    assert "Equity is the least certain part" not in rec.body


def test_offers_in_different_metros_are_each_set_against_their_own_market() -> None:
    event = offer_event(offer_data(base=150_000, city="Austin", state="TX"))
    seattle = _open_offer(
        3, offer_id="offer-initech", company="Initech", base=175_000, city="Seattle", state="WA"
    )
    rec = advise(event, person(event, other_offers=[seattle]))

    austin, wa = (
        _median(SWE_TITLE, "Austin", "TX"),
        _median(SWE_TITLE, "Seattle", "WA"),
    )
    assert "The markets differ, so compare each offer with its own market's median:" in rec.body
    assert f"- Globex: {money(austin)} for Software Developers, Austin" in rec.body
    assert f"- Initech: {money(wa)} for Software Developers, Seattle" in rec.body
    assert "NextMove has no cost-of-living figures" in rec.body
    assert evidence(rec, "Market median for the offer at Initech").value == wa
    assert evidence(rec, "Market median for the offer at Globex").value == austin


def test_offers_on_the_same_market_get_no_market_comparison() -> None:
    event = offer_event(offer_data(base=150_000))
    same_city = _open_offer(3, offer_id="offer-initech", company="Initech", base=175_000)
    rec = advise(event, person(event, other_offers=[same_city]))
    assert "The markets differ" not in rec.body


def test_a_stronger_offer_elsewhere_is_used_honestly_with_this_employer() -> None:
    event = offer_event(offer_data(base=150_000))
    initech = _open_offer(3, offer_id="offer-initech", company="Initech", base=175_000)
    rec = advise(event, person(event, other_offers=[initech]))

    assert (
        "if you would rather join Globex, tell them you hold a written offer from Initech "
        "worth $175,000 a year, and ask whether they can close the $25,000 gap"
    ) in rec.body
    assert "quote only figures you have in writing" in rec.body
    assert "never invent or inflate one" in rec.body
    assert (
        "If you would rather join Globex, tell them about Initech's written offer "
        "($175,000 a year) and ask them to close the gap, base first."
    ) in rec.actions


def test_the_strongest_offer_is_the_one_to_show_the_others() -> None:
    event = offer_event(offer_data(base=180_000))
    initech = _open_offer(3, offer_id="offer-initech", company="Initech", base=160_000)
    rec = advise(event, person(event, other_offers=[initech]))

    assert "this offer is the strongest in total. If you would rather join Initech" in rec.body
    assert "close the $20,000 gap" in rec.body
    assert not any("written offer" in action for action in rec.actions)


def test_a_single_offer_gets_no_comparison() -> None:
    rec = advise(offer_event())
    assert "Your open offers" not in rec.body


# ---- raise against current pay -------------------------------------------------


def test_the_raise_is_shown_against_current_pay_with_its_framing() -> None:
    base = below_market_base()
    event = offer_event(offer_data(base=base))
    current = 100_000
    rec = advise(event, person(event, current_base=current))

    counter = counter_of(rec)
    assert evidence(rec, "Raise of the offer's base over your current base").value == round(
        (base / current - 1) * 100, 1
    )
    counter_raise = evidence(rec, "Raise of the counter over your current base")
    assert counter_raise.value == round((counter / current - 1) * 100, 1)
    assert counter_raise.detail == f"${counter:,.0f} against your current base of $100,000"
    assert f"the counter a raise of {(counter / current - 1) * 100:.0f}%" in rec.body
    switchers = evidence(rec, "Job switchers' wage growth over stayers'")
    assert switchers.source == "Federal Reserve Bank of Atlanta Wage Growth Tracker"
    assert switchers.year == "2025"
    glassdoor = evidence(rec, "Accepted the first salary offer without negotiating")
    assert (glassdoor.value, glassdoor.year) == (59, "2016")


def test_a_raise_of_half_again_or_more_is_reachable_not_promised() -> None:
    event = offer_event(offer_data(base=below_market_base()))
    rec = advise(event, person(event, current_base=p75() / 2))  # the counter doubles pay

    assert "within reach because the market for the new role supports it" in rec.body
    assert "not a promise" in rec.body


def test_no_raise_is_shown_without_comparable_current_pay() -> None:
    event = offer_event()
    for state in (person(event), person(event, current_base=90_000, current_currency="GBP")):
        rec = advise(event, state)
        assert "Raise" not in " ".join(item.label for item in rec.evidence)


def test_current_pay_is_never_to_be_disclosed() -> None:
    rec = advise(offer_event())
    assert "Don't disclose your current pay" in rec.body
    assert "Don't disclose your current pay; answer with what the role pays." in rec.actions


# ---- deadline --------------------------------------------------------------------


def test_a_deadline_tomorrow_asks_for_an_extension_and_the_sign_on() -> None:
    rec = advise(offer_event(offer_data(deadline=date(2026, 3, 3))))

    assert rec.priority == "high"
    assert "The deadline is tomorrow (2026-03-03)" in rec.body
    assert rec.actions[0].startswith("Ask now for an extension of a few days")
    assert "sign-on bonus" in rec.actions[0]


def test_a_deadline_in_two_weeks_advises_using_the_time() -> None:
    rec = advise(offer_event(offer_data(deadline=date(2026, 3, 16))))

    assert rec.priority == "normal"
    assert "You have 14 days (deadline 2026-03-16)" in rec.body
    assert rec.actions[0] == (
        "Confirm the deadline in writing, then make your counter in one conversation."
    )


def test_a_deadline_within_a_week_is_high_priority() -> None:
    assert advise(offer_event(offer_data(deadline=date(2026, 3, 9)))).priority == "high"
    assert advise(offer_event(offer_data(deadline=date(2026, 3, 10)))).priority == "normal"


def test_a_passed_deadline_asks_first_whether_the_offer_stands() -> None:
    rec = advise(offer_event(offer_data(deadline=date(2026, 2, 27))))
    assert "The deadline (2026-02-27) has passed" in rec.body
    assert rec.actions == ["Ask whether the offer still stands."]


def test_no_deadline_means_ask_for_one() -> None:
    rec = advise(offer_event(offer_data(deadline=None)))
    assert rec.priority == "normal"
    assert rec.actions[0] == "Ask for the offer's deadline in writing."


# ---- no market data --------------------------------------------------------------


def _assert_no_figure_invented(rec: Recommendation) -> None:
    assert rec.rule == RULE_NO_MARKET_DATA
    assert not [item for item in rec.evidence if item.source == "BLS OEWS"]
    assert "Counter" not in rec.headline
    assert "ask the employer for the salary range" in rec.body


def test_an_unknown_title_gets_no_market_figure() -> None:
    title = "Head of Vibes"
    assert market.occupation_for_title(title) is None
    rec = advise(offer_event(offer_data(title=title)))

    _assert_no_figure_invented(rec)
    assert f"'{title}' does not match an occupation" in rec.body
    assert evidence(rec, "Total compensation per year at Globex").value == 150_000


def test_an_offer_in_euros_abroad_gets_no_market_figure() -> None:
    data = offer_data(city="Berlin", state=None, country="DE", base=95_000, currency="EUR")
    rec = advise(offer_event(data), person(offer_event(data), current_base=70_000))

    _assert_no_figure_invented(rec)
    assert "this offer is in EUR" in rec.body
    assert "EUR 95,000 a year" in rec.body
    assert "Don't disclose your current pay" in rec.body


# ---- determinism -------------------------------------------------------------------


def test_the_recommendation_is_dated_by_the_event_and_keyed_by_it() -> None:
    event = offer_event()
    first, second = advise(event), advise(event)

    assert first == second
    assert first.created_at == event.occurred_at
    assert first.id == recommendation_id(TENANT, PERSON, event.id, "negotiation")
    assert (first.tenant, first.person_id, first.trigger_event_id) == (TENANT, PERSON, event.id)


# ---- properties --------------------------------------------------------------------

MARKET_TITLES = st.sampled_from(
    ["Senior Software Engineer", "Data Scientist", "Engineering Manager", "Accountant"]
)
PRICED_LEVELS = st.sampled_from(["entry", "mid", "senior", "staff", "principal", "director"])
CURRENT_PAY = st.one_of(
    st.none(),
    st.tuples(
        st.floats(min_value=0, max_value=100_000_000, allow_nan=False),
        st.sampled_from(["USD", "EUR", "GBP"]),
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    title=MARKET_TITLES,
    level=PRICED_LEVELS,
    base=st.integers(min_value=20_000, max_value=900_000),
    current=CURRENT_PAY,
)
def test_the_counter_ignores_current_pay_and_never_drops_below_the_offer(
    title: str, level: Level, base: int, current: tuple[float, str] | None
) -> None:
    event = offer_event(offer_data(title=title, level=level, base=base))
    without_pay = advise(event, person(event))
    current_base, currency = current if current is not None else (None, "USD")
    with_pay = advise(event, person(event, current_base=current_base, current_currency=currency))

    if without_pay.rule == RULE_NO_MARKET_DATA:  # e.g. a suppressed BLS cell
        assert with_pay.rule == RULE_NO_MARKET_DATA
        return
    assert with_pay.headline == without_pay.headline
    assert evidence(with_pay, "Counter-offer (base)") == evidence(
        without_pay, "Counter-offer (base)"
    )
    assert counter_of(with_pay) >= base


# ---- which market area -------------------------------------------------------------


def test_a_town_without_metro_figures_falls_back_to_the_state_and_says_so() -> None:
    occupation = market.occupation_for_title(SWE_TITLE)
    assert occupation is not None
    wages = market.wages(occupation.soc, city="Marfa", state="TX")
    assert wages is not None and wages.area_level == "state"

    rec = advise(offer_event(offer_data(city="Marfa", state="TX")))
    assert "BLS has no metro figures for Marfa, TX, so these are statewide figures" in rec.body
    area = evidence(rec, "Market area")
    assert (area.value, area.detail) == (
        f"{wages.area_name} (statewide)",
        "BLS has no metro figures for Marfa, TX",
    )


def test_a_remote_offer_with_no_place_uses_national_figures() -> None:
    rec = advise(offer_event(offer_data(city=None, state=None)))
    assert "BLS national wages: the offer names no city or state." in rec.body
    area = evidence(rec, "Market area")
    assert (area.value, area.detail) == ("national", "the offer names no city or state")


def test_every_level_shows_the_percentile_it_is_priced_at() -> None:
    rec = advise(offer_event(offer_data(level="entry", base=50_000)))
    assert evidence(rec, "Level to market percentile").value == "entry → 25th percentile"
    assert "anchor on the 25th percentile" in rec.body


def national_view(
    occupation: market.Occupation,
    percentiles: tuple[int, int, int, int, int],
    level_key: str,
    top_coded: frozenset[str] = frozenset(),
) -> MarketView:
    """A market view on national wages given as (p10, p25, p50, p75, p90)."""
    p10, p25, p50, p75, p90 = percentiles
    wages = market.WagePercentiles(
        occupation=occupation,
        area_code="0000000",
        area_name="National",
        area_level="national",
        p10=p10,
        p25=p25,
        p50=p50,
        p75=p75,
        p90=p90,
        top_coded=top_coded,
    )
    anchor = wages.at(level_key)
    assert anchor is not None
    coded = titles.TitleMatch(
        occupation.name, titles.Candidate(occupation.soc, occupation.name), "exact title", 1.0
    )
    return MarketView(
        occupation=occupation, wages=wages, level_key=level_key, coded=coded, anchor=anchor
    )


def test_the_counter_never_rounds_below_the_market_figure_it_anchors_on() -> None:
    # A mid-level offer against a $101,050 median: $101,000 would undercut the anchor.
    occupation = market.Occupation("13-1071", "Human Resources Specialists")
    view = national_view(occupation, (60_000, 80_000, 101_050, 120_000, 140_000), "p50")
    counter = counter_offer(view, 90_000, success=None)
    assert counter.amount == 102_000 and counter.set_by == "market"


def test_when_the_offer_floor_sets_the_counter_the_advice_says_so_and_cites_no_bls() -> None:
    # The market pays a little more than the offer, but less than 5% more: the 5% floor
    # sets the ask, and the explanation must give that arithmetic, not the median's.
    base = up_to_thousand(p75() / 1.03)
    rec = advise(offer_event(offer_data(base=base)))
    floor = base * 1.05
    assert counter_of(rec) == up_to_thousand(floor)
    assert f"5% above the offer's base of ${base:,} (${round(floor):,}), which is more" in rec.body
    assert "rounded up to the next $1,000" in rec.body
    counter = evidence(rec, "Counter-offer (base)")
    assert counter.source == "NextMove negotiation rule"


def test_a_top_coded_anchor_is_shown_as_at_least_and_never_undercuts_the_offer() -> None:
    # BLS publishes some high percentiles only as "at least" its cap; the counter treats
    # the cap as a floor for the market and still never goes below the offer.
    occupation = market.Occupation("11-1011", "Chief Executives")
    percentiles = (90_000, 140_000, 210_000, 239_200, 239_200)
    view = national_view(occupation, percentiles, "p90", frozenset({"p75", "p90"}))

    assert view.anchor_is_floor
    assert counter_offer(view, 200_000, success=None).amount == 240_000  # up from 239,200
    strong = counter_offer(view, 400_000, success=None)
    assert strong.amount == 420_000 and not strong.market_pays_more


def test_a_dollar_offer_outside_the_us_gets_no_market_figure() -> None:
    rec = advise(offer_event(offer_data(city="London", state=None, country="GB")))

    _assert_no_figure_invented(rec)
    assert "BLS wage data covers jobs in the United States and this role is based in GB" in (
        rec.body
    )


def test_a_suppressed_bls_cell_is_said_so_not_filled_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # No role in today's data has its level's percentile suppressed; a release may.
    event = offer_event(offer_data(base=below_market_base()))
    suppressed = dataclasses.replace(austin_swe(), p75=None)
    monkeypatch.setattr(market, "wages", lambda *args, **kwargs: suppressed)
    rec = advise(event)

    _assert_no_figure_invented(rec)
    assert "BLS does not publish the 75th percentile wage for 15-1252" in rec.body


# ---- a coach would sign it (issue 15) ---------------------------------------------


def test_an_offer_below_current_pay_is_called_a_pay_cut_and_advised_on() -> None:
    event = offer_event(offer_data(title="Software Developer", base=120_000))
    rec = advise(event, person(event, current_base=150_000))
    assert "a raise of -" not in rec.body
    assert "the offer's base is a pay cut of 20% ($30,000 a year less)" in rec.body
    assert "Before you take a cut, be clear what would make it worth it" in rec.body
    if counter_of(rec) < 150_000:
        assert "still below your current base of $150,000" in rec.actions[1]


def test_without_equity_nextmove_asks_whether_there_is_any_and_the_sign_on_is_one_off() -> None:
    event = offer_event(offer_data(equity=0, sign_on=20_000))
    rec = advise(event)
    assert "a larger grant" not in rec.body + " ".join(rec.actions)
    assert "Then ask whether equity is part of the package." in rec.actions
    assert "spread over" not in rec.body
    assert "The $20,000 sign-on is paid once, in the first year" in rec.body
    with_equity = advise(offer_event(offer_data(equity=100_000, sign_on=20_000)))
    assert "Then ask about equity: a larger grant or a shorter cliff." in with_equity.actions
    assert "$5,000 sign-on a year ($20,000 spread over 4 years)" in with_equity.body


def test_a_non_us_offer_gets_no_us_statistics_and_is_told_what_nextmove_lacks() -> None:
    data = offer_data(city="Munich", state=None, country="DE", base=95_000, currency="EUR")
    event = offer_event(data)
    rec = advise(event, person(event, current_base=85_000, current_currency="EUR"))
    assert "US employees" not in rec.body and "Atlanta Fed" not in rec.body
    assert not any("Glassdoor" in e.source or "Atlanta" in e.source for e in rec.evidence)
    assert "NextMove has no figures on how often people negotiate in DE" in rec.body


def test_an_ambitious_counter_says_so_with_the_risk_and_the_fallback() -> None:
    rec = advise(offer_event(offer_data(base=up_to_thousand(p75() * 0.7))))
    assert counter_of(rec) >= p75()
    assert "above the offer: an ambitious ask, at the top of the range" in rec.body
    assert "the lowest base you would accept" in rec.body
    modest = advise(offer_event(offer_data(base=up_to_thousand(p75() * 0.95))))
    assert "ambitious ask" not in modest.body


# ---- every occupation: the title coder ---------------------------------------------


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        ("Registered Nurse", "29-1141"),
        ("Journeyman Electrician", "47-2111"),
        ("3rd Grade Teacher", "25-2021"),
        ("CDL-A Truck Driver", "53-3032"),
    ],
)
def test_offers_for_every_kind_of_work_are_priced_on_their_market(title: str, soc: str) -> None:
    rec = advise(
        offer_event(offer_data(title=title, level="mid", base=40_000, city="Denver", state="CO"))
    )
    assert rec.rule == RULE_MARKET_ANCHOR
    occupation = evidence(rec, "Occupation")
    assert str(occupation.value).endswith(f"(SOC {soc})")
    assert occupation.detail is not None and f"offered title '{title}'" in occupation.detail
    assert "CC BY 4.0" in str(evidence(rec, "Occupation data").detail)


def test_a_partners_occupation_code_wins_over_the_title() -> None:
    data = offer_data(title="Clinical Ninja", level="mid", occupation_code="29-1141.03")
    rec = advise(offer_event(data))
    occupation = evidence(rec, "Occupation")
    assert occupation.value == "Registered Nurses (SOC 29-1141)"
    assert occupation.detail == "the partner's occupation code for 'Clinical Ninja'"
    assert "not sure" not in rec.body


def test_a_match_that_is_not_sure_says_so_and_names_the_runner_up() -> None:
    coded = titles.code("Charge Nurse")
    assert coded.occupation is not None and coded.runner_up is not None and not coded.sure
    rec = advise(offer_event(offer_data(title="Charge Nurse", level="mid")))
    assert (
        "We priced 'Charge Nurse' as Registered Nurses, but the match is not sure; if your job is "
        f"closer to {coded.runner_up.name}, the market figures differ"
    ) in rec.body
    assert evidence(rec, "Runner-up occupation").value == (
        f"{coded.runner_up.name} (SOC {coded.runner_up.soc})"
    )
    assert "search (score" in str(evidence(rec, "Occupation").detail)


def test_a_title_too_vague_to_code_gets_no_figure_and_the_nearest_candidate() -> None:
    rec = advise(offer_event(offer_data(title="Engineer")))
    _assert_no_figure_invented(rec)
    assert "'Engineer' does not match an occupation in BLS wage data closely enough" in rec.body
    assert "(the nearest is " in rec.body


def test_an_offer_with_no_base_is_advised_without_a_ratio() -> None:
    rec = advise(offer_event(offer_data(base=0, equity=200_000)))
    assert rec.rule == RULE_MARKET_ANCHOR
    assert "inf" not in rec.body and "an ambitious ask" not in rec.body
    assert counter_of(rec) == up_to_thousand(austin_swe().p75 or 0)
