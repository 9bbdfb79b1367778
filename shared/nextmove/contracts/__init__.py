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
    Location,
    NotificationPreferences,
    OfferReceived,
    ProfileUpdated,
    SuccessRecorded,
    parse_inbound,
)
from nextmove.contracts.recommendation import (
    KINDS,
    Evidence,
    MarketRange,
    RangeMark,
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
    "Location",
    "MarketRange",
    "NotificationPreferences",
    "OfferReceived",
    "ProfileUpdated",
    "RangeMark",
    "Recommendation",
    "SuccessRecorded",
    "parse_inbound",
    "recommendation_id",
]
