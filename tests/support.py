"""Helpers the suites share: sample events and what the local stack holds."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from nextmove_local.lambda_events import bus_event as stack_bus_event

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/ by file name (``offer_received`` or ``demo/05-...``)."""
    path = EVENTS / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text())


def table_items(stack: Any) -> list[dict[str, Any]]:
    """Every item in the career table (a Scan: tests may, the pipeline never does), all
    pages of it: one page stops at 1 MB, which a fuzz run's table passes."""
    pages = stack.client("dynamodb").get_paginator("scan")
    return [
        item
        for page in pages.paginate(TableName=stack.resolve.refs["CareerTable"], ConsistentRead=True)
        for item in page["Items"]
    ]


def keys(items: list[dict[str, Any]]) -> list[str]:
    """The sort keys of items, sorted: what kinds of rows a person has."""
    return sorted(item["sk"]["S"] for item in items)


def bus_event(stack: Any, document: dict[str, Any], tenant: str | None = None) -> dict[str, Any]:
    """The EventBridge event a rule delivers for an accepted webhook body."""
    return stack_bus_event(document, tenant or stack.tenant)


def post_at(stack: Any, document: dict[str, Any], *, at: datetime) -> None:
    """Post ``document`` signed through the webhook as of ``at`` (the functions' clock
    moves there) and run everything it sets off."""
    stack.travel_to(at)
    document = {**document, "occurred_at": at.isoformat()}
    body = json.dumps(document).encode()
    status, answer = stack.post(body, stack.signed_headers(body))
    assert status == 202, answer
    stack.drain()
