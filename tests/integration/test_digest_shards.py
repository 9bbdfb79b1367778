"""The digest over a sharded DueIndex: held emails of many people, spread over the
shards, all go out on one run, each once; a row held under the key used before the
index was sharded still goes out; the digest only ever Queries (no Scan)."""

from __future__ import annotations

from datetime import datetime, timedelta

from nextmove.adapters import mailbox
from nextmove_local.calls import counting
from tests.support import load_event, post_at, table_items

TOKYO_NIGHT = datetime.fromisoformat("2026-05-06T23:00:00+09:00")
TOKYO_MORNING = datetime.fromisoformat("2026-05-07T08:15:00+09:00")
PEOPLE = [f"p-{n:02d}" for n in range(12)]


def hold_a_goal_for(stack, person: str) -> None:
    """A night-time goal update in Tokyo: held for the morning (quiet hours)."""
    profile = load_event("profile_updated")
    profile |= {"id": f"evt-profile-{person}", "person_id": person}
    profile["data"] = {**profile["data"], "time_zone": "Asia/Tokyo", "email": f"{person}@x.example"}
    post_at(stack, profile, at=TOKYO_NIGHT - timedelta(hours=12))
    goal = load_event("goal_updated") | {"id": f"evt-goal-{person}", "person_id": person}
    post_at(stack, goal, at=TOKYO_NIGHT)


def held_rows(stack) -> list[dict]:
    return [i for i in table_items(stack) if i["sk"]["S"].startswith("DIGEST#")]


def test_held_emails_spread_over_shards_all_go_out_on_one_run_each_once(stack):
    for person in PEOPLE:
        hold_a_goal_for(stack, person)
    assert stack.sent == []
    rows = held_rows(stack)
    assert len(rows) == len(PEOPLE)
    for row in rows:  # each row waits in its person's shard
        tenant, person = row["pk"]["S"].split("#", 1)
        assert row["due_pk"]["S"] == mailbox.due_shard(tenant, person)
    assert len({row["due_pk"]["S"] for row in rows}) > 1  # not one hot partition
    with counting(stack) as log, log.mark() as window:
        stack.run_schedules(TOKYO_MORNING)
    assert sorted(s.to for s in stack.sent) == sorted(f"{p}@x.example" for p in PEOPLE)
    assert held_rows(stack) == []
    digest = [c for c in window if c["function"] == "DigestFunction"]
    assert not any(c["operation"] == "Scan" for c in digest)
    # One Query per shard and the legacy key, then one per person for their held rows.
    queries = [c for c in digest if c["operation"] == "Query"]
    assert len(queries) == len(mailbox.due_partitions()) + len(PEOPLE)


def test_a_row_held_before_the_index_was_sharded_still_goes_out(stack):
    hold_a_goal_for(stack, "p-old")
    [row] = held_rows(stack)
    stack.client("dynamodb").update_item(  # as a row written before the deploy
        TableName=stack.resolve.refs["CareerTable"],
        Key={"pk": row["pk"], "sk": row["sk"]},
        UpdateExpression="SET due_pk = :legacy",
        ExpressionAttributeValues={":legacy": {"S": mailbox.LEGACY_DUE_PARTITION}},
    )
    stack.run_schedules(TOKYO_MORNING)
    assert [s.to for s in stack.sent] == ["p-old@x.example"]
    assert held_rows(stack) == []
