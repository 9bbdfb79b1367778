"""The outbound recommendation, published on the SNS topic and emailed."""

from __future__ import annotations

import uuid
from datetime import datetime
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
