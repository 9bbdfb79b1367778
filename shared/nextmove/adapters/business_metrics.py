"""Business metrics, as CloudWatch embedded metric format (EMF) lines in the function's log.

Powertools Metrics writes them; CloudWatch turns each line into metrics in the namespace
``POWERTOOLS_METRICS_NAMESPACE`` (``NextMove``) with a ``service`` dimension
(``POWERTOOLS_SERVICE_NAME``, ``nextmove-<env>``). No API call, so nothing to fail.

One EMF line has one set of dimensions for all its metrics, so a count that differs by a
dimension's value within one invocation (recommendations by kind, emails by outcome)
goes out as one line per value, each from its own ``EphemeralMetrics``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from aws_lambda_powertools.metrics import EphemeralMetrics, Metrics, MetricUnit

from nextmove.adapters.store import Recorded


def count_by(name: str, dimension: str, values: Iterable[str]) -> None:
    """Emit ``name`` once per distinct value, with the number of times it occurs."""
    for value, count in Counter(values).items():
        line = EphemeralMetrics()
        line.add_dimension(name=dimension, value=value)
        line.add_metric(name=name, unit=MetricUnit.Count, value=count)
        line.flush_metrics()


def event_recorded(metrics: Metrics, event_type: str, recorded: Recorded) -> None:
    """An event function's metrics: ``EventsRecorded`` or ``DuplicateEvents`` by event
    type (on the handler's ``metrics``), and ``Recommendations`` by kind."""
    metrics.add_dimension(name="event_type", value=event_type)
    name = "DuplicateEvents" if recorded.duplicate else "EventsRecorded"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    count_by("Recommendations", "kind", (rec.kind for rec in recorded.recommendations))
