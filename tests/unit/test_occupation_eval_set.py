"""The everyday-titles evaluation set (tests/data/everyday_titles.csv) is well formed.

The occupation coder's accuracy targets (issue 12) are measured on this file, so a
malformed or leaky row would silently move the numbers: every label must be a code BLS
publishes wages for, the major group must agree with it, every SOC major group must be
represented, and no title may be a name the coder is built from (an exact hit measures
nothing). The O*NET title list is not in the repo; BLS's own occupation names in
wages.sqlite and the hand map's phrases stand in for it.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "tests" / "data" / "everyday_titles.csv"
REFERENCE = ROOT / "shared" / "nextmove" / "reference"
COLUMNS = ["title", "soc", "major_group", "source", "note"]
MAJOR_GROUPS = [str(g) for g in range(11, 54, 2)]  # 11, 13, ..., 53


def rows() -> list[dict[str, str]]:
    with EVAL_SET.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def occupations() -> dict[str, str]:
    with sqlite3.connect(f"file:{REFERENCE / 'wages.sqlite'}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT soc, name FROM occupation"))


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


def test_exactly_300_unique_titles() -> None:
    titles = [row["title"].strip() for row in rows()]
    assert len(titles) == 300
    assert all(titles)
    duplicates = [t for t, n in Counter(t.casefold() for t in titles).items() if n > 1]
    assert duplicates == []


def test_every_code_is_the_most_detailed_oews_occupation() -> None:
    """A detailed SOC code, or an OEWS aggregate (ending in 0) only where OEWS publishes
    nothing finer, e.g. 31-1120 Home Health and Personal Care Aides."""
    known = occupations()
    for row in rows():
        soc = row["soc"]
        assert re.fullmatch(r"\d{2}-\d{4}", soc), row
        assert soc in known, row
        assert not soc.endswith("00"), row
        if soc.endswith("0"):
            finer = [s for s in known if s != soc and s.startswith(soc[:6])]
            assert finer == [], (row["title"], finer)


def test_major_group_matches_the_code() -> None:
    for row in rows():
        assert row["major_group"] == row["soc"][:2], row


def test_every_major_group_has_at_least_eight_titles() -> None:
    counts = Counter(row["major_group"] for row in rows())
    assert sorted(counts) == MAJOR_GROUPS
    assert {g: n for g, n in counts.items() if n < 8} == {}


def test_every_row_names_its_source() -> None:
    for row in rows():
        source = row["source"]
        assert source.startswith(("O*NET OnLine https://", "BLS ", "coder's judgement")), row
        if source.startswith("coder's judgement"):
            assert row["note"].strip(), row


def test_no_title_is_a_name_the_coder_is_built_from() -> None:
    built_from = {normalise(name) for name in occupations().values()}
    mapping = json.loads((REFERENCE / "occupations.json").read_text(encoding="utf-8"))
    built_from |= {normalise(t) for m in mapping["mappings"] for t in m["titles"]}
    leaks = [row["title"] for row in rows() if normalise(row["title"]) in built_from]
    assert leaks == []
