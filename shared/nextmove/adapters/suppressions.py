"""The person's SUPPRESSION row (its key: ``keys.py``): what can stop their email, as
``nextmove.domain.suppression.Standing`` JSON, with a version. The rules are the
domain's; this reads and writes the row.

The notifier and the digest read it in the mailbox's one BatchGetItem
(``mailbox.read``), so checking it costs no call. The suppression function folds SES's
feedback into it and the unsubscribe function the person's click: each a GetItem and a
PutItem conditional on the version read (a concurrent change makes it read again), and
no write at all when nothing changed (a delivery to a confirmed address, a redelivered
notification), so the common case, a delivery, costs one read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from nextmove.adapters import keys, ses
from nextmove.adapters.aws import client, setting
from nextmove.contracts.ses import SesEvent
from nextmove.domain import suppression
from nextmove.domain.suppression import Feedback, Standing

MAX_ATTEMPTS = 5


def from_item(item: dict[str, Any] | None) -> tuple[Standing, int]:
    """The standing in a SUPPRESSION row and its version; an empty one for no row."""
    if item is None:
        return Standing(), 0
    return Standing.model_validate_json(item["standing"]["S"]), int(item["version"]["N"])


@dataclass(frozen=True)
class Folded:
    """Whose standing an SES event changed, and the kinds of feedback in it that newly
    suppressed an address."""

    tenant: str
    person_id: str
    suppressed: list[str]


def record_ses_event(event: SesEvent, *, table: str | None = None) -> Folded | None:
    """Fold what one SES event says of each recipient into the standing of the person
    the email's tags name; None for an email NextMove did not send (no NextMove tags)."""
    tenant, person = event.tag(ses.TENANT_TAG), event.tag(ses.PERSON_TAG)
    if tenant is None or person is None:
        return None
    tenant, person = ses.from_tag(tenant), ses.from_tag(person)
    newly: list[str] = [
        feedback.kind
        for feedback in suppression.feedback_of(event)
        if record_feedback(tenant, person, feedback, table=table)
    ]
    return Folded(tenant, person, newly)


def load(tenant: str, person_id: str, *, table: str | None = None) -> tuple[Standing, int]:
    item = (
        client("dynamodb")
        .get_item(
            TableName=table or setting("TABLE_NAME"),
            Key=keys.key(tenant, person_id, keys.SUPPRESSION),
            ConsistentRead=True,
        )
        .get("Item")
    )
    return from_item(item)


def record_feedback(
    tenant: str, person_id: str, feedback: Feedback, *, table: str | None = None
) -> bool:
    """Fold one SES feedback into the person's standing; True when it newly suppressed
    an address."""
    newly = False

    def fold(standing: Standing) -> Standing:
        nonlocal newly
        folded, newly = suppression.fold(standing, feedback)
        return folded

    _change(tenant, person_id, fold, table=table)
    return newly


def unsubscribe(tenant: str, person_id: str, at: datetime) -> None:
    """Record the person's unsubscribe (idempotent)."""
    _change(tenant, person_id, lambda standing: suppression.unsubscribe(standing, at))


def _change(
    tenant: str,
    person_id: str,
    change: Callable[[Standing], Standing],
    *,
    table: str | None = None,
) -> None:
    for _ in range(MAX_ATTEMPTS):
        standing, version = load(tenant, person_id, table=table)
        changed = change(standing)
        if changed == standing:
            return
        if version:
            condition: dict[str, Any] = {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(version)}},
            }
        else:
            condition = {"ConditionExpression": "attribute_not_exists(pk)"}
        try:
            client("dynamodb").put_item(
                TableName=table or setting("TABLE_NAME"),
                Item={
                    **keys.key(tenant, person_id, keys.SUPPRESSION),
                    "version": {"N": str(version + 1)},
                    "standing": {"S": changed.model_dump_json(exclude_defaults=True)},
                },
                **condition,
            )
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    raise RuntimeError(f"suppression row of {person_id} kept changing; gave up after retries")
