"""The career table's key layout, in one place: every row about a person is in their
partition, and the sort key says what the row is.

    pk = "<tenant>#<person_id>"      (the tenant comes from the signing key, never the body)
    sk = "STATE"                     the person's bounded record and its version (store.py)
         "EVENT#<event_id>"          each accepted event, once: the idempotency key
         "REC#<recommendation_id>"   each recommendation: the outbox the stream publishes
                                     (the template's stream filter passes only these)
         "EMAIL#<recommendation_id>" its email's claim and how it ended (mailbox.py)
         "DIGEST#<lead rec id>"      one event's recommendations held for a later email
         "MAILBOX"                   the emails sent in the last week, and a version
         "SUPPRESSION"               what stops their email: bounced or complained
                                     addresses, an unsubscribe (suppressions.py)

A test holds the template's stream filter to ``REC``.
"""

from __future__ import annotations

from typing import Any

STATE = "STATE"
MAILBOX = "MAILBOX"
SUPPRESSION = "SUPPRESSION"
EVENT = "EVENT#"
REC = "REC#"
EMAIL = "EMAIL#"
DIGEST = "DIGEST#"
# Every sort key's kind: the single rows and the four prefixes.
KINDS = (STATE, EVENT, REC, EMAIL, DIGEST, MAILBOX, SUPPRESSION)


def partition(tenant: str, person_id: str) -> str:
    return f"{tenant}#{person_id}"


def key(tenant: str, person_id: str, sk: str) -> dict[str, Any]:
    """The row's DynamoDB key."""
    return {"pk": {"S": partition(tenant, person_id)}, "sk": {"S": sk}}


def event(event_id: str) -> str:
    return f"{EVENT}{event_id}"


def rec(recommendation_id: str) -> str:
    return f"{REC}{recommendation_id}"


def email(recommendation_id: str) -> str:
    return f"{EMAIL}{recommendation_id}"


def digest(lead_recommendation_id: str) -> str:
    return f"{DIGEST}{lead_recommendation_id}"


def kind(sk: str) -> str | None:
    """Which of ``KINDS`` a sort key is (None: a row this layout does not know)."""
    if sk in (STATE, MAILBOX, SUPPRESSION):
        return sk
    prefix = sk.partition("#")[0] + "#"
    return prefix if prefix in KINDS else None
