"""The SNS topic recommendations are published on."""

from __future__ import annotations

from collections.abc import Sequence

from nextmove.adapters.aws import client, setting
from nextmove.contracts import Recommendation

SNS_BATCH = 10  # PublishBatch's limit


def publish(recommendations: Sequence[Recommendation]) -> list[str]:
    """Publish in batches of ten with the attributes subscribers filter on (kind,
    priority, tenant). Returns the ids of the recommendations SNS did not take."""
    failed: list[str] = []
    topic = setting("TOPIC_ARN")
    for start in range(0, len(recommendations), SNS_BATCH):
        batch = recommendations[start : start + SNS_BATCH]
        response = client("sns").publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[
                {
                    # PublishBatch ids allow only [A-Za-z0-9_-]; recommendation ids are UUIDs.
                    "Id": rec.id,
                    "Message": rec.model_dump_json(),
                    "MessageAttributes": {
                        "kind": {"DataType": "String", "StringValue": rec.kind},
                        "priority": {"DataType": "String", "StringValue": rec.priority},
                        "tenant": {"DataType": "String", "StringValue": rec.tenant},
                    },
                }
                for rec in batch
            ],
        )
        failed.extend(entry["Id"] for entry in response.get("Failed", []))
    return failed
