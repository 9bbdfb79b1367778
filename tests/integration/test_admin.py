"""The admin function (console test events): recompute, export, delete, resend."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest

from nextmove.adapters import admin as admin_adapter
from nextmove.adapters import keys as table_keys
from tests.support import EVENTS, bus_event, keys, table_items

DEMO = sorted((EVENTS / "demo").glob("*.json"))
# The operator acts weeks after the demo year's last event, at noon in the person's
# time zone: no email rule (quiet hours, weekly limit) holds what admin sends.
OPERATOR_NOW = datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
FUNCTIONS = {
    "profile.updated": "ProfileUpdatedFunction",
    "goal.updated": "GoalUpdatedFunction",
    "success.recorded": "SuccessRecordedFunction",
    "offer.received": "OfferReceivedFunction",
    "offer.resolved": "OfferResolvedFunction",
    "job.changed": "JobChangedFunction",
    "feelings.checked_in": "FeelingsCheckedInFunction",
}


def _ana(stack: Any) -> None:
    """The demo year of p-ana through the signed webhook, each event at its own time
    (as ``nextmove replay`` runs it), every held email sent; then the operator's now."""
    answers = stack.replay([path.read_bytes() for path in DEMO])
    assert [status for status, _ in answers] == [202] * len(DEMO)
    stack.travel_to(OPERATOR_NOW)


def _others(stack: Any) -> None:
    """The same year for another person of the tenant and for p-ana of another tenant."""
    for path in DEMO:
        document = json.loads(path.read_text())
        bo = {**document, "id": document["id"].replace("ana", "bo"), "person_id": "p-bo"}
        if bo["type"] == "profile.updated":
            bo["data"] = {**bo["data"], "email": "bo@example.com", "name": "Bo"}
        stack.functions[FUNCTIONS[bo["type"]]].invoke(bus_event(stack, bo))
        stack.functions[FUNCTIONS[document["type"]]].invoke(
            bus_event(stack, document, tenant="other-partner")
        )
        stack.drain()


def _admin(stack: Any, operation: str, **fields: Any) -> dict[str, Any]:
    request = {"operation": operation, "tenant": stack.tenant, "person_id": "p-ana", **fields}
    result = stack.functions["AdminFunction"].invoke(request)
    stack.drain()
    return result


def _rows(stack: Any, tenant: str, person_id: str) -> list[dict[str, Any]]:
    pk = table_keys.partition(tenant, person_id)
    return [item for item in table_items(stack) if item["pk"]["S"] == pk]


def _published_for_ana(stack: Any) -> list[dict[str, Any]]:
    return [r for r in stack.published if r["person_id"] == "p-ana" and r["tenant"] == stack.tenant]


# ---- export -------------------------------------------------------------------------


def test_export_returns_exactly_what_the_persons_events_produced(stack):
    _ana(stack)
    emails = len(stack.sent)
    _others(stack)
    result = _admin(stack, "export")
    assert result["ok"] and result["next_after"] is None
    document = result["document"]
    assert (document["tenant"], document["person_id"]) == (stack.tenant, "p-ana")

    sent = [json.loads(path.read_text()) for path in DEMO]
    assert [e["body"]["id"] for e in document["events"]] == sorted(d["id"] for d in sent)
    offer = next(e["body"] for e in document["events"] if e["type"] == "offer.received")
    assert offer["data"]["package"]["base_salary"] == 152000
    recs = {r["id"]: r for r in _published_for_ana(stack)}
    assert {r["body"]["id"] for r in document["recommendations"]} == set(recs)
    assert all(r["body"] == recs[r["body"]["id"]] for r in document["recommendations"])
    assert {e["sk"].removeprefix("EMAIL#") for e in document["emails"]} == set(recs)
    assert {e["status"] for e in document["emails"]} == {"sent"}
    assert document["state"]["state"]["profile"]["data"]["email"] == "ana.souza@example.com"
    # The weekly limit's count: the emails of the week before the last one (the demo year
    # runs a year, so older sends have left the window and the row).
    (mailbox,) = document["mailbox"]
    last = str(message_from_bytes(stack.sent[emails - 1].eml.read_bytes())["Message-ID"])
    assert last.strip("<>").partition("@")[0] in mailbox["sent"]
    times = sorted(datetime.fromisoformat(at) for at in mailbox["sent"].values())
    assert 1 <= len(times) < emails and times[-1] - times[0] < timedelta(days=7)
    assert document["held_emails"] == document["other"] == []  # every email went out
    # SES delivered to her address: confirmed, nothing suppressed.
    (suppression,) = document["suppression"]
    [(address, record)] = suppression["standing"]["addresses"].items()
    assert address == "ana.souza@example.com" and "suppressed" not in record
    assert record["confirmed_at"]
    assert result["counts"] == {
        "state": 1,
        "events": len(DEMO),
        "recommendations": len(recs),
        "emails": len(recs),
        "held_emails": 0,
        "mailbox": 1,
        "suppression": 1,
        "other": 0,
    }
    text = json.dumps(result)  # what the console shows: plain JSON
    assert "p-bo" not in text and "bo@example.com" not in text
    assert "other-partner" not in text


def test_a_large_export_comes_in_pages_that_together_hold_every_row(stack, monkeypatch):
    _ana(stack)
    whole = _admin(stack, "export")["document"]
    monkeypatch.setattr(admin_adapter, "EXPORT_PAGE_BYTES", 4000)
    pages, after = [], None
    while True:
        page = _admin(stack, "export", **({"after": after} if after else {}))
        assert page["ok"]
        pages.append(page)
        after = page["next_after"]
        if after is None:
            break
    assert len(pages) > 2
    for section in admin_adapter.LISTS:
        assert [r for p in pages for r in p["document"][section]] == whole[section]
    assert [p["document"]["state"] for p in pages if p["document"]["state"]] == [whole["state"]]


# ---- delete -------------------------------------------------------------------------


def test_delete_removes_every_row_of_the_person_and_nothing_else(stack):
    _ana(stack)
    _others(stack)
    before = table_items(stack)
    ana = _rows(stack, stack.tenant, "p-ana")
    published, sent = len(stack.published), len(stack.sent)

    result = _admin(stack, "delete")

    assert result["ok"] and result["deleted"] == len(ana)
    assert result["by_kind"]["events"] == len(DEMO)
    assert result["by_kind"]["emails"] == result["by_kind"]["recommendations"] > 0
    assert _rows(stack, stack.tenant, "p-ana") == []
    others = [i for i in before if i["pk"]["S"] != f"{stack.tenant}#p-ana"]
    assert keys(table_items(stack)) == keys(others)
    assert _rows(stack, "other-partner", "p-ana")  # the same person id, another tenant
    assert (len(stack.published), len(stack.sent)) == (published, sent)

    again = _admin(stack, "delete")
    assert again == {"ok": True, "operation": "delete", "deleted": 0, "by_kind": {}}
    assert keys(table_items(stack)) == keys(others)


class _Throttled:
    """DynamoDB that leaves part of each batch unprocessed, as it does when throttled."""

    def __init__(self, dynamodb: Any, *, ever: bool) -> None:
        self._dynamodb = dynamodb
        self._ever = ever
        self._calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dynamodb, name)

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self._calls += 1
        if not self._ever and self._calls % 2 == 0:
            return self._dynamodb.batch_write_item(RequestItems=RequestItems)
        (table, requests), *_ = RequestItems.items()
        if not self._ever:
            self._dynamodb.batch_write_item(RequestItems={table: requests[:1]})
            requests = requests[1:]
        return {"UnprocessedItems": {table: requests} if requests else {}}


def test_delete_retries_what_dynamodb_left_unprocessed(stack, monkeypatch):
    _ana(stack)
    real = admin_adapter.client
    throttled = _Throttled(real("dynamodb"), ever=False)
    monkeypatch.setattr(
        admin_adapter, "client", lambda s: throttled if s == "dynamodb" else real(s)
    )
    assert _admin(stack, "delete")["ok"]
    assert _rows(stack, stack.tenant, "p-ana") == []


def test_delete_fails_loudly_when_dynamodb_keeps_items_unprocessed(stack, monkeypatch):
    _ana(stack)
    held = len(_rows(stack, stack.tenant, "p-ana"))
    real = admin_adapter.client
    throttled = _Throttled(real("dynamodb"), ever=True)
    monkeypatch.setattr(
        admin_adapter, "client", lambda s: throttled if s == "dynamodb" else real(s)
    )
    monkeypatch.setattr(admin_adapter, "BATCH_ATTEMPTS", 3)
    with pytest.raises(admin_adapter.Unprocessed, match=rf"{min(held, 25)} deletes still"):
        stack.functions["AdminFunction"].invoke(
            {"operation": "delete", "tenant": stack.tenant, "person_id": "p-ana"}
        )
    assert len(_rows(stack, stack.tenant, "p-ana")) == held


# ---- recompute ----------------------------------------------------------------------


def test_recompute_restores_a_lost_recommendation_and_publishes_it_once(stack):
    _ana(stack)
    assert _admin(stack, "recompute")["written"] == []  # nothing is missing
    lost = _published_for_ana(stack)[0]
    stack.client("dynamodb").delete_item(
        TableName=stack.resolve.refs["CareerTable"],
        Key={"pk": {"S": f"{stack.tenant}#p-ana"}, "sk": {"S": f"REC#{lost['id']}"}},
    )
    published, sent = len(stack.published), len(stack.sent)

    result = _admin(stack, "recompute")

    assert result["ok"] and result["facts"] == len(DEMO)
    assert result["written"] == [{"id": lost["id"], "kind": lost["kind"]}]
    assert stack.published[published:] == [lost]  # the same advice, published once more
    assert len(stack.sent) == sent  # its email went out before: not again
    assert _admin(stack, "recompute")["written"] == []
    assert len(stack.published) == published + 1


def test_recompute_advises_with_the_thresholds_the_live_path_used(stack):
    from nextmove.adapters import settings

    stack.client("ssm").put_parameter(
        Name=stack.resolve.refs["ThresholdsParameter"],
        Value=json.dumps({"timing": {"full_months": 6, "closed_months": 12}}),
        Type="String",
        Overwrite=True,
    )
    settings.forget()
    _ana(stack)
    lost = next(r for r in _published_for_ana(stack) if r["kind"] == "timing")
    assert "strongest for 6 months" in lost["body"]
    stack.client("dynamodb").delete_item(
        TableName=stack.resolve.refs["CareerTable"],
        Key={"pk": {"S": f"{stack.tenant}#p-ana"}, "sk": {"S": f"REC#{lost['id']}"}},
    )
    assert _admin(stack, "recompute")["written"] == [{"id": lost["id"], "kind": "timing"}]
    assert stack.published[-1] == lost  # not the defaults' 3 months


# ---- resend -------------------------------------------------------------------------


def test_resend_sends_exactly_one_more_email(stack):
    _ana(stack)
    rec = _published_for_ana(stack)[0]
    sent = len(stack.sent)
    # A redelivery of the same message arrives too: the claim still allows one send.
    result = _admin(stack, "resend", recommendation_id=rec["id"])
    stack.client("sqs").send_message(
        QueueUrl=stack.resolve.refs["EmailQueue"], MessageBody=json.dumps(rec)
    )
    stack.drain()

    assert result == {
        "ok": True,
        "operation": "resend",
        "recommendation_id": rec["id"],
        "kind": rec["kind"],
        "previous_email": "sent",
        "queued": True,
    }
    assert len(stack.sent) == sent + 1
    assert stack.sent[-1].subject == rec["headline"]
    assert stack.sent[-1].to == "ana.souza@example.com"
    assert rec not in stack.published[len(_published_for_ana(stack)) :]  # not re-published


def test_resend_of_an_unknown_recommendation_is_not_found(stack):
    _ana(stack)
    sent = len(stack.sent)
    result = _admin(stack, "resend", recommendation_id="no-such-recommendation")
    assert result["ok"] is False and result["error"] == "not_found"
    assert "no-such-recommendation" in result["message"]
    assert len(stack.sent) == sent


def _email_row(stack: Any, rec_id: str, status: str, claimed_seconds_ago: int = 0) -> None:
    from nextmove.adapters import clock

    stack.client("dynamodb").put_item(
        TableName=stack.resolve.refs["CareerTable"],
        Item={
            "pk": {"S": f"{stack.tenant}#p-ana"},
            "sk": {"S": f"EMAIL#{rec_id}"},
            "status": {"S": status},
            # The functions' clock, which the claims are stamped with.
            "claimed_at": {"N": str(int(clock.now().timestamp()) - claimed_seconds_ago)},
        },
    )


@pytest.mark.parametrize("status", ["claimed", "sending"])
def test_resend_leaves_an_email_being_sent_right_now_alone(stack, status):
    _ana(stack)
    rec = _published_for_ana(stack)[0]
    _email_row(stack, rec["id"], status)
    sent = len(stack.sent)
    result = _admin(stack, "resend", recommendation_id=rec["id"])
    assert result["ok"] is False and result["error"] == "busy"
    assert len(stack.sent) == sent
    assert stack.queue_depths()["EmailQueue"] == 0


@pytest.mark.parametrize(
    ("status", "ago"), [("unconfirmed", 0), ("sending", 3600)], ids=["unconfirmed", "old-claim"]
)
def test_resend_sends_an_unconfirmed_email_once_the_operator_asks(stack, status, ago):
    """NextMove never resends an email SES may have taken; an operator who checked may."""
    _ana(stack)
    rec = _published_for_ana(stack)[0]
    _email_row(stack, rec["id"], status, claimed_seconds_ago=ago)
    sent = len(stack.sent)
    result = _admin(stack, "resend", recommendation_id=rec["id"])
    assert result["ok"] is True, result
    assert len(stack.sent) == sent + 1


# ---- bad requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"tenant": "demo-partner", "person_id": "p-ana"}, "operation"),
        ({"operation": "erase", "tenant": "demo-partner", "person_id": "p-ana"}, "operation"),
        ({"operation": "export", "tenant": "demo-partner"}, "person_id"),
        ({"operation": "delete", "tenant": "demo#partner", "person_id": "p-ana"}, "tenant"),
        (
            {"operation": "resend", "tenant": "demo-partner", "person_id": "p-ana"},
            "recommendation_id",
        ),
        ({"operation": "delete", "tenant": "demo-partner", "person_id": "p-ana", "all": 1}, "all"),
    ],
)
def test_a_bad_request_gets_an_error_naming_the_field_and_changes_nothing(stack, request_, field):
    _ana(stack)
    before = table_items(stack)
    result = stack.functions["AdminFunction"].invoke(request_)
    assert result["ok"] is False and result["error"] == "invalid_request"
    assert field in [d["field"] for d in result["details"]]
    assert keys(table_items(stack)) == keys(before)


def test_a_request_that_is_not_an_object_is_refused(stack):
    result = stack.functions["AdminFunction"].invoke(["export", "p-ana"])
    assert result["ok"] is False and result["error"] == "invalid_request"
