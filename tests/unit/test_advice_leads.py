"""What each rule puts first, for the email to lead with: the body's first paragraph is
the ask's one-sentence reason (no source cited in it), and an offer's recommendation
carries its deadline and the market range the email draws."""

from __future__ import annotations

from datetime import date

from nextmove.contracts.recommendation import Recommendation
from nextmove.domain.wording import money
from nextmove.reference import market
from tests.unit.test_negotiation import advise, offer_data, offer_event, person

CITED = ("BLS", "Source", "Glassdoor", "Atlanta Fed")


def lead(rec: Recommendation) -> str:
    return rec.body.split("\n\n")[0]


def test_an_offer_leads_with_the_counter_and_what_set_it() -> None:
    rec = advise(offer_event(offer_data(base=120_000)))
    [counter] = [e for e in rec.evidence if e.label == "Counter-offer (base)"]
    first = lead(rec)
    assert first.startswith(f"Counter at {money(float(counter.value))} on base: ")
    assert "what you are paid now does not" in first
    assert not [c for c in CITED if c in first]
    assert rec.evidence[0] is counter  # the evidence follows the body's order


def test_an_ambitious_counter_keeps_its_caveat_out_of_the_lead() -> None:
    rec = advise(offer_event(offer_data(base=60_000)))
    assert "an ambitious ask" not in lead(rec)
    assert "an ambitious ask, at the top of the range a counter covers" in rec.body


def test_without_market_data_the_advice_leads_and_the_reason_follows() -> None:
    rec = advise(offer_event(offer_data(currency="EUR", city="Berlin", state=None, country="DE")))
    assert lead(rec).startswith("Before you name a number, ask the employer for the salary")
    assert not [c for c in CITED if c in lead(rec)]
    assert "No market figure: BLS wage data is in US dollars" in rec.body
    assert rec.market_range is None


def test_an_offer_carries_the_market_range_with_current_pay_the_offer_and_the_counter() -> None:
    event = offer_event(offer_data(base=128_000))
    rec = advise(event, person(event, current_base=118_000))
    occupation = market.occupation_for_title("Senior Software Engineer")
    assert occupation is not None
    wages = market.wages(occupation.soc, city="Austin", state="TX")
    assert wages is not None
    picture = rec.market_range
    assert picture is not None
    assert (picture.p10, picture.p50, picture.p90) == (wages.p10, wages.p50, wages.p90)
    assert (picture.source, picture.year, picture.unit) == ("BLS OEWS", "May 2025", "USD")
    [counter] = [e.value for e in rec.evidence if e.label == "Counter-offer (base)"]
    assert [(m.label, m.value) for m in picture.marks] == [
        ("Your current base", 118_000),
        ("The offer's base", 128_000),
        ("Your counter", counter),
    ]
    [placed] = [e.value for e in rec.evidence if e.label == "Offer base on the market"]
    assert picture.marks[1].placed == f"{placed} percentile"


def test_without_current_pay_the_range_has_the_offer_and_the_counter() -> None:
    rec = advise(offer_event(offer_data()))
    assert rec.market_range is not None
    assert [m.label for m in rec.market_range.marks] == ["The offer's base", "Your counter"]


def test_the_deadline_travels_with_the_advice_until_it_passes() -> None:
    due = advise(offer_event(offer_data(deadline=date(2026, 3, 16))))
    assert due.deadline == date(2026, 3, 16)
    assert advise(offer_event(offer_data(deadline=date(2026, 2, 27)))).deadline is None
    assert advise(offer_event(offer_data(deadline=None))).deadline is None
