"""What a function is handed, shaped as AWS shapes it, for the local stack's triggers
and for tests that invoke a function directly.

    signed_headers   the webhook request's headers, signed as a partner signs them
    http_api_event   the API Gateway HTTP API (payload 2.0) event the webhook and the
                     unsubscribe function receive
    bus_event        the EventBridge event a rule delivers to an event function
    sqs_record       one SQS message as Lambda's event source mapping hands it over
    matches          whether an event fits a filter pattern (EventBridge's syntax)
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from nextmove_local.account import ACCOUNT, REGION


def bus_event(document: dict[str, Any], tenant: str) -> dict[str, Any]:
    """The EventBridge event a rule delivers for an accepted webhook body (``document``)
    signed by ``tenant``: what the event functions receive."""
    from nextmove.adapters.bus import SOURCE

    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": document["type"],
        "source": SOURCE,
        "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [],
        "detail": {"tenant": tenant, "event": document},
    }


def signed_headers(
    body: bytes,
    *,
    secret: str,
    tenant: str,
    msg_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Headers a partner's Standard Webhooks library would send."""
    from nextmove.intake import TENANT_HEADER
    from nextmove.signing import sign

    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        TENANT_HEADER: tenant,
    }


def http_api_event(
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    *,
    route: str | None = None,
    parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as the webhook and the unsubscribe
    function receive it: ``route`` is the route's path (``/unsubscribe/{token}``, default
    ``path``) and ``parameters`` its path parameters."""
    now = time.time()
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    raw_path, _, query = path.partition("?")
    route_key = f"{method} {route or raw_path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": text,
        "isBase64Encoded": encoded,
    }
    if parameters:
        event["pathParameters"] = dict(parameters)
    return event


def sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's event source mapping hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


def matches(pattern: Any, value: Any) -> bool:
    """EventBridge-style pattern matching, the subset filter criteria here use:
    nested objects, lists of allowed values, and {"prefix": ...}."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            k in value and matches(p, value[k]) for k, p in pattern.items()
        )
    if isinstance(pattern, list):
        return any(
            (
                isinstance(option, dict)
                and "prefix" in option
                and isinstance(value, str)
                and value.startswith(option["prefix"])
            )
            or option == value
            for option in pattern
        )
    return bool(pattern == value)
