"""The EventBridge bus every accepted event goes through."""

from __future__ import annotations

from nextmove.adapters.aws import client, setting
from nextmove.contracts import BusDetail, InboundEvent

SOURCE = "nextmove.webhook"


class BusRejected(RuntimeError):
    """PutEvents answered 200 but did not take the entry (FailedEntryCount > 0)."""


def put_event(detail: BusDetail[InboundEvent]) -> str:
    """Put one accepted event on the bus, detail-type = the event type; returns the
    EventBridge entry id. Raises rather than returning quietly when the entry failed."""
    response = client("events").put_events(
        Entries=[
            {
                "EventBusName": setting("BUS_NAME"),
                "Source": SOURCE,
                "DetailType": detail.event.type,
                "Detail": detail.model_dump_json(),
            }
        ]
    )
    entry = response["Entries"][0]
    if response.get("FailedEntryCount", 0) or "EventId" not in entry:
        raise BusRejected(f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
    event_id: str = entry["EventId"]
    return event_id
