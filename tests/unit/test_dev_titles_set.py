"""The dev set (tests/data/dev_titles.csv), on which the title coder is tuned, and the
hold-out sets (tests/data/holdout_titles.csv, holdout2_titles.csv, holdout3_titles.csv,
holdout4_titles.csv to holdout7_titles.csv) are well formed and apart
from the sets before them: every label a code BLS publishes wages for, every SOC major
group represented, no title an earlier set's, a BLS name or a hand-map phrase."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
REFERENCE = ROOT / "shared" / "nextmove" / "reference"
COLUMNS = ["title", "soc", "major_group", "source", "note"]
# The sets in the order they were written: each must not repeat any set before it.
WRITTEN = [
    "everyday_titles.csv",
    "dev_titles.csv",
    "holdout_titles.csv",
    "holdout2_titles.csv",
    "holdout3_titles.csv",
    "holdout4_titles.csv",
    "holdout5_titles.csv",
    "holdout6_titles.csv",
    "holdout7_titles.csv",
]
SETS = {name: WRITTEN[:i] for i, name in enumerate(WRITTEN) if i}
# The fewest titles a major group has in each (the hold-out set's legal and food groups
# are small: most of their everyday titles were already in the earlier sets).
FEWEST = {
    "dev_titles.csv": 5,
    "holdout_titles.csv": 2,
    "holdout2_titles.csv": 4,
    "holdout3_titles.csv": 15,
    "holdout4_titles.csv": 11,
    "holdout5_titles.csv": 12,
    "holdout6_titles.csv": 12,
    "holdout7_titles.csv": 12,
}


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_label_is_an_oews_code_and_every_major_group_is_there(name: str) -> None:
    with sqlite3.connect(f"file:{REFERENCE / 'wages.sqlite'}?mode=ro", uri=True) as db:
        known = dict(db.execute("SELECT soc, name FROM occupation"))
    labelled = rows(name)
    for row in labelled:
        assert row["soc"] in known and not row["soc"].endswith("00"), row
        assert row["major_group"] == row["soc"][:2], row
        assert row["source"] and row["note"], row
    counts = Counter(row["major_group"] for row in labelled)
    assert sorted(counts) == [str(g) for g in range(11, 54, 2)]
    assert min(counts.values()) >= FEWEST[name]


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_title_is_an_earlier_sets_or_a_name_the_coder_is_built_from(name: str) -> None:
    with sqlite3.connect(f"file:{REFERENCE / 'wages.sqlite'}?mode=ro", uri=True) as db:
        taken = {normalise(bls) for (bls,) in db.execute("SELECT name FROM occupation")}
    mapping = json.loads((REFERENCE / "occupations.json").read_text(encoding="utf-8"))
    taken |= {normalise(t) for m in mapping["mappings"] for t in m["titles"]}
    taken |= {normalise(row["title"]) for earlier in SETS[name] for row in rows(earlier)}
    titles = [normalise(row["title"]) for row in rows(name)]
    assert len(set(titles)) == len(titles)
    assert [t for t in titles if t in taken] == []
