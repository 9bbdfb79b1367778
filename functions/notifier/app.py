"""The notifier: each recommendation from the email queue becomes at most one email."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from nextmove.adapters import emailing
from nextmove.contracts import Recommendation

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def notify(record: SQSRecord) -> None:
    rec = Recommendation.model_validate_json(record.body)  # raw delivery: the body is the message
    logger.append_keys(recommendation_id=rec.id, correlation_id=rec.trigger_event_id)
    outcome = emailing.deliver(rec)
    logger.info("email", extra={"outcome": outcome, "kind": rec.kind})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=notify, processor=processor, context=context
    )
