"""The digest function: on a schedule, sends the emails held for quiet hours or the
weekly limit once they are due (one email per person: a digest when several wait)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from nextmove import delivery
from nextmove.adapters import clock, config

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.EmailConfig)
logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The scheduled event's time is "now": a late or retried run still sends what was
    # due when it was meant to run, and everything due since.
    scheduled = event.get("time")
    now = datetime.fromisoformat(scheduled).astimezone(UTC) if scheduled else clock.now()
    outcomes = delivery.send_due(now)
    logger.info("digest", extra={"now": now.isoformat(), "outcomes": outcomes})
    return {"now": now.isoformat(), "outcomes": outcomes}
