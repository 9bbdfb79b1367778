"""The title coder on everyday titles it is not built from (tests/data/everyday_titles.csv)
and on the separate set it is tuned on (tests/data/dev_titles.csv).

The issue's targets are 95% coded, 90% right major group and 75% right detailed code;
the README gives today's figures. These tests hold the floors the coder has reached, a
point or two under today's figures, so a change that codes fewer titles, or codes them
worse, fails here rather than in an email.
"""

from __future__ import annotations

from nextmove_local.occupation_eval import DEV_SET, HOLDOUT_SET, evaluate

COVERAGE_FLOOR = 0.97
DETAILED_FLOOR = 0.81
MAJOR_FLOOR = 0.90
# The dev set is harder: its titles were written apart from every rule and input.
DEV_COVERAGE_FLOOR = 0.95
DEV_DETAILED_FLOOR = 0.68
DEV_MAJOR_FLOOR = 0.84
# Titles coded wrong without a word of doubt: today 0 of 300 and 4 of 209 (12 and 17
# before a search won through role words alone stopped being sure). No more, ever.
SURE_WRONG_CEILING = 0
DEV_SURE_WRONG_CEILING = 4
# And the other side, so that doubt is not bought by never being sure: titles coded
# right and sure, today 196 of 300 and 103 of 209.
SURE_RIGHT_FLOOR = 190
DEV_SURE_RIGHT_FLOOR = 98
# The hold-out set, written after the rules above and never tuned on: today 98% coded,
# 88% and 96% right, 1 of 131 wrong yet sure (2 at its first run), 99 right and sure.
HOLDOUT_FLOORS = (0.96, 0.85, 0.93)
HOLDOUT_SURE_WRONG_CEILING = 1
HOLDOUT_SURE_RIGHT_FLOOR = 94


def test_everyday_titles_are_coded_and_coded_right_at_least_as_often_as_today() -> None:
    report = evaluate()
    coverage, detailed, major = report.overall.rates()
    assert report.overall.titles == 300
    assert coverage >= COVERAGE_FLOOR, "\n".join(report.lines())
    assert detailed >= DETAILED_FLOOR, "\n".join(report.lines())
    assert major >= MAJOR_FLOOR, "\n".join(report.lines())
    assert report.overall.sure_wrong <= SURE_WRONG_CEILING, "\n".join(report.lines())
    assert report.overall.sure_right >= SURE_RIGHT_FLOOR, "\n".join(report.lines())


def test_the_dev_set_is_coded_and_coded_right_at_least_as_often_as_today() -> None:
    report = evaluate(DEV_SET)
    coverage, detailed, major = report.overall.rates()
    assert coverage >= DEV_COVERAGE_FLOOR, "\n".join(report.lines())
    assert detailed >= DEV_DETAILED_FLOOR, "\n".join(report.lines())
    assert major >= DEV_MAJOR_FLOOR, "\n".join(report.lines())
    assert report.overall.sure_wrong <= DEV_SURE_WRONG_CEILING, "\n".join(report.lines())
    assert report.overall.sure_right >= DEV_SURE_RIGHT_FLOOR, "\n".join(report.lines())


def test_the_holdout_set_is_coded_and_coded_right_at_least_as_often_as_today() -> None:
    report = evaluate(HOLDOUT_SET)
    for rate, floor in zip(report.overall.rates(), HOLDOUT_FLOORS, strict=True):
        assert rate >= floor, "\n".join(report.lines())
    assert report.overall.sure_wrong <= HOLDOUT_SURE_WRONG_CEILING, "\n".join(report.lines())
    assert report.overall.sure_right >= HOLDOUT_SURE_RIGHT_FLOOR, "\n".join(report.lines())


def test_every_major_group_is_measured() -> None:
    assert len(evaluate().by_group) == 22
    assert len(evaluate(DEV_SET).by_group) == 22
    assert len(evaluate(HOLDOUT_SET).by_group) == 22
