"""Every example in a docstring of the package runs and prints what it shows (``doctest``).

One test per module, so that a failure names the module. A module that needs an optional
dependency which is not installed (mpi4py, onnx, ...) is skipped with that reason.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import minitorch_conv

MODULES = sorted(info.name for info in pkgutil.walk_packages(minitorch_conv.__path__, "minitorch_conv.")
                 if not info.name.endswith("__main__"))


@pytest.mark.parametrize("name", ["minitorch_conv", *MODULES])
def test_docstring_examples_run(name):
    try:
        module = importlib.import_module(name)
    except ImportError as error:  # an optional dependency of this module is missing
        if (error.name or "minitorch_conv").startswith("minitorch_conv"):
            raise
        pytest.skip(f"{name} needs {error.name}")
    # report=True prints each failing example with what it got: pytest shows it with the failure
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"
