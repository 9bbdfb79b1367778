"""Re-drive every dead-letter queue back through the pipeline.

The same calls work on AWS and on the local stack (both are boto3 through the adapters'
clients), and re-driving twice changes nothing: the event functions drop an event id
they have recorded, subscribers drop a recommendation id they have seen, and the
notifier's email claim sends each recommendation at most once.

    RuleDeliveryDLQ    EventBridge could not deliver: the event itself  -> put on the bus
    EventFunctionsDLQ  Lambda's on-failure record: its requestPayload   -> put on the bus
    PublisherDLQ       the stream batch's position (shard, sequence     -> the REC# rows it
                       numbers), not the records                           covers, re-read
                                                                           and published
    EmailDLQ           the recommendation SNS delivered                 -> the EmailQueue
    EmailFeedbackDLQ   SES's event (the rule's DLQ), or Lambda's        -> folded into the
                       on-failure record of it                             person's SUPPRESSION
                                                                           row, as the function
                                                                           does (an aws.ses
                                                                           event cannot be put
                                                                           on a bus by anyone
                                                                           but SES)
    UnsubscribeNoticeDLQ the partner's email.unsubscribed notice the  -> published on the
                       topic refused                                       topic, as the
                                                                           function would have

A message is deleted only once its work is handed on; one that fails stays for the next
run (and is out of sight for its queue's visibility timeout meanwhile).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from nextmove.adapters import store, suppressions, topic
from nextmove.adapters.aws import client
from nextmove.contracts.notices import EmailUnsubscribed
from nextmove.contracts.ses import SesEvent

# The template's logical ids redrive needs, in Pipeline's field order.
RESOURCES = (
    "EventBus",
    "CareerTable",
    "RecommendationsTopic",
    "EmailQueue",
    "RuleDeliveryDLQ",
    "EventFunctionsDLQ",
    "PublisherDLQ",
    "EmailDLQ",
    "EmailFeedbackDLQ",
    "UnsubscribeNoticeDLQ",
)


@dataclass(frozen=True)
class Pipeline:
    """The names redrive needs: on AWS, the stack's resources; locally, the stack's."""

    bus_name: str
    table_name: str
    topic_arn: str
    email_queue_url: str
    rule_delivery_dlq_url: str
    event_functions_dlq_url: str
    publisher_dlq_url: str
    email_dlq_url: str
    email_feedback_dlq_url: str
    unsubscribe_notice_dlq_url: str

    @classmethod
    def from_resources(cls, physical_ids: Mapping[str, Any]) -> Pipeline:
        """From template.yaml's logical ids to physical ids: on AWS, CloudFormation's
        ``describe_stack_resources`` (a queue's is its URL, the topic's its ARN, the
        bus's and table's their names); locally, the stack's ``resolve.refs``."""
        return cls(*(str(physical_ids[name]) for name in RESOURCES))


@dataclass
class Redriven:
    """Messages handed back to the pipeline per DLQ, and those left for a later run."""

    redriven: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.redriven.values())


def redrive_all(pipeline: Pipeline) -> Redriven:
    """Empty each DLQ back into the pipeline; returns what was re-driven."""
    result = Redriven()
    drives: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
        (
            "RuleDeliveryDLQ",
            pipeline.rule_delivery_dlq_url,
            lambda m: _put_event(pipeline, json.loads(m["Body"])),
        ),
        (
            "EventFunctionsDLQ",
            pipeline.event_functions_dlq_url,
            lambda m: _put_event(pipeline, json.loads(m["Body"])["requestPayload"]),
        ),
        ("PublisherDLQ", pipeline.publisher_dlq_url, lambda m: _republish(pipeline, m)),
        ("EmailDLQ", pipeline.email_dlq_url, lambda m: _requeue(pipeline, m)),
        ("EmailFeedbackDLQ", pipeline.email_feedback_dlq_url, lambda m: _refold(pipeline, m)),
        (
            "UnsubscribeNoticeDLQ",
            pipeline.unsubscribe_notice_dlq_url,
            lambda m: topic.publish_notice(
                EmailUnsubscribed.model_validate_json(m["Body"]), topic_arn=pipeline.topic_arn
            ),
        ),
    ]
    for name, url, hand_on in drives:
        done = failed = 0
        for message in _messages(url):
            try:
                hand_on(message)
            except Exception:
                failed += 1
                continue
            client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            done += 1
        result.redriven[name] = done
        result.failed[name] = failed
    return result


def _messages(url: str) -> Iterator[dict[str, Any]]:
    while True:
        page = client("sqs").receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
        )
        if not page.get("Messages"):
            return
        yield from page["Messages"]


def _put_event(pipeline: Pipeline, event: dict[str, Any]) -> None:
    """Back on the bus as the webhook put it: the rule routes it to its function again.
    ``event`` is an EventBridge event (a rule DLQ's body, or a Lambda requestPayload)."""
    response = client("events").put_events(
        Entries=[
            {
                "EventBusName": pipeline.bus_name,
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
            }
        ]
    )
    if response.get("FailedEntryCount", 0):
        entry = response["Entries"][0]
        raise RuntimeError(f"bus refused: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")


def _republish(pipeline: Pipeline, message: dict[str, Any]) -> None:
    """Publish again the recommendation rows a failed stream batch covered, as the table
    holds them now. The stream keeps records 24 hours: re-drive the PublisherDLQ within
    that (its alarm says when); after it, the message stays and says why."""
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    recommendations = []
    for key in _batch_keys(info):
        item = (
            client("dynamodb")
            .get_item(TableName=pipeline.table_name, Key=key, ConsistentRead=True)
            .get("Item")
        )
        if item is not None:  # deleted since (a person's erasure): nothing to publish
            recommendations.append(store.recommendation_from_image(item))
    failed = topic.publish(recommendations, topic_arn=pipeline.topic_arn)
    if failed:
        raise RuntimeError(f"SNS did not take {len(failed)} recommendations")


def _batch_keys(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The keys of the REC# inserts between the batch's first and last sequence number."""
    streams = client("dynamodbstreams")
    first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    keys: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return keys
            if (
                int(record["dynamodb"]["SequenceNumber"]) >= first
                and record["eventName"] == "INSERT"
                and record["dynamodb"]["Keys"]["sk"]["S"].startswith("REC#")
            ):
                keys.append(record["dynamodb"]["Keys"])
        if not page["Records"]:
            return keys
        iterator = page.get("NextShardIterator")
    return keys


def _refold(pipeline: Pipeline, message: dict[str, Any]) -> None:
    """Fold a parked SES event into its person's standing (idempotent: each feedback id
    is folded once)."""
    body = json.loads(message["Body"])
    event = body.get("requestPayload", body)  # Lambda's on-failure record wraps it
    suppressions.record_ses_event(
        SesEvent.model_validate(event["detail"]), table=pipeline.table_name
    )


def _requeue(pipeline: Pipeline, message: dict[str, Any]) -> None:
    """What the SQS console's "Start DLQ redrive" does: the same message, back on the
    email queue, with its attributes."""
    attributes = {
        name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    client("sqs").send_message(
        QueueUrl=pipeline.email_queue_url,
        MessageBody=message["Body"],
        **({"MessageAttributes": attributes} if attributes else {}),
    )
