"""POST /events through the local stack: what partners get back, and what is kept.

Every refusal must answer 4xx with a JSON body that names the problem, and leave
nothing behind: no row in the table, nothing on the bus, nothing published.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.support import load_event, table_items

OFFER = json.dumps(load_event("offer_received")).encode()


def _assert_nothing_kept(stack):
    stack.drain()
    assert table_items(stack) == []
    assert stack.published == []
    assert stack.sent == []
    assert not any(stack.queue_depths().values())


def test_a_signed_valid_event_is_accepted_and_recorded(stack):
    status, body = stack.post(OFFER, stack.signed_headers(OFFER))
    assert (status, body) == (202, {"id": "evt-sam-0004", "status": "accepted"})
    stack.drain()
    assert any(item["sk"]["S"] == "EVENT#evt-sam-0004" for item in table_items(stack))


def _bad_requests(stack):
    signed = stack.signed_headers
    wrong_types = load_event("offer_received")
    wrong_types["data"]["package"]["base_salary"] = "lots"
    wrong_types["occurred_at"] = "yesterday"
    wrong_types_body = json.dumps(wrong_types).encode()
    unknown = json.dumps({**load_event("offer_received"), "type": "promotion.demanded"}).encode()
    huge = json.dumps({**load_event("offer_received"), "padding": "x" * 70_000}).encode()
    unsigned = {k: v for k, v in signed(OFFER).items() if k != "webhook-signature"}
    return {
        "no-signature": (OFFER, unsigned, 401, "bad_signature", "missing"),
        "bad-signature": (
            OFFER,
            signed(OFFER, secret="whsec_" + "A" * 32),
            401,
            "bad_signature",
            "no signature",
        ),
        "tampered-body": (OFFER + b" ", signed(OFFER), 401, "bad_signature", "no signature"),
        "stale": (
            OFFER,
            signed(OFFER, timestamp=int(time.time()) - 600),
            401,
            "bad_signature",
            "5 minutes",
        ),
        "unknown-tenant": (
            OFFER,
            signed(OFFER, tenant="stranger"),
            401,
            "unknown_signer",
            "no known partner",
        ),
        "malformed-json": (b'{"id": ', signed(b'{"id": '), 400, "malformed_json", "not JSON"),
        "wrong-types": (
            wrong_types_body,
            signed(wrong_types_body),
            400,
            "invalid_event",
            "contract",
        ),
        "unknown-type": (unknown, signed(unknown), 422, "unknown_event_type", "promotion.demanded"),
        "oversized": (huge, signed(huge), 413, "payload_too_large", "limit"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no-signature",
        "bad-signature",
        "tampered-body",
        "stale",
        "unknown-tenant",
        "malformed-json",
        "wrong-types",
        "unknown-type",
        "oversized",
    ],
)
def test_bad_requests_get_a_named_4xx_and_change_nothing(stack, case):
    body, headers, expected_status, expected_error, words = _bad_requests(stack)[case]
    status, answer = stack.post(body, headers)
    assert status == expected_status
    assert answer["error"] == expected_error
    assert words in answer["message"]
    _assert_nothing_kept(stack)


def test_a_wrongly_typed_event_names_each_bad_field(stack):
    body, headers, *_ = _bad_requests(stack)["wrong-types"]
    _, answer = stack.post(body, headers)
    assert {d["field"] for d in answer["details"]} == {"occurred_at", "data.package.base_salary"}
    assert "lots" not in json.dumps(answer)  # the submitted value is not echoed back


def test_the_bus_refusing_the_event_is_a_503_the_partner_retries(stack, monkeypatch):
    monkeypatch.setitem(stack.functions["WebhookFunction"].environment, "BUS_NAME", "no-such-bus")
    status, answer = stack.post(OFFER, stack.signed_headers(OFFER))
    assert status == 503
    assert answer["error"] == "unavailable"
    _assert_nothing_kept(stack)


@pytest.mark.parametrize("code", ["99-9999", "29-1141.99", "291141", "29-1141.3"])
def test_an_unknown_or_malformed_occupation_code_is_a_400_naming_the_field(stack, code):
    offer = load_event("offer_received")
    offer["data"]["occupation_code"] = code
    body = json.dumps(offer).encode()
    status, answer = stack.post(body, stack.signed_headers(body))
    assert (status, answer["error"]) == (400, "invalid_event")
    assert [d["field"] for d in answer["details"]] == ["data.occupation_code"]
    _assert_nothing_kept(stack)


def test_a_partners_occupation_code_is_accepted_and_kept(stack):
    offer = load_event("offer_received")
    offer["data"]["occupation_code"] = "11-3021.00"
    body = json.dumps(offer).encode()
    status, _ = stack.post(body, stack.signed_headers(body))
    assert status == 202
    stack.drain()
    fact = next(i for i in table_items(stack) if i["sk"]["S"] == f"EVENT#{offer['id']}")
    assert json.loads(fact["body"]["S"])["data"]["occupation_code"] == "11-3021.00"
