"""Deliver recommendations by email, at most once each, as the person asked and no
more often than the no-spam rules (``nextmove.domain.email_policy``) allow: the
notifier's and the digest's steps, in order. The decisions are the domain's, the rows
``adapters/mailbox.py``'s, the send ``adapters/ses.py``'s and the message ``email.py``'s.

One email per trigger event: a message on the email queue brings one recommendation,
but its siblings (what the same event yielded) are read from the table and go in the
same email, so an event never sends two, however SQS batches the messages.

Order matters: one read (the person's record and mailbox, the event's recommendations
and their email rows: ``mailbox.read``), then preferences (a suppressed email costs no
claim; the reason is recorded on the email row, and a later delivery may still send),
then the rules: send now, or hold the email in the person's partition (``DIGEST#``) for
the digest function to send when it is due. Sending now first claims each
recommendation id for this attempt and counts the email in the week's limit, in one
transaction (a redelivered message finds the claims and stops), then marks the claims
'sending' just before SES is called; a send SES refused releases both, so the retry
sends it: an email the person wants is never dropped. A claim another attempt left
'claimed' never reached SES and is taken over; one it left 'sending' may have been
sent: it is marked 'unconfirmed' and never sent again (``mailbox``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Literal

from aws_lambda_powertools import Logger

from nextmove import email, unsubscribe
from nextmove.adapters import clock, mailbox, secrets, ses
from nextmove.adapters.aws import setting
from nextmove.contracts import Recommendation
from nextmove.contracts.events import ProfileData
from nextmove.domain import email_policy, suppression

Outcome = Literal[
    "sent",
    "duplicate",
    "unconfirmed",
    "held:quiet_hours",
    "held:weekly_limit",
    "suppressed:no_profile",
    "suppressed:preferences",
    "suppressed:closed",
    "suppressed:bounced",
    "suppressed:complained",
    "suppressed:unsubscribed",
]
MAX_ATTEMPTS = 5
# The function's logger's child: its lines carry the keys the notifier appended (the
# recommendation and its trigger event), so the runbook's follow-event query finds them.
log = Logger(child=True)
_DIGEST_NAMESPACE = uuid.UUID("0b8f5a52-3c1e-4b7a-9d0e-6a1f2c3d4e5f")


def deliver(rec: Recommendation, *, now: datetime | None = None) -> Outcome:
    """Email ``rec`` and its siblings now, or hold them for later; at most once."""
    now = now or clock.now()
    limits = policy()
    attempt = uuid.uuid4().hex  # this delivery's claims, and only its own
    for _ in range(MAX_ATTEMPTS):
        box = mailbox.read(rec.tenant, rec.person_id, trigger=rec)
        # Another attempt's 'sending' claim may have gone out: 'unconfirmed' before
        # anything else is decided. A suppression or a closed offer since then settles
        # nothing over a 'sending' row, which would be left waiting for no one.
        earlier = [r for r in box.recs if box.unconfirmed(r)]
        if earlier:
            mailbox.mark_unconfirmed(box, earlier)
        if box.state.profile is None:
            mailbox.note_suppressed(rec, "no_profile")
            return "unconfirmed" if rec in earlier else "suppressed:no_profile"
        profile = box.state.profile.data
        if box.state.advice_closed(rec.trigger_event_id):
            # The offer was resolved before its advice went out: it would advise on an
            # offer that is no longer open.
            mailbox.note_suppressed(rec, "closed")
            return "unconfirmed" if rec in earlier else "suppressed:closed"
        if not email_policy.wants_email(rec.kind, profile.notifications):
            mailbox.note_suppressed(rec, "preferences")
        wanted = email_policy.wanted(box.recs, profile.notifications)
        if stopped := _stopped(box):
            return "unconfirmed" if rec in earlier else _suppress(rec, box, wanted, stopped)
        mine = [r for r in wanted if box.claimable(r)]
        if not mine:
            if rec in earlier:
                return "unconfirmed"
            return "duplicate" if rec in wanted else "suppressed:preferences"
        key = mine[0].id
        decision = email_policy.decide(
            urgent=email_policy.is_urgent(mine),
            now=now,
            time_zone=profile.time_zone,
            sent=box.sent_times(besides=key),
            policy=limits,
        )
        if not decision.is_now(now):
            due, reason = decision.send_at, decision.reason
            if mailbox.hold(box, mine, due_at=due, reason=reason, now=now):
                return "held:quiet_hours" if reason == "quiet_hours" else "held:weekly_limit"
        elif _claim(box, mine, owner=rec.id, attempt=attempt, key=key, now=now, limits=limits):
            break
        # Another email to the person was claimed or counted since the read: decide again.
    else:
        raise RuntimeError(f"the mailbox of {rec.id}'s person kept changing; gave up")
    return _send_claimed(box, mine, profile, attempt=attempt, key=key, now=now)


def _send_claimed(
    box: mailbox.Mailbox,
    recs: list[Recommendation],
    profile: ProfileData,
    *,
    attempt: str,
    key: str,
    now: datetime,
) -> Outcome:
    """Mark ``attempt``'s claims 'sending', send, settle; a send SES refused gives the
    claims back, so the retry sends."""
    give_back = partial(
        _give_back,
        partial(mailbox.release, box, recs, attempt=attempt, key=key),
        partial(mailbox.unmark, recs, attempt=attempt),
        key,
    )
    if not _unless_raised(partial(mailbox.mark_sending, recs, attempt=attempt), give_back):
        return "duplicate"  # a redelivery of the same email took the claims over: it sends
    try:
        message_id = _send(recs, profile, key=key, digest=False, now=now)
    except Exception:
        give_back()
        raise
    _settle([(r, "sent") for r in recs], message_id=message_id, key=key)
    return "sent"


def _claim(
    box: mailbox.Mailbox,
    recs: list[Recommendation],
    *,
    owner: str,
    attempt: str,
    key: str,
    now: datetime,
    limits: email_policy.MailingPolicy,
) -> bool:
    """``mailbox.claim``, released if it raises (its outcome unknown), so the week's
    count holds no email that was not sent; a claim left behind is taken over by the
    redelivery."""
    return _unless_raised(
        partial(
            mailbox.claim,
            box,
            recs,
            owner=owner,
            attempt=attempt,
            key=key,
            now=now,
            window=limits.window,
        ),
        partial(
            _give_back, partial(mailbox.release, box, recs, attempt=attempt, key=key), None, key
        ),
    )


def _unless_raised(write: Callable[[], bool], give_back: Callable[[], None]) -> bool:
    """``write`` (a claim, or marking it 'sending'); if it raises, its outcome unknown
    and SES not called, ``give_back`` returns the claim before the error goes on."""
    try:
        return write()
    except Exception:
        give_back()
        raise


def _give_back(release: Callable[[], None], unmark: Callable[[], None] | None, key: str) -> None:
    """Give a claim back when SES never took the email: ``release`` (claims and count,
    one transaction), else ``unmark`` (each row back to 'claimed', a write of its own,
    which a redelivery takes over). A 'sending' mark left because both failed is
    'unconfirmed' for an email SES never saw: the one case at-most-once costs an email,
    counted and alarmed. Never raises: the error that brought us here goes on."""
    try:
        release()
        return
    except Exception:
        if unmark is None:  # only a claim, never marked: a redelivery takes it over
            log.warning("claim not released", extra={"email_key": key})
            return
    try:
        unmark()
    except Exception:  # the table is still failing
        log.warning("claim not released", extra={"email_key": key})


def _settle(
    outcomes: list[tuple[Recommendation, str]],
    *,
    message_id: str,
    key: str,
    remove: list[mailbox.Held] | None = None,
) -> None:
    """Record a send SES accepted. If that fails the email went out all the same: the
    log line (SES's message id with the email's key) is what tells an operator so when
    the redelivery finds the claim and marks it 'unconfirmed'."""
    try:
        mailbox.settle(outcomes, message_id=message_id, remove=remove or ())
    except Exception:
        log.warning("sent, not settled", extra={"email_key": key, "message_id": message_id})
        raise


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


def policy() -> email_policy.MailingPolicy:
    """The no-spam limits, from the operators' thresholds parameter."""
    from nextmove.adapters import settings

    tuned = settings.thresholds().email
    return email_policy.MailingPolicy(
        weekly_limit=tuned.weekly_limit, quiet_start=tuned.quiet_start, quiet_end=tuned.quiet_end
    )


def _send_held(tenant: str, person_id: str, now: datetime) -> str:
    found = mailbox.held(tenant, person_id)
    # A row an earlier run marked 'sending' and never settled may have been sent: never
    # again. One it only claimed never reached SES: taken over.
    taken = [row for row in found if row.status == "sending"]
    if taken:
        mailbox.mark_unconfirmed_held(tenant, person_id, taken)
    rows = [row for row in found if row.status in ("held", "claimed")]
    if not rows:
        return "unconfirmed" if taken else "already_sent"  # the index lags the table
    box = mailbox.read(tenant, person_id)
    profile = box.state.profile.data if box.state.profile else None
    recs = [r for row in rows for r in row.recs]
    # Advice on an offer resolved while it waited is closed: it is not sent.
    closed = {r.id for r in recs if box.state.advice_closed(r.trigger_event_id)}
    # Preferences may have changed while the email waited: today's apply.
    open_recs = [r for r in recs if r.id not in closed]
    wanted = email_policy.wanted(open_recs, profile.notifications) if profile else []

    stopped = _stopped(box)

    def unsent(r: Recommendation) -> str:
        if r.id in closed:
            return "suppressed:closed"
        return f"suppressed:{stopped}" if stopped and r in wanted else "suppressed:preferences"

    if profile is None or not wanted or stopped:
        mailbox.settle([(r, unsent(r)) for r in recs], remove=rows)
        return "suppressed"
    key = wanted[0].id if len(rows) == 1 else _digest_key(wanted)
    limits = policy()
    decision = email_policy.decide(
        urgent=False,
        now=now,
        time_zone=profile.time_zone,
        sent=box.sent_times(besides=key),
        policy=limits,
        held_since=rows[0].held_at,
    )
    if not decision.is_now(now):
        mailbox.reschedule(tenant, person_id, rows, due_at=decision.send_at)
        return "rescheduled"
    attempt = uuid.uuid4().hex
    give_back = partial(
        _give_back,
        partial(mailbox.release_held, box, rows, attempt=attempt, key=key),
        partial(mailbox.unmark_held, box, rows, attempt=attempt),
        key,
    )
    take = partial(mailbox.take, box, rows, attempt=attempt, key=key, now=now, window=limits.window)
    if not _unless_raised(take, give_back):
        return "busy"  # another run is sending them, or just sent another email
    if not _unless_raised(
        partial(mailbox.mark_sending_held, box, rows, attempt=attempt), give_back
    ):
        return "busy"
    try:
        message_id = _send(wanted, profile, key=key, digest=len(rows) > 1, now=now)
    except Exception:
        give_back()
        raise
    outcomes = [(r, "sent" if r in wanted else unsent(r)) for r in recs]
    _settle(outcomes, message_id=message_id, key=key, remove=rows)
    return "sent"


def _suppress(
    rec: Recommendation,
    box: mailbox.Mailbox,
    wanted: list[Recommendation],
    stopped: suppression.Reason,
) -> Outcome:
    """The address bounced or complained, or the person unsubscribed: SES's feedback and
    the person's click outrank the partner's profile, and no sibling goes either."""
    if rec not in wanted:
        return "suppressed:preferences"
    if not box.claimable(rec):
        return "duplicate"  # decided before the suppression: sent, held or sending
    mailbox.note_suppressed(rec, stopped)
    return f"suppressed:{stopped}"  # type: ignore[return-value]


def _stopped(box: mailbox.Mailbox) -> suppression.Reason | None:
    """Why nothing may be sent to the person's address now (``domain.suppression``)."""
    entry = box.state.profile
    if entry is None:
        return None
    return suppression.reason(box.standing, entry.data.email, entry.occurred_at)


def _send(
    recs: list[Recommendation], profile: ProfileData, *, key: str, digest: bool, now: datetime
) -> str:
    """Render and send with SES; SES's message id."""
    lead = recs[0]
    preferences_url = setting("PREFERENCES_URL").format(
        tenant=lead.tenant, person_id=lead.person_id
    )
    # NextMove's own one-click link (RFC 8058), which it honours itself; the partner's
    # preferences page is the footer's second link.
    unsubscribe_url = unsubscribe.url_for(
        setting("UNSUBSCRIBE_URL"),
        unsubscribe.make_token(secrets.unsubscribe_key(), lead.tenant, lead.person_id),
    )
    rendered = email.render_many(
        recs,
        profile,
        preferences_url=preferences_url,
        unsubscribe_url=unsubscribe_url,
        digest=digest,
    )
    message = email.to_mime(
        rendered,
        sender=setting("SENDER_EMAIL"),
        to=profile.email,
        rec_id=key,
        unsubscribe_url=unsubscribe_url,
        date=now,
    )
    # Only SES's answer: a failure after SES took the email must not release the claims
    # (the retry would send it twice), so the callers count it once the claims are settled.
    return ses.send_raw(
        message,
        sender=setting("SENDER_EMAIL"),
        to=profile.email,
        tenant=lead.tenant,
        person_id=lead.person_id,
    )


def _digest_key(recs: list[Recommendation]) -> str:
    """The digest's Message-ID, derived from what it holds: a resend is the same message."""
    return str(uuid.uuid5(_DIGEST_NAMESPACE, ",".join(sorted(r.id for r in recs))))
