"""Inbound career events, as partners send them to ``POST /events``.

Every event shares one envelope (the sender's unique ``id``, ``type``,
``schema_version``, ``occurred_at`` and ``person_id``) and carries a typed ``data``
object. The tenant is never part of the body: it is the partner whose signing secret
verified the request, and travels beside the event on the bus (``BusDetail``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$")]
# Whitespace is stripped before the checks, so the patterns tell the schema's readers
# (and generators) that a text of spaces only is as empty as "". \x85 is spelled out
# because JSON Schema's \s (ECMA-262) lacks it, while the validator strips it.
NOT_BLANK = r"[^\s\x85]"
Text = Annotated[str, Field(min_length=1, max_length=2000, pattern=NOT_BLANK)]
ShortText = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
Money = Annotated[float, Field(ge=0, le=100_000_000)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
Level = Literal[
    "intern",
    "entry",
    "mid",
    "senior",
    "staff",
    "principal",
    "manager",
    "director",
    "vp",
    "executive",
]
# The WHATWG "valid e-mail address" (what browsers' <input type=email> accept), with a
# dotted domain: every address it admits is one SES and an email header can carry, so an
# address that could never be sent to is a 400 at the webhook, not a parked email. A
# pattern rather than EmailStr: it spares the layer email-validator and dnspython.
Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=(
            r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
            r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
        ),
    ),
]
Kind = Literal["timing", "negotiation", "goal", "skills", "wellbeing"]


def _known_occupation(code: str) -> str:
    # Imported here: only an event that carries a code opens the title coder's index.
    from nextmove.reference import titles

    if titles.from_code(code) is None:
        raise ValueError("is not an SOC 2018 or O*NET-SOC occupation")
    return code


def _occupation_codes(schema: dict[str, Any]) -> None:
    # The published contract lists the codes, so that whatever fits it is admitted.
    from nextmove.reference import titles

    schema["enum"] = titles.codes()


# A partner that already codes its jobs sends the code; it wins over the title.
OccupationCode = Annotated[
    str,
    Field(
        pattern=r"^\d{2}-\d{4}(\.\d{2})?$",
        description="SOC 2018 (NN-NNNN) or O*NET-SOC (NN-NNNN.NN) code of the job; "
        "when given, it is used instead of coding the title.",
        examples=["29-1141", "29-1141.03"],
        json_schema_extra=_occupation_codes,
    ),
    AfterValidator(_known_occupation),
]


class Contract(BaseModel):
    """Strict base: unknown fields are an error, so a typo never silently drops data.
    A validation error names the field but never quotes its value: error messages reach
    the logs, and values here are personal (emails, names, pay)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, hide_input_in_errors=True
    )


class Location(Contract):
    """Where a person works or a job is based. US locations resolve to BLS areas."""

    city: ShortText | None = None
    state: (
        Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="US state or territory code")]
        | None
    ) = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")] = "US"
    remote: bool = False


class CurrentCompensation(Contract):
    base_salary: Money
    currency: Currency = "USD"
    annual_bonus: Money = 0


class NotificationPreferences(Contract):
    email: bool = True
    kinds: list[Kind] = Field(
        default_factory=lambda: list(get_args(Kind)),
        description="Kinds of recommendation the person wants by email.",
    )


class Envelope(Contract):
    id: Identifier = Field(description="The sender's unique event id; redeliveries reuse it.")
    schema_version: Literal[1] = 1
    occurred_at: AwareDatetime
    person_id: Identifier


# ---- success.recorded --------------------------------------------------------------


class SuccessData(Contract):
    title: ShortText
    category: Literal["launch", "sale", "programme", "promotion", "award", "other"]
    magnitude: Literal["minor", "notable", "major"] = Field(
        description="How big the success was; 'major' opens a timing window."
    )
    description: Text | None = None
    impact: ShortText | None = Field(default=None, description="A figure, e.g. '$2.4M ARR'.")


class SuccessRecorded(Envelope):
    type: Literal["success.recorded"]
    data: SuccessData


# ---- goal.updated ------------------------------------------------------------------


class GoalData(Contract):
    statement: Text = Field(description="The goal in the person's words.")
    target_role: ShortText | None = None
    target_date: date | None = None
    occupation_code: OccupationCode | None = None


class GoalUpdated(Envelope):
    type: Literal["goal.updated"]
    data: GoalData


# ---- offer.received ----------------------------------------------------------------


class CompensationPackage(Contract):
    base_salary: Money
    currency: Currency = "USD"
    target_bonus_pct: Annotated[float, Field(ge=0, le=500)] = 0
    equity_grant_value: Money = Field(
        default=0, description="Grant value over the whole vesting period."
    )
    vesting_years: Annotated[int, Field(ge=1, le=10)] = 4
    cliff_months: Annotated[int, Field(ge=0, le=60)] = 12
    sign_on_bonus: Money = 0


class OfferData(Contract):
    offer_id: Identifier
    company: ShortText
    role_title: ShortText
    level: Level
    location: Location
    package: CompensationPackage
    deadline: date | None = None
    occupation_code: OccupationCode | None = None


class OfferReceived(Envelope):
    type: Literal["offer.received"]
    data: OfferData


# ---- offer.resolved ----------------------------------------------------------------


class OfferResolutionData(Contract):
    offer_id: Identifier = Field(description="The offer.received offer this outcome closes.")
    outcome: Literal["accepted", "declined", "withdrawn"] = Field(
        description="Accepted or declined by the person; withdrawn by the employer."
    )
    final_package: CompensationPackage | None = Field(
        default=None,
        description="The last package on the table: for an accepted offer, what was signed.",
    )
    countered: bool = Field(default=False, description="Whether the person made a counter.")
    counter_base_salary: Money | None = Field(
        default=None, description="The base salary the person asked for, when they countered."
    )


class OfferResolved(Envelope):
    type: Literal["offer.resolved"]
    data: OfferResolutionData


# ---- job.changed -------------------------------------------------------------------


class JobChangeData(Contract):
    role_title: ShortText
    level: Level
    employer: ShortText
    start_date: date = Field(description="The first day in the new role.")
    compensation: CurrentCompensation = Field(description="The new role's pay.")
    location: Location | None = None
    occupation_code: OccupationCode | None = None


class JobChanged(Envelope):
    type: Literal["job.changed"]
    data: JobChangeData


# ---- profile.updated ---------------------------------------------------------------


class ProfileData(Contract):
    email: Email
    name: ShortText | None = None
    current_role: ShortText
    current_level: Level
    occupation_code: OccupationCode | None = None
    location: Location
    compensation: CurrentCompensation | None = None
    skills: Annotated[list[ShortText], Field(max_length=100)] = []
    employer_since: date | None = Field(
        default=None, description="Start date with the current employer."
    )
    time_zone: ShortText = "UTC"
    notifications: NotificationPreferences = NotificationPreferences()


class ProfileUpdated(Envelope):
    type: Literal["profile.updated"]
    data: ProfileData


# ---- feelings.checked_in -----------------------------------------------------------

Feeling = Literal["overwhelmed", "anxious", "unhappy", "neutral", "content", "excited"]


class FeelingsData(Contract):
    feeling: Feeling
    note: Text | None = None


class FeelingsCheckedIn(Envelope):
    type: Literal["feelings.checked_in"]
    data: FeelingsData


# ---- the union, and what travels on the bus ----------------------------------------

type AnyEvent = (
    SuccessRecorded
    | GoalUpdated
    | OfferReceived
    | OfferResolved
    | JobChanged
    | ProfileUpdated
    | FeelingsCheckedIn
)
InboundEvent = Annotated[
    SuccessRecorded
    | GoalUpdated
    | OfferReceived
    | OfferResolved
    | JobChanged
    | ProfileUpdated
    | FeelingsCheckedIn,
    Field(discriminator="type"),
]
EVENT_MODELS: dict[str, type[Envelope]] = {
    "success.recorded": SuccessRecorded,
    "goal.updated": GoalUpdated,
    "offer.received": OfferReceived,
    "offer.resolved": OfferResolved,
    "job.changed": JobChanged,
    "profile.updated": ProfileUpdated,
    "feelings.checked_in": FeelingsCheckedIn,
}
EVENT_TYPES = tuple(EVENT_MODELS)
_inbound = TypeAdapter(InboundEvent)


def parse_inbound(body: bytes | str) -> AnyEvent:
    """Validate a webhook body; raises ``pydantic.ValidationError`` naming each bad field."""
    return _inbound.validate_json(body)


class BusDetail[E](Contract):
    """The EventBridge ``detail``: the verified tenant beside the partner's event.
    ``BusDetail[OfferReceived]`` is what the offer.received function accepts."""

    tenant: Identifier
    event: E
