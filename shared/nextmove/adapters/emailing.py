"""Deliver recommendations by email, at most once each, as the person asked and no
more often than the no-spam rules (``nextmove.domain.mailing``) allow.

One email per trigger event: a message on the email queue brings one recommendation,
but its siblings (what the same event yielded) are read from the table and go in the
same email, so an event never sends two, however SQS batches the messages.

Order matters: preferences first (a suppressed email costs no claim; the reason is
recorded on the email row, and a later delivery may still send), then a claim on each
recommendation id (a redelivered message finds them and stops), then the rules: send
now, or hold the email in the person's partition (``DIGEST#``) for the digest function
to send when it is due. A failed send releases the claims (or the held rows) so the
retry sends it: an email the person wants is never dropped.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from datetime import datetime
from typing import Literal

from nextmove import email
from nextmove.adapters import clock, mailbox, mailer, store
from nextmove.adapters.aws import setting
from nextmove.contracts import Recommendation
from nextmove.contracts.events import ProfileData
from nextmove.domain import mailing

Outcome = Literal[
    "sent",
    "duplicate",
    "held:quiet_hours",
    "held:weekly_limit",
    "suppressed:no_profile",
    "suppressed:preferences",
]
_DIGEST_NAMESPACE = uuid.UUID("0b8f5a52-3c1e-4b7a-9d0e-6a1f2c3d4e5f")


def deliver(rec: Recommendation, *, now: datetime | None = None) -> Outcome:
    """Email ``rec`` and its siblings now, or hold them for later; at most once."""
    now = now or clock.now()
    state, _ = store.load_state(rec.tenant, rec.person_id)
    if state.profile is None:
        store.note_suppressed(rec, "no_profile")
        return "suppressed:no_profile"
    profile = state.profile.data
    if not email.wants_email(rec.kind, profile.notifications):
        store.note_suppressed(rec, "preferences")
    wanted = [
        r
        for r in mailing.order(mailbox.siblings(rec))
        if email.wants_email(r.kind, profile.notifications)
    ]
    claimed: list[Recommendation] = []
    try:
        claimed.extend(r for r in wanted if store.claim_email(r, owner=rec.id))
    except Exception:
        for r in claimed:  # a half-claimed email: let the retry claim all of it again
            store.release_email(r)
        raise
    if not claimed:
        return "duplicate" if rec in wanted else "suppressed:preferences"
    limits = policy()
    decision = mailing.decide(
        urgent=mailing.is_urgent(claimed),
        now=now,
        time_zone=profile.time_zone,
        sent=_sent_recently(rec.tenant, rec.person_id, now, limits),
        policy=limits,
    )
    if not decision.is_now(now):
        try:
            mailbox.hold(claimed, due_at=decision.send_at, reason=decision.reason, now=now)
        except Exception:
            for r in claimed:  # not held: the retry must be able to claim them again
                store.release_email(r)
            raise
        for r in claimed:
            store.settle_email(r, status="held")
        return "held:quiet_hours" if decision.reason == "quiet_hours" else "held:weekly_limit"
    try:
        message_id = _send(claimed, profile, key=claimed[0].id, digest=False, now=now)
    except Exception:
        for r in claimed:
            store.release_email(r)
        raise
    for r in claimed:
        store.settle_email(r, status="sent", message_id=message_id)
    mailbox.log_sent(rec.tenant, rec.person_id, at=now, key=claimed[0].id)
    return "sent"


def send_due(now: datetime) -> dict[str, int]:
    """Send every held email that is due by ``now`` (the digest function, on a schedule).

    Each person's held emails go out together: one event's as its usual email, several
    as one digest. When the weekly limit is still reached they are moved to when it
    has room. A person whose send fails keeps their rows and is retried by the next run;
    the others are still sent, then this raises so the failure is seen (and alarmed).
    """
    outcomes: Counter[str] = Counter()
    failures: list[Exception] = []
    for tenant, person_id in mailbox.due_people(now):
        try:
            outcomes[_send_held(tenant, person_id, now)] += 1
        except Exception as error:
            failures.append(error)
    if failures:
        raise RuntimeError(
            f"{len(failures)} held email(s) failed to send; they stay held for the next run"
        ) from failures[0]
    return dict(outcomes)


def policy() -> mailing.MailingPolicy:
    """The no-spam limits: the operators' thresholds parameter when the function has
    one, else the product's defaults."""
    if "THRESHOLDS_PARAMETER" not in os.environ:
        return mailing.MailingPolicy()
    from nextmove.adapters import settings

    tuned = settings.thresholds().email
    return mailing.MailingPolicy(
        weekly_limit=tuned.weekly_limit, quiet_start=tuned.quiet_start, quiet_end=tuned.quiet_end
    )


def _send_held(tenant: str, person_id: str, now: datetime) -> str:
    rows = mailbox.held(tenant, person_id)
    if not rows:
        return "already_sent"  # the index lags the table by a moment
    state, _ = store.load_state(tenant, person_id)
    profile = state.profile.data if state.profile else None
    recs = [r for row in rows for r in row.recs]
    # Preferences may have changed while the email waited: today's apply.
    wanted = [r for r in recs if profile and email.wants_email(r.kind, profile.notifications)]
    if profile is None or not wanted:
        for r in recs:
            store.settle_email(r, status="suppressed:preferences")
        mailbox.remove(tenant, person_id, rows)
        return "suppressed"
    limits = policy()
    decision = mailing.decide(
        urgent=False,
        now=now,
        time_zone=profile.time_zone,
        sent=_sent_recently(tenant, person_id, now, limits),
        policy=limits,
        held_since=rows[0].held_at,
    )
    if not decision.is_now(now):
        mailbox.reschedule(tenant, person_id, rows, due_at=decision.send_at)
        return "rescheduled"
    if not mailbox.take(tenant, person_id, rows):
        return "busy"  # another run is sending them
    ordered = mailing.order(wanted)
    key = ordered[0].id if len(rows) == 1 else _digest_key(ordered)
    try:
        message_id = _send(ordered, profile, key=key, digest=len(rows) > 1, now=now)
    except Exception:
        mailbox.release(tenant, person_id, rows)
        raise
    for r in recs:
        if r in wanted:
            store.settle_email(r, status="sent", message_id=message_id)
        else:
            store.settle_email(r, status="suppressed:preferences")
    mailbox.log_sent(tenant, person_id, at=now, key=key)
    mailbox.remove(tenant, person_id, rows)
    return "sent"


def _send(
    recs: list[Recommendation], profile: ProfileData, *, key: str, digest: bool, now: datetime
) -> str:
    """Render and send with SES; SES's message id."""
    lead = recs[0]
    preferences_url = setting("PREFERENCES_URL").format(
        tenant=lead.tenant, person_id=lead.person_id
    )
    rendered = email.render_many(recs, profile, preferences_url=preferences_url, digest=digest)
    message = email.to_mime(
        rendered,
        sender=setting("SENDER_EMAIL"),
        to=profile.email,
        rec_id=key,
        unsubscribe_url=preferences_url,
        date=now,
    )
    # Only SES's answer: a failure after SES took the email must not release the claims
    # (the retry would send it twice), so the callers count it once the claims are settled.
    return mailer.send_raw(message, sender=setting("SENDER_EMAIL"), to=profile.email)


def _sent_recently(
    tenant: str, person_id: str, now: datetime, limits: mailing.MailingPolicy
) -> list[datetime]:
    return mailbox.sent_times(tenant, person_id, since=now - limits.window, until=now)


def _digest_key(recs: list[Recommendation]) -> str:
    """The digest's Message-ID, derived from what it holds: a resend is the same message."""
    return str(uuid.uuid5(_DIGEST_NAMESPACE, ",".join(sorted(r.id for r in recs))))
