"""api_calls_per_event: every AWS call the pipeline makes for one event of each type,
from webhook to email, counted from botocore's own events (``nextmove_local.calls``);
and what a million events cost at AWS's list prices (``pricing``)."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from nextmove_local.bench import pricing
from nextmove_local.bench.stats import median
from nextmove_local.bench.workload import person_events, send, start_stack
from nextmove_local.calls import counting


def _summarise(calls: list[dict[str, Any]]) -> dict[str, Any]:
    by_function: dict[str, Counter[str]] = defaultdict(Counter)
    for call in calls:
        by_function[call["function"]][call["operation"]] += 1
    return {
        "calls": len(calls),
        "by_function": {fn: dict(ops) for fn, ops in sorted(by_function.items())},
        "items_read": sum(c.get("items_read", 0) for c in calls),
        "bytes_read": sum(c.get("bytes_read", 0) for c in calls),
        "emails": sum(c["operation"] == "SendRawEmail" for c in calls),
    }


def measure(workdir: Path) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """One event of each type for a person, after a warm-up person (warm containers, as
    at steady state: the webhook's secret is cached for five minutes)."""
    stack = start_stack(workdir / "outbox-calls")
    try:
        with counting(stack) as log:
            for body in person_events("p-warm", "warm"):
                send(stack, body)
            log.durations.clear()  # warm invocations only: a cold start is once a container
            per_type: dict[str, Any] = {}
            captured = []
            for body in person_events("p-count", "count"):
                with log.mark() as window:
                    send(stack, body)
                per_type[json.loads(body)["type"]] = window
                captured.append(window)
            warm = {fn: median(v) * 1000 for fn, v in log.durations.items()}
        # Warm durations: each function's median invocation here, on moto over loopback.
        result: dict[str, Any] = {"per_event": {}, "cost_usd_per_million": {}}
        for kind, window in per_type.items():
            result["per_event"][kind] = _summarise(window)
            cost = pricing.cost(window, warm)
            usd = {k: v for k, v in cost.items() if isinstance(v, float)}
            result["cost_usd_per_million"][kind] = {
                "total": round(sum(usd.values()), 2),
                **{k: round(v, 3) for k, v in usd.items()},
                **({"unpriced_calls": cost["unpriced_calls"]} if "unpriced_calls" in cost else {}),
            }
        totals = [c["total"] for c in result["cost_usd_per_million"].values()]
        result["cost_usd_per_million"]["mean_of_the_five"] = round(statistics.mean(totals), 2)
        result["assumed_duration_ms"] = {k: round(v, 1) for k, v in sorted(warm.items())}
        result["prices"] = {
            "source": pricing.PRICES_SOURCE,
            "usd": pricing.PRICES,
            "memory_gb": pricing.MEMORY_GB,
        }
        return result, captured
    finally:
        stack.stop()
