"""How ``python -m minitorch_conv.exercises check NAME`` checks a learner's file.

Three steps, each printed as it runs:

1. **Your function against ours**, on examples that hypothesis draws (shapes, sizes, dtypes).
   At the first disagreement hypothesis shrinks the example to the smallest one that still
   fails, and the check says what is wrong with it in words: the shape it should have and why,
   the first wrong entry and what it should hold, and the likely cause when the wrong answer
   matches a known mistake (rows in the wrong order, a flipped kernel, ``=`` where ``+=`` is
   needed). Where gradients are involved, gradcheck's explained report follows.
2. **Through the framework**: your function swapped in with ``mt.backends.override``, the
   framework's own operations (``F.unfold``, ``F.conv2d``, its backward, ``gradcheck``) must
   agree with ours.
3. **Training**: the example CNN for one epoch on the 8x8 digits, with your function in place of
   ours, must learn (test accuracy above :data:`PASSING_ACCURACY`).

hypothesis is needed for step 1 only, and scikit-learn (which ships the digits) for step 3: both
come with ``pip install -e ".[exercises]"``.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from ..tensor import Tensor

PASSING_ACCURACY = 0.5
"""Test accuracy the example CNN must reach after one epoch with the learner's code (ours reaches
about 0.84; chance is 0.1)."""

EXAMPLES = 40
"""How many examples hypothesis draws for step 1 (``--examples`` changes it)."""

INSTALL_HINT = 'pip install -e ".[exercises]"'


class Wrong(Exception):
    """What is wrong with the learner's code, in words meant for them."""


class NotWritten(Wrong):
    """The learner's function still raises the stub's NotImplementedError."""


class CheckSetupError(Exception):
    """The check cannot run: a missing file, function or package. Its message says what to do."""


# ---------------------------------------------------------------------------------- the learner's file
def load_learner_module(path: Path, functions: Sequence[str]) -> ModuleType:
    """Import the learner's file (its folder on ``sys.path``, so it may import its siblings)."""
    if not path.is_file():
        raise CheckSetupError(f"There is no {path} yet. Start the exercise first:\n\n"
                              f"    python -m minitorch_conv.exercises start {path.stem}"
                              + (f" --dir {path.parent}" if str(path.parent) != "my_exercises" else ""))
    folder = str(path.parent.resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = f"_learner_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise CheckSetupError(f"{path}, line {error.lineno}: Python cannot read this line "
                              f"(SyntaxError: {error.msg}).\n    {(error.text or '').rstrip()}") from None
    except Exception as error:
        raise CheckSetupError(f"{path} raised {type(error).__name__} while it was being imported:\n"
                              + _learner_traceback(error, path.parent)) from None
    missing = [f for f in functions if not callable(getattr(module, f, None))]
    if missing:
        raise CheckSetupError(f"{path} has no {' or '.join(missing)}: the check calls "
                              f"{', '.join(functions)}. Keep the names the stub gave them.")
    return module


def _learner_traceback(error: BaseException, folder: Path) -> str:
    """The lines of the traceback that are in the learner's folder, then the error itself."""
    folder = str(folder.resolve())
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.path.abspath(f.filename).startswith(folder)]
    lines = [f"    {Path(f.filename).name}, line {f.lineno}, in {f.name}:  {f.line}" for f in frames[-3:]]
    return "\n".join([*lines, f"    {type(error).__name__}: {error}"])


def call_learner(fn: Callable, *args, folder: Path, what: str):
    """``fn(*args)``, with any exception it raises turned into :class:`Wrong` (or NotWritten)."""
    try:
        return fn(*args)
    except NotImplementedError as error:
        if str(error).startswith("write ") or not str(error):  # the stubs' own
            raise NotWritten(f"{what} is not written yet: it still raises NotImplementedError "
                             f"({error}).") from None
        raise Wrong(f"your {what} raised NotImplementedError:\n{_learner_traceback(error, folder)}") from None
    except (Wrong, KeyboardInterrupt):
        raise
    except ValueError as error:
        hint = ""
        if "read-only" in str(error):
            hint = ("\n  Your function writes into an array it was given. Inputs are read-only here: "
                    "put the result in a new array (np.zeros(..., dtype=x.dtype)).")
        raise Wrong(f"your {what} raised ValueError:\n{_learner_traceback(error, folder)}{hint}") from None
    except Exception as error:
        raise Wrong(f"your {what} raised {type(error).__name__}:\n"
                    f"{_learner_traceback(error, folder)}") from None


# ---------------------------------------------------------------------------------- comparing
def show(name: str, array: np.ndarray, limit: int = 64) -> str:
    """``name = <array>`` for a small array, its shape for a large one."""
    array = np.asarray(array)
    if array.size > limit:
        return f"  {name}: shape {array.shape} (too large to print)"
    body = np.array2string(array, precision=4, suppress_small=True, max_line_width=100)
    return f"  {name} =\n" + "\n".join("    " + line for line in body.splitlines())


def tolerance(dtype) -> float:
    return 1e-9 if np.dtype(dtype) == np.float64 else 1e-4


def compare(got, expected: np.ndarray, *, what: str, layout: str, fn_name: str,
            where: Callable[[tuple], str] | None = None,
            likely: Sequence[tuple[str, Callable[[], np.ndarray]]] = (),
            extra: Callable[[np.ndarray], str | None] | None = None, input_name: str = "x") -> None:
    """Raise :class:`Wrong`, in words, unless ``got`` is ``expected`` (up to rounding).

    ``what`` names the result ("the columns"), ``layout`` explains its shape ("(C*kh*kw, Ho*Wo) =
    (4, 9)"), ``where(index)`` says what an entry is, ``likely`` lists (cause, the answer that
    mistake gives) pairs, and ``extra(got)`` may add a sentence about a wrong answer.
    """
    if got is None:
        raise Wrong(f"your {fn_name} returned None: did you forget the `return` at its end?")
    if isinstance(got, Tensor):
        raise Wrong(f"your {fn_name} returned a minitorch Tensor; it works on NumPy arrays and returns "
                    "one (np.ndarray)")
    if isinstance(got, tuple) and len(got) == 2 and fn_name.endswith("grad"):
        raise Wrong(f"your {fn_name} returned a tuple of {len(got)}; it returns one array")
    if not isinstance(got, np.ndarray):
        raise Wrong(f"your {fn_name} returned a {type(got).__name__}; return a NumPy array (np.ndarray)")
    if got.shape != expected.shape:
        message = (f"your {fn_name} returned an array of shape {got.shape}; {what} should have shape "
                   f"{expected.shape}: {layout}.")
        if got.ndim == expected.ndim == 2 and got.shape == expected.shape[::-1]:
            message += " Yours looks transposed."
        elif got.size == expected.size:
            message += f" You have the right number of entries: reshape to {expected.shape}."
        raise Wrong(message)
    if got.dtype != expected.dtype:
        raise Wrong(f"your {fn_name} returned {got.dtype} values for {expected.dtype} inputs. Keep the "
                    f"inputs' dtype: np.zeros and np.empty make float64 unless you pass "
                    f"dtype={input_name}.dtype.")
    tol = tolerance(expected.dtype)
    close = np.isclose(got, expected, rtol=tol, atol=tol * max(1.0, float(np.abs(expected).max(initial=0))))
    if close.all():
        return
    wrong = ~close
    gap = np.where(wrong, np.abs(got.astype(np.float64) - expected), -1.0)
    first = np.unravel_index(int(np.argmax(gap)), got.shape)
    count = int(wrong.sum())
    lines = [f"your {fn_name} returned the right shape {got.shape}, but {count} of {got.size} entries "
             f"{'is' if count == 1 else 'are'} wrong."]
    place = where(first) if where else f"index {tuple(int(i) for i in first)}"
    lines.append(f"The worst is {place}: yours is {_num(got[first])}, it should be {_num(expected[first])}.")
    cause = _likely_cause(got, expected, likely, tol)
    if cause is None and extra is not None:
        cause = extra(got)
    if cause:
        lines.append(f"Likely cause: {cause}")
    lines += [show("yours", got), show("expected", expected)]
    raise Wrong("\n".join(lines))


def _num(value) -> str:
    value = float(value)
    return f"{value:g}" if math.isfinite(value) else str(value)


def _likely_cause(got, expected, likely, tol) -> str | None:
    for cause, mistake in likely:
        try:
            candidate = mistake()
        except Exception:  # a candidate that does not apply to this example
            continue
        if candidate is not None and candidate.shape == got.shape and not np.allclose(
                candidate, expected, rtol=tol, atol=tol) and np.allclose(got, candidate, rtol=tol, atol=tol):
            return cause
    if not np.any(got):
        return "your result is all zeros: is something computed but never written into it?"
    flat_expected, flat_got = expected.ravel().astype(np.float64), got.ravel().astype(np.float64)
    if np.any(flat_expected):
        k = float(flat_got @ flat_expected / (flat_expected @ flat_expected))
        if abs(k - 1) > 1e-6 and np.allclose(flat_got, k * flat_expected, rtol=tol, atol=tol):
            return f"yours is {k:.4g} times the right answer: a constant factor (a mean instead of a sum?)."
    if got.ndim >= 1 and got.shape[0] > 1 and np.allclose(got[0], expected[0], rtol=tol, atol=tol):
        return ("the first image is right and a later one is not: does every image of the batch go "
                "through the same computation?")
    return None


# ---------------------------------------------------------------------------------- hypothesis
def require_hypothesis():
    """The hypothesis module, or CheckSetupError saying how to install it."""
    try:
        import hypothesis
    except ImportError:
        raise CheckSetupError(
            "The check draws its examples with hypothesis, which is not installed.\n"
            f"Install the exercises' extras:  {INSTALL_HINT}   (or: pip install hypothesis)") from None
    return hypothesis


def run_examples(strategy, verify: Callable[[dict], None], max_examples: int) -> Wrong | None:
    """Draw examples from ``strategy`` and ``verify`` each: the (shrunk) first Wrong, or None."""
    hypothesis = require_hypothesis()
    from hypothesis import HealthCheck, Verbosity, given, settings

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
              verbosity=Verbosity.quiet, print_blob=False)
    @given(strategy)
    def each_example(example):
        verify(example)

    try:
        each_example()
    except Wrong as wrong:
        return wrong
    except hypothesis.errors.HypothesisException as error:  # e.g. Flaky: not the same answer twice
        return Wrong(f"your function did not give the same answer twice for the same input "
                     f"(hypothesis: {type(error).__name__}: {str(error).splitlines()[0]})")
    return None


def gradcheck_report(func: Callable, inputs: tuple, what: str, folder: Path) -> None:
    """Run ``mt.autograd.gradcheck``; on a failure raise :class:`Wrong` with its explained report."""
    from ..autograd.gradcheck import GradcheckError, gradcheck

    try:
        gradcheck(func, inputs)
    except GradcheckError as error:
        report = "\n".join("    " + line for line in str(error).splitlines())
        raise Wrong(f"gradcheck compared {what} with finite differences, and they differ. Its report:\n"
                    f"{report}") from None
    except NotImplementedError as error:
        raise NotWritten(f"gradcheck of {what} met code that is not written yet ({error}).") from None
    except Exception as error:
        raise Wrong(f"gradcheck of {what} stopped: {type(error).__name__} was raised:\n"
                    f"{_learner_traceback(error, folder)}") from None


class Learner:
    """The learner's module: ``learner("im2col", *args)`` calls their function, turning what it
    raises into :class:`Wrong`, and handing it read-only copies of the arrays."""

    def __init__(self, module: ModuleType, folder: Path):
        self.module, self.folder = module, folder

    def __call__(self, name: str, *args):
        return call_learner(getattr(self.module, name), *(_read_only_copy(a) for a in args),
                            folder=self.folder, what=name)

    def function(self, name: str) -> Callable:
        return getattr(self.module, name)


def _read_only_copy(value):
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.flags.writeable = False
    return value


def integers(seed: int, shape, dtype, low: int = -4, high: int = 4) -> np.ndarray:
    """Small whole numbers (readable in a report, exact in float32), from ``seed``."""
    return np.random.default_rng(seed).integers(low, high + 1, size=shape).astype(dtype)
