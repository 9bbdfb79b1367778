"""End to end: signed webhook -> bus -> functions -> table -> stream -> SNS -> SQS -> SES,
through the local stack, as `nextmove replay` and `make run` drive it."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from nextmove_local.cli import main
from tests.support import EVENTS


def test_replaying_the_demo_year_gives_each_kind_of_advice_and_emails_it(tmp_path, capsys):
    outbox = tmp_path / "outbox"
    assert main(["replay", "--json", "--outbox", str(outbox), str(EVENTS / "demo")]) == 0
    out, err = capsys.readouterr()
    recs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    kinds = {r["kind"] for r in recs}
    assert {"timing", "negotiation", "goal", "skills"} <= kinds
    assert {r["person_id"] for r in recs} == {"p-ana"}
    assert len({r["id"] for r in recs}) == len(recs)  # nothing published twice
    emails = sorted(outbox.glob("*.eml"))
    # One email per event: the specific goal's goal and skills advice share one.
    events = {r["trigger_event_id"] for r in recs}
    assert len(emails) == len(events) == len(recs) - 1
    assert len(list(outbox.glob("*.html"))) == len(emails) + 1  # and the outbox's index.html
    subjects = {
        str(message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]) for p in emails
    }
    skills = next(r for r in recs if r["kind"] == "skills")
    assert f"{skills['headline']} (+1 more)" in subjects
    assert {r["headline"] for r in recs if r["kind"] not in {"goal", "skills"}} <= subjects
    assert "0 rejected" in err
    assert (outbox / "index.html").as_uri() in err


def test_the_vague_goal_is_coached_and_the_specific_one_confirmed(tmp_path, capsys):
    main(
        [
            "replay",
            "--json",
            "--outbox",
            str(tmp_path),
            str(EVENTS / "demo" / "01-profile-updated.json"),
            str(EVENTS / "demo" / "02-goal-updated-vague.json"),
            str(EVENTS / "demo" / "03-goal-updated-specific.json"),
        ]
    )
    recs = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    goals = {r["trigger_event_id"]: r for r in recs if r["kind"] == "goal"}
    assert goals["evt-ana-0002"]["rule"] == "goal.too_vague"
    assert goals["evt-ana-0003"]["rule"] == "goal.specific"


def test_replaying_the_same_files_twice_in_one_run_sends_nothing_twice(tmp_path, capsys):
    demo = str(EVENTS / "demo")
    main(["replay", "--json", "--outbox", str(tmp_path), demo, demo])
    recs = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    assert len({r["id"] for r in recs}) == len(recs)
    assert len(list(tmp_path.glob("*.eml"))) == len({r["trigger_event_id"] for r in recs})
