"""Fault injection for the local stack: AWS failing the way it does in production.

Every hop of the pipeline gets faults through botocore's own event hooks on the clients
the functions use (each function's own, ``Function.client``), so the code that meets them is the
production code: botocore's standard retries, the adapters' partial-failure checks, the
functions' batch failures, Lambda's retries and the dead-letter queues.

    hop            what fails                                           seen by
    webhook→bus    PutEvents throttled, 5xx, entry refused, reply lost  botocore, then 503
    event fn→table TransactWriteItems throttled, cancelled (conflict),  botocore, then
                   reply lost after the commit (the notifier's claim    Lambda's async retry
                   and hold transactions meet these too)                (the notifier: SQS)
    notifier→table BatchGetItem, PutItem, UpdateItem, BatchWriteItem,   botocore, then SQS
                   DeleteItem throttled, reply lost
    stream→publisher the invocation dies before the handler runs        the stream's retry
    publisher→SNS  PublishBatch entries Failed, whole call refused,     batch item failures
                   reply lost after publishing
    notifier→SES   SendRawEmail throttled, 503                          botocore, then SQS

Each attempt (botocore's retries included) fails with probability ``rate``, topped up so
every hop's share of failed attempts stays at least ``rate``. Besides
these scattered faults, a hop sometimes has an outage: every attempt of its next few
dozen calls fails, which is what exhausts retries and parks work in the DLQs.

SES gets no "reply lost" fault on purpose: SES has no idempotency key, so an email whose
acceptance was not heard is either sent twice or (if never retried) possibly not at all;
no pipeline can do better there, and the reliability run would only measure that.

One fault persists: after SES took an email, the write that settles it as sent fails
for good (``AccessDeniedException``, as a missing grant or a policy change would) for
one email in ``UNSETTLED_EVERY``, on every attempt, redeliveries included. Nothing may
send that email again: its redelivery must mark it 'unconfirmed' (``unsettled`` counts
them, the reconciliation checks none was sent twice).
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

OUTAGE_CHANCE = 0.002  # per call: a hop goes down...
OUTAGE_CALLS = (3, 60)  # ...for this many calls (every attempt of each fails)
UNSETTLED_EVERY = 20  # the 1st, 21st, 41st... email SES takes is never settled
SETTLE_DENIED = "AccessDeniedException"


@dataclass(frozen=True)
class Fault:
    """One way a call fails: refused before AWS acts (``reject``), acted on but the
    reply lost (``lost``), or answered 200 with entries refused (``partial``)."""

    mode: str
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Hop:
    name: str
    service: str
    operations: tuple[str, ...]
    faults: tuple[Fault, ...]


def _throttle(code: str, message: str = "Rate exceeded") -> Fault:
    return Fault("reject", 400, code, message)


HOPS = (
    Hop(
        "webhook->bus",
        "events",
        ("PutEvents",),
        (
            _throttle("ThrottlingException"),
            Fault("reject", 500, "InternalException", "Internal error"),
            Fault("partial", 200, "ThrottlingException", "Rate exceeded"),
            Fault("lost", 500, "InternalException", "Internal error"),
        ),
    ),
    Hop(
        "event-fn->table",
        "dynamodb",
        ("TransactWriteItems",),
        (
            _throttle("ProvisionedThroughputExceededException", "Throughput exceeded"),
            _throttle("ThrottlingException"),
            Fault("reject", 400, "TransactionCanceledException", "TransactionConflict"),
            Fault("lost", 500, "InternalServerError", "Internal server error"),
        ),
    ),
    Hop(
        "notifier->table",
        "dynamodb",
        ("BatchGetItem", "PutItem", "UpdateItem", "BatchWriteItem", "DeleteItem"),
        (
            _throttle("ProvisionedThroughputExceededException", "Throughput exceeded"),
            Fault("lost", 500, "InternalServerError", "Internal server error"),
        ),
    ),
    Hop(
        "publisher->sns",
        "sns",
        ("PublishBatch",),
        (
            Fault("partial", 200, "InternalError", "Internal error"),
            Fault("reject", 500, "InternalError", "Internal error"),
            Fault("reject", 400, "KMSThrottling", "KMS throttled the request"),
            Fault("lost", 500, "InternalError", "Internal error"),
        ),
    ),
    Hop(
        "notifier->ses",
        "ses",
        ("SendRawEmail",),
        (
            _throttle("Throttling", "Maximum sending rate exceeded."),
            Fault("reject", 503, "ServiceUnavailable", "Service unavailable"),
        ),
    ),
)
INVOCATION_HOP = "stream->publisher"


@dataclass
class HopStats:
    calls: int = 0
    attempts: int = 0
    faults: int = 0
    outages: int = 0
    by_code: Counter[str] = field(default_factory=Counter)


class _Raw:
    """The raw body botocore's AWSResponse reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class FaultInjector:
    """Install with ``install(stack)``; faults flow while ``enabled``. ``stats`` counts
    calls, attempts and injected faults per hop (each failed attempt is one fault)."""

    def __init__(self, rate: float, *, seed: int = 0, hops: set[str] | None = None) -> None:
        self.rate = rate
        self.hops = hops  # only these hops fail (all when None)
        self.enabled = True
        self.stats: dict[str, HopStats] = {h.name: HopStats() for h in HOPS}
        self.stats[INVOCATION_HOP] = HopStats()
        self.backoff_seconds = 0.0  # what botocore would have slept between retries
        self._random = random.Random(seed)
        self._outage: dict[str, int] = {}
        self._lock = threading.Lock()
        self._http: Any = None
        self._settled_seen: set[str] = set()  # SES message ids whose settle was tried
        self.unsettled: set[str] = set()  # ...and those whose settle fails for good

    @property
    def faults(self) -> int:
        return sum(s.faults for s in self.stats.values())

    # ---- wiring ----------------------------------------------------------------------

    def install(self, stack: Any) -> None:
        """Hook every function's clients and the publisher's invocations of ``stack``."""
        from botocore.httpsession import URLLib3Session

        self._http = URLLib3Session()
        for hop, fn in ((h, f) for h in HOPS for f in stack.functions.values()):
            client = fn.client(hop.service)
            events = client.meta.events
            service_id = client.meta.service_model.service_id.hyphenize()
            for operation in hop.operations:
                events.register(f"before-call.{service_id}.{operation}", self._on_call(hop))
                events.register_first(f"before-send.{service_id}.{operation}", self._on_send(hop))
                if hop.service == "sns":
                    events.register(
                        f"provide-client-params.{service_id}.{operation}", self._drop_entries
                    )
                    events.register(f"after-call.{service_id}.{operation}", self._report_dropped)
        for fn in stack.functions.values():
            events = fn.client("dynamodb").meta.events
            for operation in ("PutItem", "BatchWriteItem"):
                events.register_first(f"before-send.dynamodb.{operation}", self._on_settle)
        publisher = stack.functions["PublisherFunction"]
        invoke = publisher.invoke

        def failing_invoke(event: dict[str, Any]) -> Any:
            # Lambda can fail an invocation before the handler runs (timeout, out of memory).
            if self._decide_call(INVOCATION_HOP) or self._decide_attempt(INVOCATION_HOP):
                raise RuntimeError("Task timed out after 10.00 seconds")
            return invoke(event)

        publisher.invoke = failing_invoke

    @contextmanager
    def no_backoff_sleep(self) -> Iterator[None]:
        """Let botocore retry at once, adding up the delay it chose instead of sleeping:
        a run of thousands of retries would otherwise spend its time asleep."""
        from botocore.retries.standard import ExponentialBackoff

        chosen = ExponentialBackoff.delay_amount

        def record(backoff: ExponentialBackoff, context: Any) -> float:
            self.backoff_seconds += chosen(backoff, context)
            return 0.0

        with mock.patch.object(ExponentialBackoff, "delay_amount", record):
            yield

    # ---- decisions -------------------------------------------------------------------

    def _decide_call(self, hop: str) -> bool:
        """Count a call; True while the hop is in an outage."""
        if not self._active(hop):
            return False
        with self._lock:
            stats = self.stats[hop]
            stats.calls += 1
            left = self._outage.get(hop, 0)
            if left == 0 and self._random.random() < OUTAGE_CHANCE:
                left = self._random.randint(*OUTAGE_CALLS)
                stats.outages += 1
            self._outage[hop] = max(left - 1, 0)
            return left > 0

    def _decide_attempt(self, hop: str, *, outage: bool = False) -> bool:
        if not self._active(hop):
            return False
        with self._lock:
            stats = self.stats[hop]
            stats.attempts += 1
            # Random, topped up so that a hop's share of failed attempts never falls
            # below the rate for long (a short run would otherwise undershoot by chance).
            behind = stats.faults < self.rate * stats.attempts - 1
            failed = outage or behind or self._random.random() < self.rate
            stats.faults += failed
            return failed

    def _active(self, hop: str) -> bool:
        return self.enabled and (self.hops is None or hop in self.hops)

    def _pick(self, hop: Hop, modes: tuple[str, ...]) -> Fault:
        with self._lock:
            return self._random.choice([f for f in hop.faults if f.mode in modes])

    # ---- the hooks -------------------------------------------------------------------

    def _on_call(self, hop: Hop) -> Callable[..., None]:
        def on_call(context: dict[str, Any], **_: Any) -> None:
            context["nextmove_outage"] = self._decide_call(hop.name)

        return on_call

    def _on_send(self, hop: Hop) -> Callable[..., Any]:
        def on_send(request: Any, **_: Any) -> Any:
            outage = bool((getattr(request, "context", None) or {}).get("nextmove_outage"))
            if not self._decide_attempt(hop.name, outage=outage):
                return None
            # PublishBatch's partial failures are made per call, by _drop_entries.
            modes = ("reject", "lost") if hop.service == "sns" else ("reject", "lost", "partial")
            fault = self._pick(hop, modes)
            self.stats[hop.name].by_code[f"{fault.mode}:{fault.code}"] += 1
            if fault.mode == "lost":
                self._http.send(request)  # AWS acts on it; the reply never arrives
            return self._response(request, hop, fault)

        return on_send

    def _on_settle(self, request: Any, **_: Any) -> Any:
        """A write settling an email as sent (its item has SES's message id) fails for
        good for every ``UNSETTLED_EVERY``-th email."""
        if not self.enabled:
            return None
        sent = json.loads(request.body or b"{}")
        items = [sent.get("Item", {})] + [
            r.get("PutRequest", {}).get("Item", {})
            for requests in sent.get("RequestItems", {}).values()
            for r in requests
        ]
        ids = {i["message_id"]["S"] for i in items if "message_id" in i}
        if not ids:
            return None
        with self._lock:
            for message_id in ids - self._settled_seen:
                if len(self._settled_seen) % UNSETTLED_EVERY == 0:
                    self.unsettled.add(message_id)
                self._settled_seen.add(message_id)
            if not ids & self.unsettled:
                return None
        from botocore.awsrequest import AWSResponse

        body = json.dumps({"__type": SETTLE_DENIED, "message": "settle refused"}).encode()
        headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "x"}
        return AWSResponse(request.url, 400, headers, _Raw(body))

    def _drop_entries(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """PublishBatch answering 200 with some entries Failed: those are not sent."""
        entries = params.get("PublishBatchRequestEntries", [])
        if not self._active("publisher->sns") or len(entries) < 2:
            return
        with self._lock:
            if self._random.random() >= self.rate:
                return
            dropped = self._random.sample(entries, self._random.randint(1, len(entries) - 1))
            self.stats["publisher->sns"].faults += 1
            self.stats["publisher->sns"].by_code["partial:InternalError"] += 1
        context["nextmove_dropped"] = [e["Id"] for e in dropped]
        params["PublishBatchRequestEntries"] = [e for e in entries if e not in dropped]

    @staticmethod
    def _report_dropped(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        for entry_id in context.get("nextmove_dropped", []):
            parsed.setdefault("Failed", []).append(
                {
                    "Id": entry_id,
                    "Code": "InternalError",
                    "SenderFault": False,
                    "Message": "Internal error",
                }
            )

    # ---- fake replies ----------------------------------------------------------------

    def _response(self, request: Any, hop: Hop, fault: Fault) -> Any:
        from botocore.awsrequest import AWSResponse

        request_id = str(uuid.uuid4())
        if hop.service in ("sns", "ses"):
            body = (
                "<ErrorResponse><Error><Type>"
                f"{'Sender' if fault.status < 500 else 'Receiver'}</Type>"
                f"<Code>{fault.code}</Code><Message>{fault.message}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            ).encode()
            headers = {"content-type": "text/xml", "x-amzn-requestid": request_id}
        else:
            document = self._json_error(request, hop, fault)
            body = json.dumps(document).encode()
            version = "1.0" if hop.service == "dynamodb" else "1.1"
            headers = {
                "content-type": f"application/x-amz-json-{version}",
                "x-amzn-requestid": request_id,
            }
        return AWSResponse(request.url, fault.status, headers, _Raw(body))

    def _json_error(self, request: Any, hop: Hop, fault: Fault) -> dict[str, Any]:
        sent = json.loads(request.body or b"{}")
        if fault.mode == "partial":  # PutEvents: 200, every entry refused
            entries = [{"ErrorCode": fault.code, "ErrorMessage": fault.message}] * len(
                sent.get("Entries", [])
            )
            return {"FailedEntryCount": len(entries), "Entries": entries}
        if fault.code == "TransactionCanceledException":
            # Another transaction held one of the items: botocore does not retry this.
            reasons = [{"Code": "None"} for _ in sent.get("TransactItems", [])]
            with self._lock:
                conflict = self._random.randrange(len(reasons))
            reasons[conflict] = {
                "Code": "TransactionConflict",
                "Message": "Transaction is ongoing for the item",
            }
            codes = ", ".join(r["Code"] for r in reasons)
            return {
                "__type": f"com.amazonaws.dynamodb.v20120810#{fault.code}",
                "Message": f"Transaction cancelled, please refer cancellation reasons [{codes}]",
                "CancellationReasons": reasons,
            }
        return {"__type": fault.code, "message": fault.message}
