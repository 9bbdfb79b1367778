"""Journeys through every function and every grant, and the grant mutation run.

Each journey starts a stack, drives one part of the system as a person, partner or
operator would, and fails (AssertionError) on what they would notice: an email that
did not go out, an event not accepted, work not parked where the runbook says, an
admin answer refused, and any call IAM denied. ``tests/integration/test_iam.py``
runs each against ``template.yaml``; ``nextmove iam-mutations`` runs them against
copies of the template with one grant taken out, and reports which journey (and so
which test) each missing grant fails, or that a grant is used by none.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from nextmove_local import template
from nextmove_local.stack import LocalStack

EVENTS = template.ROOT / "events"
DEMO = sorted((EVENTS / "demo").glob("*.json"))
# A topic that does not exist: SNS (and IAM, which grants only the real one) refuses it.
NO_TOPIC = "arn:aws:sns:us-east-1:123456789012:none"
EVENT_FUNCTIONS = (
    "SuccessRecordedFunction",
    "GoalUpdatedFunction",
    "OfferReceivedFunction",
    "OfferResolvedFunction",
    "JobChangedFunction",
    "ProfileUpdatedFunction",
    "FeelingsCheckedInFunction",
)


@contextlib.contextmanager
def _stack(tpl: dict[str, Any] | None) -> Iterator[LocalStack]:
    stack = LocalStack.start(
        Path(tempfile.mkdtemp(prefix="nextmove-journey-")), template_document=tpl
    )
    stack.configure("POWERTOOLS_LOG_LEVEL", "ERROR")
    try:
        with contextlib.redirect_stdout(open(os.devnull, "w")):
            yield stack
        denied = [d.message for d in stack.authorizer.denied]
        assert not denied, f"IAM denied: {denied[0]}"
    finally:
        stack.stop()


def _replay_demo(stack: LocalStack) -> None:
    answers = stack.replay([p.read_bytes() for p in DEMO])
    assert [status for status, _ in answers] == [202] * len(DEMO), answers


def demo(tpl: dict[str, Any] | None = None) -> None:
    """The demo year: every event accepted, every recommendation published, its emails
    sent (one held for the digest among them), nothing parked."""
    with _stack(tpl) as stack:
        _replay_demo(stack)
        assert len(stack.published) == 5, stack.published
        assert len(stack.sent) >= 4, [s.subject for s in stack.sent]
        parked = {k: n for k, n in stack.queue_depths().items() if n}
        assert not parked, parked


def failures_park(tpl: dict[str, Any] | None = None) -> None:
    """The event functions, the publisher and the notifier failing for good park their
    work where the runbook says (each OnFailure destination is written with the
    function's own role; the notifier releases its claim each time)."""
    with _stack(tpl) as stack:
        _replay_demo(stack)
        authorizer = stack.authorizer
        # Broken configuration: each call is then refused, by IAM or by AWS.
        stack.configure("TABLE_NAME", "no-such-table", *EVENT_FUNCTIONS)
        for path in DEMO:
            document = json.loads(path.read_bytes())
            document["id"] = document["id"] + "-again"
            document["person_id"] = "p-drill"
            body = json.dumps(document).encode()
            assert stack.post(body, stack.signed_headers(body))[0] == 202
        stack.drain()
        depths = stack.queue_depths()
        assert depths["EventFunctionsDLQ"] == len(DEMO), depths
        stack.configure("TABLE_NAME", stack.resolve.refs["CareerTable"], *EVENT_FUNCTIONS)
        # A new person's profile and goal give the notifier, then the publisher, work.
        stack.configure("SENDER_EMAIL", "nobody@nowhere.example", "NotifierFunction")
        _person(stack, "p-drill-email")
        assert stack.queue_depths()["EmailDLQ"] >= 1, stack.queue_depths()
        stack.configure("TOPIC_ARN", NO_TOPIC, "PublisherFunction")
        _person(stack, "p-drill-publisher")
        assert stack.queue_depths()["PublisherDLQ"] >= 1, stack.queue_depths()
        # Denials caused by the drill's broken names are the drill, not a missing grant.
        authorizer.denied = [
            d
            for d in authorizer.denied
            if not any(
                broken in d.request.resource
                for broken in ("no-such-table", ":none", "nobody@nowhere")
            )
        ]


def _person(stack: LocalStack, person: str) -> None:
    """A new person's profile and specific goal (a goal and a skills recommendation)."""
    stack.travel_to(datetime.fromisoformat("2026-06-10T12:00:00+00:00"))  # no quiet hours
    for name in ("profile_updated", "goal_updated"):
        document = json.loads((EVENTS / f"{name}.json").read_bytes())
        document["id"], document["person_id"] = f"{document['id']}-{person}", person
        if name == "profile_updated":
            document["data"]["time_zone"] = "UTC"
        body = json.dumps(document).encode()
        assert stack.post(body, stack.signed_headers(body))[0] == 202
        stack.drain()


# A person's offer, its outcome and the new job: the loop closed, one sample of each.
LOOP = [
    EVENTS / f"{name}.json"
    for name in ("profile_updated", "offer_received", "offer_resolved", "job_changed")
]


def close_the_loop(tpl: dict[str, Any] | None = None) -> None:
    """An offer accepted and the new job: each advised and emailed; then, with the two
    functions broken, each event parks in EventFunctionsDLQ (written with their roles)."""
    with _stack(tpl) as stack:
        answers = stack.replay([p.read_bytes() for p in LOOP])
        assert [status for status, _ in answers] == [202] * len(LOOP), answers
        rules = [r["rule"] for r in stack.published]
        assert "negotiation.offer_accepted" in rules and "goal.next_role" in rules, rules
        subjects = [s.subject for s in stack.sent]
        assert any(s.startswith("Negotiating earned you") for s in subjects), subjects
        assert any(s.startswith("You are now Sales Engineer") for s in subjects), subjects
        assert not any(stack.queue_depths().values()), stack.queue_depths()
        loop_functions = ("OfferResolvedFunction", "JobChangedFunction")
        stack.configure("TABLE_NAME", "no-such-table", *loop_functions)
        for path in LOOP[2:]:
            document = json.loads(path.read_bytes())
            document["id"] = document["id"] + "-again"
            body = json.dumps(document).encode()
            assert stack.post(body, stack.signed_headers(body))[0] == 202
        stack.drain()
        assert stack.queue_depths()["EventFunctionsDLQ"] == 2, stack.queue_depths()
        authorizer = stack.authorizer
        authorizer.denied = [
            d for d in authorizer.denied if "no-such-table" not in d.request.resource
        ]


def email_feedback(tpl: dict[str, Any] | None = None) -> None:
    """A person whose address bounces (SES's mailbox simulator) gets one email, then
    none; with the suppression function broken, SES's event parks in EmailFeedbackDLQ
    (written with its role), and redrive folds it in."""
    from nextmove_local.redrive import Pipeline, redrive_all

    with _stack(tpl) as stack:
        profile = json.loads((EVENTS / "profile_updated.json").read_bytes())
        profile["data"] |= {"email": "bounce@simulator.amazonses.com", "time_zone": "UTC"}
        wins = []
        for n in (1, 2):
            win = json.loads((EVENTS / "success_recorded.json").read_bytes())
            win["id"] = f"evt-win-{n}"
            win["occurred_at"] = f"2026-06-1{n}T12:00:00+00:00"
            wins.append(win)
        answers = stack.replay([json.dumps(d).encode() for d in (profile, *wins)])
        assert [status for status, _ in answers] == [202] * 3, answers
        assert len(stack.sent) == 1, [s.subject for s in stack.sent]
        stack.configure("TABLE_NAME", "no-such-table", "SuppressionFunction")
        profile["id"], profile["person_id"] = "evt-profile-2", "p-other"
        wins[0]["id"], wins[0]["person_id"] = "evt-win-3", "p-other"
        stack.replay([json.dumps(d).encode() for d in (profile, wins[0])])
        assert stack.queue_depths()["EmailFeedbackDLQ"] == 1, stack.queue_depths()
        stack.configure("TABLE_NAME", stack.resolve.refs["CareerTable"], "SuppressionFunction")
        assert redrive_all(Pipeline.from_resources(stack.resolve.refs)).total == 1
        authorizer = stack.authorizer
        authorizer.denied = [
            d for d in authorizer.denied if "no-such-table" not in d.request.resource
        ]


def digest(tpl: dict[str, Any] | None = None) -> None:
    """An email held for quiet hours goes out on the digest's run; a failed run gives
    the held rows back and parks in DigestDLQ; the next run sends them."""
    with _stack(tpl) as stack:
        profile = json.loads((EVENTS / "profile_updated.json").read_bytes())
        profile["data"]["time_zone"] = "Asia/Tokyo"
        profile["occurred_at"] = "2026-05-06T13:00:00Z"  # 22:00 in Tokyo
        goal = json.loads((EVENTS / "goal_updated.json").read_bytes())
        goal["occurred_at"] = "2026-05-06T13:05:00Z"
        stack.travel_to(datetime.fromisoformat("2026-05-06T13:05:00+00:00"))
        for document in (profile, goal):
            body = json.dumps(document).encode()
            assert stack.post(body, stack.signed_headers(body))[0] == 202
            stack.drain()
        assert stack.sent == [], [s.subject for s in stack.sent]  # held for the morning
        authorizer = stack.authorizer
        stack.configure("SENDER_EMAIL", "nobody@nowhere.example", "DigestFunction")
        stack.run_schedules(datetime.fromisoformat("2026-05-07T08:00:00+09:00"))
        assert stack.queue_depths()["DigestDLQ"] == 1, stack.queue_depths()
        authorizer.denied = [d for d in authorizer.denied if "nobody@" not in d.request.resource]
        stack.configure("SENDER_EMAIL", stack.resolve.refs["SenderEmail"], "DigestFunction")
        stack.run_schedules(datetime.fromisoformat("2026-05-07T08:15:00+09:00"))
        assert len(stack.sent) == 1, [s.subject for s in stack.sent]


def admin(tpl: dict[str, Any] | None = None) -> None:
    """Every admin operation, as the console would invoke it, does its work: export,
    recompute of a lost recommendation, resend, delete."""
    with _stack(tpl) as stack:
        _replay_demo(stack)
        person = {"tenant": stack.tenant, "person_id": "p-ana"}
        fn = stack.functions["AdminFunction"]
        exported = fn.invoke({"operation": "export", **person})
        assert exported.get("ok") and exported["document"]["recommendations"], exported
        rec = exported["document"]["recommendations"][0]["sk"].split("#", 1)[1]
        # A recommendation row lost (as after a bad restore): recompute writes it again.
        stack.client("dynamodb").delete_item(
            TableName=stack.resolve.refs["CareerTable"],
            Key={"pk": {"S": f"{stack.tenant}#p-ana"}, "sk": {"S": f"REC#{rec}"}},
        )
        recomputed = fn.invoke({"operation": "recompute", **person})
        assert [w["id"] for w in recomputed.get("written", [])] == [rec], recomputed
        for request in (
            {"operation": "resend", "recommendation_id": rec, **person},
            {"operation": "delete", **person},
        ):
            answer = fn.invoke(request)
            assert answer.get("ok"), (request, answer)
        stack.drain()


def unsubscribe(tpl: dict[str, Any] | None = None) -> None:
    """A person's one-click unsubscribe from the link in their email: the GET's page,
    the POST's 200, the partner's note on the topic (not parked), and their next email
    not sent; with the topic refusing, the next click's note parked and redriven."""
    from nextmove_local.redrive import Pipeline, redrive_all

    with _stack(tpl) as stack:
        _person(stack, "p-unsubscribe")
        assert stack.sent, "no email to unsubscribe from"
        _click_unsubscribe(stack, page_first=True)
        stack.drain()
        parked = {k: n for k, n in stack.queue_depths().items() if n}
        assert not parked, f"parked: {parked}"
        assert [n.body["person_id"] for n in stack.notices] == ["p-unsubscribe"], stack.notices
        sent = len(stack.sent)
        document = json.loads((EVENTS / "success_recorded.json").read_bytes())
        document["id"], document["person_id"] = "evt-unsubscribe-win", "p-unsubscribe"
        body = json.dumps(document).encode()
        assert stack.post(body, stack.signed_headers(body))[0] == 202
        stack.drain()
        assert len(stack.sent) == sent, "an email went out after the unsubscribe"
        # With the topic refusing, another person's click still answers 200 and the
        # note waits in UnsubscribeNoticeDLQ (written with the function's role).
        _person(stack, "p-unsubscribe-drill")
        stack.configure("TOPIC_ARN", NO_TOPIC, "UnsubscribeFunction")
        _click_unsubscribe(stack)
        assert stack.queue_depths()["UnsubscribeNoticeDLQ"] == 1, stack.queue_depths()
        stack.configure(
            "TOPIC_ARN", stack.resolve.refs["RecommendationsTopic"], "UnsubscribeFunction"
        )
        assert redrive_all(Pipeline.from_resources(stack.resolve.refs)).total == 1
        stack.drain()
        notified = [n.body["person_id"] for n in stack.notices]
        assert notified == ["p-unsubscribe", "p-unsubscribe-drill"], notified
        authorizer = stack.authorizer
        authorizer.denied = [d for d in authorizer.denied if ":none" not in d.request.resource]


def _click_unsubscribe(stack: LocalStack, *, page_first: bool = False) -> None:
    """One-click unsubscribe (RFC 8058) from the latest email's List-Unsubscribe URL,
    after its GET page when ``page_first``: each answers 200."""
    from email import message_from_bytes, policy
    from urllib.parse import urlsplit

    message = message_from_bytes(stack.sent[-1].eml.read_bytes(), policy=policy.default)
    path = urlsplit(str(message["List-Unsubscribe"]).strip("<>")).path
    if page_first:
        assert stack.call("GET", path).status == 200
    answer = stack.call(
        "POST",
        path,
        {"content-type": "application/x-www-form-urlencoded"},
        b"List-Unsubscribe=One-Click",
    )
    assert answer.status == 200, answer


@dataclass(frozen=True)
class Journey:
    name: str
    run: Callable[[dict[str, Any] | None], None]


JOURNEYS = (
    Journey("demo", demo),
    Journey("close_the_loop", close_the_loop),
    Journey("failures_park", failures_park),
    Journey("digest", digest),
    Journey("email_feedback", email_feedback),
    Journey("admin", admin),
    Journey("unsubscribe", unsubscribe),
)


# ---- the mutation run ---------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    function: str
    source: str  # the policy the action is granted in
    action: str


def mutations(tpl: dict[str, Any]) -> list[Mutation]:
    """Every action each function is granted by the template itself (inline statements
    and the template's managed policies; SAM's own and AWS's managed policies are not
    the template's to change)."""
    found = []
    resources = tpl["Resources"]
    for logical, props in template.functions(tpl):
        for policy in props.get("Policies", []):
            if isinstance(policy, dict) and set(policy) == {"Ref"}:
                name = policy["Ref"]
                statements = resources[name]["Properties"]["PolicyDocument"]["Statement"]
            else:
                name, statements = "inline", policy["Statement"]
            for statement in statements:
                actions = statement["Action"]
                for action in actions if isinstance(actions, list) else [actions]:
                    found.append(Mutation(logical, name, action))
    return found


def without(tpl: dict[str, Any], mutation: Mutation) -> dict[str, Any]:
    """A copy of ``tpl`` in which ``mutation.function`` lacks ``mutation.action``; a
    managed policy it shares is copied for it alone, so the others keep theirs."""
    mutated = copy.deepcopy(tpl)
    props = mutated["Resources"][mutation.function]["Properties"]
    for index, policy in enumerate(props["Policies"]):
        if mutation.source == "inline" and isinstance(policy, dict) and "Statement" in policy:
            props["Policies"][index] = _drop(policy, mutation.action)
        elif isinstance(policy, dict) and policy.get("Ref") == mutation.source:
            alone = f"{mutation.source}For{mutation.function}"
            managed = copy.deepcopy(mutated["Resources"][mutation.source])
            managed["Properties"]["PolicyDocument"] = _drop(
                managed["Properties"]["PolicyDocument"], mutation.action
            )
            mutated["Resources"][alone] = managed
            props["Policies"][index] = {"Ref": alone}
    return mutated


def _drop(document: dict[str, Any], action: str) -> dict[str, Any]:
    statements = []
    for statement in document["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        kept = [a for a in actions if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}


def _why(error: Exception) -> str:
    """The failure's first line; for a bare assert, the journey's line that failed."""
    if lines := str(error).splitlines():
        return lines[0]
    where = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__} at line {where.lineno}: {where.line}"


def run_mutations(only: str | None = None) -> list[tuple[Mutation, str]]:
    """Each mutation and the first journey it fails (with why), or "unused"."""
    tpl = template.load()
    results = []
    for mutation in mutations(tpl):
        if only and only not in mutation.function:
            continue
        outcome = "unused"
        for journey in JOURNEYS:
            try:
                journey.run(without(tpl, mutation))
            except Exception as error:  # the journey failed: this grant is needed
                outcome = f"{journey.name}: {_why(error)[:160]}"
                break
        results.append((mutation, outcome))
        print(
            f"{mutation.function:26} {mutation.action:28} {mutation.source:22} {outcome}",
            flush=True,
        )
    return results
