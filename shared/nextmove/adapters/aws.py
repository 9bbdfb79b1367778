"""One place that creates boto3 clients, lazily and once per container.

Lazily, because a client costs ~130 ms and not every cold start needs every client;
once, because creating one per call would pay that on every event. A client is made
from the environment's credentials and endpoint when first asked for.
"""

from __future__ import annotations

import os
from typing import Any

_clients: dict[tuple[str, str], Any] = {}


def container() -> str:
    """The function this code runs as (``AWS_LAMBDA_FUNCTION_NAME``): per-container
    state (clients, caches) is kept under it. On Lambda a process is one function's
    container, so it never changes; the local stack runs every function in one process,
    each with its own environment, and no function may use another's clients."""
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")


def client(service: str) -> Any:
    """The container's client for ``service``, made on first use."""
    key = (container(), service)
    made = _clients.get(key)
    if made is None:
        import boto3
        from botocore.config import Config

        # Standard retry mode backs off and retries throttling and transient errors.
        made = _clients[key] = boto3.session.Session().client(
            service, config=Config(retries={"mode": "standard", "max_attempts": 5})
        )
    return made


def forget_clients() -> None:
    """Drop every client (the local stack, when it points at a new endpoint)."""
    _clients.clear()


def setting(name: str) -> str:
    """A configuration value from the function's environment, with a clear error if the
    template did not set it (a deploy mistake, better caught at the first event)."""
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"environment variable {name} is not set; see template.yaml") from None


def write_batch(dynamodb: Any, table: str, requests: list[dict[str, Any]], attempts: int) -> int:
    """BatchWriteItem ``requests`` (25 at most), retrying with backoff what DynamoDB
    leaves unprocessed (throttling); returns how many are still unprocessed at the end,
    for the caller to raise: an unprocessed write is never ignored."""
    import time

    pending = {table: requests}
    for attempt in range(attempts):
        pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return 0
        time.sleep(min(0.05 * 2**attempt, 2.0))
    return sum(len(left) for left in pending.values())
