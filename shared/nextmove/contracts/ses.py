"""SES's email events, as its configuration set's event destination puts them on the
default EventBridge bus (source ``aws.ses``; the detail is the event record the SES
Developer Guide documents under "Contents of event data"). Only the fields NextMove
reads are modelled; SES adds fields over time, so the rest are ignored, not refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

# The event's detail-type on the bus, by the record's eventType: the event types the
# configuration set's destination matches, and the suppression function's rule.
DETAIL_TYPES = {
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Delivery": "Email Delivered",
    "Reject": "Email Rejected",
    "Rendering Failure": "Email Rendering Failed",
}


class _SesModel(BaseModel):
    """The field names are SES's own, camelCase as it sends them."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


class Mail(_SesModel):
    timestamp: datetime
    messageId: str
    destination: list[str]
    tags: dict[str, list[str]] = {}


class Recipient(_SesModel):
    emailAddress: str


class Bounce(_SesModel):
    bounceType: Literal["Undetermined", "Permanent", "Transient"]
    bounceSubType: str
    bouncedRecipients: list[Recipient]
    timestamp: datetime
    feedbackId: str


class Complaint(_SesModel):
    complainedRecipients: list[Recipient]
    timestamp: datetime
    feedbackId: str
    complaintFeedbackType: str | None = None


class Delivery(_SesModel):
    timestamp: datetime
    recipients: list[str]


class SesEvent(_SesModel):
    eventType: Literal["Bounce", "Complaint", "Delivery", "Reject", "Rendering Failure"]
    mail: Mail
    bounce: Bounce | None = None
    complaint: Complaint | None = None
    delivery: Delivery | None = None

    def tag(self, name: str) -> str | None:
        """The first value of one of the email's tags (SES lists each tag's values)."""
        values = self.mail.tags.get(name) or []
        return values[0] if values else None
