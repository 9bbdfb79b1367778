"""Re-deriving a person's advice from their stored facts (the admin ``recompute``).

The facts are folded through the coach in the order they happened, from an empty
record, as if each had been delivered once and in order. Recommendation ids derive from
the trigger event and the kind, so the result names every recommendation those facts
give, and comparing ids with what is stored tells which are missing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from nextmove.contracts.recommendation import Recommendation
from nextmove.domain import coach
from nextmove.domain.state import PersonState
from nextmove.domain.thresholds import Thresholds


def rederive(
    tenant: str,
    person_id: str,
    facts: Iterable[coach.Fact],
    *,
    thresholds: Callable[[], Thresholds],
) -> list[Recommendation]:
    """Every recommendation ``facts`` give when folded in time order (ties by event id,
    as the record orders them), with the thresholds the live path uses."""
    state = PersonState.new(tenant, person_id)
    found: dict[str, Recommendation] = {}
    for fact in sorted(facts, key=lambda f: (f.occurred_at, f.id)):
        outcome = coach.react(state, fact, tenant=tenant, thresholds=thresholds)
        state = outcome.state
        for rec in outcome.recommendations:
            found.setdefault(rec.id, rec)
    return list(found.values())


def missing(derived: Iterable[Recommendation], stored_ids: Collection[str]) -> list[Recommendation]:
    """The derived recommendations that are not stored."""
    return [rec for rec in derived if rec.id not in stored_ids]
