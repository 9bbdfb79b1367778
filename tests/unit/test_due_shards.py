"""DueIndex's shards (``mailbox.due_shard``): where a person's held emails wait, so the
digest's Queries spread over 16 index partitions instead of one hot one."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from nextmove.adapters import mailbox
from nextmove.adapters.mailbox import DUE_SHARDS, due_partitions, due_shard


def test_a_person_has_one_shard_the_same_in_every_process():
    here = due_shard("demo-partner", "p-sam")
    code = (
        "from nextmove.adapters.mailbox import due_shard;print(due_shard('demo-partner', 'p-sam'))"
    )
    # A fresh interpreter: Python's own hash() of a str changes per process.
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert here == there == "DUE#10"  # pinned: a change would strand every held row


def test_people_spread_over_every_shard():
    counts = Counter(due_shard("demo-partner", f"p-{n}") for n in range(1600))
    assert set(counts) == {f"DUE#{n:02d}" for n in range(DUE_SHARDS)}
    assert max(counts.values()) < 2 * 1600 / DUE_SHARDS


def test_the_tenant_is_part_of_the_shard_key():
    shards = {due_shard(f"partner-{n}", "p-same") for n in range(64)}
    assert len(shards) > 1


def test_the_digest_queries_every_shard_and_the_key_held_rows_had_before():
    assert due_partitions() == [f"DUE#{n:02d}" for n in range(DUE_SHARDS)] + ["DUE"]
    assert mailbox.LEGACY_DUE_PARTITION == "DUE"
