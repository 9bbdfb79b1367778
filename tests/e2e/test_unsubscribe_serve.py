"""Against a running `nextmove serve` (its HTTP server and pump, in a thread on a free
port), as a person's mail client meets it: the email's List-Unsubscribe link points at
serve, POSTing List-Unsubscribe=One-Click to it answers 200, and the person's next
emailable event sends nothing, even after `nextmove digest`."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest

from nextmove_local.cli import DIGEST_PATH, serving
from nextmove_local.lambda_events import signed_headers
from tests.support import load_event, table_items

NOON = datetime.fromisoformat("2026-05-06T12:00:00-05:00")


@pytest.fixture
def served(stack) -> Iterator[str]:
    server, stop = serving(stack, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    stop.set()
    server.shutdown()
    server.server_close()


def request(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    method = "GET" if body is None else "POST"
    call = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def send(stack, base: str, document: dict[str, Any], at: datetime) -> None:
    """`nextmove send`: one event, signed as the local partner, at ``at``."""
    stack.travel_to(at)  # the functions' calendar; the signature keeps the real clock
    body = json.dumps({**document, "occurred_at": at.isoformat()}).encode()
    status, answer = request(
        f"{base}/events", body, signed_headers(body, secret=stack.secret, tenant=stack.tenant)
    )
    assert status == 202, answer


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"serve never got to: {what}"
        time.sleep(0.05)


def statuses(stack) -> list[str]:
    return [i["status"]["S"] for i in table_items(stack) if i["sk"]["S"].startswith("EMAIL#")]


def test_one_click_against_serve_stops_the_next_email_even_after_the_digest(stack, served):
    profile = load_event("profile_updated")
    profile["data"]["time_zone"] = "America/Chicago"
    send(stack, served, profile, NOON)
    win = load_event("success_recorded")
    send(stack, served, {**win, "id": "evt-win-1"}, NOON + timedelta(minutes=5))
    wait_for(lambda: len(stack.sent) == 1, "the first email")

    message = message_from_bytes(stack.sent[0].eml.read_bytes(), policy=policy.default)
    [url] = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
    assert url.startswith(f"{served}/unsubscribe/")  # serve's own URL, as configured

    status, page = request(url)  # what a link scanner or the person's browser does first
    assert status == 200 and ">Unsubscribe</button>" in page
    status, answer = request(
        url, b"List-Unsubscribe=One-Click", {"content-type": "application/x-www-form-urlencoded"}
    )
    assert (status, json.loads(answer)) == (200, {"status": "unsubscribed"})

    send(stack, served, {**win, "id": "evt-win-2"}, NOON + timedelta(hours=1))
    wait_for(lambda: "suppressed:unsubscribed" in statuses(stack), "the suppressed email")
    later = (NOON + timedelta(days=8)).isoformat()
    status, answer = request(f"{served}{DIGEST_PATH}", json.dumps({"now": later}).encode())
    assert (status, json.loads(answer)) == (200, {"emails_sent": 0})
    assert len(stack.sent) == 1
    assert [n.attributes["message_type"] for n in stack.notices] == ["email.unsubscribed"]


def test_serve_refuses_a_forged_link_with_a_json_reason(stack, served):
    status, answer = request(
        f"{served}/unsubscribe/ZGVtby1wYXJ0bmVyL3AtYW5h.AAAAAAAAAAAAAAAAAAAAAA",
        b"List-Unsubscribe=One-Click",
        {"content-type": "application/x-www-form-urlencoded"},
    )
    assert status == 403 and json.loads(answer)["error"] == "bad_signature"
    assert request(f"{served}/unsubscribe/")[0] == 404
