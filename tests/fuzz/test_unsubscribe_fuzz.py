"""Fuzzing GET and POST /unsubscribe/{token} with Hypothesis, through the local stack.

Each request takes a token one of several ways, as a person, a forger or a link
scanner would, and a method and body:

    valid          NextMove's key over a generated tenant and person
    forged         a key nobody holds, over the same
    other-tenant   a valid token's MAC under another tenant's payload
    mutated        a valid token with characters changed, cut, doubled or added
    text           any text at all, percent-encoded into the path

    GET, or POST with the one-click form, another form, JSON, multipart or bytes.

No answer may be a 5xx; only a valid token answers 2xx (a GET shows the page, a POST
with ``List-Unsubscribe=One-Click`` unsubscribes); every refused POST is a 4xx JSON body
whose ``error`` and ``message`` name the problem. After the run the SUPPRESSION rows are
exactly the people a valid one-click POST named, and the partner was told of each.

``make test`` sends NEXTMOVE_FUZZ_UNSUBSCRIBE_REQUESTS=60 (the default): tens of cases,
a few seconds.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nextmove import unsubscribe
from tests.support import table_items

REQUESTS = int(os.environ.get("NEXTMOVE_FUZZ_UNSUBSCRIBE_REQUESTS", "60"))
IDS = st.from_regex(r"\A[A-Za-z0-9._:@-]{1,40}\Z")
FORM = "application/x-www-form-urlencoded"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%"
BODIES = st.one_of(
    st.just((FORM, b"List-Unsubscribe=One-Click")),
    st.just(
        (
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n--B--\r\n",
        )
    ),
    st.tuples(
        st.sampled_from([FORM, "text/plain", "application/json", ""]), st.binary(max_size=80)
    ),
    st.tuples(
        st.just(FORM),
        st.sampled_from(
            [
                b"",
                b"List-Unsubscribe=one-click",
                b"List-Unsubscribe=",
                b"List-Unsubscribe=One-Click&x=%zz",
            ]
        ),
    ),
    st.tuples(st.just("multipart/form-data; boundary=B"), st.binary(max_size=80)),
)


@st.composite
def tokens(draw: Any, key: bytes) -> tuple[str, str, tuple[str, str] | None]:
    """(how it was made, the token, whose it truly is when valid)."""
    way = draw(st.sampled_from(["valid", "forged", "other-tenant", "mutated", "text"]))
    tenant, person = draw(IDS), draw(IDS)
    token = unsubscribe.make_token(key, tenant, person)
    if way == "valid":
        return way, token, (tenant, person)
    if way == "forged":
        return (
            way,
            unsubscribe.make_token(draw(st.binary(min_size=1, max_size=64)), tenant, person),
            None,
        )
    if way == "other-tenant":
        other = draw(IDS.filter(lambda t: t != tenant))
        mac = token.split(".")[1]
        return way, unsubscribe._b64(f"{other}/{person}".encode()) + "." + mac, None
    if way == "mutated":
        at = draw(st.integers(min_value=0, max_value=len(token) - 1))
        change = draw(st.sampled_from(["replace", "cut", "double", "add"]))
        char = draw(st.sampled_from(ALPHABET))
        mutated = {
            "replace": token[:at] + char + token[at + 1 :],
            "cut": token[:at],
            "double": token + token[at:],
            "add": token[:at] + char + token[at:],
        }[change]
        return way, mutated, ((tenant, person) if mutated == token else None)
    return way, draw(st.text(max_size=60)), None


def test_fuzzed_unsubscribe_requests_change_only_what_a_valid_one_click_asks(stack):
    key = (
        stack.client("secretsmanager")
        .get_secret_value(SecretId=stack.resolve.refs["UnsubscribeSecret"])["SecretString"]
        .encode()
    )
    unsubscribed: set[tuple[str, str]] = set()

    @settings(
        max_examples=REQUESTS, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(made=tokens(key), method=st.sampled_from(["GET", "POST"]), form=BODIES)
    def send(
        made: tuple[str, str, tuple[str, str] | None], method: str, form: tuple[str, bytes]
    ) -> None:
        way, token, whose = made
        content_type, body = form
        headers = {"content-type": content_type} if content_type else {}
        answer = stack.call(method, f"/unsubscribe/{quote(token, safe='')}", headers, body)
        assert answer.status < 500, (way, token, answer)
        if not token:  # no path parameter: API Gateway's own 404 for a route that does not fit
            assert answer.status == 404
            return
        one_click = unsubscribe.is_one_click(body, content_type)
        if whose is not None and (method == "GET" or one_click):
            assert answer.status == 200, (way, token, answer)
            if method == "POST":
                unsubscribed.add(whose)
            return
        assert 400 <= answer.status < 500, (way, token, method, answer)
        if method == "POST":
            assert answer.headers["content-type"] == "application/json"
            refused = json.loads(answer.body)
            assert refused["error"] in {"malformed_token", "bad_signature", "not_one_click"}
            assert refused["message"].strip()
            assert (refused["error"] == "not_one_click") == (whose is not None)

    send()
    stack.drain()
    rows = {
        tuple(item["pk"]["S"].split("#", 1))
        for item in table_items(stack)
        if item["sk"]["S"] == "SUPPRESSION"
    }
    assert rows == unsubscribed
    told = {(n.body["tenant"], n.body["person_id"]) for n in stack.notices}
    assert told == unsubscribed
    assert not any(stack.queue_depths().values()), stack.queue_depths()
