"""``python -m minitorch_conv.exercises``: list, start, check, as a learner meets them.

The walk through exercises 1 to 3 here is the one a new learner takes: start, run the check on
the stub, write a first attempt with a typical mistake, read what the check says, fix, pass.
Each message asserted is one the learner sees. (The training step runs on a subset of the
digits to keep this quick; ``test_exercises_solutions.py`` runs every exercise's check on its
worked solution.)
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from minitorch_conv.exercises import EXERCISES, check, find, main, start
from minitorch_conv.exercises.commands import STUBS

pytest.importorskip("hypothesis")
pytest.importorskip("sklearn")

QUICK = {"examples": 12, "subset": 64}


def run_check(name, folder, **options):
    lines = []
    passed = check(name, folder, out=lines.append, **{**QUICK, **options})
    return passed, "\n".join(lines)


def write_body(path: Path, stub_line: str, body: str) -> None:
    """Replace the stub's ``raise NotImplementedError(...)`` line by ``body`` (as a learner does)."""
    text = path.read_text()
    lines = [line for line in text.splitlines() if stub_line in line]
    assert len(lines) == 1, lines
    path.write_text(text.replace(lines[0], body))


def test_list_names_the_nine_exercises_in_order(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    names = [e.name for e in EXERCISES]
    assert names == ["im2col", "col2im", "conv2d_forward", "input_grad", "weight_bias_grad",
                     "stride_padding", "groups", "max_pool_backward", "custom_function"]
    positions = [out.index(f"  {e.number}  {e.name} ") for e in EXERCISES]
    assert positions == sorted(positions)


def test_start_copies_the_stub_and_never_overwrites_work(tmp_path, capsys):
    folder = tmp_path / "mine"
    path = start("im2col", folder, out=lambda line: None)
    assert path == folder / "im2col.py" and path.read_text() == (STUBS / "im2col.py").read_text()
    path.write_text("# my work\n")
    assert main(["start", "1", "--dir", str(folder)]) == 0  # by number too
    assert path.read_text() == "# my work\n"
    assert "is already there (your work is kept" in capsys.readouterr().out
    start("im2col", folder, force=True, out=lambda line: None)
    assert "def im2col" in path.read_text()


def test_an_unknown_exercise_lists_the_names(capsys):
    assert main(["start", "im3col"]) == 2
    assert "There is no exercise 'im3col'. The exercises: 1 im2col, 2 col2im" in capsys.readouterr().err
    with pytest.raises(KeyError):
        find("10")


def test_check_before_start_and_a_file_python_cannot_read(tmp_path):
    passed, out = run_check("col2im", tmp_path)
    assert not passed
    assert f"There is no {tmp_path / 'col2im.py'} yet. Start the exercise first:" in out
    (tmp_path / "col2im.py").write_text("def col2im(cols, size, kernel)\n    return cols\n")
    passed, out = run_check("col2im", tmp_path)
    assert not passed and "line 1: Python cannot read this line (SyntaxError: expected ':')" in out
    (tmp_path / "col2im.py").write_text("def col_to_im(cols, size, kernel):\n    return cols\n")
    passed, out = run_check("col2im", tmp_path)
    assert not passed and "has no col2im: the check calls col2im. Keep the names the stub gave them." in out


def test_check_says_how_to_install_hypothesis_when_it_is_missing(tmp_path, monkeypatch):
    start("im2col", tmp_path, out=lambda line: None)
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import hypothesis now raises ImportError
    passed, out = run_check("im2col", tmp_path)
    assert not passed
    assert "The check draws its examples with hypothesis, which is not installed." in out
    assert 'Install the exercises\' extras:  pip install -e ".[exercises]"' in out


def test_check_says_how_to_install_scikit_learn_for_the_training(tmp_path, monkeypatch):
    start("im2col", tmp_path, out=lambda line: None)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    passed, out = run_check("im2col", tmp_path)
    assert not passed and "which ship with scikit-learn, and it is not installed" in out
    assert "(or skip the training: --no-train)" in out


# ---------------------------------------------------------------------------------- the walk
def test_exercise_1_start_fail_fix_pass(tmp_path):
    path = start("im2col", tmp_path, out=lambda line: None)
    passed, out = run_check("im2col", tmp_path)
    assert not passed
    assert "im2col is not written yet: it still raises NotImplementedError" in out
    assert f"Open {path}, read its docstring and hints, and write it." in out

    first_try = """    C, H, W = image.shape
    kh, kw = kernel_size
    Ho, Wo = H - kh, W - kw
    cols = np.empty((C * kh * kw, Ho * Wo))
    for y in range(Ho):
        for x in range(Wo):
            cols[:, y * Wo + x] = image[:, y:y + kh, x:x + kw].ravel()
    return cols"""
    write_body(path, "raise NotImplementedError", first_try)
    passed, out = run_check("im2col", tmp_path)
    assert not passed
    assert ("your im2col returned an array of shape (1, 0); the columns should have shape (1, 1): "
            "(C*kh*kw, Ho*Wo) = (1*1*1, 1*1), one row per pixel of a patch and one column per patch, "
            "with Ho = H - kh + 1 = 1 and Wo = W - kw + 1 = 1.") in out

    write_body(path, "Ho, Wo = H - kh, W - kw", "    Ho, Wo = H - kh + 1, W - kw + 1")
    passed, out = run_check("im2col", tmp_path)
    assert "your im2col returned float64 values for float32 inputs" in out
    assert "unless you pass dtype=image.dtype." in out

    write_body(path, "cols = np.empty((C * kh * kw, Ho * Wo))",
               "    cols = np.empty((C * kh * kw, Ho * Wo), dtype=image.dtype)")
    write_body(path, "].ravel()", "            cols[:, y * Wo + x] = image[:, y:y + kh, x:x + kw]"
                                  ".transpose(1, 2, 0).ravel()")
    passed, out = run_check("im2col", tmp_path)
    assert not passed
    assert "but 2 of 4 entries are wrong." in out
    assert ("Likely cause: your rows run over (i, j, c); they run over (c, i, j), with the kernel offset j "
            "fastest, then i, then the channel c (F.unfold's order).") in out

    write_body(path, ".transpose(1, 2, 0).ravel()",
               "            cols[:, y * Wo + x] = image[:, y:y + kh, x:x + kw].ravel()")
    passed, out = run_check("im2col", tmp_path)
    assert passed, out
    assert "1. Your im2col against ours, on 12 examples drawn by hypothesis:\n   all agree." in out
    assert "2. Through the framework: F.unfold and F.conv2d (padding 0 and 1), your im2col swapped in:" in out
    assert "calls of yours: im2col " in out
    assert out.endswith("PASSED: exercise 1, im2col for one image.\n"
                        "Next:  python -m minitorch_conv.exercises start col2im")


def test_exercise_2_start_fail_fix_pass(tmp_path):
    path = start("col2im", tmp_path, out=lambda line: None)
    assert "col2im is not written yet" in run_check("col2im", tmp_path)[1]
    body = """    (H, W), (kh, kw) = image_size, kernel_size
    Ho, Wo = H - kh + 1, W - kw + 1
    C = cols.shape[0] // (kh * kw)
    blocks = cols.reshape(C, kh, kw, Ho, Wo)
    image = np.zeros((C, H, W), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            image[:, i:i + Ho, j:j + Wo] = blocks[:, i, j]
    return image"""
    write_body(path, "raise NotImplementedError", body)
    passed, out = run_check("col2im", tmp_path)
    assert not passed
    assert "which 2 patches cover: yours is" in out
    assert ("Likely cause: every pixel that one patch covers is right, and pixels that several patches "
            "cover are not: add (+=) the entries of every patch that covers a pixel; assigning (=) keeps "
            "only one of them.") in out
    assert "The adjoint test fails too: for the image x = 1, 2, 3, ... (row by row)" in out
    write_body(path, "= blocks[:, i, j]", "            image[:, i:i + Ho, j:j + Wo] += blocks[:, i, j]")
    passed, out = run_check("col2im", tmp_path)
    assert passed, out
    assert "gradcheck of F.conv2d's input gradient, your col2im swapped in:\n   all agree." in out


def test_exercise_3_start_fail_fix_pass_with_the_learners_own_im2col(tmp_path):
    solution = importlib.import_module("minitorch_conv.exercises.solutions.im2col")
    (tmp_path / "im2col.py").write_text(Path(solution.__file__).read_text())  # exercise 1, done
    path = start("conv2d_forward", tmp_path, out=lambda line: None)
    assert "conv2d_forward is not written yet" in run_check("conv2d_forward", tmp_path)[1]
    text = path.read_text().replace(
        "from minitorch_conv.exercises.kit import im2col  # noqa: F401 - or yours: from im2col import im2col",
        "from im2col import im2col")
    path.write_text(text)
    body = """    N, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    Ho, Wo = H - kh + 1, W - kw + 1
    w = weight.reshape(O, -1)
    y = np.stack([w @ im2col(image, (kh, kw)) for image in x])
    return y.reshape(N, O, Ho, Wo)"""
    write_body(path, "raise NotImplementedError", body)
    passed, out = run_check("conv2d_forward", tmp_path)
    assert not passed
    assert "The worst is y[0, 0, 0, 0] (image 0, output channel 0, position y=0, x=0)" in out
    assert "Likely cause: the bias is missing: add bias[o] to every position of output channel o." in out
    write_body(path, "return y.reshape(N, O, Ho, Wo)", """    y = y.reshape(N, O, Ho, Wo)
    return y if bias is None else y + bias.reshape(1, O, 1, 1)""")
    passed, out = run_check("conv2d_forward", tmp_path)
    assert passed, out
    assert "calls of yours: conv2d " in out


def test_the_command_line_exit_status(tmp_path):
    start("im2col", tmp_path, out=lambda line: None)
    command = [sys.executable, "-m", "minitorch_conv.exercises", "check", "im2col", "--dir", str(tmp_path),
               "--examples", "5", "--no-train"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "im2col is not written yet" in result.stdout


# ---------------------------------------------------------------------------------- the stubs
@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_each_stub_raises_not_written_and_its_examples_hold_for_the_solution(exercise):
    spec = importlib.util.spec_from_file_location(f"stub_{exercise.name}", STUBS / f"{exercise.name}.py")
    stub = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stub)
    assert stub.__doc__.startswith(f"Exercise {exercise.number}: ") and "Hints" in stub.__doc__
    assert f"python -m minitorch_conv.exercises check {exercise.name}" in stub.__doc__
    solution = importlib.import_module(f"minitorch_conv.exercises.solutions.{exercise.name}")
    attempted = 0
    for name in exercise.functions:
        stub_function = getattr(stub, name)
        assert stub_function.__doc__, name
        to_write = stub_function.forward if inspect.isclass(stub_function) else stub_function
        with pytest.raises(NotImplementedError, match="^write "):
            to_write(*[None] * len(inspect.signature(to_write).parameters))
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        for test in doctest.DocTestFinder().find(stub_function, name, globs=dict(vars(solution))):
            runner.run(test)
        result = runner.summarize(verbose=False)
        assert result.failed == 0, f"{exercise.name}.{name}: the stub's example fails with the solution"
        attempted += result.attempted
    assert attempted >= 1
