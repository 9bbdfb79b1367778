"""No email address, name or pay figure in any log line.

The demo year is replayed through the local stack with the functions' logger at DEBUG
and every other logger at INFO (Lambda's default application log level), one SES send
failing with the message SES gives in its sandbox (which names the recipient), and the
admin operations run on the person. Every line a stream handler writes, everything on
stdout and stderr, and the traceback of every error a function raises (the Lambda
runtime logs those) must be free of the person's email, name and pay figures.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from nextmove.adapters import aws, ses
from nextmove.contracts import BusDetail, ProfileUpdated, Recommendation
from nextmove.domain.state import PersonState
from nextmove_local.stack import Function
from tests.support import EVENTS

DEMO = sorted((EVENTS / "demo").glob("*.json"))


def _secrets() -> set[str]:
    """The person's email and name, and every pay figure in the demo's events, as they
    could appear in a log line (148000, 148,000, 148000.0)."""
    documents = [json.loads(path.read_text()) for path in DEMO]
    profile = next(d["data"] for d in documents if d["type"] == "profile.updated")
    offer = next(d["data"] for d in documents if d["type"] == "offer.received")
    figures = [
        profile["compensation"]["base_salary"],
        profile["compensation"]["annual_bonus"],
        offer["package"]["base_salary"],
        offer["package"]["equity_grant_value"],
        offer["package"]["sign_on_bonus"],
    ]
    found = {profile["email"], profile["name"], *profile["name"].split()}
    for figure in figures:
        found |= {str(figure), f"{figure:,}", f"{float(figure)}"}
    return found


def _counter_offer_figures(published: list[dict[str, Any]]) -> set[str]:
    """The USD figures the advice computed (market rates, counter-offer, raise)."""
    found = set()
    for rec in published:
        for evidence in rec["evidence"]:
            if evidence.get("unit") == "USD" and isinstance(evidence["value"], int | float):
                value = round(evidence["value"])
                if value >= 1000:  # small figures (e.g. 10) also match timestamps and ids
                    found |= {str(value), f"{value:,}"}
    return found


class _RefusesFirstSend:
    """SES whose first send from each function (the notifier, the digest) fails as the
    sandbox does, naming the recipient; the retry goes through."""

    def __init__(self, ses: Any) -> None:
        self._ses = ses
        self.refused: set[str] = set()
        self.caller = ""

    def send_raw_email(self, **request: Any) -> Any:
        if self.caller not in self.refused:
            self.refused.add(self.caller)
            identities = ", ".join([request["Source"], *request["Destinations"]])
            raise ClientError(
                {
                    "Error": {
                        "Code": "MessageRejected",
                        "Message": "Email address is not verified. The following identities "
                        f"failed the check in region US-EAST-1: {identities}",
                    }
                },
                "SendRawEmail",
            )
        return self._ses.send_raw_email(**request)


@dataclass
class Observed:
    lines: list[str]  # log lines, and tracebacks of errors the functions raised
    ses: _RefusesFirstSend


@pytest.fixture
def observed(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Observed:
    """Every line any stream handler would write, formatted by its own formatter; the
    traceback of every error a function invocation raises; SES refusing once per
    function."""
    seen = Observed(lines=[], ses=_RefusesFirstSend(aws.client("ses")))

    def capture(handler: logging.StreamHandler, record: logging.LogRecord) -> None:
        # Kept, not written: a handler's stream may be an earlier test's closed capture.
        seen.lines.append(handler.format(record))

    monkeypatch.setattr(logging.StreamHandler, "emit", capture)
    invoke = Function.invoke

    def invoke_as_lambda(fn: Function, event: dict[str, Any]) -> Any:
        seen.ses.caller = fn.logical_id
        try:
            return invoke(fn, event)
        except Exception as error:
            seen.lines.append("".join(traceback.format_exception(error)))
            raise

    monkeypatch.setattr(Function, "invoke", invoke_as_lambda)
    real_client = ses.client
    monkeypatch.setattr(
        ses, "client", lambda service: seen.ses if service == "ses" else real_client(service)
    )
    # The functions' logger (named by the service) is shared by every function in the
    # process and configured once, maybe by an earlier test: set its level here.
    # Everything else at INFO, Lambda's default application log level.
    for fn in stack.functions.values():
        monkeypatch.setitem(fn.environment, "POWERTOOLS_LOG_LEVEL", "DEBUG")
    monkeypatch.setattr(logging.getLogger(), "level", logging.INFO)
    service = logging.getLogger(os.environ["POWERTOOLS_SERVICE_NAME"])
    monkeypatch.setattr(service, "level", logging.DEBUG)
    return seen


def test_no_log_line_holds_an_email_name_or_pay_figure(stack, observed, capfd):
    answers = stack.replay([path.read_bytes() for path in DEMO])  # as `nextmove replay`
    assert [status for status, _ in answers] == [202] * len(DEMO)
    # A goal changed at 03:00 in Chicago: its email waits for the digest at 08:00.
    night = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    body = json.dumps(
        {
            "id": "evt-ana-night",
            "type": "goal.updated",
            "occurred_at": night.isoformat(),
            "person_id": "p-ana",
            "data": {"statement": "Become an executive"},
        }
    ).encode()
    stack.travel_to(night)
    assert stack.post(body, stack.signed_headers(body))[0] == 202
    stack.drain()
    stack.run_schedules(night + timedelta(hours=6))
    stack.travel_to(datetime(2026, 7, 1, 17, 0, tzinfo=UTC))  # noon in Chicago
    admin = stack.functions["AdminFunction"]
    person = {"tenant": stack.tenant, "person_id": "p-ana"}
    emailed = next(r for r in stack.published if r["kind"] in ("negotiation", "skills"))
    for request in (
        {"operation": "recompute", **person},
        {"operation": "export", **person},
        {"operation": "resend", **person, "recommendation_id": emailed["id"]},
        {"operation": "delete", **person},
    ):
        assert admin.invoke(request)["ok"], request
        stack.drain()
    out, err = capfd.readouterr()

    # The refused sends happened (the immediate one and the digest's), then went out.
    assert observed.ses.refused == {"NotifierFunction", "DigestFunction"}
    assert stack.sent, "no email was sent: the run did not exercise the pipeline"
    logged = "\n".join([*observed.lines, out, err])
    # The capture works: each event and each admin operation was logged.
    for path in DEMO:
        assert json.loads(path.read_text())["id"] in logged
    assert '"operation":"delete"' in logged.replace(" ", "")
    assert "Traceback" in logged  # a refused send's error was captured

    secrets = _secrets() | _counter_offer_figures(stack.published)
    leaked = sorted(s for s in secrets if s in logged)
    assert leaked == [], [line for line in logged.splitlines() if any(s in line for s in leaked)]


@pytest.mark.parametrize(
    ("model", "document"),
    [
        (
            BusDetail[ProfileUpdated],
            {
                "tenant": "demo-partner",
                "event": {
                    **json.loads((EVENTS / "demo" / "01-profile-updated.json").read_text()),
                    "schema_version": 2,  # invalid: the error must not quote the event
                },
            },
        ),
        (
            Recommendation,
            {"id": "r", "tenant": "t", "body": "Counter at 171,000", "kind": "nope"},
        ),
        (
            PersonState,
            {"tenant": "t", "person_id": "p", "profile": {"data": "ana.souza@example.com"}},
        ),
    ],
)
def test_a_validation_error_does_not_quote_the_personal_data_it_was_given(model, document):
    """Error messages reach the logs (Lambda logs an unhandled error's message)."""
    with pytest.raises(ValidationError) as raised:
        model.model_validate(document)
    text = str(raised.value)
    assert "ana.souza@example.com" not in text
    assert "Ana Souza" not in text
    assert "171,000" not in text
    assert "148000" not in text


def test_no_function_logs_its_event():
    """Powertools would log each whole event (names, emails, pay) if told to."""
    template = Path(__file__).resolve().parents[2] / "template.yaml"
    assert "POWERTOOLS_LOGGER_LOG_EVENT" not in template.read_text()
