"""The SNS topic recommendations are published on, and the notices partners get beside
them (``contracts.notices``)."""

from __future__ import annotations

from collections.abc import Sequence

from nextmove.adapters.aws import client, setting
from nextmove.contracts import Recommendation
from nextmove.contracts.notices import EmailUnsubscribed

SNS_BATCH = 10  # PublishBatch's limit


def publish(
    recommendations: Sequence[Recommendation], *, topic_arn: str | None = None
) -> list[str]:
    """Publish in batches of ten with the attributes subscribers filter on (kind,
    priority, tenant). Returns the ids of the recommendations SNS did not take.
    ``topic_arn`` defaults to the function's TOPIC_ARN (an operator's redrive names it)."""
    failed: list[str] = []
    topic = topic_arn or setting("TOPIC_ARN")
    for start in range(0, len(recommendations), SNS_BATCH):
        batch = recommendations[start : start + SNS_BATCH]
        response = client("sns").publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[
                {
                    # The entry's position: ids need only be distinct within one request,
                    # and two people's recommendations can share an id (it derives from
                    # the tenant, the trigger event's id and the kind, not the person).
                    "Id": str(position),
                    "Message": rec.model_dump_json(),
                    "MessageAttributes": {
                        "kind": {"DataType": "String", "StringValue": rec.kind},
                        "priority": {"DataType": "String", "StringValue": rec.priority},
                        "tenant": {"DataType": "String", "StringValue": rec.tenant},
                    },
                }
                for position, rec in enumerate(batch)
            ],
        )
        failed.extend(batch[int(entry["Id"])].id for entry in response.get("Failed", []))
    return failed


def publish_notice(notice: EmailUnsubscribed, *, topic_arn: str | None = None) -> None:
    """Tell the partner (the topic's subscribers) of ``notice``, with the attributes they
    filter on: ``message_type`` and ``tenant``, and no ``kind`` (so the email queue's
    filter keeps it from the notifier)."""
    client("sns").publish(
        TopicArn=topic_arn or setting("TOPIC_ARN"),
        Message=notice.model_dump_json(),
        MessageAttributes={
            "message_type": {"DataType": "String", "StringValue": notice.type},
            "tenant": {"DataType": "String", "StringValue": notice.tenant},
        },
    )


def park_notice(notice: EmailUnsubscribed) -> None:
    """Keep ``notice`` for a redrive when the topic refused it (``NOTICE_DLQ_URL``): the
    redrive publishes it as ``publish_notice`` would have."""
    client("sqs").send_message(
        QueueUrl=setting("NOTICE_DLQ_URL"), MessageBody=notice.model_dump_json()
    )
