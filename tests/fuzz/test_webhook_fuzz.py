"""Fuzzing POST /events with schemathesis, through the local stack.

Schemathesis generates requests from events/openapi.yaml: bodies that fit the event
union and bodies that break it, headers that fit and headers that do not. Each request
is then signed one of several ways, as a partner, a forger or a replayer would, so the
fuzzing reaches validation and the pipeline behind it, not only the 401:

    signed           the partner's secret over the exact bytes sent
    two-signatures   the partner's secret beside an unknown one, as during a rotation
    as-generated     the generated webhook-* and tenant headers, unsigned
    forged           signed with a secret nobody holds
    other-tenant     the partner's signature, naming another known partner
    stale            signed 5 minutes and more ago
    tampered         signed, then the body changed
    padded           signed, but over the 64 KiB limit
    retyped          signed, with the event's type renamed to one that does not exist

Every answer must conform to the spec (status, content type, JSON body), no answer may be
a 5xx, and every refusal is a 4xx whose ``error`` and ``message`` name the problem. After
the run the pipeline is drained: the EVENT# rows in the table must be exactly the events
that got a 202 (nothing refused was written, nothing accepted was lost) and no
dead-letter queue holds anything.

``make test`` sends NEXTMOVE_FUZZ_REQUESTS=500 (the default); ``make fuzz`` sends 10,000.
Each run leaves its counts in build/fuzz/report-<requests>.json.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nextmove.adapters import secrets as secret_cache
from nextmove.intake import MAX_BODY_BYTES, REFUSALS
from nextmove_local.lambda_events import signed_headers
from tests.support import EVENTS, ROOT, table_items

REQUESTS = int(os.environ.get("NEXTMOVE_FUZZ_REQUESTS", "500"))
REPORT = ROOT / "build" / "fuzz" / f"report-{REQUESTS}.json"
OPERATION = schemathesis.openapi.from_path(str(EVENTS / "openapi.yaml"))["/events"]["POST"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OTHER_TENANT = "other-partner"
OTHER_SECRET = "whsec_" + base64.b64encode(b"the-other-partners-secret-0001").decode()
NOBODYS_SECRET = "whsec_" + base64.b64encode(b"a-secret-nobody-was-given-0001").decode()
# Hypothesis favours the first choice: the signed requests, which reach validation.
SIGNINGS = [
    "signed",
    "two-signatures",
    "retyped",
    "as-generated",
    "forged",
    "other-tenant",
    "stale",
    "tampered",
    "padded",
]
CAN_BE_ACCEPTED = {"signed", "two-signatures"}


def webhook_app(stack: Any) -> Callable[..., Iterable[bytes]]:
    """A WSGI app in front of the stack's route, as API Gateway is in front of the
    function: an exception in the function is API Gateway's bare 500."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            status, answer = stack.post(body, headers, path=environ["PATH_INFO"])
        except Exception:
            status, answer = 500, {"message": "Internal Server Error"}
        payload = json.dumps(answer).encode()
        start_response(
            f"{status} -",
            [("content-type", "application/json"), ("content-length", str(len(payload)))],
        )
        return [payload]

    return app


def sign(stack: Any, body: bytes, signing: str) -> tuple[bytes, dict[str, str]]:
    """The bytes to send and the headers to put over the generated ones."""
    partner = {"secret": stack.secret, "tenant": stack.tenant}
    if signing == "signed":
        return body, signed_headers(body, **partner)
    if signing == "two-signatures":
        headers = signed_headers(body, **partner)
        forged = signed_headers(
            body,
            secret=NOBODYS_SECRET,
            tenant=stack.tenant,
            msg_id=headers["webhook-id"],
            timestamp=int(headers["webhook-timestamp"]),
        )
        headers["webhook-signature"] += " " + forged["webhook-signature"]
        return body, headers
    if signing == "as-generated":
        return body, {}
    if signing == "forged":
        return body, signed_headers(body, secret=NOBODYS_SECRET, tenant=stack.tenant)
    if signing == "other-tenant":
        return body, signed_headers(body, secret=stack.secret, tenant=OTHER_TENANT)
    if signing == "stale":
        return body, signed_headers(body, **partner, timestamp=int(time.time()) - 301)
    if signing == "tampered":
        return body + b" ", signed_headers(body, **partner)
    if signing == "retyped":
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict):
            document["type"] = f"renamed.{document.get('type')}"
            body = json.dumps(document).encode()
        return body, signed_headers(body, **partner)
    if signing == "padded":
        padded = body + b" " * (MAX_BODY_BYTES + 1 - len(body))
        return padded, signed_headers(padded, **partner)
    raise ValueError(signing)


def _serialize(body: Any) -> bytes:
    if isinstance(body, NotSet):
        return b""
    if isinstance(body, bytes):  # negative generation also sends raw bytes that are not JSON
        return body
    # UTF-8 as partners send it; a lone surrogate becomes bytes that are not UTF-8 at all.
    return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _first_messages(stack: Any, queues: dict[str, int]) -> dict[str, str]:
    """What a failing run parked, to start the diagnosis from."""
    sqs = stack.client("sqs")
    return {
        name: sqs.receive_message(QueueUrl=stack.resolve.refs[name])["Messages"][0]["Body"][:2000]
        for name in queues
    }


def _event_rows(stack: Any) -> set[tuple[str, str]]:
    return {
        (item["pk"]["S"], item["sk"]["S"])
        for item in table_items(stack)
        if item["sk"]["S"].startswith("EVENT#")
    }


def test_fuzzed_requests_are_answered_by_the_spec_and_only_accepted_events_are_kept(stack):
    client = stack.client("secretsmanager")
    client.put_secret_value(
        SecretId=stack.resolve.refs["WebhookSecrets"],
        SecretString=json.dumps({stack.tenant: [stack.secret], OTHER_TENANT: [OTHER_SECRET]}),
    )
    secret_cache.forget()
    app = webhook_app(stack)
    accepted: set[tuple[str, str]] = set()
    counts: Counter[str] = Counter()

    @settings(
        max_examples=REQUESTS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            OPERATION.as_strategy(GenerationMode.POSITIVE),
            OPERATION.as_strategy(GenerationMode.NEGATIVE),
        ),
        signing=st.sampled_from(SIGNINGS),
    )
    def send(case: Any, signing: str) -> None:
        body, headers = sign(stack, _serialize(case.body), signing)
        response = case.call(app=app, data=body, headers=headers)
        case.validate_response(response, checks=CHECKS)
        answer = response.json()
        counts["requests"] += 1
        counts[f"status {response.status_code}"] += 1
        counts[f"signing {signing}"] += 1
        if response.status_code == 202:
            assert signing in CAN_BE_ACCEPTED
            event = json.loads(body)
            accepted.add((f"{stack.tenant}#{event['person_id']}", f"EVENT#{event['id']}"))
            return
        assert 400 <= response.status_code < 500, answer
        counts[f"error {answer['error']}"] += 1
        assert REFUSALS[answer["error"]][0] == response.status_code
        assert answer["message"].strip()
        if answer["error"] == "invalid_event":
            assert answer["details"] and all(d["field"] and d["problem"] for d in answer["details"])

    started = time.monotonic()
    send()
    counts["seconds sending"] = round(time.monotonic() - started)
    stack.drain()
    counts["seconds draining"] = round(time.monotonic() - started) - counts["seconds sending"]

    rows = _event_rows(stack)
    counts["events accepted"] = len(accepted)
    counts["EVENT# rows"] = len(rows)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(dict(sorted(counts.items())), indent=2) + "\n")
    print(json.dumps(dict(sorted(counts.items())), indent=2))

    parked = {name: n for name, n in stack.queue_depths().items() if n and "DLQ" in name}
    assert not parked, (parked, _first_messages(stack, parked))
    assert rows == accepted
    assert counts["requests"] >= REQUESTS
    # The run must have reached every kind of answer, or it proved less than it claims.
    assert {counts[f"status {s}"] > 0 for s in (202, 400, 401, 413, 422)} == {True}
