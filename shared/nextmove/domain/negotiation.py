"""Offer negotiation: ask from the market rate of the new role, never from current pay.

When an offer arrives, ``advise_offer`` writes one "negotiation" recommendation:

* **Market position.** The offered title is matched to a BLS occupation and its wage
  percentiles where the job is based (metro area, else state, else national): U.S. Bureau
  of Labor Statistics, Occupational Employment and Wage Statistics (OEWS), read through
  ``nextmove.reference.market``. The offer's base and its total compensation are placed
  on that distribution. OEWS wages leave out equity and non-production bonuses, so the
  total-compensation position reads high, and the advice says so.
* **Counter-offer.** The market wage at the level's percentile (``LEVEL_PERCENTILE``:
  entry -> p25, mid -> p50, senior -> p75, staff and above -> p90), and at least 5% above
  the offer (employers expect a counter, even to a strong offer); 5% more after a major
  success in the last 12 months; rounded to $1,000 and never below the offer. It takes
  no input from current pay: the counter is a price for the new role, and an old salary
  is no evidence of that price. ``counter_offer`` is not even given the profile, so this
  holds by construction.
* **Total compensation per year.** Base + target bonus + equity grant / vesting years +
  sign-on / vesting years, so offers with different mixes compare on one figure.
* **Competing offers.** Every other open offer in the same currency (no exchange
  rates) is ranked beside the new one by total compensation per year; each gap is split
  into base, bonus, equity and sign-on, with what is certain (base) and what is not
  (bonus, equity and its cliff). Offers priced on different markets (another metro or
  occupation) are each set against their own BLS median: part of a gap can be the
  market's, not the employer's. Then how to use the stronger offer with the other
  employer, honestly: figures in writing, an offer the person would take, nothing
  inflated.
* **Raise against current pay.** Shown to the person, never used to set the ask. It is
  framed by the Federal Reserve Bank of Atlanta Wage Growth Tracker (job switchers'
  median wage growth has historically run about 1-3 points a year above job stayers',
  but the gap was close to nil in 2025, so a bigger raise has to be negotiated, the move
  alone does not bring it) and by Glassdoor's Salary Negotiation Insights survey (2016,
  Harris Poll of U.S. employees: 59% accepted their current job's first salary offer
  without negotiating).
* **Deadline.** Three days or more: use the time. Today, tomorrow or the day after: ask
  for a short extension and the sign-on. None: ask for one, in writing.

Where there is no market figure (an offer not in US dollars, a job outside the US, a
title with no BLS occupation, no published wages, a suppressed cell, a level without a
percentile) the advice says so plainly and invents no figure.

Pure: no boto3, no wall clock (every date comes from the event), and no I/O beyond the
market module's read of its packaged reference data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from nextmove.contracts.events import Level, OfferData, OfferReceived
from nextmove.contracts.recommendation import (
    Evidence,
    MarketRange,
    Priority,
    RangeMark,
    Recommendation,
)
from nextmove.domain.skills import onet_evidence
from nextmove.domain.state import OfferEntry, PersonState, SuccessEntry
from nextmove.domain.thresholds import DEFAULT, Thresholds
from nextmove.domain.wording import join_words, money, ordinal, pct
from nextmove.reference import market, titles
from nextmove.reference.market import Occupation, WagePercentiles

RULE_MARKET_ANCHOR = "negotiation.market_anchor"
RULE_NO_MARKET_DATA = "negotiation.no_market_data"
RULE_SOURCE = "NextMove negotiation rule"  # a figure the rule set, not the market
RULE_YEAR = "2026"

URGENT_WITHIN_DAYS = 7  # a deadline this close makes the recommendation high priority
TIME_TO_PREPARE_DAYS = 3  # enough to research and counter in one conversation
SUCCESS_FRESH_FOR = timedelta(days=365)  # a major success strengthens the ask for a year
# What a fresh major success adds to the ask (5%; tunable: thresholds.NegotiationThresholds).
SUCCESS_UPLIFT = DEFAULT.negotiation.anchor_uplift_pct / 100
MIN_ASK_OVER_OFFER = 0.05  # a strong offer still leaves room for a modest counter
ROUND_TO = 1_000  # a clean figure is easier to say and to agree to
STRETCH_RAISE = 1.5  # a counter at 1.5x current pay or more is worth calling out
# A counter this far above the offer is at the top of what a counter asks: the advice
# says so, with what it risks and the fallback.
AMBITIOUS_OVER_OFFER = 0.20

# The framing evidence; none of it feeds the counter.
ATLANTA_FED = "Federal Reserve Bank of Atlanta Wage Growth Tracker"
ATLANTA_FED_YEAR = "2025"
GLASSDOOR = "Glassdoor Salary Negotiation Insights survey (Harris Poll)"
GLASSDOOR_YEAR = "2016"
GLASSDOOR_DID_NOT_NEGOTIATE_PCT = 59

# The level -> percentile mapping (market.LEVEL_PERCENTILE) is NextMove's judgement.
LEVEL_MAPPING = "NextMove level-to-percentile mapping"
LEVEL_MAPPING_YEAR = "2026"
RECORD = "Your NextMove record"

PERCENTILE_NAMES = {
    "p10": "10th percentile",
    "p25": "25th percentile",
    "p50": "median",
    "p75": "75th percentile",
    "p90": "90th percentile",
}


# ---- total compensation ------------------------------------------------------------


@dataclass(frozen=True)
class TotalComp:
    """One offer's pay per year and its parts, in the offer's currency."""

    company: str
    currency: str
    base: float
    bonus: float
    equity_per_year: float
    sign_on_per_year: float
    equity_grant: float
    sign_on: float
    vesting_years: int
    cliff_months: int

    @property
    def per_year(self) -> float:
        return self.base + self.bonus + self.equity_per_year + self.sign_on_per_year

    def breakdown(self) -> str:
        """The sum a reader can check, e.g. '$150,000 base + $15,000 target bonus + ...'."""
        cur = self.currency
        parts = [f"{money(self.base, cur)} base"]
        if self.bonus:
            parts.append(f"{money(self.bonus, cur)} target bonus")
        if self.equity_per_year:
            # The cliff matters to anyone who might leave early: before it, nothing vests.
            cliff = f"; nothing vests before month {self.cliff_months}" if self.cliff_months else ""
            parts.append(
                f"{money(self.equity_per_year, cur)} equity a year ({money(self.equity_grant, cur)}"
                f" over {self.vesting_years} years{cliff})"
            )
        if self.sign_on_per_year:
            parts.append(
                f"{money(self.sign_on_per_year, cur)} sign-on a year ({money(self.sign_on, cur)}"
                f" spread over {self.vesting_years} years)"
            )
        return " + ".join(parts)

    def one_off(self) -> str:
        """The sign-on, when nothing vests: first-year money, not a yearly figure."""
        if not self.sign_on or self.sign_on_per_year:
            return ""
        first_year = money(self.per_year + self.sign_on, self.currency)
        return (
            f" The {money(self.sign_on, self.currency)} sign-on is paid once, in the first "
            f"year (nothing vests to spread it over): year one comes to {first_year}."
        )


def total_comp(offer: OfferData) -> TotalComp:
    """Total compensation per year: base, target bonus, equity and sign-on per year.

    Equity counts as the grant over its vesting years. The sign-on is spread over the
    same period so that a one-off payment does not make an offer look richer every year;
    with no equity nothing vests, and the sign-on is the first year's alone.
    """
    package = offer.package
    years = package.vesting_years
    vests = package.equity_grant_value > 0
    return TotalComp(
        company=offer.company,
        currency=package.currency,
        base=package.base_salary,
        bonus=package.base_salary * package.target_bonus_pct / 100,
        equity_per_year=package.equity_grant_value / years,
        sign_on_per_year=package.sign_on_bonus / years if vests else 0,
        equity_grant=package.equity_grant_value,
        sign_on=package.sign_on_bonus,
        vesting_years=years,
        cliff_months=package.cliff_months,
    )


def other_open_offers(state: PersonState, offer: OfferData, today: date) -> list[OfferEntry]:
    """The person's other offers still open on ``today``: not resolved (accepted,
    declined or withdrawn), and no deadline or one not yet passed."""
    return [entry for entry in state.open_offers(today) if entry.data.offer_id != offer.offer_id]


# ---- market ------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketView:
    """The market for the offered role where it is based, and the level's anchor."""

    occupation: Occupation
    wages: WagePercentiles
    level_key: str  # "p25" | "p50" | "p75" | "p90"
    coded: titles.TitleMatch  # how the offered title (or the partner's code) was coded
    anchor: int  # the wage at level_key
    # Each level's percentile: market.LEVEL_PERCENTILE with an operator's overrides.
    levels: Mapping[str, str] = field(default_factory=lambda: market.LEVEL_PERCENTILE)

    @property
    def anchor_is_floor(self) -> bool:
        """True when BLS top-codes the anchor: the real wage is at least this."""
        return self.level_key in self.wages.top_coded


@dataclass(frozen=True)
class NoMarketData:
    """Why there is no market figure, in words the person can act on."""

    reason: str


def market_view(
    offer: OfferData, level_percentile: Mapping[Level, str] | None = None
) -> MarketView | NoMarketData:
    """Look up the offered role's market wages, or say plainly why there are none.

    ``level_percentile`` overrides market.LEVEL_PERCENTILE for the levels it names.
    """
    currency = offer.package.currency
    where = offer.location
    if currency != "USD":
        return NoMarketData(
            f"BLS wage data is in US dollars and this offer is in {currency}, so there is "
            "no market figure to compare it with"
        )
    coded = (
        titles.partner(offer.role_title, offer.occupation_code)
        if offer.occupation_code
        else titles.code(offer.role_title)
    )
    if coded.occupation is None:
        nearest = coded.runner_up
        return NoMarketData(
            f"'{offer.role_title}' does not match an occupation in BLS wage data closely "
            "enough to price it"
            + (f" (the nearest is {nearest.soc} {nearest.name})" if nearest else "")
        )
    occupation = market.occupation(coded.occupation.soc)
    if occupation is None:
        return NoMarketData(
            f"BLS does not survey wages for {coded.occupation.soc} {coded.occupation.name}"
        )
    # The market module knows which countries OEWS covers (the US and its territories).
    wages = market.wages(occupation.soc, city=where.city, state=where.state, country=where.country)
    if wages is None and where.country != "US":
        return NoMarketData(
            f"BLS wage data covers jobs in the United States and this role is based in "
            f"{where.country}"
        )
    if wages is None:
        return NoMarketData(
            f"BLS publishes no annual wages for {occupation.soc} {occupation.name} for this "
            "location"
        )
    levels = dict(market.LEVEL_PERCENTILE)
    for level, key in (level_percentile or {}).items():
        levels[level] = key
    level_key = levels.get(offer.level)
    if level_key is None:
        return NoMarketData(
            f"NextMove has no point on the BLS wage distribution for the {offer.level} level"
        )
    anchor = wages.at(level_key)
    if anchor is None:
        return NoMarketData(
            f"BLS does not publish the {PERCENTILE_NAMES[level_key]} wage for "
            f"{occupation.soc} {occupation.name} ({wages.describe()})"
        )
    return MarketView(
        occupation=occupation,
        wages=wages,
        level_key=level_key,
        coded=coded,
        anchor=anchor,
        levels=levels,
    )


# ---- counter-offer -----------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """The base salary to ask for, and what raised it."""

    amount: int
    market_pays_more: bool  # the level's market wage is above the offer's base
    success: SuccessEntry | None  # the major success that raised the ask, if any
    uplift: float = SUCCESS_UPLIFT  # what that success added, as a fraction
    # Which floor set the ask: the level's market wage, or MIN_ASK_OVER_OFFER above the
    # offer (when the market pays less than that, or less than the offer).
    set_by: Literal["market", "offer"] = "market"
    offer_floor: float = 0  # the offer's base plus MIN_ASK_OVER_OFFER


def fresh_major_success(state: PersonState, at: datetime) -> SuccessEntry | None:
    """The newest major success in the 12 months up to ``at``: it strengthens the ask."""
    fresh = [
        entry
        for entry in state.successes
        if entry.data.magnitude == "major"
        and timedelta(0) <= _aware(at) - _aware(entry.occurred_at) <= SUCCESS_FRESH_FOR
    ]
    return max(fresh, key=lambda entry: _aware(entry.occurred_at), default=None)


def counter_offer(
    view: MarketView,
    offer_base: float,
    success: SuccessEntry | None,
    uplift: float = SUCCESS_UPLIFT,
) -> Counter:
    """The base salary to ask for, from the market for the role and level.

    The market wage at the level's percentile, and at least 5% above the offer; 5% more
    after a fresh major success; rounded up to the next $1,000 (an ask rounded down
    would sit below the figure it anchors on). Current pay is not an input, on purpose.
    """
    floor = offer_base * (1 + MIN_ASK_OVER_OFFER)
    ask = max(view.anchor, floor)
    if success is not None:
        ask *= 1 + uplift
    return Counter(
        amount=_round_up_to(ask),
        market_pays_more=view.anchor > offer_base,
        success=success,
        uplift=uplift,
        set_by="market" if view.anchor >= floor else "offer",
        offer_floor=floor,
    )


# ---- deadline ----------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineAdvice:
    """What the deadline means for the negotiation, as a paragraph and a first action."""

    days_left: int | None
    text: str
    action: str

    @property
    def urgent(self) -> bool:
        # A passed deadline counts too: the person must check the offer still stands.
        return self.days_left is not None and self.days_left <= URGENT_WITHIN_DAYS

    @property
    def passed(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def deadline_advice(deadline: date | None, today: date) -> DeadlineAdvice:
    """How to use the time the deadline allows, stretch a short one, or get one."""
    if deadline is None:
        return DeadlineAdvice(
            None,
            "The offer has no deadline yet. Ask for one, in writing, so you can plan your "
            "research and your counter.",
            "Ask for the offer's deadline in writing.",
        )
    days = (deadline - today).days
    on = deadline.isoformat()
    if days < 0:
        return DeadlineAdvice(
            days,
            f"The deadline ({on}) has passed. Ask whether the offer still stands before "
            "you counter.",
            "Ask whether the offer still stands.",
        )
    if days < TIME_TO_PREPARE_DAYS:
        when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
        return DeadlineAdvice(
            days,
            f"The deadline is {when} ({on}). You can still ask for an extension of a few "
            "days to review the offer properly, and for a sign-on bonus; a polite request "
            "for either rarely costs an offer.",
            "Ask now for an extension of a few days; if there is none, ask for your counter "
            "and a sign-on bonus in the same call.",
        )
    return DeadlineAdvice(
        days,
        f"You have {days} days (deadline {on}). Use them: get the deadline confirmed in "
        "writing, prepare your figures, then make your counter in one conversation "
        "rather than a series of small asks.",
        "Confirm the deadline in writing, then make your counter in one conversation.",
    )


# ---- the recommendation ------------------------------------------------------------


def advise_offer(
    state: PersonState, event: OfferReceived, *, tenant: str, thresholds: Thresholds = DEFAULT
) -> list[Recommendation]:
    """One negotiation recommendation for the offer in ``event``.

    ``state`` already holds the offer, and any others, in ``state.offers``. The result is
    deterministic: it is dated by the event, and its id derives from the event and kind.
    """
    offer = event.data
    today = event.occurred_at.date()  # the sender's calendar day, not the server's
    received = today.isoformat()
    deadline = deadline_advice(offer.deadline, today)
    comp = total_comp(offer)
    tuned = thresholds.negotiation
    view = market_view(offer, tuned.level_percentile)

    counter: Counter | None = None
    if isinstance(view, MarketView):
        success = fresh_major_success(state, event.occurred_at)
        uplift = tuned.anchor_uplift_pct / 100
        counter = counter_offer(view, offer.package.base_salary, success, uplift)
        parts = _market_parts(view, counter, comp, offer)
    else:
        parts = [_no_market_part(view)]
    parts.append(_total_comp_part(comp, received))
    others = other_open_offers(state, offer, today)
    parts.extend(_comparison_parts(comp, view, others, tuned.level_percentile))
    # US statistics frame US jobs only; elsewhere NextMove says what it has no data for.
    country = offer.location.country
    parts.extend(_raise_parts(state, comp, counter, us=country == "US"))
    parts.append(_how_to_ask_part(counter, comp, country=country))
    parts.append(_Part(deadline.text))

    asks = _ask_actions(counter, comp, current_base=_current_base(state, comp))
    leverage = _leverage_action(comp, others)
    if leverage:
        asks.insert(1, leverage)
    actions = [deadline.action] if deadline.passed else [deadline.action, *asks]
    priority: Priority = "high" if deadline.urgent else "normal"
    picture = (
        _market_range(view, counter, comp, _current_base(state, comp))
        if isinstance(view, MarketView) and counter is not None
        else None
    )
    return [
        Recommendation.create(
            tenant=tenant,
            person_id=state.person_id,
            trigger_event_id=event.id,
            kind="negotiation",
            created_at=event.occurred_at,
            priority=priority,
            headline=_headline(counter),
            body="\n\n".join(part.text for part in parts),
            evidence=[item for part in parts for item in part.evidence],
            actions=actions,
            rule=RULE_MARKET_ANCHOR if counter is not None else RULE_NO_MARKET_DATA,
            deadline=None if deadline.passed else offer.deadline,
            market_range=picture,
        )
    ]


def _market_range(
    view: MarketView, counter: Counter, comp: TotalComp, current_base: float | None
) -> MarketRange | None:
    """The market's 10th to 90th percentile with current pay, the offer and the counter
    on it, for the email's picture; None when BLS publishes neither end."""
    wages = view.wages
    if wages.p10 is None or wages.p90 is None:
        return None
    figures = [("The offer's base", comp.base), ("Your counter", float(counter.amount))]
    if current_base is not None:
        figures.insert(0, ("Your current base", current_base))
    return MarketRange(
        market=wages.scope(),
        unit="USD",
        p10=wages.p10,
        p25=wages.p25,
        p50=wages.p50,
        p75=wages.p75,
        p90=wages.p90,
        top_coded=sorted(wages.top_coded),
        marks=[
            RangeMark(label=label, value=amount, placed=_placed(wages, amount))
            for label, amount in figures
        ],
        source=wages.source,
        year=wages.release,
    )


def _placed(wages: WagePercentiles, amount: float) -> str | None:
    """Where an amount sits, in a few words for a picture's label."""
    short = _placement(wages, amount)[1]
    if short == "not placeable":
        return None
    if short == "at or above the top-coded ceiling":
        return "at or above the highest wage BLS publishes"
    return f"{short} percentile"


@dataclass(frozen=True)
class _Part:
    """A paragraph of the body and the evidence behind its figures."""

    text: str
    evidence: tuple[Evidence, ...] = ()


def _headline(counter: Counter | None) -> str:
    if counter is None:
        return "No market figure for this role: ask for the range before you name a number"
    if counter.market_pays_more:
        return (
            f"Counter at {money(counter.amount)}: the market for this role pays more than the offer"
        )
    return "This offer is strong — still ask, starting with base"


def _market_parts(
    view: MarketView, counter: Counter, comp: TotalComp, offer: OfferData
) -> list[_Part]:
    wages = view.wages
    described = wages.describe()
    # Evidence details name the occupation and area only: source and year already say
    # "BLS OEWS May 2025", and the email prints them right before the detail.
    scope = wages.scope()
    distribution = tuple(
        Evidence(
            label=f"Market {PERCENTILE_NAMES[key]}",
            value=amount,
            unit="USD",
            source=wages.source,
            year=wages.release,
            detail=scope + (" (top-coded: at least this)" if key in wages.top_coded else ""),
        )
        for key in PERCENTILE_NAMES
        if (amount := wages.at(key)) is not None
    )
    coded = view.coded
    how = (
        f"the partner's occupation code for '{offer.role_title}'"
        if coded.match == "partner code"
        else f"matched from the offered title '{offer.role_title}' by {coded.describe()}"
    )
    occupation = Evidence(
        label="Occupation",
        value=f"{view.occupation.name} (SOC {view.occupation.soc})",
        source=titles.SOURCE,
        year=titles.RELEASE,
        detail=how,
    )
    coding = [occupation, onet_evidence()]
    if not coded.sure and coded.runner_up is not None:
        coding.append(
            Evidence(
                label="Runner-up occupation",
                value=f"{coded.runner_up.name} (SOC {coded.runner_up.soc})",
                source=titles.SOURCE,
                year=titles.RELEASE,
                detail=f"the next closest match for '{offer.role_title}'",
            )
        )
    area = Evidence(
        label="Market area",
        value=wages.area(),
        source=wages.source,
        year=wages.release,
        detail=_area_reason(wages, offer),
    )
    mapping = Evidence(
        label="Level to market percentile",
        value=f"{offer.level} → {PERCENTILE_NAMES[view.level_key]}",
        source=LEVEL_MAPPING,
        year=LEVEL_MAPPING_YEAR,
        detail=_level_mapping(view.levels),
    )
    anchor_name = PERCENTILE_NAMES[view.level_key]
    at_least = "at least " if view.anchor_is_floor else ""
    market_part = _Part(
        f"Market: {_area_sentence(wages, offer)} For a {offer.level} role we anchor on the "
        f"{anchor_name}: {at_least}{money(view.anchor)}. Source: {described}."
        + _doubt(view, offer),
        (*coding, area, *distribution, mapping),
    )

    base_words, base_at = _placement(wages, comp.base)
    text = f"The offer's base of {money(comp.base)} sits {base_words}"
    positions = [_position_evidence("Offer base on the market", base_at, comp.base, wages)]
    if comp.per_year != comp.base:
        total_words, total_at = _placement(wages, comp.per_year)
        text += (
            f"; its total compensation of {money(comp.per_year)} a year sits {total_words}. "
            "BLS wages leave out equity and most bonuses, so the second figure flatters "
            "the offer"
        )
        positions.append(
            _position_evidence(
                "Offer total compensation on the market", total_at, comp.per_year, wages
            )
        )
    position = _Part(text + ".", tuple(positions))
    # The ask and its reason lead: the email shows the first paragraph above the actions.
    ask, *caveat = _counter_parts(view, counter, comp)
    return [ask, *caveat, market_part, position]


def _counter_parts(view: MarketView, counter: Counter, comp: TotalComp) -> list[_Part]:
    """The counter and the one-sentence reason for it, then, when the ask is ambitious, a
    paragraph on what that risks and the fallback."""
    anchor_name = PERCENTILE_NAMES[view.level_key]
    above_offer = (
        f"{pct(MIN_ASK_OVER_OFFER)} above the offer's base of {money(comp.base)} "
        f"({money(counter.offer_floor)})"
    )
    if counter.set_by == "market":
        steps = [f"the market {anchor_name} for the level ({money(view.anchor)})"]
    elif counter.market_pays_more:
        steps = [
            f"{above_offer}, which is more than the market {anchor_name} ({money(view.anchor)})"
        ]
    else:
        steps = [
            f"{above_offer}: the offer already pays the market {anchor_name} "
            f"({money(view.anchor)}) or more"
        ]
    evidence: list[Evidence] = []
    if counter.success is not None:
        success = counter.success
        on = _aware(success.occurred_at).date().isoformat()
        steps.append(
            f"plus {pct(counter.uplift)} for your major success '{success.data.title}' ({on})"
        )
        evidence.append(
            Evidence(
                label="Recent major success",
                value=success.data.title,
                source=RECORD,
                year=on,
                detail=f"adds {pct(counter.uplift)} to the ask for 12 months",
            )
        )
    how = ", ".join(steps) + f", rounded up to the next {money(ROUND_TO)}"
    # The figure's source is whatever set it: the market's wages, or the rule's floor.
    by_market = counter.set_by == "market"
    evidence.insert(
        0,
        Evidence(
            label="Counter-offer (base)",
            value=counter.amount,
            unit="USD",
            source=view.wages.source if by_market else RULE_SOURCE,
            year=view.wages.release if by_market else RULE_YEAR,
            detail=how,
        ),
    )
    text = (
        f"Counter at {money(counter.amount)} on base: {how}. The market for the new role and "
        "the offer set this figure; what you are paid now does not."
    )
    parts = [_Part(text, tuple(evidence))]
    # An offer of no base (commission or equity only) has no ratio to call ambitious.
    over_offer = counter.amount / comp.base - 1 if comp.base > 0 else 0.0
    if over_offer >= AMBITIOUS_OVER_OFFER:
        parts.append(
            _Part(
                f"The counter is {pct(over_offer)} above the offer: an ambitious ask, at the "
                "top of the range a counter covers. The market backs it, but the employer may "
                "not move that far, and a figure far above their budget can cool the "
                "conversation. Decide before you ask the lowest base you would accept; if "
                "they cannot reach your figure, ask for the gap as a sign-on bonus or a "
                "written salary review in six months, and say you want to make it work."
            )
        )
    return parts


def _doubt(view: MarketView, offer: OfferData) -> str:
    """When the title's match is not sure: say so, and name the runner-up."""
    coded = view.coded
    if coded.sure or coded.runner_up is None:
        return ""
    return (
        f" We priced '{offer.role_title}' as {view.occupation.name}, but the match is not "
        f"sure; if your job is closer to {coded.runner_up.name}, the market figures "
        "differ: ask your platform to send the job's occupation code."
    )


def _no_market_part(view: NoMarketData) -> _Part:
    # The advice first, the reason (which names the data) in a paragraph of its own.
    return _Part(
        "Before you name a number, ask the employer for the salary range for the role and "
        "level: NextMove has no market figure for this offer and will not guess one. "
        f"Weigh the offer on its total compensation below.\n\nNo market figure: {view.reason}."
    )


def _total_comp_part(comp: TotalComp, received: str) -> _Part:
    return _Part(
        f"Total compensation: {money(comp.per_year, comp.currency)} a year = {comp.breakdown()}."
        + comp.one_off(),
        (_total_comp_evidence(comp, received),),
    )


def _total_comp_evidence(comp: TotalComp, received: str) -> Evidence:
    return Evidence(
        label=f"Total compensation per year at {comp.company}",
        value=round(comp.per_year),
        unit=comp.currency,
        source="Offer received",
        year=received,
        detail=comp.breakdown(),
    )


def _comparison_parts(
    comp: TotalComp,
    view: MarketView | NoMarketData,
    others: list[OfferEntry],
    levels: Mapping[Level, str] | None,
) -> list[_Part]:
    """Every other open offer beside this one: ranked by total compensation per year,
    where each difference comes from, whether the markets differ, and how to use one
    offer with the other employer."""
    # No exchange rates here: only offers in the same currency are compared.
    comparable = [entry for entry in others if entry.data.package.currency == comp.currency]
    elsewhere = [entry.data for entry in others if entry not in comparable]
    if not comparable:
        return []
    rows = [(comp, "")] + [
        (total_comp(entry.data), _aware(entry.occurred_at).date().isoformat())
        for entry in comparable
    ]
    rows.sort(key=lambda row: row[0].per_year, reverse=True)
    lines = [
        f"{rank}. {row.company}{'' if received else ' (this offer)'}: "
        f"{money(row.per_year, row.currency)} a year ({money(row.base, row.currency)} base)"
        for rank, (row, received) in enumerate(rows, start=1)
    ]
    if elsewhere:
        lines.append(
            "Not ranked, paid in another currency: "
            + ", ".join(f"{offer.company} ({offer.package.currency})" for offer in elsewhere)
        )
    evidence = tuple(_total_comp_evidence(row, received) for row, received in rows if received)
    ranked = [row for row, _ in rows]
    parts = [
        _Part("Your open offers, by total compensation per year:\n" + "\n".join(lines), evidence),
        _Part(_differences(comp, [row for row in ranked if row is not comp])),
    ]
    markets = _markets_part(
        [(comp, view)]
        + [(total_comp(entry.data), market_view(entry.data, levels)) for entry in comparable]
    )
    if markets is not None:
        parts.append(markets)
    parts.append(_Part(_leverage(comp, ranked)))
    return parts


def _leverage_action(comp: TotalComp, others: list[OfferEntry]) -> str | None:
    """The one thing to do with a stronger offer from elsewhere in the same currency."""
    rivals = [total_comp(e.data) for e in others if e.data.package.currency == comp.currency]
    top = max(rivals, key=lambda row: row.per_year, default=None)
    if top is None or top.per_year <= comp.per_year:
        return None
    return (
        f"If you would rather join {comp.company}, tell them about {top.company}'s written "
        f"offer ({money(top.per_year, comp.currency)} a year) and ask them to close the gap, "
        "base first."
    )


def _differences(comp: TotalComp, others: list[TotalComp]) -> str:
    """Where each other offer's lead or gap comes from, part by part, and what is certain."""
    sentences = []
    for other in others:
        gap = other.per_year - comp.per_year
        by = [
            f"{money(abs(delta), comp.currency)} {'more' if delta > 0 else 'less'} {part}"
            for part, delta in (
                ("base", other.base - comp.base),
                ("target bonus", other.bonus - comp.bonus),
                ("equity a year", other.equity_per_year - comp.equity_per_year),
                ("sign-on a year", other.sign_on_per_year - comp.sign_on_per_year),
            )
            if round(delta)
        ]
        if not round(gap):
            total = f"{other.company} comes to the same total a year as this offer"
        else:
            more = "more" if gap > 0 else "less"
            paid = money(abs(gap), comp.currency)
            total = f"{other.company} pays {paid} a year {more} than this offer"
        sentences.append(f"{total}: {join_words(by)}." if by else f"{total}.")
    text = "Where the difference comes from: " + " ".join(sentences)
    rows = [comp, *others]
    by_base = max(rows, key=lambda row: row.base)
    by_total = max(rows, key=lambda row: row.per_year)
    if by_base is not by_total and by_base.base > by_total.base:
        text += (
            f" On base alone, the only part paid for certain every year, {by_base.company} "
            f"leads ({money(by_base.base, comp.currency)})."
        )
    if any(row.equity_per_year != comp.equity_per_year for row in others):
        vesting = [row for row in rows if row.equity_grant and row.cliff_months]
        if len({row.cliff_months for row in vesting}) == 1:
            cliff = f"; nothing vests before month {vesting[0].cliff_months}"
        else:
            at = join_words([f"month {row.cliff_months} at {row.company}" for row in vesting])
            cliff = f"; nothing vests before the cliff ({at})" if vesting else ""
        text += (
            " Equity is the least certain part: its worth moves with the share price, a "
            f"private company's may not be sellable for years{cliff}. A bonus depends on "
            "targets being met."
        )
    return text


def _markets_part(
    offers: list[tuple[TotalComp, MarketView | NoMarketData]],
) -> _Part | None:
    """When the offers are priced on different markets (another metro, another
    occupation), each one's median and its base against it: part of a gap in pay can be
    the market's, not the employer's."""
    priced = [(comp, view) for comp, view in offers if isinstance(view, MarketView)]
    if len({(view.occupation.soc, view.wages.area_code) for _, view in priced}) < 2:
        return None
    said, evidence = [], []
    for comp, view in priced:
        median = view.wages.at("p50")
        if median is None:
            said.append(f"{comp.company}: BLS publishes no median for {view.wages.scope()}")
            continue
        against = comp.base / median - 1
        side = f"{pct(abs(against))} {'above' if against >= 0 else 'below'}"
        said.append(
            f"{comp.company}: {money(median)} for {view.wages.scope()}; its base is {side} it"
        )
        evidence.append(
            Evidence(
                label=f"Market median for the offer at {comp.company}",
                value=median,
                unit="USD",
                source=view.wages.source,
                year=view.wages.release,
                detail=view.wages.scope(),
            )
        )
    unpriced = [comp.company for comp, view in offers if not isinstance(view, MarketView)]
    if unpriced:
        said.append(f"{join_words(unpriced)}: no market figure")
    return _Part(
        "The markets differ, so compare each offer with its own market's median:\n"
        + "\n".join(f"- {line}." for line in said)
        + "\nNextMove has no cost-of-living figures: weigh rent, taxes and the commute in "
        "each place yourself.",
        tuple(evidence),
    )


def _leverage(comp: TotalComp, ranked: list[TotalComp]) -> str:
    """How to use one offer with the other employer, honestly."""
    honest = (
        "Be honest about it: quote only figures you have in writing, mention only an offer "
        "you would really take, and never invent or inflate one; an employer may ask to see "
        "it, and a bluff that is called can cost you the offer."
    )
    top = ranked[0]
    if top is not comp:
        gap = money(top.per_year - comp.per_year, comp.currency)
        return (
            f"Using one offer with the other: if you would rather join {comp.company}, tell "
            f"them you hold a written offer from {top.company} worth "
            f"{money(top.per_year, comp.currency)} a year, and ask whether they can close "
            f"the {gap} gap, in base first, the part that lasts. {honest}"
        )
    runner_up = ranked[1]
    return (
        f"Using one offer with the other: this offer is the strongest in total. If you "
        f"would rather join {runner_up.company}, tell them you hold a written offer worth "
        f"{money(comp.per_year, comp.currency)} a year and ask whether they can close the "
        f"{money(comp.per_year - runner_up.per_year, comp.currency)} gap, in base first. "
        f"{honest}"
    )


def _current_base(state: PersonState, comp: TotalComp) -> float | None:
    """The person's current base, when known and in the offer's currency."""
    if state.profile is None or state.profile.data.compensation is None:
        return None
    current = state.profile.data.compensation
    if current.currency != comp.currency or current.base_salary <= 0:
        return None
    return current.base_salary


def _change(new: float, current: float) -> str:
    """'a raise of 12%', or, below current pay, 'a pay cut of 20% ($30,000 less)'."""
    change = new / current - 1
    if change >= 0:
        return f"a raise of {pct(change)}"
    return f"a pay cut of {pct(-change)} ({money(current - new)} a year less)"


def _raise_parts(
    state: PersonState, comp: TotalComp, counter: Counter | None, *, us: bool
) -> list[_Part]:
    """The raise (or the cut) the offer and the counter mean against current pay, when
    it is known."""
    current_base = _current_base(state, comp)
    if state.profile is None or state.profile.data.compensation is None or current_base is None:
        return []
    current = state.profile.data.compensation
    on = _aware(state.profile.occurred_at).date().isoformat()
    offer_raise = comp.base / current.base_salary - 1
    text = (
        f"Against your current base of {money(current.base_salary, current.currency)}, the "
        f"offer's base is {_change(comp.base, current.base_salary)}"
    )
    now_paid = f"your current base of {money(current.base_salary, current.currency)}"
    evidence = [
        Evidence(
            label="Raise of the offer's base over your current base",
            value=round(offer_raise * 100, 1),
            unit="%",
            source="Your offer and your profile",
            year=on,
            detail=f"{money(comp.base, comp.currency)} against {now_paid}",
        )
    ]
    if counter is not None:
        counter_raise = counter.amount / current.base_salary - 1
        text += f" and the counter {_change(counter.amount, current.base_salary)}"
        evidence.append(
            Evidence(
                label="Raise of the counter over your current base",
                value=round(counter_raise * 100, 1),
                unit="%",
                source="The counter-offer and your profile",
                year=on,
                detail=f"{money(counter.amount)} against {now_paid}",
            )
        )
        if counter.amount >= STRETCH_RAISE * current.base_salary:
            text += (
                ". A raise this large is within reach because the market for the new role "
                "supports it, not because of your old pay; it is a fair ask, not a promise"
            )
    if offer_raise < 0:
        text += (
            ". Before you take a cut, be clear what would make it worth it: a real step "
            "towards the role you are aiming for, equity you believe in, hours or security "
            "you need. Whatever the reason, ask for the base back up to at least what you "
            "are paid now; a cut you accept now is the base every later raise starts from"
        )
    if not us:
        return [_Part(text + ".", tuple(evidence))]
    text += (
        ". Job switchers' median wage growth has historically run about 1 to 3 points a "
        "year above job stayers', but in 2025 the gap was close to nil (Atlanta Fed Wage "
        "Growth Tracker): moving alone no longer brings the raise, negotiating does."
    )
    evidence.append(
        Evidence(
            label="Job switchers' wage growth over stayers'",
            value="historically about 1-3 points a year; close to nil in 2025",
            source=ATLANTA_FED,
            year=ATLANTA_FED_YEAR,
            detail="12-month median wage growth, switchers vs stayers",
        )
    )
    return [_Part(text, tuple(evidence))]


def _equity_ask(comp: TotalComp) -> str:
    """Only ask for what exists: a grant to enlarge, or the question whether there is one."""
    if comp.equity_grant:
        return "equity (a larger grant or a shorter cliff)"
    return "whether equity is part of the package at all (this offer names none)"


def _how_to_ask_part(counter: Counter | None, comp: TotalComp, *, country: str) -> _Part:
    first = (
        f"base first ({money(counter.amount)})" if counter is not None else "the salary range first"
    )
    how = (
        f"How to ask: {first}, then {_equity_ask(comp)}, then a sign-on bonus. Don't "
        "disclose your current pay; if asked, answer with what the role pays."
    )
    if country != "US":
        return _Part(
            f"{how} NextMove has no figures on how often people negotiate in {country}; "
            "asking politely for a better offer is still normal practice."
        )
    return _Part(
        f"{how} {GLASSDOOR_DID_NOT_NEGOTIATE_PCT}% of US employees accepted their first "
        f"salary offer without negotiating (Glassdoor, {GLASSDOOR_YEAR}); employers expect a "
        "counter, and asking politely is normal.",
        (
            Evidence(
                label="Accepted the first salary offer without negotiating",
                value=GLASSDOOR_DID_NOT_NEGOTIATE_PCT,
                unit="%",
                source=GLASSDOOR,
                year=GLASSDOOR_YEAR,
                detail="U.S. employees, about their current job",
            ),
        ),
    )


def _ask_actions(
    counter: Counter | None, comp: TotalComp, *, current_base: float | None
) -> list[str]:
    first = (
        f"Counter on base at {money(counter.amount)}."
        if counter is not None
        else "Ask for the salary range for the role and level before naming a number."
    )
    asked = counter.amount if counter is not None else comp.base
    if current_base is not None and asked < current_base:
        first += (
            f" That is still below your current base of {money(current_base, comp.currency)}:"
            " ask for at least that, or be sure what makes the cut worth it."
        )
    equity = (
        "Then ask about equity: a larger grant or a shorter cliff."
        if comp.equity_grant
        else "Then ask whether equity is part of the package."
    )
    return [
        first,
        equity,
        "Then ask for a sign-on bonus.",
        "Don't disclose your current pay; answer with what the role pays.",
    ]


# ---- small helpers -----------------------------------------------------------------


def _round_up_to(amount: float) -> int:
    return math.ceil(amount / ROUND_TO) * ROUND_TO


def _aware(moment: datetime) -> datetime:
    # State rows are written from aware envelopes; treat a naive one as UTC, not crash.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _area_sentence(wages: WagePercentiles, offer: OfferData) -> str:
    """Which BLS area the figures are for, and why when it is wider than the job's."""
    where = offer.location
    asked = ", ".join(part for part in (where.city, where.state) if part)
    if wages.area_level == "metro":
        return f"BLS wages for the {wages.area_name} metro area."
    if wages.area_level == "state":
        if where.city:
            return (
                f"BLS has no metro figures for {asked}, so these are statewide figures for "
                f"{wages.area_name}."
            )
        return f"BLS wages for {wages.area_name}, statewide."
    if asked:
        return f"BLS has no local figures for {asked}, so these are national figures."
    return "BLS national wages: the offer names no city or state."


def _area_reason(wages: WagePercentiles, offer: OfferData) -> str:
    """Why the figures are for this area: metro, else state, else national."""
    where = offer.location
    asked = ", ".join(part for part in (where.city, where.state) if part)
    if wages.area_level == "metro":
        return "the metro area where the job is based"
    if wages.area_level == "state":
        return f"BLS has no metro figures for {asked}" if where.city else "the offer names no city"
    return f"BLS has no local figures for {asked}" if asked else "the offer names no city or state"


def _level_mapping(levels: Mapping[str, str]) -> str:
    """The level mapping in words: 'intern and entry → 25th percentile; mid → median; ...'."""
    by_key: dict[str, list[str]] = {}
    for level, key in levels.items():
        by_key.setdefault(key, []).append(level)
    return "; ".join(
        f"{join_words(levels)} → {PERCENTILE_NAMES[key]}" for key, levels in by_key.items()
    )


def _placement(wages: WagePercentiles, amount: float) -> tuple[str, str]:
    """Where an amount sits on the market, in words and as an evidence value.

    Only positions between the 10th and 90th percentiles are estimates; outside them
    the market module keeps the order of amounts but not a percentile, so say so.
    """
    position = wages.position(amount)
    if position is None:
        ceiling = next((wages.at(key) for key in PERCENTILE_NAMES if key in wages.top_coded), None)
        if ceiling is not None and amount >= ceiling:
            return (
                f"at or above {money(ceiling)}, the highest wage BLS publishes (top-coded)",
                "at or above the top-coded ceiling",
            )
        return "where BLS publishes no figures to place it", "not placeable"
    if position < 10:
        return "below the market's 10th percentile", "below the 10th"
    if position > 90:
        return "above the market's 90th percentile", "above the 90th"
    nth = ordinal(round(position))
    return f"at about the market's {nth} percentile", f"about the {nth}"


def _position_evidence(label: str, placed: str, amount: float, wages: WagePercentiles) -> Evidence:
    return Evidence(
        label=label,
        value=placed,  # words ("about the 32nd"): a percentile past 90 is only an order
        unit="percentile",
        source=wages.source,
        year=wages.release,
        detail=f"{money(amount)} against {wages.scope()}",
    )
