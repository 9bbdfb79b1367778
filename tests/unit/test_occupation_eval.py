"""The title coder on everyday titles it is not built from (tests/data/everyday_titles.csv).

The issue's targets are 95% coded, 90% right major group and 75% right detailed code;
the README gives today's figures. This test holds the floor the coder has reached, so a
change that codes fewer titles, or codes them worse, fails here rather than in an email.
"""

from __future__ import annotations

from nextmove_local.occupation_eval import evaluate

COVERAGE_FLOOR = 0.95
DETAILED_FLOOR = 0.77
MAJOR_FLOOR = 0.86


def test_everyday_titles_are_coded_and_coded_right_at_least_as_often_as_today() -> None:
    report = evaluate()
    coverage, detailed, major = report.overall.rates()
    assert report.overall.titles == 300
    assert coverage >= COVERAGE_FLOOR, "\n".join(report.lines())
    assert detailed >= DETAILED_FLOOR, "\n".join(report.lines())
    assert major >= MAJOR_FLOOR, "\n".join(report.lines())


def test_every_major_group_is_measured() -> None:
    report = evaluate()
    assert len(report.by_group) == 22
