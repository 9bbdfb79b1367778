"""A person's career record, as the domain sees it: what each event folds into.

The record is bounded whatever the length of a person's history (the newest few of
each kind are kept), so each event costs one read and one write of constant size. It
holds what the rules read and no more: the free text no rule reads (a success's
description, a check-in's note) stays in the event's own row, so the record every
event reads and rewrites is smaller, and holds less that is personal.

Folding is idempotent (a redelivered event leaves the record as it was) and tolerates
out-of-order delivery: the newer profile, goal or offer version wins, and successes and
check-ins are kept in the order they happened, not the order they arrived. An offer's
outcome is kept apart from the offer (one per offer, the newest wins), so an outcome
that arrives before its offer still closes it. Jobs form the career history, ordered by
start date: the newest is the current job, and it overrides the profile's role, level,
pay and start with the employer unless the profile is newer than the job change.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from nextmove.contracts.events import (
    CompensationPackage,
    CurrentCompensation,
    FeelingsData,
    GoalData,
    JobChangeData,
    OfferData,
    OfferResolutionData,
    ProfileData,
    SuccessData,
)

KEEP_SUCCESSES = 20
KEEP_OFFERS = 10
# The feelings rules read the last six check-ins (a trend over five, and the one before
# to tell when a fall starts) and a streak of three; ten leaves room for late arrivals.
KEEP_CHECKINS = 10
# One outcome per offer: as many as there are offers.
KEEP_RESOLUTIONS = KEEP_OFFERS
# The career history: roles and pay over time, the newest ten jobs.
KEEP_JOBS = 10


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
    # The package of the first version seen, and when: what negotiating is measured from
    # once a revised version replaces it (None: this entry is the first version).
    first_package: CompensationPackage | None = None
    first_at: datetime | None = None
    first_event_id: str | None = None

    @property
    def first(self) -> tuple[CompensationPackage, datetime]:
        """The first package offered, and when it was."""
        if self.first_package is not None and self.first_at is not None:
            return self.first_package, self.first_at
        return self.data.package, self.occurred_at


class CheckinEntry(Dated):
    data: FeelingsData


class ResolutionEntry(Dated):
    data: OfferResolutionData


class JobEntry(Dated):
    data: JobChangeData
    # What the move left behind, as the record stood when it first arrived, so that a
    # redelivery gives the same advice: the role and pay before it, and the win whose
    # timing window it closed.
    role_before: str | None = None
    pay_before: CurrentCompensation | None = None
    closed_window_of: str | None = None

    @property
    def order(self) -> tuple[date, datetime, str]:
        """Jobs are ordered by when they started, then by when they were reported."""
        return (self.data.start_date, self.occurred_at, self.event_id)


class TimingState(BaseModel):
    """Which success last opened a timing window, so a window is announced once."""

    model_config = ConfigDict(extra="forbid")

    window_success_id: str | None = None
    window_opened_at: datetime | None = None  # when that success happened
    announced_by: str | None = None  # the event whose recommendation announced the window
    # "Build the case first" is advised at most once a month; these say when and by what.
    case_advised_at: datetime | None = None
    case_advised_by: str | None = None
    # A job change closes the window: successes before the new job's start no longer open one.
    window_closed_at: datetime | None = None


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
    resolutions: list[ResolutionEntry] = []  # one per offer_id, at most KEEP_RESOLUTIONS
    jobs: list[JobEntry] = []  # the career history, by start date, at most KEEP_JOBS
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
        stored = self.offer(entry.data.offer_id)
        if stored is not None and stored.event_id != entry.event_id:
            older = stored if stored.occurred_at <= entry.occurred_at else entry
            first, at = older.first
            entry = entry.model_copy(
                update={
                    "first_package": first,
                    "first_at": at,
                    "first_event_id": older.first_event_id or older.event_id,
                }
            )
        return self.with_offer_replaced(entry)

    def resolution(self, offer_id: str) -> ResolutionEntry | None:
        """The stored outcome of an offer, if it has one: a resolved offer is closed."""
        return next((r for r in self.resolutions if r.data.offer_id == offer_id), None)

    def open_offers(self, today: date) -> list[OfferEntry]:
        """The offers still open on ``today``: not resolved, and the deadline (if any)
        not passed."""
        return [
            entry
            for entry in self.offers
            if self.resolution(entry.data.offer_id) is None
            and (entry.data.deadline is None or entry.data.deadline >= today)
        ]

    def advice_closed(self, trigger_event_id: str) -> bool:
        """Whether advice triggered by ``trigger_event_id`` is on an offer since accepted,
        declined or withdrawn (the stored or the first version of it): an email of it
        still waiting would advise on an offer that is no longer open."""
        return any(
            trigger_event_id in (o.event_id, o.first_event_id)
            and self.resolution(o.data.offer_id) is not None
            for o in self.offers
        )

    def with_resolution(self, entry: ResolutionEntry) -> PersonState:
        """The record with ``entry`` replacing any stored outcome of the same offer (the
        caller checks ``entry.supersedes(state.resolution(...))`` first)."""
        others = [r for r in self.resolutions if r.data.offer_id != entry.data.offer_id]
        return self.model_copy(
            update={"resolutions": _insert(others, entry, keep=KEEP_RESOLUTIONS)}
        )

    @property
    def current_job(self) -> JobEntry | None:
        """The newest job in the career history."""
        return self.jobs[-1] if self.jobs else None

    def with_job(self, entry: JobEntry) -> PersonState:
        """The record with ``entry`` in the career history (in start order, the newest
        ``KEEP_JOBS``) and, when it is the current job, applied to the profile."""
        jobs = [j for j in self.jobs if j.event_id != entry.event_id] + [entry]
        jobs.sort(key=lambda j: j.order)
        return self.model_copy(update={"jobs": jobs[-KEEP_JOBS:]}).with_current_job()

    def with_current_job(self) -> PersonState:
        """The profile with the current job's role, level, pay and start with the
        employer, unless the profile was updated after the job change (it then already
        says what the partner knows). Tenure restarts with a new employer; a move with
        the same employer keeps the profile's start with it."""
        job, profile = self.current_job, self.profile
        if job is None or profile is None or profile.occurred_at > job.occurred_at:
            return self
        earlier = self.jobs[-2] if len(self.jobs) > 1 else None
        same_employer = earlier is not None and earlier.data.employer == job.data.employer
        since = profile.data.employer_since if same_employer else job.data.start_date
        data = profile.data.model_copy(
            update={
                "current_role": job.data.role_title,
                "current_level": job.data.level,
                # The old job's code would name the old occupation: the job's, or none.
                "occupation_code": job.data.occupation_code,
                "compensation": job.data.compensation,
                "employer_since": since,
                "location": job.data.location or profile.data.location,
            }
        )
        return self.model_copy(update={"profile": profile.model_copy(update={"data": data})})

    def with_earlier_offer(self, entry: OfferEntry) -> PersonState:
        """The record when an older version of a stored offer arrives late: it replaces
        nothing, but when it is the earliest seen its package becomes the first offer."""
        stored = self.offer(entry.data.offer_id)
        if stored is None or entry.occurred_at >= stored.first[1]:
            return self
        first = stored.model_copy(
            update={
                "first_package": entry.data.package,
                "first_at": entry.occurred_at,
                "first_event_id": entry.event_id,
            }
        )
        return self.with_offer_replaced(first)

    def with_offer_replaced(self, entry: OfferEntry) -> PersonState:
        others = [o for o in self.offers if o.data.offer_id != entry.data.offer_id]
        return self.model_copy(update={"offers": _insert(others, entry, keep=KEEP_OFFERS)})


def _insert[E: Dated](entries: list[E], entry: E, *, keep: int) -> list[E]:
    """``entries`` with ``entry`` added once, ordered by time, only the newest ``keep``."""
    merged = [e for e in entries if e.event_id != entry.event_id] + [entry]
    merged.sort(key=lambda e: (e.occurred_at, e.event_id))
    return merged[-keep:]
