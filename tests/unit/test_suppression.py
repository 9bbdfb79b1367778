"""The suppression rules (``domain.suppression``) and the SES event contract, pure:
which feedback stops email to which address, and for how long."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from nextmove.adapters import ses
from nextmove.contracts.ses import SesEvent
from nextmove.domain.suppression import (
    SOFT_BOUNCES_TO_SUPPRESS,
    Feedback,
    Standing,
    feedback_of,
    fold,
    reason,
    unsubscribe,
)

T0 = datetime(2026, 5, 6, 12, tzinfo=UTC)
ADDRESS = "Sam@Example.com"


def feedback(kind: str, n: int = 0, address: str = ADDRESS) -> Feedback:
    return Feedback(kind=kind, address=address, at=T0 + timedelta(hours=n), feedback_id=f"f{n}")


def folded(*items: Feedback) -> Standing:
    standing = Standing()
    for item in items:
        standing, _ = fold(standing, item)
    return standing


def test_a_hard_bounce_suppresses_the_address_at_once_whatever_its_case():
    standing, newly = fold(Standing(), feedback("hard_bounce"))
    assert newly
    assert reason(standing, "sam@example.com", T0) == "bounced"
    assert reason(standing, "other@example.com", T0) is None


def test_a_complaint_suppresses_the_address():
    assert reason(folded(feedback("complaint")), ADDRESS, T0) == "complained"


def test_soft_bounces_suppress_only_after_repeats_and_a_delivery_resets_the_count():
    almost = [feedback("soft_bounce", n) for n in range(SOFT_BOUNCES_TO_SUPPRESS - 1)]
    assert reason(folded(*almost), ADDRESS, T0) is None
    reset = folded(*almost, feedback("delivery", 10), feedback("soft_bounce", 11))
    assert reason(reset, ADDRESS, T0) is None
    enough = folded(*almost, feedback("soft_bounce", 20))
    assert reason(enough, ADDRESS, T0) == "bounced"
    assert "soft bounces in a row" in enough.record(ADDRESS).why


def test_the_same_feedback_twice_changes_nothing():
    once = folded(feedback("soft_bounce", 1))
    twice, newly = fold(once, feedback("soft_bounce", 1))
    assert twice == once and not newly


def test_a_delivery_does_not_lift_a_suppression_and_the_first_reason_stands():
    standing = folded(feedback("complaint", 1), feedback("delivery", 2), feedback("hard_bounce", 3))
    record = standing.record(ADDRESS)
    assert record.suppressed == "complained" and record.suppressed_at == T0 + timedelta(hours=1)
    assert record.confirmed_at == T0 + timedelta(hours=2)


def test_an_unsubscribe_holds_until_a_newer_profile_and_a_later_click_counts_again():
    standing = unsubscribe(Standing(), T0)
    assert reason(standing, ADDRESS, T0 - timedelta(days=1)) == "unsubscribed"
    assert reason(standing, ADDRESS, T0) == "unsubscribed"
    assert reason(standing, ADDRESS, T0 + timedelta(seconds=1)) is None  # re-subscribed
    again = unsubscribe(standing, T0 + timedelta(days=2))
    assert reason(again, ADDRESS, T0 + timedelta(days=1)) == "unsubscribed"
    assert unsubscribe(again, T0) == again  # an older click changes nothing


def test_the_record_stays_bounded_and_keeps_what_suppresses():
    items = [feedback("hard_bounce", 0, "first@example.com")]
    items += [feedback("delivery", n, f"a{n}@example.com") for n in range(1, 40)]
    standing = folded(*items)
    assert len(standing.addresses) <= 10
    assert reason(standing, "first@example.com", T0) == "bounced"
    assert len(standing.seen) <= 50


def _event(event_type: str, **body) -> SesEvent:
    mail = {
        "timestamp": "2026-05-06T17:00:00.000Z",
        "messageId": "0100-abc",
        "destination": [ADDRESS],
        "tags": {"nextmove-tenant": ["demo-partner"], "ses:configuration-set": ["nextmove-dev"]},
        "commonHeaders": {"subject": "ignored"},  # a field NextMove does not read
    }
    return SesEvent.model_validate_json(json.dumps({"eventType": event_type, "mail": mail, **body}))


def test_ses_events_in_their_documented_format_become_feedback():
    bounce = _event(
        "Bounce",
        bounce={
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": ADDRESS, "status": "5.1.1"}],
            "timestamp": "2026-05-06T17:00:01.000Z",
            "feedbackId": "fb-1",
        },
    )
    [item] = feedback_of(bounce)
    assert (item.kind, item.detail) == ("hard_bounce", "Permanent/General")
    assert item.feedback_id == "fb-1"
    transient = bounce.model_copy(
        update={"bounce": bounce.bounce.model_copy(update={"bounceType": "Transient"})}
    )
    assert feedback_of(transient)[0].kind == "soft_bounce"
    complaint = _event(
        "Complaint",
        complaint={
            "complainedRecipients": [{"emailAddress": ADDRESS}],
            "timestamp": "2026-05-06T17:00:01.000Z",
            "feedbackId": "fb-2",
            "complaintFeedbackType": "abuse",
        },
    )
    assert [(f.kind, f.detail) for f in feedback_of(complaint)] == [("complaint", "abuse")]
    delivery = _event(
        "Delivery", delivery={"timestamp": "2026-05-06T17:00:01.000Z", "recipients": [ADDRESS]}
    )
    assert [f.kind for f in feedback_of(delivery)] == ["delivery"]
    assert feedback_of(_event("Reject")) == []
    assert delivery.tag("nextmove-tenant") == "demo-partner"
    assert delivery.tag("nextmove-person") is None


@pytest.mark.parametrize(
    "identifier", ["p-sam", "a.b:c@d", "__", "_a", "x_d_", "p" * 128, "a@b.example"]
)
def test_identifiers_survive_the_tag_encoding_ses_allows(identifier):
    value = ses.tag_value(identifier)
    assert len(value) <= 256
    assert all(c.isascii() and (c.isalnum() or c in "_-") for c in value)
    assert ses.from_tag(value) == identifier


def test_a_tag_value_no_identifier_encodes_to_is_refused():
    with pytest.raises(ValueError, match="not a NextMove tag value"):
        ses.from_tag("abc_z")
