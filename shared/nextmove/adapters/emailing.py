"""Deliver one recommendation by email, at most once, as the person asked.

Order matters: preferences first (a suppressed email costs no claim), then a claim on
the recommendation id (a redelivered message finds it and stops), then the send; a
failed send releases the claim so the queue's retry can send it.
"""

from __future__ import annotations

from typing import Literal

from nextmove import email
from nextmove.adapters import mailer, store
from nextmove.adapters.aws import setting
from nextmove.contracts import Recommendation

Outcome = Literal["sent", "duplicate", "suppressed:no_profile", "suppressed:preferences"]


def deliver(rec: Recommendation) -> Outcome:
    state, _ = store.load_state(rec.tenant, rec.person_id)
    if state.profile is None:
        return "suppressed:no_profile"
    profile = state.profile.data
    if not email.wants_email(rec.kind, profile.notifications):
        return "suppressed:preferences"
    if not store.claim_email(rec):
        return "duplicate"
    preferences_url = setting("PREFERENCES_URL").format(tenant=rec.tenant, person_id=rec.person_id)
    rendered = email.render(rec, profile, preferences_url=preferences_url)
    message = email.to_mime(
        rendered,
        sender=setting("SENDER_EMAIL"),
        to=profile.email,
        rec_id=rec.id,
        unsubscribe_url=preferences_url,
    )
    try:
        message_id = mailer.send_raw(message, sender=setting("SENDER_EMAIL"), to=profile.email)
    except Exception:
        store.release_email(rec)
        raise
    store.settle_email(rec, status="sent", message_id=message_id)
    return "sent"
