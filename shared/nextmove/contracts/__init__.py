"""The contracts: one model per inbound event type and the outbound recommendation."""

from nextmove.contracts.events import (
    EVENT_MODELS,
    EVENT_TYPES,
    BusDetail,
    CompensationPackage,
    CurrentCompensation,
    FeelingsCheckedIn,
    GoalUpdated,
    InboundEvent,
    JobChanged,
    Location,
    NotificationPreferences,
    OfferReceived,
    OfferResolved,
    ProfileUpdated,
    SuccessRecorded,
    parse_inbound,
)
from nextmove.contracts.recommendation import (
    KINDS,
    Evidence,
    Recommendation,
    recommendation_id,
)

__all__ = [
    "EVENT_MODELS",
    "EVENT_TYPES",
    "KINDS",
    "BusDetail",
    "CompensationPackage",
    "CurrentCompensation",
    "Evidence",
    "FeelingsCheckedIn",
    "GoalUpdated",
    "InboundEvent",
    "JobChanged",
    "Location",
    "NotificationPreferences",
    "OfferReceived",
    "OfferResolved",
    "ProfileUpdated",
    "Recommendation",
    "SuccessRecorded",
    "parse_inbound",
    "recommendation_id",
]
