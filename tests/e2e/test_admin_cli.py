"""`nextmove admin`: the demo year replayed, then the admin function as the console runs it
with the test events in events/admin/."""

from __future__ import annotations

import json
import os

import pytest

from nextmove.contracts.admin import parse_admin_request
from nextmove_local.cli import main
from tests.support import EVENTS

SAMPLES = sorted((EVENTS / "admin").glob("*.json"))


@pytest.fixture(autouse=True)
def _keep_the_log_level(monkeypatch):
    """The command quietens the functions' logs for its process: not for later tests."""
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_each_console_test_event_is_a_valid_request_for_the_demo_person(path):
    request = parse_admin_request(json.loads(path.read_text()))
    assert (request.operation, request.tenant, request.person_id) == (
        path.stem,
        "demo-partner",
        "p-ana",
    )


def test_export_after_the_demo_year_holds_its_events(tmp_path, capsys):
    code = main(
        [
            *("admin", "export", "--person", "p-ana", "--outbox", str(tmp_path)),
            *("--replay", str(EVENTS / "demo")),
        ]
    )
    out, _ = capsys.readouterr()
    result = json.loads(out)
    assert code == 0 and result["ok"]
    assert [e["body"]["id"] for e in result["document"]["events"]] == [
        json.loads(p.read_text())["id"] for p in sorted((EVENTS / "demo").glob("*.json"))
    ]


def test_the_resend_test_event_sends_the_demo_negotiation_email_once_more(tmp_path, capsys):
    sample = json.loads((EVENTS / "admin" / "resend.json").read_text())
    code = main(
        [
            *("admin", "resend", "--person", "p-ana", "--outbox", str(tmp_path)),
            *("--recommendation", sample["recommendation_id"]),
            *("--replay", str(EVENTS / "demo")),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["kind"] == "negotiation"
    assert "0 more recommendations published, 1 more emails" in err


def test_a_bad_admin_request_exits_non_zero_naming_the_field(tmp_path, capsys):
    code = main(["admin", "resend", "--person", "p-ana", "--outbox", str(tmp_path)])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["details"] == [
        {"field": "recommendation_id", "problem": "Field required"}
    ]
