"""Properties of what the webhook admits, over generated input.

Whatever arrives, ``intake.admit`` either admits an event or raises ``Rejected`` with a
4xx listed in ``REFUSALS`` and a message; it never raises anything else. Every event that
fits the published contract (generated from events/openapi.yaml) is admitted and survives
the trip to the bus and back unchanged.
"""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from nextmove.contracts import BusDetail, InboundEvent
from nextmove.intake import MAX_BODY_BYTES, REFUSALS, Rejected, admit
from nextmove.signing import sign
from tests.support import EVENTS

SECRET = "whsec_c2FtcGxlLXNlY3JldC1kby1ub3QtdXNlLTAwMDE="
TENANT = "acme"
NOW = 1_780_000_000
# `make check` (the edit loop) runs a fifth of the examples; `make test` runs them all.
SCALE = float(os.environ.get("NEXTMOVE_EXAMPLES_SCALE", "1"))
OPERATION = schemathesis.openapi.from_path(str(EVENTS / "openapi.yaml"))["/events"]["POST"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)
# Envelopes with the right keys and anything in them reach deeper than random objects.
envelopes = st.fixed_dictionaries(
    {
        "id": json_values,
        "type": st.sampled_from(["offer.received", "goal.updated", "nope"]) | json_values,
        "occurred_at": st.sampled_from(["2026-05-06T14:00:00Z", "2026-05-06"]) | json_values,
        "person_id": json_values,
        "data": json_values,
    },
    optional={"schema_version": json_values, "tenant": json_values},
)


def _secrets_of(tenant: str) -> list[str]:
    return [SECRET] if tenant == TENANT else []


def _signed(body: bytes) -> dict[str, str]:
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(NOW),
        "webhook-signature": sign(SECRET, "msg_1", NOW, body),
        "nextmove-tenant": TENANT,
    }


def _admit_or_refuse(headers: dict[str, str], body: bytes, allowed: set[int]) -> object:
    try:
        return admit(headers, body, _secrets_of, now=NOW)
    except Rejected as rejected:
        assert rejected.status in allowed
        assert REFUSALS[rejected.error][0] == rejected.status
        assert rejected.message.strip()
        assert json.loads(json.dumps(rejected.body()))["error"] == rejected.error
        return rejected


@settings(max_examples=round(300 * SCALE), suppress_health_check=[HealthCheck.too_slow])
@given(document=json_values | envelopes)
def test_signed_arbitrary_json_is_admitted_or_refused_by_name(document):
    body = json.dumps(document).encode()
    outcome = _admit_or_refuse(_signed(body), body, {400, 413, 422})
    if isinstance(outcome, Rejected) and outcome.error == "invalid_event":
        assert outcome.details and all(d["field"] and d["problem"] for d in outcome.details)


@settings(max_examples=round(300 * SCALE))
@given(
    body=st.binary(max_size=256) | st.just(b"{}" + b" " * MAX_BODY_BYTES),
    headers=st.dictionaries(
        st.sampled_from(
            ["webhook-id", "webhook-timestamp", "webhook-signature", "nextmove-tenant", "x"]
        ),
        st.text(max_size=40) | st.sampled_from([TENANT, str(NOW), "v1,AAAA"]),
    ),
    sign_it=st.booleans(),
)
def test_any_bytes_and_headers_never_crash_intake(body, headers, sign_it):
    headers = {**headers, **_signed(body)} if sign_it else headers
    outcome = _admit_or_refuse(headers, body, {400, 401, 413, 422})
    if not sign_it:
        assert isinstance(outcome, Rejected)  # nothing unsigned gets in


@settings(max_examples=round(200 * SCALE), suppress_health_check=list(HealthCheck), deadline=None)
@given(case=OPERATION.as_strategy(GenerationMode.POSITIVE))
def test_every_event_the_spec_allows_is_admitted_and_round_trips(case):
    body = json.dumps(case.body).encode()
    admitted = admit(_signed(body), body, _secrets_of, now=NOW)
    assert admitted.tenant == TENANT
    event = admitted.event
    assert event.id == case.body["id"] and event.person_id == case.body["person_id"]
    # Through the bus as JSON and back: the same event, and the same JSON again.
    travelled = BusDetail[InboundEvent].model_validate_json(admitted.model_dump_json())
    assert travelled == admitted
    assert travelled.model_dump_json() == admitted.model_dump_json()
    # And what a partner would resend from our own serialisation is admitted too.
    again = admitted.event.model_dump_json().encode()
    assert admit(_signed(again), again, _secrets_of, now=NOW).event == event
