"""What the webhook admits: a signed, fresh, well-formed event of a known type.

Pure: the caller fetches the tenant's secrets and puts the admitted event on the bus.
Each refusal is a ``Rejected`` with the HTTP status and a JSON body that names the
problem, checked in the order that costs the sender least to fix and us least to run:
size, signer, signature and time, JSON, type, fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from nextmove import signing
from nextmove.contracts import EVENT_TYPES, BusDetail, InboundEvent, parse_inbound

MAX_BODY_BYTES = 64 * 1024  # well inside EventBridge's 256 KiB entry limit
TENANT_HEADER = "nextmove-tenant"

# Every answer that is not a 202, by its ``error`` code: the status and when it is given.
# events/openapi.yaml is generated from this table, and the tests hold every refusal to it.
REFUSALS: dict[str, tuple[int, str]] = {
    "payload_too_large": (413, f"the body is over {MAX_BODY_BYTES // 1024} KiB"),
    "unknown_signer": (401, f"no {TENANT_HEADER} header, or one naming no known partner"),
    "bad_signature": (
        401,
        "a webhook-* header is missing, no signature matches a secret of the partner, "
        "or webhook-timestamp is more than 5 minutes from now",
    ),
    "malformed_json": (400, "the body is not JSON"),
    "unknown_event_type": (422, "`type` is not one of the event types"),
    "invalid_event": (400, "the event does not match its contract; `details` names each field"),
    "unavailable": (503, "the event bus did not take the event; nothing was kept: retry"),
}


# Not frozen: Python sets __traceback__ on an exception as it propagates (through a
# ``with`` block, for one), which a frozen dataclass turns into FrozenInstanceError.
@dataclass
class Rejected(Exception):
    status: int
    error: str
    message: str
    details: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


def admit(
    headers: dict[str, str],
    body: bytes,
    secrets_of: Callable[[str], list[str]],
    *,
    now: float | None = None,
) -> BusDetail[InboundEvent]:
    """Admit one request or raise Rejected. ``headers`` must have lower-case names."""
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(
            413, "payload_too_large", f"body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}"
        )
    tenant = headers.get(TENANT_HEADER, "")
    secrets = secrets_of(tenant) if tenant else []
    if not secrets:
        raise Rejected(401, "unknown_signer", f"the {TENANT_HEADER} header names no known partner")
    try:
        signing.verify(secrets, headers, body, now=now)
    except signing.SignatureError as error:
        raise Rejected(401, "bad_signature", str(error)) from None

    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Rejected(400, "malformed_json", f"body is not JSON: {error}") from None
    event_type = document.get("type") if isinstance(document, dict) else None
    if isinstance(event_type, str) and event_type not in EVENT_TYPES:
        raise Rejected(
            422, "unknown_event_type", f"type {event_type!r} is not one of {', '.join(EVENT_TYPES)}"
        )
    try:
        event = parse_inbound(body)
    except ValidationError as error:
        raise Rejected(
            400, "invalid_event", "the event does not match its contract", _fields(error)
        ) from None
    return BusDetail[InboundEvent](tenant=tenant, event=event)


def _fields(error: ValidationError) -> list[dict[str, Any]]:
    """Each bad field by its dotted path, without echoing the submitted value back."""
    details = []
    for problem in error.errors(include_url=False, include_input=False):
        # The discriminated union adds the type tag to the path: drop it for the reader.
        path = [str(p) for p in problem["loc"] if str(p) not in EVENT_TYPES]
        details.append({"field": ".".join(path) or "(body)", "problem": problem["msg"]})
    return details
