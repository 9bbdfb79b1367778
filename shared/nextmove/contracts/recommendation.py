"""The outbound recommendation, published on the SNS topic and emailed."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from nextmove.contracts.events import Identifier, Kind

KINDS: tuple[Kind, ...] = get_args(Kind)
Priority = Literal["high", "normal", "low"]
_NAMESPACE = uuid.UUID("6f1c1f5e-8d52-4b8e-9a55-2f0c7a3e6b10")


def recommendation_id(tenant: str, person_id: str, trigger_event_id: str, kind: str) -> str:
    """Derived, not random: the same trigger and kind always give the same id, so every
    consumer can drop a duplicate. The person is part of it because a partner's event ids
    are unique per person (the fact's key), not across people."""
    return str(uuid.uuid5(_NAMESPACE, f"{tenant}/{person_id}/{trigger_event_id}/{kind}"))


class Evidence(BaseModel):
    """One figure a recommendation used, with where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(description="What the figure is, e.g. 'Market median'.")
    value: float | str
    unit: str | None = Field(default=None, description="'USD', '%', 'years', ...")
    source: str = Field(description="e.g. 'BLS OEWS'")
    year: str = Field(description="Release or year, e.g. 'May 2025'.")
    detail: str | None = Field(
        default=None, description="e.g. '15-1252 Software Developers, national'."
    )


class RangeMark(BaseModel):
    """One figure placed on a :class:`MarketRange`, e.g. the offer's base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(description="What the figure is, e.g. 'The offer', 'Your counter'.")
    value: float
    placed: str | None = Field(
        default=None, description="Where it sits, in words, e.g. 'about the 32nd percentile'."
    )


class MarketRange(BaseModel):
    """A market's wage distribution (10th to 90th percentile) and where some figures sit
    on it, for a picture: the email draws it, a subscriber can too. Every figure is also
    in the recommendation's evidence, with its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    market: str = Field(description="e.g. 'Software Developers, Austin-Round Rock, TX'.")
    unit: str = Field(description="The currency of every figure, e.g. 'USD'.")
    p10: float
    p25: float | None = None
    p50: float | None = None
    p75: float | None = None
    p90: float
    top_coded: list[str] = Field(
        default=[],
        description="Percentiles published only as 'at least' this figure, e.g. ['p90'].",
    )
    marks: list[RangeMark] = []
    source: str = Field(description="e.g. 'BLS OEWS'")
    year: str = Field(description="Release or year, e.g. 'May 2025'.")


class Recommendation(BaseModel):
    # Errors name the field, never quote its value: advice holds pay figures.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    id: str
    tenant: Identifier
    person_id: Identifier
    kind: Kind
    priority: Priority
    headline: str = Field(max_length=200)
    body: str
    evidence: list[Evidence] = []
    actions: list[str] = Field(
        default=[], description="Suggested next steps, most important first."
    )
    rule: str = Field(description="The rule that fired, e.g. 'timing.window_opened'.")
    deadline: date | None = Field(
        default=None,
        description="The day the actions are due by (an offer's deadline), when there is one.",
    )
    market_range: MarketRange | None = Field(
        default=None,
        description="Where the offer, the counter and current pay sit on the market's wages.",
    )
    trigger_event_id: Identifier
    created_at: AwareDatetime

    @classmethod
    def create(
        cls,
        *,
        tenant: str,
        person_id: str,
        trigger_event_id: str,
        kind: Kind,
        created_at: datetime,
        **fields: object,
    ) -> Recommendation:
        return cls(
            id=recommendation_id(tenant, person_id, trigger_event_id, kind),
            tenant=tenant,
            person_id=person_id,
            trigger_event_id=trigger_event_id,
            kind=kind,
            created_at=created_at,
            **fields,
        )
