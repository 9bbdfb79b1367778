"""The title coder on labelled sets of everyday titles it is not built from: the eval set
(tests/data/everyday_titles.csv), the dev set it is tuned on (dev_titles.csv) and the six
hold-out sets written after its rules (holdout_titles.csv to holdout6_titles.csv).

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
    HOLDOUT_SET,
    evaluate,
)

# Per set: floors for (coded, right 6-digit, right 2-digit); the most titles coded wrong
# without a word of doubt (no more, ever); and, so that doubt is not bought by never
# being sure, the fewest coded right and sure. Today's figures in the comments.
FLOORS: dict[Path, tuple[tuple[float, float, float], int, int]] = {
    # 99%, 88%, 93%; 0 of 300 wrong yet sure (12 before a search won through role words
    # alone stopped being sure); 196 right and sure.
    EVAL_SET: ((0.97, 0.86, 0.91), 0, 192),
    # Harder: written apart from every rule and input. 98%, 78%, 89%; 2 of 209; 104.
    DEV_SET: ((0.96, 0.74, 0.86), 2, 100),
    # 98%, 90%, 97%; 1 of 131 (2 at its first run); 100.
    HOLDOUT_SET: ((0.96, 0.87, 0.95), 1, 96),
    # 99%, 81%, 90% (72% and 84% at its first run, the targets' 75% and 90% missed); 0 of
    # 158 (4 at its first run); 68.
    HOLDOUT2_SET: ((0.97, 0.78, 0.87), 0, 62),
    # 569 titles by labellers who never saw the coder. 98%, 77%, 88%; 5; 232 (at its
    # first run, f8b862c: 94%, 71%, 83%, every target missed; 14 wrong yet sure; 206).
    HOLDOUT3_SET: ((0.96, 0.75, 0.86), 5, 225),
    # 252 titles by two more labellers who never saw the coder; its first run, af2be21:
    # 99%, 75%, 89%; 3 wrong yet sure; 110.
    HOLDOUT4_SET: ((0.97, 0.73, 0.87), 3, 105),
    # 264 more by two more such labellers; its first run, 711b52f: 95%, 75%, 84%; 2
    # wrong yet sure; 54.
    HOLDOUT5_SET: ((0.93, 0.73, 0.82), 2, 50),
    # 264 more, plainer and noisy alike; its first run, 3ca1150: 95%, 67%, 78%, every
    # target but coverage missed; 3 wrong yet sure; 66.
    HOLDOUT6_SET: ((0.93, 0.65, 0.76), 3, 62),
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
