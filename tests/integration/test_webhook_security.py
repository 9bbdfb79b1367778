"""The webhook against a replayer, a partner naming another partner's person, and a
secret rotation; and which rows the table lets expire."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from types import SimpleNamespace

from nextmove import signing
from nextmove.adapters import secrets as secret_cache
from nextmove.adapters.mailbox import EMAIL_KEEP_SECONDS
from tests.support import load_event, table_items

OTHER = "other-partner"
OTHER_SECRET = "whsec_" + base64.b64encode(b"the-other-partners-secret-0001").decode()
NEW_SECRET = "whsec_" + base64.b64encode(b"the-demo-partners-next-secret-1").decode()


def _body(name: str, **changes) -> bytes:
    return json.dumps({**load_event(name), **changes}).encode()


def _set_secrets(stack, secrets: dict[str, list[str]]) -> None:
    """What an operator does in the console: edit the one secret's JSON."""
    stack.client("secretsmanager").put_secret_value(
        SecretId=stack.resolve.refs["WebhookSecrets"], SecretString=json.dumps(secrets)
    )


def _partition(stack, pk: str) -> list[dict]:
    return sorted((i for i in table_items(stack) if i["pk"]["S"] == pk), key=lambda i: i["sk"]["S"])


def test_a_captured_request_replayed_after_the_tolerance_is_refused(stack, monkeypatch):
    body = _body("offer_received")
    captured = stack.signed_headers(body)
    assert stack.post(body, captured)[0] == 202
    # Within the 5 minutes a replay is a redelivery: accepted, and it changes nothing.
    assert stack.post(body, captured)[0] == 202
    stack.drain()
    kept = table_items(stack)

    later = time.time() + signing.TOLERANCE_SECONDS + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    status, answer = stack.post(body, captured)
    assert (status, answer["error"]) == (401, "bad_signature")
    assert "5 minutes" in answer["message"]
    stack.drain()
    assert table_items(stack) == kept


def test_a_partner_naming_another_partners_person_writes_only_its_own_partition(stack):
    _set_secrets(stack, {stack.tenant: [stack.secret], OTHER: [OTHER_SECRET]})
    secret_cache.forget()
    profile = _body("profile_updated")
    assert stack.post(profile, stack.signed_headers(profile))[0] == 202
    stack.drain()
    person = load_event("profile_updated")["person_id"]
    theirs = _partition(stack, f"{stack.tenant}#{person}")
    published = len(stack.published)

    # Same person id, same event id, signed by the other partner: a different person.
    goal = _body("goal_updated", id="evt-sam-0001")
    assert stack.post(goal, stack.signed_headers(goal, secret=OTHER_SECRET, tenant=OTHER))[0] == 202
    # A body cannot pick the partition: naming a tenant in it is refused.
    claimed = _body("goal_updated", tenant=stack.tenant)
    status, answer = stack.post(
        claimed, stack.signed_headers(claimed, secret=OTHER_SECRET, tenant=OTHER)
    )
    assert (status, answer["error"]) == (400, "invalid_event")
    assert {d["field"] for d in answer["details"]} == {"tenant"}
    stack.drain()

    assert _partition(stack, f"{stack.tenant}#{person}") == theirs
    mine = {i["sk"]["S"] for i in _partition(stack, f"{OTHER}#{person}")}
    assert {"STATE", "EVENT#evt-sam-0001"} <= mine
    assert {r["tenant"] for r in stack.published[published:]} == {OTHER}
    # The other partner's person has no profile here, so no email goes to the first's.
    assert all(s.to != "sam.lee@example.com" for s in stack.sent)


def test_a_rotation_accepts_both_secrets_then_refuses_the_retired_one(stack):
    old = stack.secret

    def post(event_id: str, secret: str):
        body = _body("feelings_checked_in", id=event_id)
        return stack.post(body, stack.signed_headers(body, secret=secret))

    _set_secrets(stack, {stack.tenant: [old, NEW_SECRET]})
    secret_cache.forget()  # what the 5-minute cache expiring does on Lambda
    assert post("evt-rotation-1", old)[0] == 202
    assert post("evt-rotation-2", NEW_SECRET)[0] == 202

    _set_secrets(stack, {stack.tenant: [NEW_SECRET]})
    secret_cache.forget()
    status, answer = post("evt-rotation-3", old)
    assert (status, answer["error"]) == (401, "bad_signature")
    assert post("evt-rotation-4", NEW_SECRET)[0] == 202
    stack.drain()
    events = {i["sk"]["S"] for i in table_items(stack) if i["sk"]["S"].startswith("EVENT#")}
    assert events == {"EVENT#evt-rotation-1", "EVENT#evt-rotation-2", "EVENT#evt-rotation-4"}


def test_only_the_email_claims_expire(stack):
    # A weekday morning in the person's time zone: emails go out at once, not held.
    stack.travel_to(datetime(2026, 5, 6, 17, 0, tzinfo=UTC))
    for name in ("profile_updated", "offer_received"):
        body = _body(name)
        assert stack.post(body, stack.signed_headers(body))[0] == 202
        stack.drain()
    items = table_items(stack)
    emails = [i for i in items if i["sk"]["S"].startswith("EMAIL#")]
    assert emails and stack.sent
    written = datetime(2026, 5, 6, 17, 0, tzinfo=UTC).timestamp()  # the functions' clock
    for item in emails:
        expires = int(item["expires_at"]["N"])
        assert written + EMAIL_KEEP_SECONDS - 3600 < expires <= written + EMAIL_KEEP_SECONDS
    lasting = [i for i in items if i["sk"]["S"].split("#")[0] in {"STATE", "EVENT", "REC"}]
    assert lasting and not any("expires_at" in i for i in lasting)
