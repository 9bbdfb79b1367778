"""One-click unsubscribe (RFC 8058), through the local stack as a person and a partner
meet it: the link in a sent email's ``List-Unsubscribe`` header, a POST of
``List-Unsubscribe=One-Click`` to it, the emails that then do not go out (now or from
the digest), the page a GET shows, the note the partner gets, and links that are not
NextMove's."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest

from nextmove import unsubscribe
from nextmove.adapters import suppressions
from tests.integration.test_email_feedback import email_rows, post, profile
from tests.support import load_event, table_items

NOON = datetime.fromisoformat("2026-05-06T12:00:00-05:00")
ADDRESS = "ana.souza@example.com"
PERSON = "p-sam"  # the sample events' person
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def win(stack, n: int, *, at: datetime) -> None:
    """A major success: an urgent (timing) email, sent at once."""
    document = load_event("success_recorded")
    document["id"] = f"evt-win-{n}"
    post(stack, document, at=at)


def link(sent) -> str:
    """The URL in the email's List-Unsubscribe header (RFC 2369: in angle brackets)."""
    message = message_from_bytes(sent.eml.read_bytes(), policy=policy.default)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [url] = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
    return url


def path(url: str) -> str:
    return urlsplit(url).path


def first_email_link(stack) -> str:
    profile(stack, ADDRESS, at=NOON)
    win(stack, 1, at=NOON + timedelta(minutes=5))
    [sent] = stack.sent
    return link(sent)


def standing(stack):
    return suppressions.load(stack.tenant, PERSON)[0]


def test_the_email_links_to_nextmoves_own_one_click_url_in_header_and_footer(stack):
    url = first_email_link(stack)
    assert url.startswith("https://") and "/unsubscribe/" in url
    message = message_from_bytes(stack.sent[0].eml.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert url in text.splitlines()  # the visible footer link, beside the partner's page
    assert "https://nextmove.example/preferences?" in text
    assert f'href="{url}"' in stack.sent[0].html.read_text()


def test_a_one_click_post_stops_the_next_email_and_the_digest_sends_nothing(stack):
    url = first_email_link(stack)
    answer = stack.call("POST", path(url), FORM, ONE_CLICK)
    assert answer.status == 200, answer
    assert json.loads(answer.body) == {"status": "unsubscribed"}
    # An urgent email that would go at once, and a calm one held for the night (22:00 in
    # Chicago) that the digest would send in the morning: neither goes.
    win(stack, 2, at=NOON + timedelta(hours=1))
    goal = load_event("goal_updated")
    post(stack, goal, at=NOON + timedelta(hours=10))
    stack.flush(NOON + timedelta(hours=10))
    assert len(stack.sent) == 1
    rows = email_rows(stack)
    assert list(rows.values()).count("sent") == 1
    assert list(rows.values()).count("suppressed:unsubscribed") >= 2, rows
    assert not any(k.startswith("DIGEST#") for k in (i["sk"]["S"] for i in table_items(stack)))


def test_a_second_click_is_harmless(stack):
    url = first_email_link(stack)
    for _ in range(2):
        assert stack.call("POST", path(url), FORM, ONE_CLICK).status == 200
    assert standing(stack).unsubscribed_at is not None
    win(stack, 2, at=NOON + timedelta(hours=1))
    assert len(stack.sent) == 1


def test_multipart_form_data_is_a_one_click_post_too(stack):
    # RFC 8058 lets the mail client send the form as multipart/form-data.
    url = first_email_link(stack)
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n--b0undary--\r\n"
    )
    headers = {"content-type": "multipart/form-data; boundary=b0undary"}
    assert stack.call("POST", path(url), headers, body).status == 200
    assert standing(stack).unsubscribed_at is not None


def test_a_get_shows_the_button_and_changes_nothing(stack):
    url = first_email_link(stack)
    before = table_items(stack)
    answer = stack.call("GET", path(url), {"accept": "text/html"})
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    page = answer.body
    assert '<form method="post">' in page  # posts back to the same URL
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page
    assert ">Unsubscribe</button>" in page
    assert table_items(stack) == before
    assert stack.notices == []
    win(stack, 2, at=NOON + timedelta(hours=1))
    assert len(stack.sent) == 2  # still subscribed


def test_the_pages_button_unsubscribes_and_says_so(stack):
    # What the browser sends when the person presses the button on the GET's page.
    url = first_email_link(stack)
    answer = stack.call("POST", path(url), {**FORM, "accept": "text/html,*/*"}, ONE_CLICK)
    assert answer.status == 200
    assert "You are unsubscribed" in answer.body
    assert standing(stack).unsubscribed_at is not None


def test_a_newer_profile_with_email_on_subscribes_again(stack):
    url = first_email_link(stack)
    assert stack.call("POST", path(url), FORM, ONE_CLICK).status == 200
    win(stack, 2, at=NOON + timedelta(hours=1))
    assert len(stack.sent) == 1
    # The partner's preferences page turns email back on: a newer profile.updated.
    profile(stack, ADDRESS, at=NOON + timedelta(hours=2), event_id="evt-profile-again")
    win(stack, 3, at=NOON + timedelta(hours=3))
    assert len(stack.sent) == 2


def test_the_partner_is_told_on_the_topic_and_the_notifier_never_sees_it(stack, monkeypatch):
    notifier = stack.functions["NotifierFunction"]
    seen: list[dict] = []
    invoke = notifier.invoke

    def spy(event):
        seen.extend(event.get("Records", []))
        return invoke(event)

    monkeypatch.setattr(notifier, "invoke", spy)
    url = first_email_link(stack)
    seen.clear()
    assert stack.call("POST", path(url), FORM, ONE_CLICK).status == 200
    stack.drain()
    [notice] = stack.notices
    assert notice.attributes == {"message_type": "email.unsubscribed", "tenant": stack.tenant}
    assert notice.body["type"] == "email.unsubscribed"
    assert (notice.body["tenant"], notice.body["person_id"]) == (stack.tenant, PERSON)
    assert datetime.fromisoformat(notice.body["at"]) == standing(stack).unsubscribed_at
    assert seen == []  # the email queue's filter (on kind) kept it from the notifier
    assert not any(stack.queue_depths().values()), stack.queue_depths()


def _forged(stack, url: str) -> dict[str, str]:
    token = path(url).rsplit("/", 1)[1]
    payload, mac = token.split(".")
    other = unsubscribe.make_token(b"a key nobody was given", stack.tenant, PERSON)
    # Another tenant's person, with this token's MAC: the tenant is inside what is signed.
    moved = unsubscribe._b64(f"other-partner/{PERSON}".encode()) + "." + mac
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    return {
        "forged": other,
        "other-tenant": moved,
        "tampered": f"{payload}.{flipped}",
        "truncated": token[:-3],
        "no-mac": payload,
        "empty-mac": f"{payload}.",
        "padded": f"{token}==",
    }


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("forged", 403, "bad_signature"),
        ("other-tenant", 403, "bad_signature"),
        ("tampered", 403, "bad_signature"),
        ("truncated", 400, "malformed_token"),
        ("no-mac", 400, "malformed_token"),
        ("empty-mac", 400, "malformed_token"),
        ("padded", 400, "malformed_token"),
    ],
)
def test_a_link_nextmove_did_not_make_is_refused_and_changes_nothing(stack, kind, status, error):
    url = first_email_link(stack)
    before = table_items(stack)
    token = _forged(stack, url)[kind]
    answer = stack.call("POST", f"/unsubscribe/{token}", FORM, ONE_CLICK)
    assert answer.status == status
    assert answer.headers["content-type"] == "application/json"
    body = json.loads(answer.body)
    assert body["error"] == error and body["message"]
    page = stack.call("GET", f"/unsubscribe/{token}")
    assert page.status == status and "does not work" in page.body
    stack.drain()
    assert table_items(stack) == before
    assert stack.notices == []


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (FORM, b""),
        (FORM, b"List-Unsubscribe=Yes"),
        (FORM, b"unsubscribe=1"),
        ({"content-type": "application/json"}, b'{"List-Unsubscribe": "One-Click"}'),
        ({"content-type": "multipart/form-data; boundary=x"}, b"--x--\r\n"),
    ],
    ids=["empty", "other-value", "other-field", "json", "empty-multipart"],
)
def test_a_post_without_the_one_click_body_is_refused_and_changes_nothing(stack, headers, body):
    url = first_email_link(stack)
    answer = stack.call("POST", path(url), headers, body)
    assert answer.status == 400
    assert json.loads(answer.body)["error"] == "not_one_click"
    assert standing(stack).unsubscribed_at is None
    assert stack.notices == []


def test_the_digests_email_carries_the_link_too(stack):
    # Held for the night, sent by the digest: its List-Unsubscribe is the same kind of link.
    profile(stack, ADDRESS, at=NOON)
    post(stack, load_event("goal_updated"), at=NOON + timedelta(hours=10))
    assert stack.sent == []
    stack.flush(NOON + timedelta(hours=10))
    assert stack.sent
    url = link(stack.sent[0])
    assert stack.call("POST", path(url), FORM, ONE_CLICK).status == 200
    assert standing(stack).unsubscribed_at is not None


def test_a_base64_encoded_form_body_as_api_gateway_sends_it(stack):
    # HTTP APIs hand a form body to the function base64-encoded (isBase64Encoded).
    import base64

    from nextmove_local.lambda_events import http_api_event

    url = first_email_link(stack)
    token = path(url).rsplit("/", 1)[1]
    event = http_api_event(
        "POST",
        path(url),
        FORM,
        ONE_CLICK,
        route="/unsubscribe/{token}",
        parameters={"token": token},
    )
    event["body"], event["isBase64Encoded"] = base64.b64encode(ONE_CLICK).decode(), True
    answer = stack.functions["UnsubscribeFunction"].invoke(event)
    assert answer["statusCode"] == 200, answer
    assert standing(stack).unsubscribed_at is not None


def _without(stack, monkeypatch, *actions: str) -> None:
    """The unsubscribe function's role without the statements granting ``actions``, as
    a policy change would leave it: AWS refuses those calls (the local stack's IAM)."""
    role = next(r for r in stack.authorizer.roles.values() if r.function == "UnsubscribeFunction")
    monkeypatch.setattr(
        role,
        "grants",
        [g for g in role.grants if not set(actions) & set(_actions(g.statement))],
    )


def _actions(statement: dict) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def test_a_notice_the_topic_refuses_is_parked_and_redriven_to_the_partner(stack, monkeypatch):
    """The person's click is not retried by their mail provider: the unsubscribe takes
    effect and answers 200 though SNS refuses the partner's notice, which waits in
    UnsubscribeNoticeDLQ until a redrive publishes it, once."""
    from nextmove_local.redrive import Pipeline, redrive_all

    url = first_email_link(stack)
    with monkeypatch.context() as faults:
        _without(stack, faults, "sns:Publish")
        assert stack.call("POST", path(url), FORM, ONE_CLICK).status == 200
    stack.drain()
    assert standing(stack).unsubscribed_at is not None
    assert stack.notices == []
    assert stack.queue_depths()["UnsubscribeNoticeDLQ"] == 1
    win(stack, 2, at=NOON + timedelta(hours=2))
    assert len(stack.sent) == 1  # stopped all the same
    result = redrive_all(Pipeline.from_resources(stack.resolve.refs))
    assert result.redriven["UnsubscribeNoticeDLQ"] == 1
    stack.drain()
    [notice] = stack.notices
    assert notice.attributes == {"message_type": "email.unsubscribed", "tenant": stack.tenant}
    assert (notice.body["tenant"], notice.body["person_id"]) == (stack.tenant, PERSON)
    assert datetime.fromisoformat(notice.body["at"]) == standing(stack).unsubscribed_at
    assert not any(stack.queue_depths().values()), stack.queue_depths()


def test_when_the_notice_cannot_be_parked_either_the_click_fails_but_still_counts(
    stack, monkeypatch
):
    url = first_email_link(stack)
    with monkeypatch.context() as faults:
        _without(stack, faults, "sns:Publish", "sqs:SendMessage")
        answer = stack.call("POST", path(url), FORM, ONE_CLICK)
    assert answer.status == 500  # what API Gateway answers when the function raises
    assert standing(stack).unsubscribed_at is not None
    assert stack.queue_depths()["UnsubscribeNoticeDLQ"] == 0
    win(stack, 2, at=NOON + timedelta(hours=2))
    assert len(stack.sent) == 1
