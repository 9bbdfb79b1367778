"""The career table: one DynamoDB table, every key inside one person's partition.

The rows written here (the key layout is ``keys.py``'s): STATE, the person's bounded
record (PersonState as zlib'd JSON: ``state_json``) and its version; EVENT#, each
accepted event, once (the idempotency key); REC#, each recommendation (the outbox the
stream publishes). The notifier's rows are mailbox.py's.

Each event costs one GetItem and one TransactWriteItems: the fact is conditional on
its event id (a redelivery cancels the whole transaction, so nothing changes and no
second recommendation is written), and the state is conditional on the version read
(a concurrent event for the same person makes us re-read and re-decide).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from nextmove.adapters import keys
from nextmove.adapters.aws import client, setting
from nextmove.contracts import Recommendation
from nextmove.contracts.events import Envelope
from nextmove.domain import coach
from nextmove.domain.state import PersonState
from nextmove.domain.thresholds import Thresholds

MAX_ATTEMPTS = 5


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


def _table() -> str:
    return setting("TABLE_NAME")


def load_state(tenant: str, person_id: str) -> tuple[PersonState, int]:
    """The person's record and its version (0 for a person never seen)."""
    item = (
        client("dynamodb")
        .get_item(
            TableName=_table(),
            Key=keys.key(tenant, person_id, keys.STATE),
            ConsistentRead=True,
        )
        .get("Item")
    )
    return state_from_item(tenant, person_id, item)


def state_from_item(
    tenant: str, person_id: str, item: dict[str, Any] | None
) -> tuple[PersonState, int]:
    """The record and version in a STATE row; a new record when there is no row."""
    if item is None:
        return PersonState.new(tenant, person_id), 0
    return PersonState.model_validate_json(state_json(item)), int(item["version"]["N"])


def state_json(item: dict[str, Any]) -> bytes:
    """A STATE row's record as JSON. It is stored compressed (zlib level 1: within 7% of
    the default's size in a third of the time): a full record (20 successes, 10 offers,
    10 check-ins, folded from the samples) is ~10.4 KB of repetitive JSON and ~1.3 KB
    compressed, so each event's transaction writes its STATE row in 2 units (x2, as a
    transaction) instead of 11, and a long history's event costs nearly what a new
    person's does."""
    return zlib.decompress(item["state"]["B"])


def record_event(
    tenant: str, event: coach.Fact, *, thresholds: Callable[[], Thresholds]
) -> Recorded:
    """Fold ``event`` into the person's record (``coach.react``, with ``thresholds`` if
    its step reads them) and commit the fact, the new state and the recommendations
    atomically. Safe to call again with the same event: the second call changes
    nothing."""
    for _ in range(MAX_ATTEMPTS):
        state, version = load_state(tenant, event.person_id)
        outcome = coach.react(state, event, tenant=tenant, thresholds=thresholds)
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
    pk = {"S": keys.partition(tenant, event.person_id)}
    table = _table()
    fact = {
        "Put": {
            "TableName": table,
            "Item": {
                "pk": pk,
                "sk": {"S": keys.event(event.id)},
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
                "sk": {"S": keys.STATE},
                "version": {"N": str(version + 1)},
                "state": {"B": zlib.compress(state.model_dump_json().encode(), 1)},
            },
            **state_condition,
        }
    }
    outbox = [{"Put": {"TableName": table, "Item": _outbox_item(rec)}} for rec in recommendations]
    client("dynamodb").transact_write_items(TransactItems=[fact, person, *outbox])


def _outbox_item(rec: Recommendation) -> dict[str, Any]:
    """A recommendation's outbox row: its insert is what the stream publishes."""
    return {
        **keys.key(rec.tenant, rec.person_id, keys.rec(rec.id)),
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


def recommendation_from_image(image: dict[str, Any]) -> Recommendation:
    """A recommendation from its outbox row (a stream image or a query item)."""
    body = image["body"]
    return Recommendation.model_validate_json(body["S"] if isinstance(body, dict) else body)
