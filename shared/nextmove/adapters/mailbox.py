"""The person's mailbox rows: what the no-spam rules need to remember, in their partition.

    sk = "EMAIL#<recommendation_id>"     the at-most-once claim (``store.claim_email``)
         "DIGEST#<lead recommendation_id>" recommendations held for later, as one email:
                                         body (JSON list), held_at, status, and the
                                         sparse DueIndex keys due_pk = "DUE", due_at
         "SENT#<UTC time>#<message key>"  one row per email sent: the rolling weekly count

Every read is by key or a Query on one partition, except the digest function's one
Query on ``DueIndex`` (only held rows carry its keys, so it holds nothing else). Held
and sent rows carry ``expires_at`` so DynamoDB's TTL clears them; a held row lives 30
days past its due time, long enough for the digest function's DLQ alarm to be seen.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from nextmove.adapters.aws import client, setting
from nextmove.adapters.store import EMAIL_CLAIM_SECONDS, partition
from nextmove.contracts import Recommendation
from nextmove.contracts.recommendation import KINDS, recommendation_id

DUE_INDEX = "DueIndex"
DUE_PARTITION = "DUE"
HELD_TTL = timedelta(days=30)
SENT_TTL = timedelta(days=8)  # the rolling window is 7 days


@dataclass(frozen=True)
class Held:
    """One held row: the recommendations of one event, waiting to be emailed."""

    sk: str
    recs: list[Recommendation]
    held_at: datetime
    status: str


def _table() -> str:
    return setting("TABLE_NAME")


def _iso(at: datetime) -> str:
    """UTC, second precision, fixed width: sorts as it compares."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def siblings(rec: Recommendation) -> list[Recommendation]:
    """Every recommendation the event that triggered ``rec`` yielded, ``rec`` included.

    Ids are derived from the trigger and the kind, so the siblings are at most one
    BatchGetItem away; they were committed in one transaction with ``rec``, so when
    ``rec`` exists all of them do.
    """
    pk = {"S": partition(rec.tenant, rec.person_id)}
    ids = {
        recommendation_id(rec.tenant, rec.person_id, rec.trigger_event_id, kind) for kind in KINDS
    }
    request: dict[str, Any] = {
        _table(): {
            "Keys": [{"pk": pk, "sk": {"S": f"REC#{i}"}} for i in sorted(ids)],
            "ConsistentRead": True,
        }
    }
    found: dict[str, Recommendation] = {rec.id: rec}
    for _ in range(5):
        response = client("dynamodb").batch_get_item(RequestItems=request)
        for item in response["Responses"].get(_table(), []):
            sibling = Recommendation.model_validate_json(item["body"]["S"])
            found[sibling.id] = sibling
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return list(found.values())
    raise RuntimeError(f"siblings of {rec.id}: keys left unprocessed after retries")


def sent_times(tenant: str, person_id: str, *, since: datetime, until: datetime) -> list[datetime]:
    """When the emails sent to the person in ``(since, until]`` went out."""
    items = _query(
        KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues={
            ":pk": {"S": partition(tenant, person_id)},
            ":lo": {"S": f"SENT#{_iso(since)}"},
            ":hi": {"S": f"SENT#{_iso(until)}~"},
        },
        ProjectionExpression="sk",
    )
    return [datetime.fromisoformat(item["sk"]["S"].split("#")[1]) for item in items]


def log_sent(tenant: str, person_id: str, *, at: datetime, key: str) -> None:
    """Count one email towards the person's weekly limit."""
    client("dynamodb").put_item(
        TableName=_table(),
        Item={
            "pk": {"S": partition(tenant, person_id)},
            "sk": {"S": f"SENT#{_iso(at)}#{key}"},
            "expires_at": {"N": str(int((at + SENT_TTL).timestamp()))},
        },
    )


def hold(recs: list[Recommendation], *, due_at: datetime, reason: str, now: datetime) -> None:
    """Keep ``recs`` (one event's, most urgent first) for the person's next digest.

    Keyed by the lead recommendation, so holding the same email again (a redelivery
    after a crash) overwrites the row instead of adding a second one.
    """
    lead = recs[0]
    client("dynamodb").put_item(
        TableName=_table(),
        Item={
            "pk": {"S": partition(lead.tenant, lead.person_id)},
            "sk": {"S": f"DIGEST#{lead.id}"},
            "body": {"S": json.dumps([r.model_dump(mode="json") for r in recs])},
            "reason": {"S": reason},
            "held_at": {"S": _iso(now)},
            "status": {"S": "held"},
            "due_pk": {"S": DUE_PARTITION},
            "due_at": {"S": _iso(due_at)},
            "expires_at": {"N": str(int((due_at + HELD_TTL).timestamp()))},
        },
    )


def held(tenant: str, person_id: str) -> list[Held]:
    """Everything held for the person, oldest first."""
    items = _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues={
            ":pk": {"S": partition(tenant, person_id)},
            ":p": {"S": "DIGEST#"},
        },
    )
    rows = [
        Held(
            sk=item["sk"]["S"],
            recs=[Recommendation.model_validate(r) for r in json.loads(item["body"]["S"])],
            held_at=datetime.fromisoformat(item["held_at"]["S"]),
            status=item["status"]["S"],
        )
        for item in items
    ]
    return sorted(rows, key=lambda row: row.held_at)


def due_people(now: datetime) -> list[tuple[str, str]]:
    """(tenant, person_id) of everyone with held email due by ``now``: one Query on the
    sparse index, so the cost follows what is due, not the size of the table."""
    items = _query(
        IndexName=DUE_INDEX,
        KeyConditionExpression="due_pk = :d AND due_at <= :now",
        ExpressionAttributeValues={":d": {"S": DUE_PARTITION}, ":now": {"S": _iso(now)}},
        ConsistentRead=False,  # a GSI cannot; a row written since is picked up next run
    )
    people = dict.fromkeys(tuple(item["pk"]["S"].split("#", 1)) for item in items)
    return [(tenant, person) for tenant, person in people]


def reschedule(tenant: str, person_id: str, rows: list[Held], *, due_at: datetime) -> None:
    """Move held rows to a later due time (the limit is still reached)."""
    for row in rows:
        client("dynamodb").update_item(
            TableName=_table(),
            Key={"pk": {"S": partition(tenant, person_id)}, "sk": {"S": row.sk}},
            UpdateExpression="SET due_at = :due, expires_at = :exp",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":due": {"S": _iso(due_at)},
                ":exp": {"N": str(int((due_at + HELD_TTL).timestamp()))},
            },
        )


def take(tenant: str, person_id: str, rows: list[Held]) -> bool:
    """Claim held rows for sending, all or none: False if another run has them (a
    claim older than ``EMAIL_CLAIM_SECONDS`` was a crashed run and is retaken)."""
    stamp = int(time.time())
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": {"pk": {"S": partition(tenant, person_id)}, "sk": {"S": row.sk}},
                        "UpdateExpression": "SET #s = :sending, claimed_at = :now",
                        "ConditionExpression": (
                            "#s = :held OR (#s = :sending AND claimed_at < :stale)"
                        ),
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {
                            ":held": {"S": "held"},
                            ":sending": {"S": "sending"},
                            ":now": {"N": str(stamp)},
                            ":stale": {"N": str(stamp - EMAIL_CLAIM_SECONDS)},
                        },
                    }
                }
                for row in rows
            ]
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "TransactionCanceledException":
            return False
        raise
    return True


def release(tenant: str, person_id: str, rows: list[Held]) -> None:
    """Give held rows back after a failed send, so the next run sends them."""
    for row in rows:
        client("dynamodb").update_item(
            TableName=_table(),
            Key={"pk": {"S": partition(tenant, person_id)}, "sk": {"S": row.sk}},
            UpdateExpression="SET #s = :held",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":held": {"S": "held"}},
        )


def remove(tenant: str, person_id: str, rows: list[Held]) -> None:
    """Delete held rows once their email is sent (or no longer wanted)."""
    for row in rows:
        client("dynamodb").delete_item(
            TableName=_table(),
            Key={"pk": {"S": partition(tenant, person_id)}, "sk": {"S": row.sk}},
        )


def _query(**request: Any) -> list[dict[str, Any]]:
    paginator = client("dynamodb").get_paginator("query")
    request.setdefault("ConsistentRead", True)
    found: list[dict[str, Any]] = []
    for page in paginator.paginate(TableName=_table(), **request):
        found.extend(page["Items"])
    return found
