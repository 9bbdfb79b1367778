"""history_growth: per-event calls, items read and latency for a person with 10,000
prior events against a person with none and one whose record is full."""

from __future__ import annotations

import json
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nextmove_local.bench.stats import median
from nextmove_local.bench.workload import SAMPLES, person_events, sample, send, start_stack
from nextmove_local.calls import counting
from nextmove_local.lambda_events import bus_event

# Prior events enough to fill every bounded list of the person's record: one event in five
# is each kind, so the longest list (20 successes) is full after 100.
CAP = 200


def _seed_history(stack: Any, person: str, count: int) -> None:
    """``count`` prior events for ``person``, quickly: each is folded into the record by
    the coach, as the event functions do; the facts go in with BatchWriteItem, in the
    store's row shape, and the last event with the store's own transaction (its fact and
    the folded record). The outbox rows of that history were published long ago."""
    from nextmove.adapters import keys, settings, store
    from nextmove.contracts import parse_inbound
    from nextmove.domain import coach
    from nextmove.domain.state import PersonState

    templates = [sample(name) for name in SAMPLES]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=730) / count
    state = PersonState.new(stack.tenant, person)
    table = stack.resolve.refs["CareerTable"]
    dynamodb = stack.client("dynamodb")
    pending: list[dict[str, Any]] = []
    for i in range(count):
        doc = {
            **templates[i % len(templates)],
            "id": f"hist-{i:05d}",
            "person_id": person,
            "occurred_at": (start + i * step).isoformat().replace("+00:00", "Z"),
        }
        event = parse_inbound(json.dumps(doc))
        # The thresholds the event functions read: the stack's parameter.
        state = coach.react(state, event, tenant=stack.tenant, thresholds=settings.thresholds).state
        if i == count - 1:
            store._commit(stack.tenant, event, state, [], 0)
            break
        fact = {
            **keys.key(stack.tenant, person, keys.event(event.id)),
            "type": {"S": event.type},
            "occurred_at": {"S": event.occurred_at.isoformat()},
            "body": {"S": event.model_dump_json()},
        }
        pending.append({"PutRequest": {"Item": fact}})
        while len(pending) >= 25 or (pending and i == count - 2):
            batch, pending = pending[:25], pending[25:]
            left = dynamodb.batch_write_item(RequestItems={table: batch})["UnprocessedItems"]
            pending = left.get(table, []) + pending


def measure(workdir: Path, history: int, rounds: int, record_rounds: int) -> dict[str, Any]:
    """The same five events for a person with no history, one with ``CAP`` prior events
    (their bounded record already full) and one with ``history``. Figures per event: the
    whole pipeline's (``rounds`` rounds through the webhook), and the record step's (the
    event function: the only step that reads the person's record, where a growing
    history would show first), from ``record_rounds`` rounds of the event functions
    invoked as the bus invokes them: an event takes ~15 ms there against ~200 ms through
    the pipeline, so many more pairs fit in the time, and the ratio stops moving by a
    tenth from one run to the next (as 12 rounds through the pipeline did)."""
    stack = start_stack(workdir / "outbox-history")
    people = {"none": 0, "cap": CAP, "history": history}
    try:
        seeded = time.perf_counter()
        for who, count in people.items():
            if count:
                _seed_history(stack, f"p-{who}", count)
        seed_seconds = time.perf_counter() - seeded
        stack.drain()  # the seeding's stream records: none is a recommendation
        pipeline: dict[str, dict[str, list[float]]] = {who: defaultdict(list) for who in people}
        record: dict[str, dict[str, list[float]]] = {who: defaultdict(list) for who in people}
        functions = {props["Pattern"]["detail-type"][0]: fn for _, fn, props in stack._rule_queues}
        with counting(stack) as log:
            for warm in range(2):  # warm containers: a cold start is not history's doing
                for body in person_events("p-warmup", f"warm-{warm}"):
                    send(stack, body)
            for r, who in _interleaved(people, rounds):
                person = f"p-{who}-{r}" if who == "none" else f"p-{who}"
                for body in person_events(person, f"{who}-{r}", timedelta(days=r)):
                    with log.mark() as window:
                        start = time.perf_counter()
                        send(stack, body)
                        elapsed = time.perf_counter() - start
                    _tally(pipeline[who], window, elapsed)
            for r, who in _interleaved(people, record_rounds):
                person = f"p-{who}-r{r}" if who == "none" else f"p-{who}"
                shift = timedelta(days=rounds + r)
                for body in person_events(person, f"{who}-r{r}", shift):
                    document = json.loads(body)
                    event = bus_event(document, stack.tenant)
                    with log.mark() as window:
                        start = time.perf_counter()
                        functions[document["type"]].invoke(event)
                        elapsed = time.perf_counter() - start
                    _tally(record[who], window, elapsed)
                if r % 10 == 9:
                    stack.drain()  # publish what they wrote, as the stream would meanwhile
        summary = {
            "pipeline": {who: _typical(figures) for who, figures in pipeline.items()},
            "record_step": {who: _typical(figures) for who, figures in record.items()},
        }
        samples = {"pipeline": pipeline, "record_step": record}
        ratios = {
            part: {
                f"{who}_vs_{base}": {
                    k: _ratio(k, figures[who][k], figures[base][k], samples[part], who, base)
                    for k in figures[who]
                }
                for who, base in (("history", "none"), ("history", "cap"))
            }
            for part, figures in summary.items()
        }

        def worst(pair: str) -> float:
            found = ratios["record_step"][pair]
            return max(v for k, v in found.items() if k != "bytes_read" and v is not None)

        return {
            "prior_events": history,
            "cap_person_prior_events": CAP,
            "seed_seconds": round(seed_seconds, 1),
            "events_measured_each": {
                "pipeline": len(pipeline["none"]["calls"]),
                "record_step": len(record["none"]["calls"]),
            },
            "per_event": summary,
            "ratio": ratios,
            "max_ratio": worst("history_vs_none"),
            "max_ratio_vs_full_record": worst("history_vs_cap"),
        }
    finally:
        stack.stop()


def _interleaved(people: dict[str, int], rounds: int) -> Iterator[tuple[int, str]]:
    """(round, person) for every round, the people in a new order each round: no person
    always runs first, or last, in a round."""
    order = list(people)
    for r in range(rounds):
        random.Random(r).shuffle(order)
        for who in order:
            yield r, who


def _ratio(
    key: str,
    mine: float,
    base: float,
    samples: dict[str, dict[str, list[float]]],
    who: str,
    other: str,
) -> float | None:
    """``mine / base``; for latency, the median of the paired ratios instead: the same
    event of the same round for both people, moments apart, so a busy spell on a shared
    machine weighs on both sides of each pair rather than on one person's median."""
    if key == "latency_ms":
        pairs = zip(samples[who][key], samples[other][key], strict=True)
        return round(median([a / b for a, b in pairs if b]), 3)
    return round(mine / base, 3) if base else None


def _tally(figures: dict[str, list[float]], calls: list[dict[str, Any]], seconds: float) -> None:
    figures["calls"].append(len(calls))
    figures["items_read"].append(sum(c.get("items_read", 0) for c in calls))
    figures["bytes_read"].append(sum(c.get("bytes_read", 0) for c in calls))
    figures["latency_ms"].append(seconds * 1000)


def _typical(figures: dict[str, list[float]]) -> dict[str, float]:
    """Means, but medians for items read (a never-seen person's first read finds nothing,
    which is not what a history costs) and latency (one slow moment on a shared machine
    is noise)."""
    return {
        k: round(median(v) if k in {"items_read", "latency_ms"} else statistics.mean(v), 2)
        for k, v in figures.items()
    }
