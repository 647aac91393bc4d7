"""Run a PyTorch program on minitorch_conv, unmodified: ``torch`` resolves to ``minitorch_conv``.

    python -m minitorch_conv.as_torch train.py --epochs 3     # like: python train.py --epochs 3
    python -m minitorch_conv.as_torch -m package.module ARGS  # like: python -m package.module ARGS

In a notebook, call :func:`install` before the first ``import torch``.

How it works: an import hook (a finder at the front of ``sys.meta_path``) answers every import of
``torch`` or ``torch.X.Y`` with minitorch_conv's own module ``minitorch_conv.X.Y`` (and
``torchvision.X`` with ``minitorch_conv.vision.X``), or with the attribute of that name where
minitorch_conv keeps it as an object (``torch.backends.cuda``). Nothing is copied or patched, and
the real PyTorch is never imported: a program that reaches for something minitorch_conv lacks gets
``ModuleNotFoundError`` (or ``AttributeError``) naming what is missing.

>>> import minitorch_conv.as_torch as as_torch
>>> as_torch.resolve("torch.nn.functional")
'minitorch_conv.nn.functional'
>>> as_torch.resolve("torchvision.transforms")
'minitorch_conv.vision.transforms'
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys
import traceback
from types import ModuleType

__all__ = ["install", "uninstall", "is_installed", "resolve", "main"]

# the names a program imports, and where minitorch_conv keeps each
_ALIASES = {"torch": "minitorch_conv", "torchvision": "minitorch_conv.vision"}


def resolve(name: str) -> str | None:
    """The minitorch_conv module that stands for the PyTorch module ``name`` (None: not ours)."""
    top, _, rest = name.partition(".")
    target = _ALIASES.get(top)
    if target is None:
        return None
    return f"{target}.{rest}" if rest else target


class _AliasLoader(importlib.abc.Loader):
    """Hands back an object minitorch_conv already has: nothing is executed twice."""

    def __init__(self, target: object):
        self.target = target

    def create_module(self, spec):
        return self.target

    def exec_module(self, module) -> None:
        pass


class _TorchFinder(importlib.abc.MetaPathFinder):
    """Answers ``import torch...`` (and ``torchvision...``) with minitorch_conv's modules."""

    def find_spec(self, fullname, path=None, target=None):
        ours = resolve(fullname)
        if ours is None:
            return None
        module = _import_ours(fullname, ours)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), origin=ours)


def _import_ours(fullname: str, ours: str) -> object:
    try:
        return importlib.import_module(ours)
    except ModuleNotFoundError as error:
        if error.name != ours:  # something else is missing inside our module: say that
            raise
    parent_name, _, attribute = ours.rpartition(".")
    parent = importlib.import_module(parent_name) if parent_name else None
    found = getattr(parent, attribute, None)
    if found is not None:  # kept as an object, such as minitorch_conv.backends.cuda
        return found
    raise ModuleNotFoundError(
        f"No module named '{fullname}': minitorch_conv has no '{ours}' (running under "
        "minitorch_conv.as_torch, which maps torch to minitorch_conv)",
        name=fullname,
    )


_finder = _TorchFinder()


def install() -> None:
    """Make ``import torch`` (and ``torchvision``) give minitorch_conv from now on.

    Raises RuntimeError if the real PyTorch is already imported in this process: both cannot be
    ``torch`` at once. In a notebook, as its first cell::

        import minitorch_conv.as_torch
        minitorch_conv.as_torch.install()
        import torch                      # minitorch_conv
        torch.nn.functional.__name__      # 'minitorch_conv.nn.functional'
    """
    for name in _ALIASES:
        if name in sys.modules and not _is_ours(sys.modules[name]):
            raise RuntimeError(
                f"the real '{name}' is already imported in this process; call "
                "minitorch_conv.as_torch.install() before anything imports torch"
            )
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Undo :func:`install`: forget the ``torch`` names it gave out."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if resolve(name) is not None and _is_ours(sys.modules[name]):
            del sys.modules[name]


def is_installed() -> bool:
    return _finder in sys.meta_path


def _is_ours(module: object) -> bool:
    name = getattr(module, "__name__", "") if isinstance(module, ModuleType) else type(module).__module__
    return name == "minitorch_conv" or name.startswith("minitorch_conv.")


def main(argv: list[str] | None = None) -> int:
    """``python -m minitorch_conv.as_torch SCRIPT [ARGS...]`` or ``... -m MODULE [ARGS...]``."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[0].strip() + "\n\nusage: python -m minitorch_conv.as_torch "
              "SCRIPT [ARGS...]  |  -m MODULE [ARGS...]")
        return 0 if argv else 2
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print("as_torch: -m needs a module name", file=sys.stderr)
            return 2
        sys.argv = [argv[1], *argv[2:]]
        return _run(lambda: runpy.run_module(argv[1], run_name="__main__", alter_sys=True))
    script = argv[0]
    if not os.path.exists(script):
        print(f"{sys.executable}: can't open file '{script}': [Errno 2] No such file or directory",
              file=sys.stderr)
        return 2
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))  # as `python SCRIPT` does
    return _run(lambda: runpy.run_path(script, run_name="__main__"))


def _run(run) -> int:
    try:
        run()
    except SystemExit:
        raise
    except BaseException as error:  # the program's own traceback, without this runner's frames
        tb = error.__traceback__
        while tb is not None and _is_runner_frame(tb.tb_frame.f_code.co_filename):
            tb = tb.tb_next
        traceback.print_exception(type(error), error, tb)
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    return 0


def _is_runner_frame(filename: str) -> bool:
    return filename in (__file__, runpy.__file__) or filename.startswith("<frozen runpy")


if __name__ == "__main__":
    sys.exit(main())
