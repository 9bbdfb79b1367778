"""A person's career record, as the domain sees it: what each event folds into.

The record is bounded whatever the length of a person's history (the newest few of
each kind are kept), so each event costs one read and one write of constant size. It
holds what the rules read and no more: the free text no rule reads (a success's
description, a check-in's note) stays in the event's own row, so the record every
event reads and rewrites is smaller, and holds less that is personal.

Folding is idempotent (a redelivered event leaves the record as it was) and tolerates
out-of-order delivery: the newer profile, goal or offer version wins, and successes and
check-ins are kept in the order they happened, not the order they arrived.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from nextmove.contracts.events import (
    FeelingsData,
    GoalData,
    OfferData,
    ProfileData,
    SuccessData,
)

KEEP_SUCCESSES = 20
KEEP_OFFERS = 10
# The feelings rules read the last six check-ins (a trend over five, and the one before
# to tell when a fall starts) and a streak of three; ten leaves room for late arrivals.
KEEP_CHECKINS = 10


class Dated(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str
    occurred_at: datetime

    def supersedes(self, stored: Dated | None) -> bool:
        """Whether this entry should replace ``stored`` (the newer wins).

        A redelivery of the stored event itself counts, so replaying an event gives the
        same record and the same advice. Ties on time are broken by event id, so the
        result does not depend on the order of arrival.
        """
        if stored is None or stored.event_id == self.event_id:
            return True
        return (self.occurred_at, self.event_id) > (stored.occurred_at, stored.event_id)


class ProfileEntry(Dated):
    data: ProfileData


class GoalEntry(Dated):
    data: GoalData


class SuccessEntry(Dated):
    data: SuccessData


class OfferEntry(Dated):
    data: OfferData


class CheckinEntry(Dated):
    data: FeelingsData


class TimingState(BaseModel):
    """Which success last opened a timing window, so a window is announced once."""

    model_config = ConfigDict(extra="forbid")

    window_success_id: str | None = None
    window_opened_at: datetime | None = None  # when that success happened
    announced_by: str | None = None  # the event whose recommendation announced the window
    # "Build the case first" is advised at most once a month; these say when and by what.
    case_advised_at: datetime | None = None
    case_advised_by: str | None = None


class SkillsPlanState(BaseModel):
    """The last skills plan sent, so an unchanged plan is not sent again."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = None  # target role and the skills proposed
    sent_by: str | None = None  # the event whose recommendation carried it


class PersonState(BaseModel):
    # Errors name the field, never quote its value: the record holds contact and pay.
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    tenant: str
    person_id: str
    profile: ProfileEntry | None = None
    goal: GoalEntry | None = None
    successes: list[SuccessEntry] = []  # oldest first, at most KEEP_SUCCESSES
    offers: list[OfferEntry] = []  # one per offer_id, oldest first, at most KEEP_OFFERS
    checkins: list[CheckinEntry] = []  # oldest first, at most KEEP_CHECKINS
    timing: TimingState = TimingState()
    skills_plan: SkillsPlanState = SkillsPlanState()

    @classmethod
    def new(cls, tenant: str, person_id: str) -> PersonState:
        return cls(tenant=tenant, person_id=person_id)

    def with_success(self, entry: SuccessEntry) -> PersonState:
        """The record with ``entry`` among the successes, in the order they happened."""
        entry = entry.model_copy(
            update={"data": entry.data.model_copy(update={"description": None})}
        )
        return self.model_copy(
            update={"successes": _insert(self.successes, entry, keep=KEEP_SUCCESSES)}
        )

    def with_checkin(self, entry: CheckinEntry) -> PersonState:
        """The record with ``entry`` among the check-ins, in the order they happened."""
        entry = entry.model_copy(update={"data": entry.data.model_copy(update={"note": None})})
        return self.model_copy(
            update={"checkins": _insert(self.checkins, entry, keep=KEEP_CHECKINS)}
        )

    def offer(self, offer_id: str) -> OfferEntry | None:
        """The stored version of an offer, if any."""
        return next((o for o in self.offers if o.data.offer_id == offer_id), None)

    def with_offer(self, entry: OfferEntry) -> PersonState:
        """The record with ``entry`` replacing any stored version of the same offer.

        The caller checks ``entry.supersedes(state.offer(...))`` first: an older version
        arriving late must not replace a newer one.
        """
        others = [o for o in self.offers if o.data.offer_id != entry.data.offer_id]
        return self.model_copy(update={"offers": _insert(others, entry, keep=KEEP_OFFERS)})


def _insert[E: Dated](entries: list[E], entry: E, *, keep: int) -> list[E]:
    """``entries`` with ``entry`` added once, ordered by time, only the newest ``keep``."""
    merged = [e for e in entries if e.event_id != entry.event_id] + [entry]
    merged.sort(key=lambda e: (e.occurred_at, e.event_id))
    return merged[-keep:]
