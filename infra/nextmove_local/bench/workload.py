"""What every benchmark sends, and the stack it sends it to: the five sample events as
one person's year, through a fresh local stack's webhook."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from nextmove_local.template import ROOT

SAMPLES = ["profile_updated", "goal_updated", "success_recorded", "offer_received"]
SAMPLES.append("feelings_checked_in")  # a person's year in order: profile first


def sample(name: str) -> dict[str, Any]:
    """The sample event ``events/<name>.json``."""
    document: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text())
    return document


def person_events(person: str, prefix: str, shift: timedelta = timedelta()) -> list[bytes]:
    """The five samples as one person's events, with ids unique to ``prefix``."""
    bodies = []
    for name in SAMPLES:
        doc = sample(name)
        doc["id"] = f"{prefix}-{doc['type']}"
        doc["person_id"] = person
        if shift:
            occurred = datetime.fromisoformat(doc["occurred_at"]) + shift
            doc["occurred_at"] = occurred.isoformat().replace("+00:00", "Z")
        if doc["type"] == "profile.updated":
            doc["data"]["email"] = f"{person}@example.com"
        bodies.append(json.dumps(doc).encode())
    return bodies


def start_stack(outbox: Path) -> Any:
    """A fresh local stack whose functions log warnings only, emails to ``outbox``."""
    from nextmove_local.stack import LocalStack

    stack = LocalStack.start(outbox)
    stack.configure("POWERTOOLS_LOG_LEVEL", "WARNING")  # the functions' logs would drown the table
    return stack


def send(stack: Any, body: bytes) -> None:
    """Post ``body`` signed through the webhook (raise unless accepted), then drain."""
    status, answer = stack.post(body, stack.signed_headers(body))
    if status != 202:
        raise RuntimeError(f"webhook answered {status} {answer}")
    stack.drain()
