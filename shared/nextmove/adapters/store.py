"""The career table: one DynamoDB table, every key inside one person's partition.

    pk = "<tenant>#<person_id>"   (the tenant comes from the signing key, never the body)
    sk = "STATE"                  the person's bounded record (PersonState) + version
         "EVENT#<event_id>"       each accepted event, once (the idempotency key)
         "REC#<recommendation_id>" each recommendation (the outbox the stream publishes)
         "EMAIL#<recommendation_id>" the notifier's claim that an email went out
                                  (transient: DynamoDB's TTL deletes it after EMAIL_KEEP_SECONDS)

Each event costs one GetItem and one TransactWriteItems: the fact is conditional on
its event id (a redelivery cancels the whole transaction, so nothing changes and no
second recommendation is written), and the state is conditional on the version read
(a concurrent event for the same person makes us re-read and re-decide).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from nextmove.adapters.aws import client, setting
from nextmove.contracts import Recommendation
from nextmove.contracts.events import Envelope
from nextmove.domain.state import PersonState

MAX_ATTEMPTS = 5
EMAIL_CLAIM_SECONDS = 300  # a claim older than this was a crashed send: retry it
# How long an EMAIL# row is kept (its expires_at, the table's TTL attribute): past the
# longest a recommendation can come back (14 days on the email queue, then 14 in its DLQ
# before a redrive), so the at-most-once claim outlives every redelivery.
EMAIL_KEEP_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class Recorded:
    """What an event changed: ``duplicate`` when it had been recorded before."""

    duplicate: bool
    recommendations: list[Recommendation]

    def summary(self, event: Envelope) -> dict[str, Any]:
        """What the function returns and logs: ids and kinds, never personal data."""
        return {
            "event_id": event.id,
            "duplicate": self.duplicate,
            "recommendations": [{"id": r.id, "kind": r.kind} for r in self.recommendations],
        }


def partition(tenant: str, person_id: str) -> str:
    return f"{tenant}#{person_id}"


def _table() -> str:
    return setting("TABLE_NAME")


def load_state(tenant: str, person_id: str) -> tuple[PersonState, int]:
    """The person's record and its version (0 for a person never seen)."""
    item = (
        client("dynamodb")
        .get_item(
            TableName=_table(),
            Key={"pk": {"S": partition(tenant, person_id)}, "sk": {"S": "STATE"}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if item is None:
        return PersonState.new(tenant, person_id), 0
    return PersonState.model_validate_json(item["state"]["S"]), int(item["version"]["N"])


def record_event[E: Envelope](
    tenant: str,
    event: E,
    react: Callable[..., Any],
) -> Recorded:
    """Fold ``event`` into the person's record with ``react`` and commit the fact, the
    new state and the recommendations atomically. Safe to call again with the same
    event: the second call changes nothing."""
    for _ in range(MAX_ATTEMPTS):
        state, version = load_state(tenant, event.person_id)
        outcome = react(state, event, tenant=tenant)
        try:
            _commit(tenant, event, outcome.state, outcome.recommendations, version)
        except ClientError as error:
            reasons = _cancellation_codes(error)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return Recorded(duplicate=True, recommendations=[])
            if reasons and reasons[1] == "ConditionalCheckFailed":
                continue  # another event for this person committed first: re-decide
            raise
        return Recorded(duplicate=False, recommendations=list(outcome.recommendations))
    raise RuntimeError(f"event {event.id}: person record kept changing; gave up after retries")


def _commit(
    tenant: str,
    event: Envelope,
    state: PersonState,
    recommendations: list[Recommendation],
    version: int,
) -> None:
    pk = {"S": partition(tenant, event.person_id)}
    table = _table()
    fact = {
        "Put": {
            "TableName": table,
            "Item": {
                "pk": pk,
                "sk": {"S": f"EVENT#{event.id}"},
                "type": {"S": event.type},  # type: ignore[attr-defined]
                "occurred_at": {"S": event.occurred_at.isoformat()},
                "body": {"S": event.model_dump_json()},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    if version:
        state_condition = {
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(version)}},
        }
    else:
        state_condition = {"ConditionExpression": "attribute_not_exists(pk)"}
    person = {
        "Put": {
            "TableName": table,
            "Item": {
                "pk": pk,
                "sk": {"S": "STATE"},
                "version": {"N": str(version + 1)},
                "state": {"S": state.model_dump_json()},
            },
            **state_condition,
        }
    }
    outbox = [{"Put": {"TableName": table, "Item": _outbox_item(rec)}} for rec in recommendations]
    client("dynamodb").transact_write_items(TransactItems=[fact, person, *outbox])


def _outbox_item(rec: Recommendation) -> dict[str, Any]:
    """A recommendation's outbox row: its insert is what the stream publishes."""
    return {
        "pk": {"S": partition(rec.tenant, rec.person_id)},
        "sk": {"S": f"REC#{rec.id}"},
        "kind": {"S": rec.kind},
        "priority": {"S": rec.priority},
        "created_at": {"S": rec.created_at.isoformat()},
        "body": {"S": rec.model_dump_json()},
    }


def add_recommendation(rec: Recommendation) -> bool:
    """Write ``rec``'s outbox row unless it is stored already (False then): a row that
    exists is never overwritten, so it is never published twice."""
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item=_outbox_item(rec),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _cancellation_codes(error: ClientError) -> list[str]:
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]


# ---- the notifier's view ------------------------------------------------------------


def claim_email(rec: Recommendation, *, owner: str | None = None) -> bool:
    """Claim the right to send ``rec``'s email for ``owner`` (the id of the queue message's
    recommendation; default ``rec.id``). False when it was sent already, or another
    owner is sending it; a claim left by a crashed send expires and can be retaken, and
    so can an earlier decision not to send (the person may have a profile now).

    The owner, not the attempt, holds the claim: a retry of the same message (after a
    crash, or after a release that failed with the database) retakes its own claims, and
    botocore's retry of a claim whose reply was lost finds its own claim."""
    now = int(time.time())
    token = owner or rec.id
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item={
                "pk": {"S": partition(rec.tenant, rec.person_id)},
                "sk": {"S": f"EMAIL#{rec.id}"},
                "status": {"S": "sending"},
                "claimed_at": {"N": str(now)},
                "expires_at": {"N": str(now + EMAIL_KEEP_SECONDS)},
                "claim": {"S": token},
            },
            ConditionExpression=(
                "attribute_not_exists(pk) OR (#s = :sending AND claimed_at < :stale)"
                " OR begins_with(#s, :suppressed)"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":sending": {"S": "sending"},
                ":stale": {"N": str(now - EMAIL_CLAIM_SECONDS)},
                ":suppressed": {"S": "suppressed"},
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            held = error.response.get("Item", {}).get("claim", {}).get("S")
            return held == token
        raise
    return True


def _settled_email(rec: Recommendation, status: str) -> dict[str, Any]:
    """The EMAIL# row of a decided email: its status, when, and when it expires."""
    now = int(time.time())
    return {
        "pk": {"S": partition(rec.tenant, rec.person_id)},
        "sk": {"S": f"EMAIL#{rec.id}"},
        "status": {"S": status},
        "settled_at": {"N": str(now)},
        "expires_at": {"N": str(now + EMAIL_KEEP_SECONDS)},
    }


def note_suppressed(rec: Recommendation, reason: str) -> None:
    """Record why ``rec`` was not emailed ('suppressed:<reason>'), so every
    recommendation has an answer to "did it go out?"; never over a sent email's row."""
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item=_settled_email(rec, f"suppressed:{reason}"),
            ConditionExpression="attribute_not_exists(pk) OR begins_with(#s, :suppressed)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":suppressed": {"S": "suppressed"}},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


def settle_email(rec: Recommendation, *, status: str, message_id: str | None = None) -> None:
    """Record how the email ended: 'sent' (with SES's message id) or 'suppressed'."""
    item = _settled_email(rec, status)
    if message_id:
        item["message_id"] = {"S": message_id}
    client("dynamodb").put_item(TableName=_table(), Item=item)


def release_email(rec: Recommendation) -> None:
    """Give up a claim after a failed send, so the retry can take it at once."""
    try:
        client("dynamodb").delete_item(
            TableName=_table(),
            Key={
                "pk": {"S": partition(rec.tenant, rec.person_id)},
                "sk": {"S": f"EMAIL#{rec.id}"},
            },
            ConditionExpression="#s = :sending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":sending": {"S": "sending"}},
        )
    except ClientError as error:
        # No claim left to release: released already (a retry whose first reply was
        # lost) or settled. Raising here would leave the other claims of the email held.
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


def items(tenant: str, person_id: str) -> list[dict[str, Any]]:
    """Everything held about one person (a bounded Query on their partition)."""
    paginator = client("dynamodb").get_paginator("query")
    found: list[dict[str, Any]] = []
    for page in paginator.paginate(
        TableName=_table(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": partition(tenant, person_id)}},
        ConsistentRead=True,
    ):
        found.extend(page["Items"])
    return found


def recommendation_from_image(image: dict[str, Any]) -> Recommendation:
    """A recommendation from its outbox row (a stream image or a query item)."""
    body = image["body"]
    return Recommendation.model_validate_json(body["S"] if isinstance(body, dict) else body)
