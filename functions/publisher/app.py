"""The outbox publisher: each new recommendation row on the table's stream goes to SNS.

The event source mapping's filter passes only INSERTs of REC# rows, so every record
here is a recommendation to publish. Records SNS did not take are reported as batch
item failures: Lambda retries from the first of them and, past its retry limit, sends
the batch's position to the on-failure queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from nextmove.adapters import config, store, topic

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.PublisherConfig)
logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    sequence_of = {}
    recommendations = []
    for record in event["Records"]:
        rec = store.recommendation_from_image(record["dynamodb"]["NewImage"])
        sequence_of[rec.id] = record["dynamodb"]["SequenceNumber"]
        recommendations.append(rec)
    failed = topic.publish(recommendations)
    for rec in recommendations:
        # One line per recommendation under its trigger event's id, so following that
        # event's correlation id in the logs shows it reaching SNS (or not, yet).
        log = logger.warning if rec.id in failed else logger.info
        log(
            "publish failed" if rec.id in failed else "published",
            extra={
                "correlation_id": rec.trigger_event_id,
                "trigger_event_id": rec.trigger_event_id,
                "recommendation_id": rec.id,
                "kind": rec.kind,
                "tenant": rec.tenant,
                "person_id": rec.person_id,
            },
        )
    return {"batchItemFailures": [{"itemIdentifier": sequence_of[rec_id]} for rec_id in failed]}
