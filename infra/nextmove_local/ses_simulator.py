"""SES's part that moto does not play: configuration sets on a send, and the feedback.

moto's SES accepts ``ConfigurationSetName`` and ``Tags`` on SendRawEmail and ignores
both, and publishes no configuration-set events. Here, in front of moto's server:

- a send naming a configuration set that does not exist, or one whose sending is
  paused (``UpdateConfigurationSetSendingEnabled``, which moto lacks, is answered
  here), is refused as SES refuses it (``ConfigurationSetDoesNotExist``,
  ``ConfigurationSetSendingPausedException``), and so is a tag SES would not take
  (``InvalidParameterValue``: only ``[A-Za-z0-9_-]``, at most 256 characters);
- every send SES accepted is journaled with its configuration set and tags, and
  ``LocalSes.feedback`` turns it into the events SES would publish to the set's event
  destination, in SES's documented format ("Contents of event data"), for the event
  types the destination matches. The mailbox simulator's addresses behave as SES's do:

      success@simulator.amazonses.com          delivered
      bounce@simulator.amazonses.com           hard bounce (Permanent, General)
      ooto@simulator.amazonses.com             delivered (the out-of-office reply goes
                                               to the sender, not as an event)
      complaint@simulator.amazonses.com        delivered, then a complaint (abuse)
      suppressionlist@simulator.amazonses.com  hard bounce (Permanent,
                                               OnAccountSuppressionList), not delivered

  (a ``+label`` before the ``@`` is ignored, as SES ignores it). Any other address is
  delivered: the outbox stands for its inbox.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from typing import Any
from urllib.parse import parse_qs

from nextmove.contracts.ses import DETAIL_TYPES

SIMULATOR_DOMAIN = "simulator.amazonses.com"
_TAG = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")
# SES's name for each event type, as an event destination's MatchingEventTypes (in the
# template, CloudFormation's spelling) and as the record's eventType.
_EVENT_TYPES = {
    "delivery": "Delivery",
    "bounce": "Bounce",
    "complaint": "Complaint",
    "reject": "Reject",
    "renderingFailure": "Rendering Failure",
}


@dataclass(frozen=True)
class Destination:
    """An event destination of a configuration set: what it matches, where it goes."""

    event_types: frozenset[str]  # SES's eventType names
    bus_arn: str


@dataclass
class Send:
    message_id: str
    source: str
    destinations: list[str]
    configuration_set: str | None
    tags: dict[str, str]
    raw: bytes
    at: datetime


@dataclass
class LocalSes:
    """The configuration sets the stack created, and the sends SES took."""

    account: str
    region: str
    now: Callable[[], datetime]
    configuration_sets: dict[str, list[Destination]] = field(default_factory=dict)
    paused: set[str] = field(default_factory=set)
    _sends: list[Send] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configuration_set(self, name: str, *, sending_enabled: bool = True) -> None:
        self.configuration_sets.setdefault(name, [])
        if not sending_enabled:
            self.paused.add(name)

    def destination(self, configuration_set: str, matching: Iterable[str], bus_arn: str) -> None:
        types = frozenset(_EVENT_TYPES[t] for t in matching)
        self.configuration_sets[configuration_set].append(Destination(types, bus_arn))

    def take_sends(self) -> list[Send]:
        with self._lock:
            sends, self._sends = self._sends, []
        return sends

    # ---- in front of moto -----------------------------------------------------------

    def middleware(self, app: Callable[..., Any]) -> Callable[..., Any]:
        """Check and journal each SendRawEmail; every other request goes straight on."""

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if "ses" not in environ.get("HTTP_AUTHORIZATION", "").split("/"):
                return app(environ, start_response)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            if form.get("Action") == "UpdateConfigurationSetSendingEnabled":
                return self._pause_or_resume(form, start_response)  # moto lacks it
            if form.get("Action") != "SendRawEmail":
                return app(environ, start_response)
            refusal = self._refusal(form)
            if refusal is not None:
                return _error(start_response, *refusal)
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[Any], *rest: Any) -> Any:
                captured["status"] = status
                return start_response(status, headers, *rest)

            answer = b"".join(app(environ, capture))
            if captured.get("status", "").startswith("200"):
                self._journal(form, answer)
            return [answer]

        return wsgi

    def _pause_or_resume(
        self, form: dict[str, str], start_response: Callable[..., Any]
    ) -> list[bytes]:
        """The runbook's emergency stop: sends naming the set are refused while paused."""
        name = form.get("ConfigurationSetName", "")
        if name not in self.configuration_sets:
            return _error(
                start_response,
                "ConfigurationSetDoesNotExist",
                f"Configuration set <{name}> does not exist.",
            )
        if form.get("Enabled", "").lower() == "true":
            self.paused.discard(name)
        else:
            self.paused.add(name)
        body = (
            "<UpdateConfigurationSetSendingEnabledResponse><ResponseMetadata>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</UpdateConfigurationSetSendingEnabledResponse>"
        ).encode()
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    def _refusal(self, form: dict[str, str]) -> tuple[str, str] | None:
        name = form.get("ConfigurationSetName")
        if name is not None and name not in self.configuration_sets:
            return "ConfigurationSetDoesNotExist", f"Configuration set <{name}> does not exist."
        if name in self.paused:
            return (
                "ConfigurationSetSendingPausedException",
                f"Sending is paused for configuration set <{name}>.",
            )
        for key, value in form.items():
            if key.startswith("Tags.member.") and not _TAG.match(value):
                return "InvalidParameterValue", f"Invalid tag {key.rsplit('.', 1)[1].lower()}."
        return None

    def _journal(self, form: dict[str, str], answer: bytes) -> None:
        found = _MESSAGE_ID.search(answer)
        if found is None:
            return
        raw = base64.b64decode(form.get("RawMessage.Data", ""))
        tags = {}
        for key, value in form.items():
            if key.startswith("Tags.member.") and key.endswith(".Name"):
                tags[value] = form.get(key.removesuffix(".Name") + ".Value", "")
        destinations = [v for k, v in sorted(form.items()) if k.startswith("Destinations.member.")]
        send = Send(
            message_id=found.group(1).decode(),
            source=form.get("Source", ""),
            destinations=destinations,
            configuration_set=form.get("ConfigurationSetName"),
            tags=tags,
            raw=raw,
            at=self.now(),
        )
        with self._lock:
            self._sends.append(send)

    # ---- what SES publishes -----------------------------------------------------------

    def feedback(self, send: Send) -> list[tuple[str, dict[str, Any]]]:
        """(bus ARN, EventBridge entry) for each event SES would publish for ``send``."""
        if send.configuration_set is None:
            return []
        records = [r for address in send.destinations for r in self._records(send, address)]
        entries = []
        for destination in self.configuration_sets.get(send.configuration_set, []):
            for record in records:
                if record["eventType"] in destination.event_types:
                    entries.append((destination.bus_arn, self._entry(send, record)))
        return entries

    def _records(self, send: Send, address: str) -> list[dict[str, Any]]:
        local, _, domain = address.lower().rpartition("@")
        box = local.split("+", 1)[0] if domain == SIMULATOR_DOMAIN else ""
        at = _stamp(send.at)
        delivery = {
            "eventType": "Delivery",
            "delivery": {
                "timestamp": at,
                "processingTimeMillis": 512,
                "recipients": [address],
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": f"a8-70.smtp-out.{self.region}.amazonses.com",
            },
        }
        if box == "bounce":
            return [_bounce(address, at, "General", "smtp; 550 5.1.1 user unknown")]
        if box == "suppressionlist":
            return [
                _bounce(
                    address,
                    at,
                    "OnAccountSuppressionList",
                    "Amazon SES did not send the message to this address because it is "
                    "on the suppression list for your account.",
                )
            ]
        if box == "complaint":
            complaint = {
                "eventType": "Complaint",
                "complaint": {
                    "complainedRecipients": [{"emailAddress": address}],
                    "timestamp": at,
                    "feedbackId": _feedback_id(),
                    "userAgent": "Amazon SES Mailbox Simulator",
                    "complaintFeedbackType": "abuse",
                    "arrivalDate": at,
                },
            }
            return [delivery, complaint]
        return [delivery]

    def _entry(self, send: Send, record: dict[str, Any]) -> dict[str, Any]:
        message = message_from_bytes(send.raw)
        tags = {name: [value] for name, value in send.tags.items()}
        tags |= {
            "ses:configuration-set": [send.configuration_set or ""],
            "ses:source-ip": ["127.0.0.1"],
            "ses:from-domain": [send.source.rpartition("@")[2]],
            "ses:caller-identity": ["nextmove-local"],
        }
        mail = {
            "timestamp": _stamp(send.at),
            "source": send.source,
            "sourceArn": f"arn:aws:ses:{self.region}:{self.account}:identity/{send.source}",
            "sendingAccountId": self.account,
            "messageId": send.message_id,
            "destination": send.destinations,
            "headersTruncated": False,
            "headers": [{"name": k, "value": str(v)} for k, v in message.items()],
            "commonHeaders": {
                "from": [str(message.get("From", ""))],
                "to": [str(message.get("To", ""))],
                "messageId": send.message_id,
                "subject": str(message.get("Subject", "")),
            },
            "tags": tags,
        }
        return {
            "Source": "aws.ses",
            "DetailType": DETAIL_TYPES[record["eventType"]],
            "Detail": {**record, "mail": mail},
        }


def _bounce(address: str, at: str, subtype: str, diagnostic: str) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": subtype,
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": diagnostic,
                }
            ],
            "timestamp": at,
            "feedbackId": _feedback_id(),
            "reportingMTA": "dns; amazonses.com",
        },
    }


def _feedback_id() -> str:
    return f"0100{uuid.uuid4().hex}-000000"


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _error(start_response: Callable[..., Any], code: str, message: str) -> list[bytes]:
    text = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{text}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
        "</ErrorResponse>"
    ).encode()
    start_response(
        "400 Bad Request",
        [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]
