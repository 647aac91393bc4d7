"""``list``, ``start`` and ``check``: what ``python -m minitorch_conv.exercises`` runs."""

from __future__ import annotations

import math
import shutil
import sys
import textwrap
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

from .catalog import EXERCISES, find
from .checking import (
    EXAMPLES,
    INSTALL_HINT,
    PASSING_ACCURACY,
    CheckSetupError,
    Learner,
    NotWritten,
    Wrong,
    load_learner_module,
    require_hypothesis,
    run_examples,
)
from .checks_columns import swapped

DEFAULT_FOLDER = "my_exercises"
"""Where ``start`` puts the exercises, relative to the current directory (``--dir`` changes it)."""

STUBS = Path(__file__).resolve().parent / "stubs"


def list_exercises(out: Callable[[str], None] = print) -> None:
    """Print the exercises, one a line.

    >>> list_exercises()  # doctest: +ELLIPSIS
    The exercises, in order (start one with: python -m minitorch_conv.exercises start NAME):
    <BLANKLINE>
      1  im2col ...
    """
    out("The exercises, in order (start one with: python -m minitorch_conv.exercises start NAME):\n")
    for exercise in EXERCISES:
        out(f"  {exercise.number}  {exercise.name:<18} {exercise.summary}")


def start(name: str, folder: str | Path = DEFAULT_FOLDER, force: bool = False,
          out: Callable[[str], None] = print) -> Path:
    """Copy exercise ``name``'s stub into ``folder`` (made if needed); returns the file's path.

    An existing file is kept (it holds your work) unless ``force`` is true.
    """
    exercise = find(name)
    target = Path(folder) / f"{exercise.name}.py"
    if target.exists() and not force:
        out(f"{target} is already there (your work is kept; --force replaces it with the stub).")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STUBS / f"{exercise.name}.py", target)
        out(f"Wrote {target}: exercise {exercise.number}, {exercise.title}.")
    folder_option = "" if Path(folder) == Path(DEFAULT_FOLDER) else f" --dir {folder}"
    out("Open it, read the docstring and the hints, write the function(s), then run:\n\n"
        f"    python -m minitorch_conv.exercises check {exercise.name}{folder_option}")
    return target


def check(name: str, folder: str | Path = DEFAULT_FOLDER, examples: int = EXAMPLES,
          subset: int | None = None, train: bool = True, out: Callable[[str], None] = print) -> bool:
    """Check the learner's file for exercise ``name``: True when it passes (see ``checking``).

    ``examples`` is how many examples hypothesis draws; ``subset`` trains on the first images
    only (then the accuracy is reported, not required); ``train=False`` skips the training.
    """
    exercise = find(name)
    path = Path(folder) / f"{exercise.name}.py"
    out(f"Checking exercise {exercise.number}, {exercise.title}: {path}")
    again = f"python -m minitorch_conv.exercises check {exercise.name}" + (
        "" if Path(folder) == Path(DEFAULT_FOLDER) else f" --dir {folder}")
    try:
        require_hypothesis()
        if train:
            _require_digits()
        module = load_learner_module(path, exercise.functions)
    except CheckSetupError as error:
        out("\n" + str(error))
        return False
    learner = Learner(module, path.parent)

    def failed(wrong: Wrong) -> bool:
        out("   not yet.\n")
        if isinstance(wrong, NotWritten):
            out(textwrap.indent(f"{wrong}\nOpen {path}, read its docstring and hints, and write it.", "  "))
        else:
            out(textwrap.indent(str(wrong), "  "))
        out(f"\nNot passed yet. Change {path}, then check again:\n\n    {again}")
        return False

    yours = exercise.yours[0].upper() + exercise.yours[1:]
    out(f"\n1. {yours} against ours, on {examples} examples drawn by hypothesis:")
    wrong = run_examples(exercise.strategy(), partial(exercise.against_ours, learner), examples)
    if wrong is not None:
        return failed(wrong)
    out("   all agree.")
    out(f"\n2. Through the framework: {exercise.framework}:")
    wrong = run_examples(exercise.strategy(), partial(exercise.through_framework, learner),
                         min(examples, exercise.framework_examples))
    if wrong is not None:
        return failed(wrong)
    out("   all agree.")
    if train:
        variant = {"stride": " (its second convolution with stride 2)",
                   "groups": " (its second convolution with groups=4)"}
        described = "".join(variant[key] for key in exercise.training)
        out(f"\n3. Training the example CNN{described} for one epoch on the 8x8 digits"
            f"{'' if subset is None else f' (the first {subset} images)'}, {exercise.yours} in "
            "place of ours:")
        from .training import train_one_epoch

        try:
            with swapped(exercise, learner) as handles:
                result = train_one_epoch(**exercise.training, subset=subset, report=out)
        except Wrong as wrong:
            return failed(wrong)
        except Exception as error:  # noqa: BLE001 - the learner's code raised inside training
            tail = "".join(traceback.format_exception_only(type(error), error)).strip()
            return failed(Wrong(f"training stopped: {tail}"))
        calls = ", ".join(f"{handle.name} {handle.calls}" for handle in handles)
        out(f"   calls of yours: {calls}; training loss {result['train_loss']:.4f}, test accuracy "
            f"{result['test_accuracy']:.4f} (chance: 0.1), {result['seconds']:.1f} s.")
        idle = [handle.name for handle in handles if not handle.calls]
        if idle:
            return failed(Wrong(f"training never ran your {' and '.join(idle)}."))
        if not all(math.isfinite(loss) for loss in result["losses"]):
            return failed(Wrong("the loss became NaN or infinite: some gradient is wrong in a way the "
                                "small examples did not show (very large values?)."))
        if subset is None and result["test_accuracy"] < PASSING_ACCURACY:
            return failed(Wrong(f"the network did not learn: test accuracy {result['test_accuracy']:.4f} "
                                f"< {PASSING_ACCURACY} after one epoch (ours reaches about 0.84)."))
    following = [e for e in EXERCISES if e.number == exercise.number + 1]
    out(f"\nPASSED: exercise {exercise.number}, {exercise.title}.")
    if following:
        out(f"Next:  python -m minitorch_conv.exercises start {following[0].name}")
    else:
        out("That was the last exercise: the framework has run on your kernels from im2col to training.")
    return True


def _require_digits() -> None:
    try:
        import sklearn  # noqa: F401 - the digits ship with scikit-learn
    except ImportError:
        raise CheckSetupError(
            "The check ends by training the example CNN on the 8x8 digits, which ship with "
            f"scikit-learn, and it is not installed.\nInstall the exercises' extras:  {INSTALL_HINT}\n"
            "(or skip the training: --no-train)") from None


def main(argv: list[str] | None = None) -> int:
    """The command line: ``list``, ``start NAME``, ``check NAME``; returns the exit status."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m minitorch_conv.exercises",
        description="Exercises: write a piece of the framework, then check it against ours and train "
                    "a CNN on it.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the exercises")
    starting = commands.add_parser("start", help="copy an exercise's stub into your folder")
    starting.add_argument("name", help="the exercise's name or number")
    starting.add_argument("--dir", default=DEFAULT_FOLDER, help="your folder")
    starting.add_argument("--force", action="store_true", help="replace your file with the stub")
    checking = commands.add_parser("check", help="check your solution of an exercise")
    checking.add_argument("name", help="the exercise's name or number")
    checking.add_argument("--dir", default=DEFAULT_FOLDER, help="your folder")
    checking.add_argument("--examples", type=int, default=EXAMPLES,
                          help="how many examples hypothesis draws")
    checking.add_argument("--no-train", dest="train", action="store_false",
                          help="skip training the example CNN")
    checking.add_argument("--subset", type=int, default=None,
                          help="train on the first SUBSET images only (quick; accuracy not required)")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            list_exercises()
            return 0
        if args.command == "start":
            start(args.name, args.dir, args.force)
            return 0
        return 0 if check(args.name, args.dir, args.examples, args.subset, args.train) else 1
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
