"""Each event function against moto, the table created from template.yaml.

Invoked with the EventBridge event its rule delivers; asserts what was stored.
"""

from __future__ import annotations

import json
import threading

import pytest

from nextmove.adapters import store
from tests.support import bus_event, keys, load_event, table_items

FUNCTIONS = {
    "success_recorded": "SuccessRecordedFunction",
    "goal_updated": "GoalUpdatedFunction",
    "offer_received": "OfferReceivedFunction",
    "offer_resolved": "OfferResolvedFunction",
    "job_changed": "JobChangedFunction",
    "profile_updated": "ProfileUpdatedFunction",
    "feelings_checked_in": "FeelingsCheckedInFunction",
}


def _state(stack, person="p-sam"):
    item = next(
        i for i in table_items(stack) if i["sk"]["S"] == "STATE" and i["pk"]["S"].endswith(person)
    )
    return json.loads(store.state_json(item)), int(item["version"]["N"])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_records_the_fact_and_the_person_once(stack, name):
    document = load_event(name)
    result = stack.functions[FUNCTIONS[name]].invoke(bus_event(stack, document))
    assert result["duplicate"] is False
    stored = keys(table_items(stack))
    assert f"EVENT#{document['id']}" in stored
    assert "STATE" in stored
    assert [k for k in stored if k.startswith("REC#")] == sorted(
        f"REC#{r['id']}" for r in result["recommendations"]
    )
    _, version = _state(stack)
    assert version == 1


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_redelivered_event_changes_nothing_and_recommends_nothing_more(stack, name):
    function = stack.functions[FUNCTIONS[name]]
    event = bus_event(stack, load_event(name))
    function.invoke(event)
    before = table_items(stack)
    again = function.invoke(event)
    assert again == {
        "event_id": event["detail"]["event"]["id"],
        "duplicate": True,
        "recommendations": [],
    }
    assert sorted(map(str, table_items(stack))) == sorted(map(str, before))


def test_the_tenant_is_part_of_every_key(stack):
    stack.functions["ProfileUpdatedFunction"].invoke(
        bus_event(stack, load_event("profile_updated"), tenant="acme")
    )
    stack.functions["ProfileUpdatedFunction"].invoke(
        bus_event(stack, load_event("profile_updated"), tenant="globex")
    )
    partitions = {item["pk"]["S"] for item in table_items(stack)}
    assert partitions == {"acme#p-sam", "globex#p-sam"}


def test_an_older_goal_update_does_not_replace_the_newer_goal(stack):
    newer = load_event("demo/03-goal-updated-specific")
    older = load_event("demo/02-goal-updated-vague")
    function = stack.functions["GoalUpdatedFunction"]
    function.invoke(bus_event(stack, newer))
    late = function.invoke(bus_event(stack, older))
    assert late["duplicate"] is False and late["recommendations"] == []
    state, version = _state(stack, "p-ana")
    assert state["goal"]["data"]["statement"] == newer["data"]["statement"]
    assert version == 2  # the late event is recorded as a fact all the same


def test_an_offer_before_any_profile_is_kept_and_advised_on(stack):
    result = stack.functions["OfferReceivedFunction"].invoke(
        bus_event(stack, load_event("offer_received"))
    )
    assert [r["kind"] for r in result["recommendations"]] == ["negotiation"]
    state, _ = _state(stack)
    assert state["profile"] is None
    assert [o["data"]["offer_id"] for o in state["offers"]] == ["offer-devtools-se"]


def test_two_deliveries_of_one_event_at_once_record_it_once(stack):
    function = stack.functions["SuccessRecordedFunction"]
    event = bus_event(stack, load_event("success_recorded"))
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(function.invoke(event))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["duplicate"] for r in results) == [False, True]
    assert sum(k.startswith("EVENT#") for k in keys(table_items(stack))) == 1


def test_concurrent_events_for_one_person_are_both_kept(stack):
    checkin = load_event("feelings_checked_in")
    other = {
        **checkin,
        "id": "evt-sam-0099",
        "occurred_at": "2026-05-09T08:00:00Z",
        "data": {"feeling": "anxious"},
    }
    function = stack.functions["FeelingsCheckedInFunction"]
    threads = [
        threading.Thread(target=function.invoke, args=(bus_event(stack, d),))
        for d in (checkin, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state, version = _state(stack)
    assert version == 2
    assert [c["event_id"] for c in state["checkins"]] == ["evt-sam-0005", "evt-sam-0099"]


@pytest.mark.parametrize(
    ("name", "section", "free_text"),
    [("feelings_checked_in", "checkins", "note"), ("success_recorded", "successes", "description")],
)
def test_free_text_stays_in_the_event_row_not_in_the_record_every_event_reads(
    stack, name, section, free_text
):
    document = load_event(name)
    document["data"][free_text] = "Private words the rules never read"
    stack.functions[FUNCTIONS[name]].invoke(bus_event(stack, document))
    state, _ = _state(stack)
    assert [entry["data"][free_text] for entry in state[section]] == [None]
    fact = next(i for i in table_items(stack) if i["sk"]["S"] == f"EVENT#{document['id']}")
    assert json.loads(fact["body"]["S"])["data"][free_text] == "Private words the rules never read"


def test_a_note_shapes_the_advice_but_is_in_no_log_and_no_other_row(stack, capsys):
    # The seed's situation in a check-in note: the advice answers it by its signals.
    document = load_event("feelings_checked_in")
    private = "Passed over for the Zephyr lead role; thinking of leaving"
    document["data"].update(feeling="neutral", note=private)
    result = stack.functions[FUNCTIONS["feelings_checked_in"]].invoke(bus_event(stack, document))

    assert len(result["recommendations"]) == 1
    [row] = [i for i in table_items(stack) if i["sk"]["S"].startswith("REC#")]
    assert "Passed over? Build the case before you move" in str(row)
    fact_key = f"EVENT#{document['id']}"
    # Every other row, the compressed record decompressed, holds no word of the note.
    others = [
        store.state_json(i).decode() if i["sk"]["S"] == "STATE" else str(i)
        for i in table_items(stack)
        if i["sk"]["S"] != fact_key
    ]
    assert len(others) >= 2 and not [row for row in others if "Zephyr" in row]
    logged = capsys.readouterr()
    assert "Zephyr" not in logged.out + logged.err
