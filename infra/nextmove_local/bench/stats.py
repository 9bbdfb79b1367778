"""Median and percentile of a benchmark's samples: NaN when there are none, where the
statistics module would raise, so a part that measured nothing still reports."""

from __future__ import annotations

import math
import statistics


def median(values: list[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank ``pct`` percentile, or NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1)]
