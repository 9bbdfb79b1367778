"""``nextmove reliability``: nothing lost, nothing duplicated, under faults.

Many people across several partners send their career events, each event delivered
three times in shuffled order through the signed webhook, while ``faults`` makes every
AWS hop fail (see faults.py). The sender retries a 5xx as Standard Webhooks senders do.
Then the stack drains, every DLQ is re-driven (the incident is over: faults stop), the
stack drains again, and what the table, SNS and SES hold is reconciled with what was
sent:

    lost              an accepted event with no EVENT# row; a REC# row never published;
                      a REC# row with no email decision (EMAIL# row), a claim left
                      "claimed" or "sending", a "sent" email whose SES message id SES never gave, a
                      "held" one in no DIGEST# row, a "preferences" suppression the
                      person's final preferences do not explain, or a "bounced" or
                      "complained" one for an address SES never reported (about one
                      person in twelve has a mailbox simulator address that bounces or
                      complains: their first email goes out, the rest must not)
    duplicate_emails  SES messages beyond the first for one recommendation (the
                      Message-ID carries the recommendation id)
    unconfirmed       recommendations whose email was claimed and never settled (the
                      settle refused for good after SES took it, faults.py): never sent
                      again; lost only if SES never took it
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nextmove_local.faults import HopStats

DELIVERIES_PER_EVENT = 3
SENDER_ATTEMPTS = 8  # a Standard Webhooks sender's retries on 5xx (here without the waits)
DRAIN_EVERY = 200  # deliveries between drains: the pumps run while events keep coming
ROLES = ["Software Engineer", "Engineering Manager", "Sales Engineer", "Product Manager"]
CITIES = [("Seattle", "WA"), ("Austin", "TX"), ("New York", "NY"), ("Chicago", "IL")]
SKILLS = ["Java", "AWS", "Code review", "Mentoring", "Negotiation", "SQL", "Roadmapping"]
FEELINGS = ["overwhelmed", "anxious", "unhappy", "neutral", "content", "excited"]
ALL_KINDS = ["timing", "negotiation", "goal", "skills", "wellbeing"]
MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^@>]+)@", re.MULTILINE | re.IGNORECASE)


@dataclass
class Summary:
    events: int
    deliveries: int
    faults: int
    stored: int
    recommendations: int
    emailed: int
    duplicate_emails: int
    unconfirmed: int
    parked: int
    redriven: int
    lost: int

    def line(self) -> str:
        """The one line a run ends with."""
        fields = " ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"reliability: {fields}"


# ---- the workload ---------------------------------------------------------------------


def workload(events: int, *, tenants: list[str], seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``events`` signed-webhook bodies (tenant, document) for many people: each person
    has profiles, goals, successes, an offer (often its outcome and, when accepted, the
    new job) and check-ins spread over a year."""
    rng = random.Random(seed)
    documents: list[tuple[str, dict[str, Any]]] = []
    person = 0
    while len(documents) < events:
        person += 1
        tenant = tenants[person % len(tenants)]
        documents.extend((tenant, d) for d in _person_events(rng, f"p-{person:05d}"))
    return documents[:events]


SIMULATOR = "@simulator.amazonses.com"


def _person_events(rng: random.Random, person_id: str) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    role = rng.choice(ROLES)
    city, state = rng.choice(CITIES)
    wants = rng.random() > 0.1
    mailbox = rng.random()
    # SES's mailbox simulator: the "+label" keeps each person's address their own.
    box = "bounce" if mailbox < 0.05 else "complaint" if mailbox < 0.08 else ""
    address = f"{box}+{person_id}@simulator.amazonses.com" if box else f"{person_id}@example.com"
    kinds = ALL_KINDS if rng.random() > 0.2 else rng.sample(ALL_KINDS, 3)
    found: list[dict[str, Any]] = []

    def event(kind: str, day: int, data: dict[str, Any]) -> None:
        found.append(
            {
                "id": f"evt-{person_id}-{len(found) + 1:02d}",
                "type": kind,
                "schema_version": 1,
                "occurred_at": (start + timedelta(days=day, minutes=len(found))).isoformat(),
                "person_id": person_id,
                "data": data,
            }
        )

    for version in range(rng.randint(1, 2)):
        event(
            "profile.updated",
            version * 90,
            {
                "email": address,
                "name": f"Person {person_id}",
                "current_role": role,
                "current_level": "mid",
                "location": {"city": city, "state": state, "country": "US"},
                "compensation": {"base_salary": rng.randrange(90_000, 180_000, 1000)},
                "skills": rng.sample(SKILLS, 3 + version),
                "employer_since": "2022-08-15",
                "notifications": {"email": wants, "kinds": kinds},
            },
        )
    goals = [
        {"statement": "Become an executive"},
        {
            "statement": f"Become a senior {rng.choice(ROLES)} at a Series B startup by 2028",
            "target_role": rng.choice(ROLES),
            "target_date": "2028-06-30",
        },
    ]
    for version in range(rng.randint(1, 2)):
        event("goal.updated", 10 + version * 40, goals[version])
    for n in range(rng.randint(0, 2)):
        event(
            "success.recorded",
            60 + n * 50,
            {
                "title": f"Shipped project {n + 1}",
                "category": rng.choice(["launch", "sale", "programme"]),
                "magnitude": rng.choice(["minor", "notable", "major"]),
            },
        )
    if rng.random() < 0.6:
        for revision in range(rng.randint(1, 2)):
            event(
                "offer.received",
                120 + revision * 3,
                {
                    "offer_id": f"offer-{person_id}",
                    "company": "Acme",
                    "role_title": rng.choice(ROLES),
                    "level": "senior",
                    "location": {"city": city, "state": state, "country": "US"},
                    "package": {"base_salary": rng.randrange(110_000, 220_000, 1000) + revision},
                    "deadline": "2026-06-01",
                },
            )
        if rng.random() < 0.7:  # the loop closed: an outcome, and the new job if accepted
            outcome = rng.choice(["accepted", "accepted", "declined", "withdrawn"])
            base = rng.randrange(110_000, 230_000, 1000)
            countered = rng.random() < 0.6
            event(
                "offer.resolved",
                128,
                {
                    "offer_id": f"offer-{person_id}",
                    "outcome": outcome,
                    "final_package": {"base_salary": base},
                    "countered": countered,
                    **({"counter_base_salary": base + 10_000} if countered else {}),
                },
            )
            if outcome == "accepted":
                event(
                    "job.changed",
                    150,
                    {
                        "role_title": rng.choice(ROLES),
                        "level": "senior",
                        "employer": "Acme",
                        "start_date": (start + timedelta(days=150)).date().isoformat(),
                        "compensation": {"base_salary": base},
                    },
                )
    for n in range(rng.randint(1, 2)):
        event("feelings.checked_in", 130 + n * 20, {"feeling": rng.choice(FEELINGS)})
    return found


# ---- the run --------------------------------------------------------------------------


@dataclass
class Run:
    """A run's summary, the faults per hop, and the lines that explain the result."""

    summary: Summary
    hops: dict[str, HopStats]
    notes: list[str]


def run(
    events: int, *, faults: float, seed: int, tenants: int = 5, outbox: Path | None = None
) -> Run:
    """Send, fault, drain, redrive, drain, reconcile."""
    import tempfile

    from nextmove_local.faults import FaultInjector
    from nextmove_local.redrive import Pipeline, redrive_all
    from nextmove_local.stack import LocalStack

    names = tuple(f"partner-{n}" for n in range(1, tenants + 1))
    outbox = outbox or Path(tempfile.mkdtemp(prefix="nextmove-reliability-"))
    stack = LocalStack.start(outbox, tenants=names)
    # Thousands of invocations: the functions' logs and metrics (their stdout, as on
    # Lambda) go to a file beside the outbox, so the summary is the run's one line.
    stack.configure("POWERTOOLS_LOG_LEVEL", "WARNING")
    functions_log = (outbox / "functions.log").open("w")
    injector = FaultInjector(faults, seed=seed)
    injector.install(stack)
    rng = random.Random(seed)
    documents = workload(events, tenants=list(names), seed=seed)
    deliveries = [d for d in documents for _ in range(DELIVERIES_PER_EVENT)]
    rng.shuffle(deliveries)
    accepted: set[tuple[str, str, str]] = set()
    posts = 0
    notes: list[str] = []
    try:
        with contextlib.redirect_stdout(functions_log), injector.no_backoff_sleep():
            for n, (tenant, document) in enumerate(deliveries, 1):
                body = json.dumps(document).encode()
                message_id = f"msg_{tenant}_{document['id']}"  # retries reuse it
                for _ in range(SENDER_ATTEMPTS):
                    posts += 1
                    status, _answer = stack.post(
                        body, stack.signed_headers(body, tenant=tenant, msg_id=message_id)
                    )
                    if status < 500:
                        break
                if status == 202:
                    accepted.add((tenant, document["person_id"], document["id"]))
                elif status < 500:
                    raise RuntimeError(f"{document['id']}: refused with {status}")
                if n % DRAIN_EVERY == 0:
                    stack.drain()
            stack.drain()
        injector.enabled = False  # the incident is over: the operator re-drives
        depths = stack.queue_depths()
        parked = {name: n for name, n in depths.items() if name.endswith("DLQ") and n}
        with contextlib.redirect_stdout(functions_log):
            redriven = redrive_all(Pipeline.from_resources(stack.resolve.refs))
            stack.drain()
            again = redrive_all(Pipeline.from_resources(stack.resolve.refs))
            stack.drain()
        for name, hop in injector.stats.items():
            share = hop.faults / hop.attempts if hop.attempts else 0.0
            notes.append(
                f"hop {name}: calls={hop.calls} attempts={hop.attempts} faults={hop.faults} "
                f"({share:.0%} of attempts) outages={hop.outages} "
                + " ".join(f"{code}={count}" for code, count in sorted(hop.by_code.items()))
            )
        notes.append(f"settle refused for good after SES took the email: {len(injector.unsettled)}")
        notes.append(
            f"parked by DLQ: {parked or 'none'}; redriven: {redriven.redriven}; "
            f"second redrive found {again.total}; botocore backoff not slept: "
            f"{injector.backoff_seconds:.0f} s"
        )
        summary, findings = _reconcile(stack, accepted, events, posts, injector.faults)
        summary.parked = sum(parked.values())
        summary.redriven = redriven.total + again.total
        notes.extend(findings)
    finally:
        stack.stop()
        functions_log.close()
    return Run(summary, injector.stats, notes)


def _reconcile(
    stack: Any, accepted: set[tuple[str, str, str]], events: int, posts: int, faults: int
) -> tuple[Summary, list[str]]:
    from moto.ses.models import ses_backends

    from nextmove.adapters import store, suppressions
    from nextmove.contracts import Recommendation
    from nextmove.domain import email_policy
    from nextmove.domain.state import PersonState
    from nextmove.domain.suppression import Standing
    from nextmove_local.account import ACCOUNT, REGION

    rows = _scan(stack)
    stored = {(r["pk"]["S"], r["sk"]["S"][len("EVENT#") :]) for r in rows if _sk(r, "EVENT#")}
    recs = {
        r["sk"]["S"][len("REC#") :]: Recommendation.model_validate_json(r["body"]["S"])
        for r in rows
        if _sk(r, "REC#")
    }
    decisions = {r["sk"]["S"][len("EMAIL#") :]: r["status"]["S"] for r in rows if _sk(r, "EMAIL#")}
    states = {
        r["pk"]["S"]: PersonState.model_validate_json(store.state_json(r))
        for r in rows
        if r["sk"]["S"] == "STATE"
    }
    standings = {
        r["pk"]["S"]: suppressions.from_item(r)[0] for r in rows if r["sk"]["S"] == "SUPPRESSION"
    }
    published = {rec["id"] for rec in stack.published}
    ses_messages = ses_backends[ACCOUNT][REGION].sent_messages
    accepted_by_ses = {message.id for message in ses_messages}
    # One email per message key (the lead recommendation's id): more is a duplicate.
    mailed = Counter(
        match.group(1).decode()
        for message in ses_messages
        for match in [MESSAGE_ID.search(_raw(message))]
        if match
    )
    sent_ids = {
        r["sk"]["S"][len("EMAIL#") :]: r.get("message_id", {}).get("S")
        for r in rows
        if _sk(r, "EMAIL#")
    }
    held = {  # recommendations waiting in a DIGEST# row for the digest to send
        rec["id"]
        for r in rows
        # An unconfirmed row waits for nothing: counted lost (whether or not SES took it)
        if _sk(r, "DIGEST#") and r.get("status", {}).get("S") not in ("sent", "unconfirmed")
        for rec in json.loads(r["body"]["S"])
    }

    lost = Counter[str]()
    lost["events"] = sum((f"{t}#{p}", e) not in stored for t, p, e in accepted)
    outcomes = Counter[str]()
    emailed = 0
    for rec_id, rec in recs.items():
        lost["unpublished"] += rec_id not in published
        decision = decisions.get(rec_id, "none")
        outcomes[decision] += 1
        if decision == "sent":
            in_ses = sent_ids.get(rec_id) in accepted_by_ses
            emailed += in_ses
            lost["sent_but_not_in_ses"] += not in_ses
        elif decision == "held":
            lost["held_but_not_in_digest"] += rec_id not in held
        elif decision == "suppressed:preferences":
            profile = states[f"{rec.tenant}#{rec.person_id}"].profile
            wanted = profile is not None and email_policy.wants_email(
                rec.kind, profile.data.notifications
            )
            lost["wrongly_suppressed"] += wanted
        elif decision in ("suppressed:bounced", "suppressed:complained"):
            # Only an address SES reported bounced or complained of, and only a mailbox
            # simulator address that does so.
            pk = f"{rec.tenant}#{rec.person_id}"
            profile = states[pk].profile
            address = profile.data.email if profile else ""
            reported = standings.get(pk, Standing()).record(address).suppressed
            box = address.partition("+")[0] if address.endswith(SIMULATOR) else ""
            expected = {"bounce": "suppressed:bounced", "complaint": "suppressed:complained"}
            lost["wrongly_suppressed"] += not (
                decision == f"suppressed:{reported}" == expected.get(box)
            )
        elif decision == "suppressed:closed":
            # Only advice on an offer since resolved is closed.
            state = states[f"{rec.tenant}#{rec.person_id}"]
            lost["wrongly_closed"] += not state.advice_closed(rec.trigger_event_id)
        elif decision == "unconfirmed":
            # Never sent again by NextMove; the runbook has an operator resend it only if
            # SES never took it. One that SES did not take is an email the person lacks.
            siblings = {
                r.id
                for r in recs.values()
                if (r.tenant, r.person_id, r.trigger_event_id)
                == (rec.tenant, rec.person_id, rec.trigger_event_id)
            }
            lost["unconfirmed_never_sent"] += not (siblings & set(mailed))
        elif not decision.startswith("suppressed:"):
            lost[f"email_{decision}"] += 1  # never decided, or a claim left behind
    duplicates = sum(count - 1 for count in mailed.values())
    findings = [
        f"accepted={len(accepted)} email decisions: {dict(sorted(outcomes.items()))}",
        f"lost by kind: {dict(+lost) or 'none'}",
        f"duplicated message keys: {[k for k, n in mailed.items() if n > 1][:5]}",
    ]
    summary = Summary(
        events=events,
        deliveries=posts,
        faults=faults,
        stored=len(stored),
        recommendations=len(recs),
        emailed=emailed,
        duplicate_emails=duplicates,
        unconfirmed=outcomes["unconfirmed"],
        parked=0,
        redriven=0,
        lost=sum(lost.values()),
    )
    return summary, findings


def _sk(row: dict[str, Any], prefix: str) -> bool:
    return str(row["sk"]["S"]).startswith(prefix)


def _raw(message: Any) -> bytes:
    data = message.raw_data
    return data.encode() if isinstance(data, str) else bytes(data)


def _scan(stack: Any) -> list[dict[str, Any]]:
    """Every row of the career table: a Scan, which only this check makes, never the
    pipeline."""
    paginator = stack.client("dynamodb").get_paginator("scan")
    rows: list[dict[str, Any]] = []
    for page in paginator.paginate(
        TableName=stack.resolve.refs["CareerTable"], ConsistentRead=True
    ):
        rows.extend(page["Items"])
    return rows


def main(events: int, faults: float, seed: int, tenants: int) -> int:
    """Run, print what explains the result on stderr and the summary line on stdout."""
    started = time.monotonic()
    result = run(events, faults=faults, seed=seed, tenants=tenants)
    for note in result.notes:
        print(note, file=sys.stderr)
    print(f"took {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(result.summary.line())
    return 1 if result.summary.lost or result.summary.duplicate_emails else 0
