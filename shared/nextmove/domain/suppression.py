"""Whether email to a person must stop: what SES reported about their addresses (hard
and soft bounces, complaints, deliveries) and whether they unsubscribed. Pure: the
record is the SUPPRESSION row's (``adapters/suppressions.py``), the feedback is parsed
from SES's events (``contracts/ses.py``).

The rules, per address (case-insensitive), because a bounce or a complaint is about
one mailbox, not about the person:

- a **hard bounce** (SES's ``Permanent``, which includes an address on the account's
  suppression list) suppresses the address at once: ``bounced``;
- a **complaint** suppresses it at once: ``complained``; SES and the inbox providers
  count every further email to it against the sender;
- **soft bounces** (``Transient``, ``Undetermined``: SES reports one only after it has
  retried the email for hours) are counted; ``SOFT_BOUNCES_TO_SUPPRESS`` in a row, with
  no delivery between them, suppress the address as ``bounced``;
- a **delivery** confirms the address and clears its soft-bounce count.

A suppressed address is never mailed again for that person. A profile with a different
address is mailed (the new address has no history), so a ``profile.updated`` with a new
address lifts the suppression and the same address does not. An **unsubscribe** (the
email's one-click link) stops all email to the person, whatever the address, until a
``profile.updated`` newer than it asks for email again.

Each feedback is folded once (its SES feedback id is remembered), so SES's or the
queue's redelivery of the same notification changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from nextmove.contracts.ses import SesEvent

SOFT_BOUNCES_TO_SUPPRESS = 3
# Feedback ids remembered for the redelivery check; SES redelivers within minutes, so
# the last few dozen cover every retry of the ones that matter.
KEEP_FEEDBACK_IDS = 50
# Suppressed addresses kept per person: more changes of address than anyone makes.
KEEP_ADDRESSES = 10

Reason = Literal["bounced", "complained", "unsubscribed"]
FeedbackKind = Literal["hard_bounce", "soft_bounce", "complaint", "delivery"]


class Feedback(BaseModel):
    """One recipient's outcome of one email, as SES reported it."""

    model_config = ConfigDict(frozen=True)

    kind: FeedbackKind
    address: str
    at: datetime
    feedback_id: str  # SES's id of the notification (a delivery: its message id)
    detail: str = ""  # SES's bounce type and subtype, or complaint feedback type


class AddressRecord(BaseModel):
    """What is known of one address."""

    model_config = ConfigDict(extra="forbid")

    suppressed: Literal["bounced", "complained"] | None = None
    suppressed_at: datetime | None = None
    why: str = ""  # SES's words: "Permanent/General", "3 soft bounces", "abuse"
    soft_bounces: int = 0
    confirmed_at: datetime | None = None


class Standing(BaseModel):
    """Everything that can stop a person's email, bounded in size."""

    model_config = ConfigDict(extra="forbid")

    addresses: dict[str, AddressRecord] = {}
    unsubscribed_at: datetime | None = None
    seen: list[str] = []  # the last feedback ids folded, oldest first

    def record(self, address: str) -> AddressRecord:
        return self.addresses.get(normal(address), AddressRecord())


def normal(address: str) -> str:
    """The form addresses are compared in: SES reports them as sent, mailbox providers
    treat the local part case-insensitively in practice."""
    return address.strip().lower()


def fold(standing: Standing, feedback: Feedback) -> tuple[Standing, bool]:
    """``standing`` with ``feedback`` folded in, and whether it newly suppressed an
    address. A feedback already folded changes nothing."""
    if feedback.feedback_id in standing.seen:
        return standing, False
    key = normal(feedback.address)
    before = standing.record(key)
    after = _apply(before, feedback)
    addresses = {k: v for k, v in standing.addresses.items() if k != key} | {key: after}
    if len(addresses) > KEEP_ADDRESSES:
        # The oldest entries that suppress nothing go first, then the oldest at all;
        # never the one just folded.
        ordered = sorted(addresses, key=lambda k: (k == key, addresses[k].suppressed is not None))
        for drop in ordered[: len(addresses) - KEEP_ADDRESSES]:
            addresses.pop(drop)
    seen = [*standing.seen, feedback.feedback_id][-KEEP_FEEDBACK_IDS:]
    folded = standing.model_copy(update={"addresses": addresses, "seen": seen})
    return folded, before.suppressed is None and after.suppressed is not None


def _apply(record: AddressRecord, feedback: Feedback) -> AddressRecord:
    if feedback.kind == "delivery":
        return record.model_copy(update={"confirmed_at": feedback.at, "soft_bounces": 0})
    if record.suppressed is not None:
        return record  # already suppressed: the first reason and time stand
    if feedback.kind == "soft_bounce":
        count = record.soft_bounces + 1
        if count < SOFT_BOUNCES_TO_SUPPRESS:
            return record.model_copy(update={"soft_bounces": count})
        return record.model_copy(
            update={
                "soft_bounces": count,
                "suppressed": "bounced",
                "suppressed_at": feedback.at,
                "why": f"{count} soft bounces in a row ({feedback.detail})",
            }
        )
    reason: Literal["bounced", "complained"] = (
        "complained" if feedback.kind == "complaint" else "bounced"
    )
    return record.model_copy(
        update={"suppressed": reason, "suppressed_at": feedback.at, "why": feedback.detail}
    )


def unsubscribe(standing: Standing, at: datetime) -> Standing:
    """The person asked for no more email. A second click only moves the time on: it
    still stops email, and it outlasts a profile that re-subscribed them in between."""
    if standing.unsubscribed_at is not None and standing.unsubscribed_at >= at:
        return standing
    return standing.model_copy(update={"unsubscribed_at": at})


def reason(standing: Standing, address: str, profile_at: datetime) -> Reason | None:
    """Why email to ``address`` (the profile's, as of ``profile_at``, when the partner
    sent that profile) must not be sent, or None. An unsubscribe counts unless the
    profile is newer than it (the person asked for email again); a suppressed address
    counts whatever the profile's age."""
    if standing.unsubscribed_at is not None and profile_at <= standing.unsubscribed_at:
        return "unsubscribed"
    return standing.record(address).suppressed


def feedback_of(event: SesEvent) -> list[Feedback]:
    """What the event says of each recipient; nothing for a reject or a rendering
    failure (the email never reached an address, which says nothing about it)."""
    if event.eventType == "Bounce" and event.bounce:
        kind: Literal["hard_bounce", "soft_bounce"] = (
            "hard_bounce" if event.bounce.bounceType == "Permanent" else "soft_bounce"
        )
        detail = f"{event.bounce.bounceType}/{event.bounce.bounceSubType}"
        return [
            Feedback(
                kind=kind,
                address=r.emailAddress,
                at=event.bounce.timestamp,
                feedback_id=event.bounce.feedbackId,
                detail=detail,
            )
            for r in event.bounce.bouncedRecipients
        ]
    if event.eventType == "Complaint" and event.complaint:
        return [
            Feedback(
                kind="complaint",
                address=r.emailAddress,
                at=event.complaint.timestamp,
                feedback_id=event.complaint.feedbackId,
                detail=event.complaint.complaintFeedbackType or "complaint",
            )
            for r in event.complaint.complainedRecipients
        ]
    if event.eventType == "Delivery" and event.delivery:
        return [
            Feedback(
                kind="delivery",
                address=address,
                at=event.delivery.timestamp,
                feedback_id=f"delivery:{event.mail.messageId}:{address}",
            )
            for address in event.delivery.recipients
        ]
    return []
