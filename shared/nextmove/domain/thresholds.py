"""The coaching thresholds an operator may tune without a deploy, as plain values.

The defaults are the rules' own judgement (see ``timing`` and ``negotiation``); a
deployment can override any of them in one SSM parameter (``/nextmove/<env>/thresholds``,
read by ``nextmove.adapters.settings``), and the handlers pass the result into the
domain. The domain never reads the parameter itself: it stays pure and is tested with
plain values. A misspelt key is an error, not a silently ignored setting.

    {"timing": {"full_months": 3, "closed_months": 9},
     "negotiation": {"anchor_uplift_pct": 5, "level_percentile": {"senior": "p90"}},
     "email": {"weekly_limit": 3, "quiet_start": "21:00", "quiet_end": "08:00"}}
"""

from __future__ import annotations

from datetime import time
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nextmove.contracts.events import Level

type PercentileKey = Literal["p10", "p25", "p50", "p75", "p90"]


class _Tunable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TimingThresholds(_Tunable):
    """How long the window a major success opens stays open."""

    full_months: float = Field(default=3, gt=0, description="full strength for this long")
    closed_months: float = Field(default=9, gt=0, description="faded to nothing by then")

    @model_validator(mode="after")
    def _closes_after_full(self) -> Self:
        if self.closed_months <= self.full_months:
            raise ValueError("closed_months must be greater than full_months")
        return self


class NegotiationThresholds(_Tunable):
    """Where the counter-offer is anchored."""

    anchor_uplift_pct: float = Field(
        default=5, ge=0, le=50, description="added to the ask after a recent major success"
    )
    level_percentile: dict[Level, PercentileKey] = Field(
        default_factory=dict,
        description="overrides of the market percentile a level is anchored on",
    )


class EmailThresholds(_Tunable):
    """How often a person may be emailed, and when not (``email_policy.MailingPolicy``'s names)."""

    weekly_limit: int = Field(default=3, ge=1, description="emails per person per 7 days")
    quiet_start: time = Field(default=time(21, 0), description="person's local time")
    quiet_end: time = Field(default=time(8, 0), description="person's local time")


class Thresholds(_Tunable):
    """Every tunable threshold; ``Thresholds()`` is today's behaviour."""

    timing: TimingThresholds = Field(default_factory=TimingThresholds)
    negotiation: NegotiationThresholds = Field(default_factory=NegotiationThresholds)
    email: EmailThresholds = Field(default_factory=EmailThresholds)


DEFAULT = Thresholds()


def defaults() -> Thresholds:
    """``DEFAULT`` as ``coach.react`` asks for thresholds: what a deployment whose
    parameter sets nothing coaches with."""
    return DEFAULT
