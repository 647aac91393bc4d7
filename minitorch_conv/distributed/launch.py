"""Starting an MPI job from Python: where ``mpiexec`` is, and the command line for N ranks.

The ``mpich`` wheel (``pip install -e ".[distributed]"``) puts ``mpiexec`` next to the Python
interpreter of its environment, which is not always on ``PATH`` (a virtual environment that is not
activated); a system MPI puts it on ``PATH``. The benchmark and the tests start their jobs with
:func:`mpiexec_command`.

>>> from minitorch_conv.distributed.launch import mpiexec_command
>>> command = mpiexec_command(2, ["train.py"], python="python")  # None where there is no mpiexec
>>> command is None or command[-4:] == ["-n", "2", "python", "train.py"]
True
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

__all__ = ["find_mpiexec", "mpiexec_command", "child_environment"]

_LAUNCHER_PREFIXES = ("PMI_", "PMIX_", "OMPI_", "MV2_", "HYDRA_", "HYDI_", "MPI_LOCAL")


def find_mpiexec() -> str | None:
    """The ``mpiexec`` of this Python's environment (the mpich wheel's), else the one on ``PATH``.

    >>> from minitorch_conv.distributed.launch import find_mpiexec
    >>> path = find_mpiexec()
    >>> path is None or path.endswith("mpiexec")
    True
    """
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec")


@functools.cache
def _is_open_mpi(mpiexec: str) -> bool:
    try:
        version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return "Open MPI" in version.stdout or "OpenRTE" in version.stdout


def mpiexec_command(n: int, arguments: list[str], python: str | None = None) -> list[str] | None:
    """``mpiexec -n N python ARGUMENTS`` (None without an ``mpiexec``); more ranks than cores are
    allowed (Open MPI needs ``--oversubscribe`` for that, MPICH does not).

    >>> from minitorch_conv.distributed.launch import mpiexec_command
    >>> command = mpiexec_command(3, ["-c", "pass"], python="python")
    >>> command is None or command[-4:] == ["3", "python", "-c", "pass"]
    True
    """
    mpiexec = find_mpiexec()
    if mpiexec is None:
        return None
    extra = ["--oversubscribe"] if _is_open_mpi(mpiexec) else []
    return [mpiexec, *extra, "-n", str(n), python or sys.executable, *arguments]


def child_environment(**variables: str) -> dict[str, str]:
    """This process's environment without the variables an MPI launcher set in it (so that an
    ``mpiexec`` started from inside a job starts a job of its own), plus ``variables``.

    >>> from minitorch_conv.distributed.launch import child_environment
    >>> env = child_environment(PMI_RANK="3", OMP_NUM_THREADS="1")
    >>> env["OMP_NUM_THREADS"], "PMI_RANK" in env
    ('1', True)
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LAUNCHER_PREFIXES)}
    env.update(variables)
    return env
