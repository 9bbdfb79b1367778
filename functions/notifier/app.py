"""The notifier: each recommendation from the email queue becomes at most one email."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from nextmove import delivery
from nextmove.adapters import business_metrics, config
from nextmove.contracts import Recommendation

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.EmailConfig)
logger = Logger()
metrics = Metrics()


def notify(body: str) -> None:
    rec = Recommendation.model_validate_json(body)  # raw delivery: the body is the message
    logger.append_keys(
        recommendation_id=rec.id,
        correlation_id=rec.trigger_event_id,
        trigger_event_id=rec.trigger_event_id,
        tenant=rec.tenant,
        person_id=rec.person_id,
    )
    outcome = delivery.deliver(rec)
    logger.info("email", extra={"outcome": outcome, "kind": rec.kind})
    business_metrics.count_by("Emails", "outcome", [outcome])


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The partial batch response by hand, as the publisher's: Powertools' BatchProcessor
    # does the same but imports asyncio and every event data class to do it (measured:
    # a sixth of what importing boto3 and making one client costs, on every cold start).
    failed = []
    for record in event["Records"]:
        try:
            notify(record["body"])
        except Exception as error:
            # The type only: an error's text may quote the message (see ses.SendFailed).
            logger.warning("email failed", extra={"error": type(error).__name__})
            failed.append(record["messageId"])
    # Sends that raised go back to the queue (and, after 5 receives, to the EmailDLQ).
    metrics.add_metric(name="EmailFailures", unit=MetricUnit.Count, value=len(failed))
    if failed and len(failed) == len(event["Records"]):
        # A batch that failed whole is a function error, as with Powertools: it alarms.
        raise RuntimeError(f"all {len(failed)} emails of the batch failed")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
