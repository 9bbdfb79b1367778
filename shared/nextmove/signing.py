"""Standard Webhooks signatures (https://www.standardwebhooks.com), verified in pure code.

A partner signs ``"{webhook-id}.{webhook-timestamp}.{body}"`` with HMAC-SHA256 and a
``whsec_``-prefixed base64 secret, and sends ``webhook-signature: v1,<base64> ...``
(several, space-separated, while a secret rotates). This is the scheme the
``standardwebhooks`` libraries implement in every language, so partners need no code
of ours; the tests sign with that library to prove it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60


class SignatureError(ValueError):
    """The request is not proven to come from the tenant it names."""


def _key(secret: str) -> bytes:
    # Like the standardwebhooks libraries, accept secrets written without base64 padding.
    return base64.b64decode(secret.removeprefix("whsec_") + "==")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one secret."""
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(digest.digest()).decode()


def verify(
    secrets: list[str],
    headers: dict[str, str],
    body: bytes,
    *,
    now: float | None = None,
) -> str:
    """Check the signature and timestamp; returns the ``webhook-id``. ``headers`` must
    have lower-case names. Raises SignatureError with a reason safe to show the caller."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    given = headers.get("webhook-signature")
    if not (msg_id and stamp and given):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not a Unix time in seconds") from None
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is more than 5 minutes from now")
    offered = [part.split(",", 1)[1] for part in given.split() if part.startswith("v1,")]
    for secret in secrets:
        expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id
    raise SignatureError("no signature matches a secret of this tenant")
