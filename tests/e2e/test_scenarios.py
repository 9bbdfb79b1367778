"""Golden scenarios: a dozen people's stories, each replayed through the local stack.

Each folder in events/scenarios/ holds one person's events (``NN-<type>.json``) and an
``expected.json`` (which ``nextmove replay`` does not send) listing the advice a career
coach would give: per trigger event, the kind, rule, priority and the phrases and figures
that must appear, as the person reads them (headline, body, actions, and the evidence
in the email's plain words), and what must not be said. Every recommendation published
must be one that is listed: anything else is advice the story should not get.

Figures in the expectations are BLS OEWS May 2025 wages as the market module returns
them; ``market`` in expected.json lists each one used, and it is checked here too.
"""

from __future__ import annotations

import contextlib
import io
import json
from email import message_from_bytes, policy
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from nextmove.contracts.recommendation import Evidence
from nextmove.email import format_evidence
from nextmove.reference import market
from nextmove_local.cli import main
from tests.support import EVENTS

SCENARIOS = EVENTS / "scenarios"
STORIES = sorted(p.name for p in SCENARIOS.iterdir() if (p / "expected.json").is_file())


def expected(story: str) -> dict[str, Any]:
    return json.loads((SCENARIOS / story / "expected.json").read_text())


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory):
    """Replay a story once per module: (exit code, published recommendations, outbox)."""

    @cache
    def run(story: str) -> tuple[int, list[dict[str, Any]], Path]:
        outbox = tmp_path_factory.mktemp(story)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["replay", "--json", "--outbox", str(outbox), str(SCENARIOS / story)])
        recs = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
        return code, recs, outbox

    return run


def reads(rec: dict[str, Any]) -> str:
    """Everything the person reads: headline, body, actions, and the evidence as emailed."""
    evidence = [format_evidence(Evidence.model_validate(e)) for e in rec["evidence"]]
    return "\n".join([rec["headline"], rec["body"], *rec["actions"], *evidence])


def matches(rec: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Whether ``rec`` is what a must-not entry describes (every field given holds)."""
    fields = {"trigger": "trigger_event_id", "kind": "kind", "rule": "rule"}
    if any(key in rule and rec[field] != rule[key] for key, field in fields.items()):
        return False
    return "says" not in rule or rule["says"] in reads(rec)


def test_there_are_a_dozen_stories():
    assert len(STORIES) >= 12
    for story in STORIES:
        events = sorted((SCENARIOS / story).glob("[0-9][0-9]-*.json"))
        assert events, story
        # Every event file is sent, and expected.json is not.
        assert sorted(p.name for p in (SCENARIOS / story).glob("*.json")) == sorted(
            [p.name for p in events] + ["expected.json"]
        )


@pytest.mark.parametrize("story", STORIES)
def test_the_story_gets_the_advice_a_coach_would_give(story, replay):
    want = expected(story)
    code, recs, _ = replay(story)

    assert code == 0  # every event accepted, nothing parked in a dead-letter queue
    assert len({r["id"] for r in recs}) == len(recs)  # nothing published twice
    by_key = {(r["trigger_event_id"], r["kind"]): r for r in recs}
    listed = {(w["trigger"], w["kind"]) for w in want["recommendations"]}
    # Anything published that the story does not list is advice it should not get.
    assert set(by_key) == listed
    for w in want["recommendations"]:
        rec = by_key[(w["trigger"], w["kind"])]
        assert (rec["rule"], rec["priority"]) == (w["rule"], w["priority"]), w["trigger"]
        text = reads(rec)
        missing = [phrase for phrase in w["says"] if phrase not in text]
        assert not missing, f"{w['trigger']} {w['kind']} does not say {missing}:\n{text}"


@pytest.mark.parametrize("story", STORIES)
def test_the_story_never_gets_what_it_must_not(story, replay):
    _, recs, _ = replay(story)
    for rule in expected(story)["must_not"]:
        wrong = [r["id"] for r in recs if matches(r, rule)]
        assert not wrong, f"{story}: {rule['why']}"


@pytest.mark.parametrize("story", [s for s in STORIES if "emails" in expected(s)])
def test_the_story_emails_each_address_as_many_times_as_it_should(story, replay):
    # A story whose person's address bounces or complains (SES's mailbox simulator)
    # lists how many emails each address gets: the first one, then nothing more.
    _, _, outbox = replay(story)
    sent = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    counts: dict[str, int] = {}
    for message in sent:
        counts[str(message["To"])] = counts.get(str(message["To"]), 0) + 1
    assert counts == expected(story)["emails"]


@pytest.mark.parametrize("story", [s for s in STORIES if expected(s).get("market")])
def test_the_figures_expected_are_the_bls_figures(story):
    for figure in expected(story)["market"]:
        occupation = market.occupation_for_title(figure["title"])
        assert occupation is not None
        wages = market.wages(occupation.soc, city=figure["city"], state=figure["state"])
        assert wages is not None and wages.area_level == "metro"
        assert wages.at(figure["percentile"]) == figure["wage"]


def test_the_email_shows_each_figure_in_plain_words(replay):
    _, recs, outbox = replay("underpaid-senior-engineer")
    emails = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
    ]
    assert len(emails) == len(recs) == 2  # both versions of the offer, one email each
    for email in emails:
        assert str(email["Subject"]).startswith("Counter at $212,000")
        text = " ".join(email.get_body(("plain",)).get_content().split())
        assert (
            "Market median: $167,280 — BLS OEWS May 2025, Software Developers, "
            "Seattle-Tacoma-Bellevue, WA (metro area)"
        ) in text
        assert "BLS OEWS May 2025, BLS OEWS May 2025" not in text


# What a citation looks like to a reader: a source named in the advice, or a figure with its
# source as the email prints it (each recommendation's own evidence, added below).
CITATIONS = ("BLS", "Source:", "Glassdoor", "Atlanta Fed", "O*NET", "The figures behind this")


def _first_citation(part: str, rec: dict[str, Any], start: int = 0) -> int:
    cited = [*CITATIONS, *(" ".join(line.split()) for line in _evidence_lines(rec))]
    found = [i for c in cited if (i := part.find(c, start)) >= 0]
    return min(found, default=len(part))


def _evidence_lines(rec: dict[str, Any]) -> list[str]:
    return [format_evidence(Evidence.model_validate(e)) for e in rec["evidence"]]


@pytest.mark.parametrize("story", STORIES)
def test_every_email_gives_the_ask_and_the_first_action_before_any_source(story, replay):
    """In both parts, for each recommendation in an email (a bundle's and a digest's too):
    its headline and its first action come before the first source it cites, at the top
    of the email and again in its own section."""
    from tests.unit.test_email import visible, words

    _, recs, outbox = replay(story)
    for eml in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        text = words(message.get_body(("plain",)).get_content())
        page = visible(message.get_body(("html",)).get_content())
        inside = [r for r in recs if words(r["headline"]) in text]
        assert inside, eml.name
        for part in (text, page):
            for rec in inside:
                ask, action = words(rec["headline"]), words(rec["actions"][0])
                assert part.index(ask) < part.index(action) < _first_citation(part, rec), (
                    f"{eml.name}: {rec['kind']}"
                )
                section = part.rindex(ask)  # its own section: the headline's last mention
                assert part.index(action, section) < _first_citation(part, rec, section), (
                    f"{eml.name}: {rec['kind']}, in its section"
                )
