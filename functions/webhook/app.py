"""POST /events: verify the partner's signature, validate the event, put it on the bus."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from nextmove.adapters import bus, config, secrets
from nextmove.intake import Rejected, admit

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.WebhookConfig)
logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    body = _body(event)
    try:
        detail = admit(headers, body, secrets.tenant_secrets)
    except Rejected as rejected:
        logger.info("rejected", extra={"status": rejected.status, "reason": rejected.error})
        _count("EventsRejected", "reason", rejected.error)
        return _response(rejected.status, rejected.body())
    logger.set_correlation_id(detail.event.id)
    logger.append_keys(
        tenant=detail.tenant, person_id=detail.event.person_id, event_type=detail.event.type
    )
    try:
        bus.put_event(detail)
    except Exception:
        # Nothing was accepted: a 5xx tells the partner to retry, per Standard Webhooks.
        logger.exception("bus unavailable")
        _count("EventsRejected", "reason", "unavailable")
        return _response(503, {"error": "unavailable", "message": "try again later"})
    logger.info("accepted")
    _count("EventsAccepted", "event_type", detail.event.type)
    return _response(202, {"id": detail.event.id, "status": "accepted"})


def _count(name: str, dimension: str, value: str) -> None:
    """One request, one count: the EMF line's only dimension besides ``service``."""
    metrics.add_dimension(name=dimension, value=value)
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def _body(event: dict[str, Any]) -> bytes:
    raw = event.get("body") or ""
    return base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
