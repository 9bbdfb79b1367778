"""GET and POST /unsubscribe/{token}: the one-click unsubscribe link in every email
(RFC 8058). A POST of ``List-Unsubscribe=One-Click`` stops the person's email at once and
tells the partner on the topic; a GET only shows the page with the button."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from nextmove import unsubscribe
from nextmove.adapters import clock, config, secrets, suppressions, topic
from nextmove.contracts.notices import EmailUnsubscribed

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.UnsubscribeConfig)
logger = Logger()
metrics = Metrics()
# The token is in the URL: no cache, no index, no Referer leaking it to another site.
_PAGE_HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-robots-tag": "noindex",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method = event["requestContext"]["http"]["method"]
    token = (event.get("pathParameters") or {}).get("token", "")
    try:
        who = unsubscribe.read_token(secrets.unsubscribe_key(), token)
    except unsubscribe.BadToken as bad:
        logger.info("refused", extra={"reason": bad.error, "method": method})
        _count("UnsubscribesRefused", bad.error)
        if method == "GET":
            return _page(
                400 if bad.error == "malformed_token" else 403,
                unsubscribe.invalid_page(bad.message),
            )
        return _json(400 if bad.error == "malformed_token" else 403, bad.error, bad.message)
    logger.append_keys(tenant=who.tenant, person_id=who.person_id)
    if method == "GET":
        # Link scanners' prefetches land here too: a count, never a change.
        metrics.add_metric(name="UnsubscribePagesShown", unit=MetricUnit.Count, value=1)
        return _page(200, unsubscribe.confirmation_page())
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    if not unsubscribe.is_one_click(_body(event), headers.get("content-type", "")):
        logger.info("refused", extra={"reason": "not_one_click", "method": method})
        _count("UnsubscribesRefused", "not_one_click")
        return _json(
            400, "not_one_click", f"the body must be the form {unsubscribe.ONE_CLICK} (RFC 8058)"
        )
    at = clock.now()
    # Recorded first: the person's next email is stopped even if telling the partner fails.
    suppressions.unsubscribe(who.tenant, who.person_id, at)
    _tell_partner(EmailUnsubscribed(tenant=who.tenant, person_id=who.person_id, at=at))
    logger.info("unsubscribed")
    metrics.add_metric(name="Unsubscribes", unit=MetricUnit.Count, value=1)
    if "text/html" in headers.get("accept", ""):  # the page's button, in a browser
        return _page(200, unsubscribe.done_page())
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps({"status": "unsubscribed"}),
    }


def _tell_partner(notice: EmailUnsubscribed) -> None:
    """Publish the notice; if the topic refuses it (botocore's retries spent), park it in
    the notice DLQ for a redrive and still answer 200: the unsubscribe took effect, and a
    mail provider's click is not reliably retried. Only when parking fails too does this
    raise (a 5xx, the errors alarm; a second click tells the partner)."""
    try:
        topic.publish_notice(notice)
    except Exception:
        logger.exception("notice not published: parked for a redrive")
        topic.park_notice(notice)
        metrics.add_metric(name="UnsubscribeNoticesParked", unit=MetricUnit.Count, value=1)


def _count(name: str, reason: str) -> None:
    metrics.add_dimension(name="reason", value=reason)
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def _body(event: dict[str, Any]) -> bytes:
    raw = event.get("body") or ""
    return base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()


def _page(status: int, page: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": dict(_PAGE_HEADERS), "body": page}


def _json(status: int, error: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps({"error": error, "message": message}),
    }
