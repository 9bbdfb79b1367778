"""The unsubscribe link's token and request (``nextmove.unsubscribe``): only NextMove's
key makes a token that reads back, and only as the person it was made for."""

from __future__ import annotations

import hmac
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextmove import unsubscribe
from nextmove.unsubscribe import BadToken, Subscriber, is_one_click, make_token, read_token

KEY = b"k" * 64
IDS = st.from_regex(r"\A[A-Za-z0-9._:@-]{1,128}\Z")


def refused(token: str, key: bytes = KEY) -> str:
    with pytest.raises(BadToken) as caught:
        read_token(key, token)
    assert caught.value.message  # a reason to show the caller
    return caught.value.error


@settings(max_examples=50, deadline=None)
@given(tenant=IDS, person=IDS)
def test_a_token_reads_back_as_its_person_and_is_url_safe(tenant, person):
    token = make_token(KEY, tenant, person)
    assert read_token(KEY, token) == Subscriber(tenant, person)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}", token)  # a 128-bit MAC
    assert len(token) <= unsubscribe.MAX_TOKEN


def test_the_same_person_always_gets_the_same_token_and_others_another():
    assert make_token(KEY, "acme", "p-1") == make_token(KEY, "acme", "p-1")
    assert make_token(KEY, "acme", "p-1") != make_token(KEY, "acme", "p-2")
    assert make_token(KEY, "acme", "p-1") != make_token(KEY, "globex", "p-1")


def test_a_token_made_with_another_key_is_forged():
    assert refused(make_token(b"someone else's key", "acme", "p-1")) == "bad_signature"


def test_another_tenants_person_cannot_be_named_with_a_valid_mac():
    _, mac = make_token(KEY, "acme", "p-1").split(".")
    moved = unsubscribe._b64(b"globex/p-1")
    assert refused(f"{moved}.{mac}") == "bad_signature"


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0), character=st.sampled_from("AQgw_-09"))
def test_any_changed_character_is_refused(position, character):
    token = make_token(KEY, "acme", "p-1")
    index = position % len(token)
    if token[index] in (character, "."):
        return
    tampered = token[:index] + character + token[index + 1 :]
    assert refused(tampered) in {"bad_signature", "malformed_token"}


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=1))
def test_a_truncated_token_is_refused(cut):
    token = make_token(KEY, "acme", "p-1")
    assert refused(token[: -(cut % len(token)) or -1]) in {"malformed_token", "bad_signature"}


@pytest.mark.parametrize(
    "token",
    ["", ".", "abc", "a.b.c", "YWNtZS9wLTE=.AAAAAAAAAAAAAAAAAAAAAA", "YWNtZS9wLTE.!!!!", "x" * 500],
)
def test_tokens_not_shaped_like_one_are_malformed(token):
    assert refused(token) == "malformed_token"


def test_padding_or_non_canonical_base64_is_refused():
    token = make_token(KEY, "acme", "p-1")
    payload, mac = token.split(".")
    assert refused(f"{payload}.{mac}==") == "malformed_token"
    # The last character of a 16-byte MAC carries 4 unused bits: setting them would make
    # a second spelling of the same token.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    other = alphabet[alphabet.index(mac[-1]) ^ 1]
    assert refused(f"{payload}.{mac[:-1]}{other}") == "malformed_token"


def test_the_mac_is_compared_in_constant_time(monkeypatch):
    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(unsubscribe.hmac, "compare_digest", spy)
    token = make_token(KEY, "acme", "p-1")
    read_token(KEY, token)
    refused(make_token(b"other", "acme", "p-1"))
    assert len(compared) == 2


@pytest.mark.parametrize("bad", ["", "a/b", "a b", "x" * 129])
def test_no_token_for_an_id_that_is_not_an_identifier(bad):
    with pytest.raises(ValueError):
        make_token(KEY, bad, "p-1")
    with pytest.raises(ValueError):
        make_token(KEY, "acme", bad)


@pytest.mark.parametrize(
    ("body", "content_type", "one_click"),
    [
        (b"List-Unsubscribe=One-Click", "application/x-www-form-urlencoded", True),
        (b"List-Unsubscribe=One-Click", "", True),
        (b"List-Unsubscribe=One-Click", "application/x-www-form-urlencoded; charset=utf-8", True),
        (b"List-Unsubscribe=one-click", "application/x-www-form-urlencoded", False),
        (b"List-Unsubscribe=One-Click&List-Unsubscribe=No", "", False),
        (b"", "application/x-www-form-urlencoded", False),
        (b"\xff\xfe", "application/x-www-form-urlencoded", False),
        (
            b'--B\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n--B--\r\n",
            "multipart/form-data; boundary=B",
            True,
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="other"\r\n\r\nOne-Click\r\n--B--\r\n',
            "multipart/form-data; boundary=B",
            False,
        ),
        (b"garbage", "multipart/form-data; boundary=B", False),
    ],
)
def test_the_one_click_body_as_mail_clients_send_it(body, content_type, one_click):
    assert is_one_click(body, content_type) is one_click


def test_the_url_template_takes_the_token():
    assert (
        unsubscribe.url_for("https://x.example/unsubscribe/{token}", "a.b")
        == "https://x.example/unsubscribe/a.b"
    )
    with pytest.raises(ValueError):
        unsubscribe.url_for("https://x.example/unsubscribe", "a.b")


def test_the_confirmation_page_posts_the_one_click_form_to_itself():
    page = unsubscribe.confirmation_page()
    assert '<form method="post">' in page and "action=" not in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page


def test_the_api_gateway_sample_is_a_one_click_post_for_the_demo_person():
    from tests.support import EVENTS

    event = json.loads((EVENTS / "api_gateway" / "post_unsubscribe.json").read_text())
    token = event["pathParameters"]["token"]
    assert event["routeKey"] == "POST /unsubscribe/{token}"
    assert event["rawPath"] == f"/unsubscribe/{token}"
    # Signed with this key, for `sam local invoke` against a secret holding it.
    assert read_token(b"sample-key-do-not-use", token) == Subscriber("demo-partner", "p-ana")
    assert is_one_click(event["body"].encode(), event["headers"]["content-type"])
