"""The title coder on labelled sets of everyday titles it is not built from: the eval set
(tests/data/everyday_titles.csv), the dev set it is tuned on (dev_titles.csv) and the seven
hold-out sets written after its rules (holdout_titles.csv to holdout7_titles.csv).

The issue's targets are 95% coded, 90% right major group and 75% right detailed code;
the README gives today's figures. These tests hold the floors the coder has reached, a
point or two under today's figures, so a change that codes fewer titles, or codes them
worse, fails here rather than in an email.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nextmove_local.occupation_eval import (
    DEV_SET,
    EVAL_SET,
    HOLDOUT2_SET,
    HOLDOUT3_SET,
    HOLDOUT4_SET,
    HOLDOUT5_SET,
    HOLDOUT6_SET,
    HOLDOUT7_SET,
    HOLDOUT_SET,
    evaluate,
)

# Per set: floors for (coded, right 6-digit, right 2-digit); the most titles coded wrong
# without a word of doubt (no more, ever); and, so that doubt is not bought by never
# being sure, the fewest coded right and sure. Today's figures in the comments.
FLOORS: dict[Path, tuple[tuple[float, float, float], int, int]] = {
    # 100%, 93%, 97%; 0 of 300 wrong yet sure (12 before a search won through role words
    # alone stopped being sure); 217 right and sure.
    EVAL_SET: ((0.97, 0.90, 0.95), 0, 210),
    # Harder: written apart from every rule and input. 99%, 84%, 94%; 2 of 209; 114.
    DEV_SET: ((0.97, 0.82, 0.91), 2, 108),
    # 99%, 91%, 98%; 1 of 131 (2 at its first run); 104.
    HOLDOUT_SET: ((0.97, 0.88, 0.95), 1, 99),
    # 99%, 85%, 94% (72% and 84% at its first run, the targets' 75% and 90% missed); 0 of
    # 158 (4 at its first run); 79.
    HOLDOUT2_SET: ((0.97, 0.82, 0.92), 0, 74),
    # 569 titles by labellers who never saw the coder. 99%, 84%, 94%; 3; 278 (at its
    # first run, f8b862c: 94%, 71%, 83%, every target missed; 14 wrong yet sure; 206).
    HOLDOUT3_SET: ((0.97, 0.81, 0.91), 3, 270),
    # 252 by two more such labellers. 100%, 85%, 95%; 0; 139 (first run, af2be21: 99%,
    # 75%, 89%; 3 wrong yet sure; 110).
    HOLDOUT4_SET: ((0.97, 0.82, 0.93), 0, 132),
    # 264 more, nearly every one with a qualifier. 98%, 89%, 93%; 1; 85 (first run,
    # 711b52f: 95%, 75%, 84%; 2; 54).
    HOLDOUT5_SET: ((0.95, 0.86, 0.91), 1, 80),
    # 264 more, plain and noisy alike; its first run, 3ca1150: 95%, 67%, 78%, every
    # target but coverage missed; 3 wrong yet sure; 66. Now 96%, 69%, 80%; 3; 79.
    HOLDOUT6_SET: ((0.93, 0.66, 0.77), 3, 74),
    # 264 more, written blind as the sixth was; its first run, d7f7e15: 96%, 69%, 84%, the
    # detailed code and major group missed; 6 wrong yet sure; 76 (the coder of 12f8d78,
    # before that round: 95%, 69%, 83%; 6; 68). Now 96%, 69%, 83%; 4; 76.
    HOLDOUT7_SET: ((0.93, 0.67, 0.81), 4, 72),
}


@pytest.mark.parametrize("labelled", sorted(FLOORS), ids=lambda path: path.stem)
def test_each_set_is_coded_and_coded_right_at_least_as_often_as_today(labelled: Path) -> None:
    floors, sure_wrong_ceiling, sure_right_floor = FLOORS[labelled]
    report = evaluate(labelled)
    for rate, floor in zip(report.overall.rates(), floors, strict=True):
        assert rate >= floor, "\n".join(report.lines())
    assert report.overall.sure_wrong <= sure_wrong_ceiling, "\n".join(report.lines())
    assert report.overall.sure_right >= sure_right_floor, "\n".join(report.lines())
    assert len(report.by_group) == 22


def test_the_eval_set_is_the_300_titles_the_targets_are_measured_on() -> None:
    assert evaluate().overall.titles == 300
