"""Every exercise's worked solution passes that exercise's own check, training included.

This is what keeps the exercises from rotting: a change to the framework, to a check or to a
seam that breaks a solution fails here. (Quick settings: fewer hypothesis examples, and one
epoch on the first images of the digits, where the accuracy is reported but not required.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from minitorch_conv.exercises import EXERCISES, check, solutions

pytest.importorskip("hypothesis")
pytest.importorskip("sklearn")

SOLUTIONS = Path(solutions.__file__).parent


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_the_worked_solution_passes_its_check(exercise, tmp_path):
    shutil.copyfile(SOLUTIONS / f"{exercise.name}.py", tmp_path / f"{exercise.name}.py")
    lines = []
    passed = check(exercise.name, tmp_path, examples=10, subset=64, out=lines.append)
    report = "\n".join(lines)
    assert passed, report
    assert report.count("all agree.") == 2
    calls = report.split("calls of yours: ")[1].split(";")[0]
    assert all(int(count) > 0 for count in (item.split()[-1] for item in calls.split(", "))), calls


def test_a_check_fails_a_solution_with_a_planted_bug(tmp_path):
    """The checks can fail: the max-pool solution, made to send ties' gradient to the last maximum."""
    text = (SOLUTIONS / "max_pool_backward.py").read_text()
    buggy = text.replace("np.argmax(window)", "window.size - 1 - np.argmax(window.ravel()[::-1])")
    assert buggy != text
    (tmp_path / "max_pool_backward.py").write_text(buggy)
    lines = []
    assert not check("max_pool_backward", tmp_path, examples=30, train=False, out=lines.append)
    report = "\n".join(lines)
    assert "Likely cause: in a tie the gradient went to the last maximum; it goes to the first" in report
