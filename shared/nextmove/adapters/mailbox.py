"""The person's mailbox rows (their keys: ``keys.py``): what the at-most-once email and
the no-spam rules need to remember, in the person's partition. (The SUPPRESSION row,
read here too, is ``suppressions.py``'s.)

    sk = "MAILBOX"                        the emails sent in the last week (``sent``:
                                          message key -> UTC time) and a version
         "EMAIL#<recommendation_id>"      each recommendation's email: while it is sent,
                                          the claim ('claimed', then 'sending' just
                                          before SES; its owner, its attempt, when);
                                          then how it ended: 'sent' (SES's message id),
                                          'held', 'suppressed:<reason>', or
                                          'unconfirmed' (TTL: EMAIL_KEEP_SECONDS)
         "DIGEST#<lead recommendation_id>" recommendations held for later, as one email:
                                          body (JSON list), held_at, status, and the
                                          sparse DueIndex keys due_pk = the person's
                                          shard ("DUE#00" .. "DUE#15"), due_at

An email costs five calls, the fewest an at-most-once send allows: one BatchGetItem
reads the person's record, their MAILBOX and SUPPRESSION rows, the trigger event's
recommendations and their EMAIL# rows; one transaction claims the email and counts it
in MAILBOX (conditional on the version read, so two sends at once cannot both take the
week's last slot); one write marks the claim 'sending'; SES sends; one write settles the
EMAIL# rows. An email held for later costs two calls (the read, then one transaction
that settles its rows as 'held' and writes the DIGEST# row), and a redelivered message
one (the read finds its claims).

At most once, whatever fails after a send: SES has no idempotency key, so a claim
that may have been sent is never sent again. A claim is taken in two steps, each
belonging to one attempt (a fresh id per delivery): 'claimed' (SES not called yet: a
later delivery that finds it, its attempt crashed or its write's reply lost, takes it
over and sends) and then 'sending', written just before SES is called. A delivery that
finds another attempt's 'sending' claim cannot know whether SES took the email, so it
marks the row 'unconfirmed' and sends nothing: counted (``Emails`` outcome
``unconfirmed``), alarmed, and left for an operator to check and, if it never went
out, ``resend``. The digest's held rows follow the same rule.

Every read is by key or a Query on one partition, except the digest function's
Queries on ``DueIndex`` (only held rows carry its keys, so it holds nothing else): one
per shard. The index is sharded so no index partition is hot at volume: a person's
held rows all carry the same ``due_pk``, ``DUE#NN``, a stable hash (blake2b, not
Python's per-process ``hash()``) of tenant#person_id modulo ``DUE_SHARDS``, so every
writer and every run agrees on it and a person is found in one shard, handled once per
run. The digest Queries every shard (each paginated) and, for one release, the old
constant ``LEGACY_DUE_PARTITION`` too, so rows held before the deploy are still sent;
``reschedule`` moves such a row into its shard. Held rows carry ``expires_at`` so
DynamoDB's TTL clears them; a held row lives 30 days past its due time, long enough for
the digest function's DLQ alarm to be seen.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from nextmove.adapters import clock, keys, suppressions
from nextmove.adapters.aws import client, setting, write_batch
from nextmove.adapters.store import state_from_item
from nextmove.contracts import Recommendation
from nextmove.contracts.recommendation import KINDS, recommendation_id
from nextmove.domain.state import PersonState
from nextmove.domain.suppression import Standing

DUE_INDEX = "DueIndex"
# The DueIndex partition keys: DUE#00 .. DUE#15. An index partition takes about 1,000
# writes and 3,000 reads a second (README, Data): 16 shards serve 16 times one
# partition's rate, for 16 Queries a digest run. Only ever grow it: a person's old rows
# stay in their old shard, still queried, and due_people handles them once; shrinking
# it would strand the rows of the shards dropped.
DUE_SHARDS = 16
DUE_SHARD_PREFIX = "DUE#"
# The one constant key held rows carried before the index was sharded: still Queried for
# one release, so rows held before the deploy go out. Drop it (and this) once a Query of
# DueIndex for due_pk = "DUE" returns nothing.
LEGACY_DUE_PARTITION = "DUE"
HELD_TTL = timedelta(days=30)
# No send takes this long (the notifier's timeout is 10 s): an older 'sending' claim was
# left by an attempt that is gone. It is still never sent again by itself.
SEND_TIMEOUT_SECONDS = 900
# How long an EMAIL# row is kept (its expires_at, the table's TTL attribute): past the
# longest a recommendation can come back (14 days on the email queue, then 14 in its DLQ
# before a redrive), so the at-most-once claim outlives every redelivery.
EMAIL_KEEP_SECONDS = 30 * 24 * 3600
BATCH_ATTEMPTS = 8
# A transaction another one cancelled is tried this many times in all (then raised).
CONFLICT_ATTEMPTS = 4
# A transaction holds at most 100 items: a digest takes this many held rows (and the
# MAILBOX row) per run, the oldest first; the rest go in the next run's.
TAKE_ROWS = 99
# A claim may be taken: never taken, an earlier decision not to send (the person may
# have a profile now), or a claim not yet sending (whichever attempt's: SES was not
# called). Never a 'sending' one: that attempt may have sent the email.
_CLAIMABLE = "attribute_not_exists(pk) OR begins_with(#s, :suppressed) OR #s = :claimed"
# Still this attempt's claim: 'claimed', or 'sending' when botocore retries the write
# that marked it so after its reply was lost.
_OURS = "(#s = :claimed OR #s = :sending) AND attempt = :attempt"


@dataclass(frozen=True)
class Held:
    """One held row: the recommendations of one event, waiting to be emailed."""

    sk: str
    recs: list[Recommendation]
    held_at: datetime
    status: str  # 'held'; 'claimed', then 'sending', while a digest run has it
    attempt: str = ""  # the run's attempt, while it has the row


@dataclass(frozen=True)
class Mailbox:
    """What one read tells about a person's email: their record, the emails sent to
    them this week (``version`` of the MAILBOX row: 0 before the first), and, read with
    a trigger, that event's recommendations and their EMAIL# rows by recommendation id;
    and what stops their email (the SUPPRESSION row: ``suppressions.py``)."""

    tenant: str
    person_id: str
    state: PersonState
    sent: dict[str, datetime]
    version: int
    standing: Standing = field(default_factory=Standing)
    recs: list[Recommendation] = field(default_factory=list)
    emails: dict[str, dict[str, Any]] = field(default_factory=dict)

    def sent_times(self, *, besides: str) -> list[datetime]:
        """When the emails went out, but for ``besides``: a retry of that email finds its
        own count from the attempt before, which is not an email sent."""
        return [at for key, at in self.sent.items() if key != besides]

    def claimable(self, rec: Recommendation) -> bool:
        """Whether the claim ``_CLAIMABLE`` puts on ``rec``'s EMAIL# row would hold."""
        row = self.emails.get(rec.id)
        if row is None:
            return True
        status: str = row["status"]["S"]
        return status.startswith("suppressed") or status == "claimed"

    def unconfirmed(self, rec: Recommendation) -> bool:
        """Whether an attempt marked ``rec``'s email 'sending' and never settled it: SES
        may have taken it, so it must not be sent again. (This delivery's own attempt
        reads before it marks anything 'sending'.)"""
        row = self.emails.get(rec.id)
        return row is not None and row["status"]["S"] == "sending"


def _table() -> str:
    return setting("TABLE_NAME")


def due_shard(tenant: str, person_id: str) -> str:
    """The person's DueIndex partition key, ``DUE#NN``: the same in every process (a
    stable hash, not ``hash()``), so all of a person's held rows share it."""
    digest = hashlib.blake2b(keys.partition(tenant, person_id).encode(), digest_size=8)
    return f"{DUE_SHARD_PREFIX}{int.from_bytes(digest.digest(), 'big') % DUE_SHARDS:02d}"


def due_partitions() -> list[str]:
    """Every DueIndex partition key the digest Queries: the shards, then the legacy key."""
    return [f"{DUE_SHARD_PREFIX}{n:02d}" for n in range(DUE_SHARDS)] + [LEGACY_DUE_PARTITION]


def _iso(at: datetime) -> str:
    """UTC, second precision, fixed width: sorts as it compares."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read(tenant: str, person_id: str, *, trigger: Recommendation | None = None) -> Mailbox:
    """The person's mailbox in one BatchGetItem; with ``trigger``, also every
    recommendation the event that triggered it yielded (``trigger`` included) and their
    EMAIL# rows. Ids are derived from the trigger and the kind, so the siblings are known
    by key; they were committed in one transaction with ``trigger``, so all are there."""
    sks = [keys.STATE, keys.MAILBOX, keys.SUPPRESSION]
    if trigger is not None:
        ids = [
            recommendation_id(tenant, person_id, trigger.trigger_event_id, kind) for kind in KINDS
        ]
        sks += [sk for i in ids for sk in (keys.rec(i), keys.email(i))]
    request: dict[str, Any] = {
        _table(): {"Keys": [keys.key(tenant, person_id, sk) for sk in sks], "ConsistentRead": True}
    }
    rows: dict[str, dict[str, Any]] = {}
    for _ in range(5):
        response = client("dynamodb").batch_get_item(RequestItems=request)
        rows.update((item["sk"]["S"], item) for item in response["Responses"].get(_table(), []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            break
    else:
        raise RuntimeError(f"mailbox of {person_id}: keys left unprocessed after retries")
    state, _ = state_from_item(tenant, person_id, rows.get(keys.STATE))
    mailbox = rows.get(keys.MAILBOX)
    recs = {trigger.id: trigger} if trigger is not None else {}
    emails = {}
    for sk, item in rows.items():
        if sk.startswith(keys.REC):
            rec = Recommendation.model_validate_json(item["body"]["S"])
            recs[rec.id] = rec
        elif sk.startswith(keys.EMAIL):
            emails[sk.removeprefix(keys.EMAIL)] = item
    return Mailbox(
        tenant=tenant,
        person_id=person_id,
        state=state,
        sent={k: datetime.fromisoformat(v["S"]) for k, v in mailbox["sent"]["M"].items()}
        if mailbox
        else {},
        version=int(mailbox["version"]["N"]) if mailbox else 0,
        standing=suppressions.from_item(rows.get(keys.SUPPRESSION))[0],
        recs=list(recs.values()),
        emails=emails,
    )


def claim(
    box: Mailbox,
    recs: list[Recommendation],
    *,
    owner: str,
    attempt: str,
    key: str,
    now: datetime,
    window: timedelta,
) -> bool:
    """Claim ``recs``' email for ``attempt`` of ``owner`` (the id of the queue message's
    recommendation) and count it, as ``key``, among the emails sent this week: one
    transaction. False when the mailbox changed since ``box`` was read (read again and
    decide again)."""
    stamp = int(now.timestamp())
    claims = [
        {
            "Put": {
                "TableName": _table(),
                "Item": {
                    **keys.key(rec.tenant, rec.person_id, keys.email(rec.id)),
                    "status": {"S": "claimed"},
                    "claimed_at": {"N": str(stamp)},
                    "expires_at": {"N": str(stamp + EMAIL_KEEP_SECONDS)},
                    "claim": {"S": owner},
                    "attempt": {"S": attempt},
                },
                **_claimable(),
            }
        }
        for rec in recs
    ]
    # What left the rolling window is dropped, so the row stays a week's size.
    sent = {k: at for k, at in box.sent.items() if at > now - window} | {key: now}
    return _transact([*claims, _count(box, sent)])


def hold(
    box: Mailbox,
    recs: list[Recommendation],
    *,
    due_at: datetime,
    reason: str,
    now: datetime,
) -> bool:
    """Keep ``recs`` (one event's, most urgent first) for the person's next digest and
    settle their EMAIL# rows as 'held', in one transaction; False when one of them was
    claimed since ``box`` was read.

    Keyed by the lead recommendation, so holding the same email again (a redelivery
    after a crash) overwrites the row instead of adding a second one.
    """
    lead = recs[0]
    held = [
        {"Put": {"TableName": _table(), "Item": _settled(rec, "held"), **_claimable()}}
        for rec in recs
    ]
    row = {
        **keys.key(box.tenant, box.person_id, keys.digest(lead.id)),
        "body": {"S": json.dumps([r.model_dump(mode="json") for r in recs])},
        "reason": {"S": reason},
        "held_at": {"S": _iso(now)},
        "status": {"S": "held"},
        "due_pk": {"S": due_shard(box.tenant, box.person_id)},
        "due_at": {"S": _iso(due_at)},
        "expires_at": {"N": str(int((due_at + HELD_TTL).timestamp()))},
    }
    return _transact([*held, {"Put": {"TableName": _table(), "Item": row}}])


def settle(
    outcomes: Iterable[tuple[Recommendation, str]],
    *,
    message_id: str | None = None,
    remove: Iterable[Held] = (),
) -> None:
    """Record how each email ended ('sent' with SES's message id, or 'suppressed:…')
    and delete the held rows it came from: one write."""
    writes = []
    for rec, status in outcomes:
        item = _settled(rec, status)
        if message_id and status == "sent":
            item["message_id"] = {"S": message_id}
        writes.append({"PutRequest": {"Item": item}})
    for row in remove:
        lead = row.recs[0]
        writes.append({"DeleteRequest": {"Key": keys.key(lead.tenant, lead.person_id, row.sk)}})
    if len(writes) == 1 and "PutRequest" in writes[0]:
        client("dynamodb").put_item(TableName=_table(), Item=writes[0]["PutRequest"]["Item"])
        return
    for start in range(0, len(writes), 25):
        left = write_batch(client("dynamodb"), _table(), writes[start : start + 25], BATCH_ATTEMPTS)
        if left:
            raise RuntimeError(f"{left} settled emails still unprocessed after retries")


def mark_sending(recs: list[Recommendation], *, attempt: str) -> bool:
    """Mark ``attempt``'s claims 'sending': the last write before SES is called, so a
    delivery that finds a claim still 'claimed' knows SES never saw it. False when
    another delivery took the claims over meanwhile (it sends the email)."""
    return _mark_sending([keys.key(r.tenant, r.person_id, keys.email(r.id)) for r in recs], attempt)


def unmark(recs: list[Recommendation], *, attempt: str) -> None:
    """Put ``attempt``'s claims back to 'claimed' (SES never took the email), row by row:
    the fallback when ``release``'s transaction fails, so a redelivery takes them over
    instead of finding them 'sending'. The email's count stays; the redelivery's claim
    counts the same key again."""
    _unmark([keys.key(r.tenant, r.person_id, keys.email(r.id)) for r in recs], attempt)


def unmark_held(box: Mailbox, rows: list[Held], *, attempt: str) -> None:
    """``unmark`` for the held rows a digest run took."""
    _unmark([keys.key(box.tenant, box.person_id, row.sk) for row in rows], attempt)


def release(box: Mailbox, recs: list[Recommendation], *, attempt: str, key: str) -> None:
    """Give up ``attempt``'s claims (SES was not reached, or refused the email), and its
    count, so the retry sends at once. Nothing to release (the claim never landed, or
    was released already) is fine."""
    deletes = [
        {
            "Delete": {
                "TableName": _table(),
                "Key": keys.key(rec.tenant, rec.person_id, keys.email(rec.id)),
                **_ours(attempt),
            }
        }
        for rec in recs
    ]
    _transact([*deletes, _uncount(box, key)])


def mark_unconfirmed(box: Mailbox, recs: list[Recommendation]) -> None:
    """Mark the emails another attempt claimed and never settled as 'unconfirmed' (SES
    may have sent them): never sent again, for an operator to check. Each only while it
    is still that attempt's claim, so a late settle of a real send is not undone."""
    for rec in recs:
        attempt = box.emails[rec.id].get("attempt", {}).get("S", "")
        _unconfirm(keys.key(rec.tenant, rec.person_id, keys.email(rec.id)), attempt)


def mark_unconfirmed_held(tenant: str, person_id: str, rows: Iterable[Held]) -> None:
    """A held row a digest run took and never settled: 'unconfirmed', and off the due
    index so no run picks it up again."""
    for row in rows:
        _unconfirm(keys.key(tenant, person_id, row.sk), row.attempt, "REMOVE due_pk, due_at")


def _unconfirm(key: dict[str, Any], attempt: str, also: str = "") -> None:
    """The row, still ``attempt``'s claim (a row from before attempts: any claim), as
    'unconfirmed'."""
    condition = "#s = :sending AND " + (
        "attempt = :attempt" if attempt else "attribute_not_exists(attempt)"
    )
    values = {":sending": {"S": "sending"}, ":unconfirmed": {"S": "unconfirmed"}}
    if attempt:
        values[":attempt"] = {"S": attempt}
    _write_if(  # False: settled meanwhile, nothing to mark
        "update_item",
        Key=key,
        UpdateExpression=f"SET #s = :unconfirmed {also}".strip(),
        ConditionExpression=condition,
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=values,
    )


def note_suppressed(rec: Recommendation, reason: str) -> None:
    """Record why ``rec`` was not emailed ('suppressed:<reason>'), so every
    recommendation has an answer to "did it go out?"; never over a sent, held or
    'sending' email's row. Over a claim SES never saw ('claimed': its attempt crashed, or
    is still deciding and will find its claim gone), so that it is not left waiting."""
    _write_if(
        "put_item",
        Item=_settled(rec, f"suppressed:{reason}"),
        ConditionExpression=_CLAIMABLE,
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":suppressed": {"S": "suppressed"},
            ":claimed": {"S": "claimed"},
        },
    )


# ---- the digest's view --------------------------------------------------------------


def held(tenant: str, person_id: str) -> list[Held]:
    """What is held for the person, oldest first, up to ``TAKE_ROWS`` rows."""
    items = _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues={
            ":pk": {"S": keys.partition(tenant, person_id)},
            ":p": {"S": keys.DIGEST},
        },
    )
    rows = [
        Held(
            sk=item["sk"]["S"],
            recs=[Recommendation.model_validate(r) for r in json.loads(item["body"]["S"])],
            held_at=datetime.fromisoformat(item["held_at"]["S"]),
            status=item["status"]["S"],
            attempt=item.get("attempt", {}).get("S", ""),
        )
        for item in items
    ]
    return sorted(rows, key=lambda row: row.held_at)[:TAKE_ROWS]


def due_people(now: datetime) -> list[tuple[str, str]]:
    """(tenant, person_id) of everyone with held email due by ``now``, each once, the
    longest due first: one paginated Query per shard of the sparse index (and the legacy
    key), so the cost follows what is due, not the size of the table."""
    items = [
        item
        for due_pk in due_partitions()
        for item in _query(
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_pk = :d AND due_at <= :now",
            ExpressionAttributeValues={":d": {"S": due_pk}, ":now": {"S": _iso(now)}},
            ConsistentRead=False,  # a GSI cannot; a row written since is picked up next run
        )
    ]
    items.sort(key=lambda item: item["due_at"]["S"])
    people = dict.fromkeys(tuple(item["pk"]["S"].split("#", 1)) for item in items)
    return [(tenant, person) for tenant, person in people]


def reschedule(tenant: str, person_id: str, rows: list[Held], *, due_at: datetime) -> None:
    """Move held rows to a later due time (the limit is still reached), in the person's
    shard (a row held under the legacy key moves into it)."""
    for row in rows:
        client("dynamodb").update_item(
            TableName=_table(),
            Key=keys.key(tenant, person_id, row.sk),
            UpdateExpression="SET due_pk = :shard, due_at = :due, expires_at = :exp",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":shard": {"S": due_shard(tenant, person_id)},
                ":due": {"S": _iso(due_at)},
                ":exp": {"N": str(int((due_at + HELD_TTL).timestamp()))},
            },
        )


def take(
    box: Mailbox,
    rows: list[Held],
    *,
    attempt: str,
    key: str,
    now: datetime,
    window: timedelta,
) -> bool:
    """Claim held rows for ``attempt``, all or none, and count the email as ``key``:
    False if another run has them or the mailbox changed since it was read. A row another
    run left 'claimed' is taken over (SES never saw it); one it marked 'sending' never
    is (``mark_unconfirmed_held``)."""
    updates = [
        {
            "Update": {
                "TableName": _table(),
                "Key": keys.key(box.tenant, box.person_id, row.sk),
                "UpdateExpression": "SET #s = :claimed, claimed_at = :now, attempt = :attempt",
                "ConditionExpression": "#s = :held OR #s = :claimed",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":held": {"S": "held"},
                    ":claimed": {"S": "claimed"},
                    ":now": {"N": str(int(now.timestamp()))},
                    ":attempt": {"S": attempt},
                },
            }
        }
        for row in rows
    ]
    sent = {k: at for k, at in box.sent.items() if at > now - window} | {key: now}
    return _transact([*updates, _count(box, sent)])


def mark_sending_held(box: Mailbox, rows: list[Held], *, attempt: str) -> bool:
    """``mark_sending`` for the held rows a digest run took."""
    return _mark_sending([keys.key(box.tenant, box.person_id, row.sk) for row in rows], attempt)


def release_held(box: Mailbox, rows: list[Held], *, attempt: str, key: str) -> None:
    """Give held rows back after a failed send, with the email's count, so the next run
    sends them."""
    updates = [
        {
            "Update": {
                "TableName": _table(),
                "Key": keys.key(box.tenant, box.person_id, row.sk),
                "UpdateExpression": "SET #s = :held REMOVE attempt",
                **_ours(attempt, {":held": {"S": "held"}}),
            }
        }
        for row in rows
    ]
    _transact([*updates, _uncount(box, key)])


# ---- rows and writes ----------------------------------------------------------------


def _settled(rec: Recommendation, status: str) -> dict[str, Any]:
    """The EMAIL# row of a decided email: its status, when, and when it expires."""
    now = int(clock.now().timestamp())
    return {
        **keys.key(rec.tenant, rec.person_id, keys.email(rec.id)),
        "status": {"S": status},
        "settled_at": {"N": str(now)},
        "expires_at": {"N": str(now + EMAIL_KEEP_SECONDS)},
    }


def _claimable() -> dict[str, Any]:
    return {
        "ConditionExpression": _CLAIMABLE,
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {
            ":claimed": {"S": "claimed"},
            ":suppressed": {"S": "suppressed"},
        },
    }


def _ours(attempt: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The condition that a row is still ``attempt``'s claim (``_OURS``)."""
    return {
        "ConditionExpression": _OURS,
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {
            ":claimed": {"S": "claimed"},
            ":sending": {"S": "sending"},
            ":attempt": {"S": attempt},
            **(values or {}),
        },
    }


def _unmark(rows: list[dict[str, Any]], attempt: str) -> None:
    for row in rows:  # False: no longer this attempt's (settled or taken over meanwhile)
        _write_if("update_item", Key=row, UpdateExpression="SET #s = :claimed", **_ours(attempt))


def _mark_sending(rows: list[dict[str, Any]], attempt: str) -> bool:
    """Set each row, still ``attempt``'s claim, to 'sending': one UpdateItem for one row,
    one transaction for several (all or none)."""
    update = {"UpdateExpression": "SET #s = :sending", **_ours(attempt)}
    if len(rows) > 1:
        return _transact([{"Update": {"TableName": _table(), "Key": k, **update}} for k in rows])
    return _write_if("update_item", Key=rows[0], **update)


def _write_if(operation: str, **request: Any) -> bool:
    """One conditional write (``put_item``, ``update_item``); False when its condition
    failed (the row is no longer as expected), any other error raised."""
    try:
        getattr(client("dynamodb"), operation)(TableName=_table(), **request)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _count(box: Mailbox, sent: dict[str, datetime]) -> dict[str, Any]:
    """The MAILBOX row with ``sent``, conditional on the version ``box`` read."""
    if box.version:
        condition = {
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(box.version)}},
        }
    else:
        condition = {"ConditionExpression": "attribute_not_exists(pk)"}
    item = {
        **keys.key(box.tenant, box.person_id, keys.MAILBOX),
        "version": {"N": str(box.version + 1)},
        "sent": {"M": {k: {"S": _iso(at)} for k, at in sent.items()}},
    }
    return {"Put": {"TableName": _table(), "Item": item, **condition}}


def _uncount(box: Mailbox, key: str) -> dict[str, Any]:
    """Take ``key`` out of the week's count (a send that failed), whatever the version."""
    return {
        "Update": {
            "TableName": _table(),
            "Key": keys.key(box.tenant, box.person_id, keys.MAILBOX),
            "UpdateExpression": "REMOVE sent.#k SET version = version + :one",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": {"#k": key},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def _transact(items: list[dict[str, Any]]) -> bool:
    """One TransactWriteItems; False when a condition failed (the caller reads again),
    any other error raised. A transaction cancelled by another one on the same rows
    (``TransactionConflict``, which botocore does not retry) is tried again: reading it
    as a failed condition would leave a release undone, its rows 'sending' for an email
    SES never took. The request token makes botocore's retry of a transaction whose
    reply was lost a no-op on AWS."""
    attempt = 1
    while True:
        try:
            client("dynamodb").transact_write_items(
                TransactItems=items, ClientRequestToken=str(uuid.uuid4())
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])}
            if "ConditionalCheckFailed" in reasons:
                return False
            if "TransactionConflict" not in reasons or attempt == CONFLICT_ATTEMPTS:
                raise
        time.sleep(0.02 * 2**attempt)
        attempt += 1


def _query(**request: Any) -> list[dict[str, Any]]:
    paginator = client("dynamodb").get_paginator("query")
    request.setdefault("ConsistentRead", True)
    found: list[dict[str, Any]] = []
    for page in paginator.paginate(TableName=_table(), **request):
        found.extend(page["Items"])
    return found
