"""Counting the AWS calls NextMove's functions make, from botocore's own events.

``counting(stack)`` attaches a ``CallLog`` to every function's cached clients and marks
the time each ``Function.invoke`` runs: a call inside an invocation is logged with its
parameters, the items it read and the DynamoDB request units it used; the local stack's
own polling is outside any invocation and is not. ``make bench`` prices these calls and
tests/integration/test_aws_calls.py holds the pipeline to the design's minimum with them.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import json
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

# Every service an adapter may call: their cached clients get the counting handlers.
SERVICES = (
    "dynamodb",
    "events",
    "sns",
    "sqs",
    "ses",
    "sesv2",
    "secretsmanager",
    "ssm",
    "cloudwatch",
    "scheduler",
    "kms",
    "s3",
    "lambda",
)

_invoking: contextvars.ContextVar[str | None] = contextvars.ContextVar("invoking", default=None)


class CallLog:
    """AWS calls made from inside a function invocation, from botocore's before-call and
    after-call events; the local stack's own polling is outside any invocation."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.durations: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build", self._params)
        client.meta.events.register("before-call", self._before)
        client.meta.events.register("after-call", self._after)

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # before-call sees the serialised request; the API parameters are seen here.
        if _invoking.get() is not None:
            context["nextmove_params"] = copy.deepcopy(params)

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        function = _invoking.get()
        if function is None:
            return
        params = context.get("nextmove_params", {})
        call = {
            "function": function,
            "service": model.service_model.service_name,
            "operation": model.name,
            "params": params,
            "wru": _write_units(model.name, params),
            "sns_messages": len(params.get("PublishBatchRequestEntries", [])) or 1,
        }
        context["nextmove_bench"] = call
        with self.lock:
            self.calls.append(call)

    def _after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.get("nextmove_bench")
        if call is None:
            return
        items = [parsed["Item"]] if "Item" in parsed else parsed.get("Items", [])
        responses = parsed.get("Responses")  # BatchGetItem: by table; TransactGetItems: a list
        if isinstance(responses, dict):
            items += [i for found in responses.values() for i in found]
        elif isinstance(responses, list):
            items += [r["Item"] for r in responses if "Item" in r]
        call["items_read"] = len(items)
        operation, params = call["operation"], call["params"]
        if operation in {"GetItem", "Query", "BatchGetItem"}:
            sizes = [_item_bytes(i) for i in items]
            if operation == "BatchGetItem":
                # Each key is a GetItem of its own: rounded up to 4 KB item by item, and
                # a key that finds nothing still costs one unit.
                (request,) = params["RequestItems"].values()
                consistent = request.get("ConsistentRead", False)
                missing = len(request["Keys"]) - len(sizes)
                units = sum(max(1, math.ceil(b / 4096)) for b in sizes) + missing
            else:  # a Query rounds up what it read in all; a GetItem, its one item
                consistent = params.get("ConsistentRead", False)
                units = max(1, math.ceil(sum(sizes) / 4096))
            call["rru"] = units * (1 if consistent else 0.5)
            call["bytes_read"] = sum(sizes)

    @contextlib.contextmanager
    def mark(self) -> Iterator[list[dict[str, Any]]]:
        """The calls made while the block runs."""
        start = len(self.calls)
        window: list[dict[str, Any]] = []
        yield window
        window.extend(self.calls[start:])


def _item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8), as billing counts it."""
    total = 0
    for name, value in item.items():
        (kind, raw), *_ = value.items()
        if kind in {"S", "N"}:
            size = len(str(raw).encode())
        elif kind == "B":
            size = len(raw)
        else:
            size = len(json.dumps(raw))
        total += len(name.encode()) + size
    return total


def _write_units(operation: str, params: dict[str, Any]) -> float:
    """Write request units: 1 per KB written (an update or delete: 1 at least, as its
    item size is not known here); twice that inside a transaction."""

    def units(item: dict[str, Any] | None) -> int:
        return max(1, math.ceil(_item_bytes(item) / 1024)) if item else 1

    if operation == "PutItem":
        return units(params["Item"])
    if operation in {"UpdateItem", "DeleteItem"}:
        return 1
    if operation == "TransactWriteItems":
        return sum(2 * units(next(iter(t.values())).get("Item")) for t in params["TransactItems"])
    if operation == "BatchWriteItem":
        return sum(
            units(r.get("PutRequest", {}).get("Item"))
            for requests in params["RequestItems"].values()
            for r in requests
        )
    return 0


@contextlib.contextmanager
def counting(stack: Any) -> Iterator[CallLog]:
    """Count every AWS call made inside ``Function.invoke`` on ``stack``'s clients."""
    from nextmove_local import lambda_runtime

    log = CallLog()
    for fn in stack.functions.values():
        for service in SERVICES:
            log.attach(fn.client(service))  # the function's own cached clients
    original = lambda_runtime.Function.invoke

    def invoke(self: lambda_runtime.Function, event: dict[str, Any]) -> Any:
        token = _invoking.set(self.logical_id)
        start = time.perf_counter()
        try:
            return original(self, event)
        finally:
            log.durations[self.logical_id].append(time.perf_counter() - start)
            _invoking.reset(token)

    lambda_runtime.Function.invoke = invoke  # type: ignore[method-assign]
    try:
        yield log
    finally:
        lambda_runtime.Function.invoke = original  # type: ignore[method-assign]
