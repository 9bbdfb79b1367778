"""One place that creates boto3 clients, lazily and once per process.

Lazily, because a client costs ~130 ms and not every cold start needs every client;
once, because creating one per call would pay that on every event. moto patches
clients created after it starts, so tests see the same code path as Lambda.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Standard retry mode backs off and retries throttling and transient errors for us.
    return boto3.session.Session().client(
        service, config=Config(retries={"mode": "standard", "max_attempts": 5})
    )


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
