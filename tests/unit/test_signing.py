"""Standard Webhooks signatures: what partners' libraries send is what we accept."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from nextmove.signing import SignatureError, sign, verify

OLD = "whsec_" + base64.b64encode(b"old-secret-of-the-partner-0001").decode()
NEW = "whsec_" + base64.b64encode(b"new-secret-of-the-partner-0002").decode()
BODY = b'{"id":"evt-1"}'


def _headers(signature: str, timestamp: int, msg_id: str = "msg_1") -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def test_a_signature_made_by_the_standardwebhooks_library_verifies():
    now = int(time.time())
    signature = Webhook(OLD).sign("msg_1", datetime.fromtimestamp(now, tz=UTC), BODY.decode())
    assert verify([OLD], _headers(signature, now), BODY) == "msg_1"


def test_our_signature_verifies_with_the_standardwebhooks_library():
    now = int(time.time())
    Webhook(OLD).verify(BODY.decode(), _headers(sign(OLD, "msg_1", now, BODY), now))


def test_rotation_two_secrets_active_either_signature_verifies():
    now = int(time.time())
    both = f"{sign(OLD, 'msg_1', now, BODY)} {sign(NEW, 'msg_1', now, BODY)}"
    assert verify([NEW], _headers(both, now), BODY) == "msg_1"
    assert verify([OLD, NEW], _headers(sign(NEW, "msg_1", now, BODY), now), BODY) == "msg_1"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: (h, b + b" "), "no signature matches"),
        (lambda h, b: ({**h, "webhook-id": "msg_2"}, b), "no signature matches"),
        (
            lambda h, b: ({**h, "webhook-timestamp": str(int(time.time()) - 301)}, b),
            "more than 5 minutes",
        ),
        (
            lambda h, b: ({**h, "webhook-timestamp": str(int(time.time()) + 301)}, b),
            "more than 5 minutes",
        ),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b), "missing"),
        (lambda h, b: ({**h, "webhook-timestamp": "yesterday"}, b), "not a Unix time"),
    ],
    ids=["tampered-body", "other-id", "stale", "future", "unsigned", "bad-timestamp"],
)
def test_forged_stale_or_unsigned_requests_are_refused(change, reason):
    now = int(time.time())
    headers, body = change(_headers(sign(OLD, "msg_1", now, BODY), now), BODY)
    with pytest.raises(SignatureError, match=reason):
        verify([OLD], headers, body)


def test_a_signature_with_a_retired_secret_is_refused():
    now = int(time.time())
    with pytest.raises(SignatureError):
        verify([NEW], _headers(sign(OLD, "msg_1", now, BODY), now), BODY)
