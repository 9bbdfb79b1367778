"""The admin function's work on one person's partition: recompute, export, delete, resend.

Every operation is a Query on ``<tenant>#<person_id>`` (bounded by one person's
history), never a Scan, and each is safe to repeat: recompute writes only what is
missing, delete of a deleted person finds nothing, resend sends one more email however
often the queue redelivers it (the notifier's claim still guards the send).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from botocore.exceptions import ClientError

from nextmove.adapters import clock, keys, mailbox, settings, store
from nextmove.adapters.aws import client, setting, write_batch
from nextmove.contracts import parse_inbound
from nextmove.domain.recompute import missing, rederive

BATCH_WRITE = 25  # BatchWriteItem's limit
BATCH_ATTEMPTS = 8
# Lambda's synchronous response limit is 6 MB (6,291,456 bytes); a page of an export
# stays well under it, leaving room for the envelope and JSON escaping.
EXPORT_PAGE_BYTES = 5_000_000
# Each kind of row (keys.py) by the name an export gives it; a kind added later still
# shows, under "other", so an export never leaves a row out.
SECTIONS = {
    keys.STATE: "state",
    keys.EVENT: "events",
    keys.REC: "recommendations",
    keys.EMAIL: "emails",
    keys.DIGEST: "held_emails",
    keys.MAILBOX: "mailbox",
    keys.SUPPRESSION: "suppression",
}
LISTS = [*list(SECTIONS.values())[1:], "other"]


class Refused(Exception):
    """The operation cannot be done as asked; ``error`` names why for the operator."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error


class Unprocessed(RuntimeError):
    """BatchWriteItem still left items unprocessed after every retry."""


def recompute(tenant: str, person_id: str) -> dict[str, Any]:
    """Re-derive the person's recommendations from their facts and write the missing
    ones; the stream publishes each written row (and the notifier emails it unless its
    email went out before)."""
    facts, stored = [], set()
    for row in _rows(tenant, person_id):
        sk = row["sk"]["S"]
        if sk.startswith(keys.EVENT):
            facts.append(parse_inbound(row["body"]["S"]))
        elif sk.startswith(keys.REC):
            stored.add(sk.removeprefix(keys.REC))
    derived = rederive(tenant, person_id, facts, thresholds=settings.thresholds)
    written = [rec for rec in missing(derived, stored) if store.add_recommendation(rec)]
    return {
        "facts": len(facts),
        "derived": len(derived),
        "written": [{"id": rec.id, "kind": rec.kind} for rec in written],
    }


def export(tenant: str, person_id: str, *, after: str | None = None) -> dict[str, Any]:
    """Every row held about the person as plain JSON, grouped by kind of row. One page
    holds up to ``EXPORT_PAGE_BYTES``; ``next_after`` (when not None) asks for the next."""
    document: dict[str, Any] = {
        "tenant": tenant,
        "person_id": person_id,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "state": None,
        **{name: [] for name in LISTS},
    }
    size, last, next_after = 0, None, None
    for row in _rows(tenant, person_id, after=after):
        plain = _plain(row)
        row_size = len(json.dumps(plain))
        if last is not None and size + row_size > EXPORT_PAGE_BYTES:
            next_after = last
            break
        size += row_size
        last = plain["sk"]
        section = _section(plain["sk"])
        if section == "state":
            document["state"] = plain
        else:
            document[section].append(plain)
    counts = {
        "state": int(document["state"] is not None),
        **{name: len(document[name]) for name in LISTS},
    }
    return {"document": document, "counts": counts, "bytes": size, "next_after": next_after}


def delete(tenant: str, person_id: str) -> dict[str, Any]:
    """Delete every row of the person, in batches of 25; returns how many of each kind."""
    rows = [{"pk": row["pk"], "sk": row["sk"]} for row in _rows(tenant, person_id, keys_only=True)]
    for start in range(0, len(rows), BATCH_WRITE):
        _delete_batch(rows[start : start + BATCH_WRITE])
    counts = Counter(_section(row["sk"]["S"]) for row in rows)
    return {"deleted": len(rows), "by_kind": dict(sorted(counts.items()))}


def resend(tenant: str, person_id: str, recommendation_id: str) -> dict[str, Any]:
    """Clear the recommendation's email claim and put it back on the email queue: the
    notifier claims and sends it once, as for the first email, and applies the person's
    current preferences. Partners on the topic do not get it again."""
    dynamodb = client("dynamodb")
    row = dynamodb.get_item(
        TableName=setting("TABLE_NAME"),
        Key=keys.key(tenant, person_id, keys.rec(recommendation_id)),
        ConsistentRead=True,
    ).get("Item")
    if row is None:
        raise Refused(
            "not_found", f"{tenant}/{person_id} has no recommendation {recommendation_id}"
        )
    rec = store.recommendation_from_image(row)
    now = int(clock.now().timestamp())  # the clock the claims are stamped with
    try:
        # An email being sent right now, or held for the digest, is left alone: clearing
        # its claim could send it twice. An unconfirmed one (SES may have taken it), or a
        # claim older than any send takes, is the operator's call: they checked.
        old = dynamodb.delete_item(
            TableName=setting("TABLE_NAME"),
            Key=keys.key(tenant, person_id, keys.email(recommendation_id)),
            ConditionExpression=(
                "attribute_not_exists(pk)"
                " OR (#s <> :claimed AND #s <> :sending AND #s <> :held)"
                " OR claimed_at < :stale"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":claimed": {"S": "claimed"},
                ":sending": {"S": "sending"},
                ":held": {"S": "held"},
                ":stale": {"N": str(now - mailbox.SEND_TIMEOUT_SECONDS)},
            },
            ReturnValues="ALL_OLD",
        ).get("Attributes")
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise Refused(
                "busy",
                f"the email of {recommendation_id} is being sent, or is held for the "
                "person's digest; it goes out without a resend",
            ) from None
        raise
    client("sqs").send_message(
        QueueUrl=setting("EMAIL_QUEUE_URL"), MessageBody=rec.model_dump_json()
    )
    return {
        "recommendation_id": rec.id,
        "kind": rec.kind,
        "previous_email": old["status"]["S"] if old else None,
        "queued": True,
    }


def _rows(
    tenant: str, person_id: str, *, after: str | None = None, keys_only: bool = False
) -> Iterator[dict[str, Any]]:
    """The person's rows in sort-key order (consistent reads), page by page."""
    request: dict[str, Any] = {
        "TableName": setting("TABLE_NAME"),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": keys.partition(tenant, person_id)}},
        "ConsistentRead": True,
    }
    if keys_only:
        request["ProjectionExpression"] = "pk, sk"
    if after:
        request["ExclusiveStartKey"] = keys.key(tenant, person_id, after)
    while True:
        page = client("dynamodb").query(**request)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _delete_batch(rows: list[dict[str, Any]]) -> None:
    """One BatchWriteItem of deletes, retried; still-unprocessed items are an error."""
    requests = [{"DeleteRequest": {"Key": key}} for key in rows]
    left = write_batch(client("dynamodb"), setting("TABLE_NAME"), requests, BATCH_ATTEMPTS)
    if left:
        raise Unprocessed(
            f"{left} deletes still unprocessed after {BATCH_ATTEMPTS} attempts; run delete again"
        )


def _section(sk: str) -> str:
    kind = keys.kind(sk)
    return SECTIONS[kind] if kind else "other"


@cache
def _deserializer() -> Any:
    # Imported on first use, like the clients: importing boto3 costs ~200 ms, and a
    # request refused before any AWS call (a bad field) should not pay it.
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row as plain JSON values: the partition key dropped (the document names the
    person), numbers as numbers, and the JSON it stores (``body``, ``state``,
    ``standing``) parsed."""
    plain = {}
    for name, value in sorted(row.items()):
        if name == "pk":
            continue
        if name == "state":  # the STATE row's record, stored compressed
            plain[name] = json.loads(store.state_json(row))
            continue
        item = _number(_deserializer().deserialize(value))
        if name in ("body", "standing") and isinstance(item, str):
            item = json.loads(item)
        plain[name] = item
    return plain


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_number(v) for v in value]
    return value
