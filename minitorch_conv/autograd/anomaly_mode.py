"""Anomaly detection: find the forward line behind a failing backward, and NaN gradients.

With ``detect_anomaly()`` (or ``set_detect_anomaly(True)``) on, as in PyTorch:

- every graph node records the traceback of the forward call that made it (``node.metadata
  ["traceback_"]``), and a node made while another node's backward runs (``create_graph=True``)
  records that node as its parent (``"parent_"``);
- when a backward function raises, the engine warns "Error detected in XBackward0. Traceback of
  forward call that caused the error: ..." with that traceback (and its parents'), then re-raises;
- with ``check_nan`` (the default), a backward function that returns NaN raises
  ``RuntimeError("Function 'XBackward0' returned nan values in its 0th output.")``.

It costs time (a traceback per node, a NaN scan per gradient): use it for debugging only. The mode
is process-wide, not per thread, as PyTorch's is.

>>> import warnings
>>> import minitorch_conv as mt
>>> class Broken(mt.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         return x * 2
...     @staticmethod
...     def backward(ctx, grad):
...         raise ValueError("bug in backward")
>>> x = mt.ones(3, requires_grad=True)
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     with mt.autograd.detect_anomaly():
...         y = Broken.apply(x)
...         try:
...             y.sum().backward()
...         except ValueError as error:
...             print(error)
bug in backward
>>> print(str(caught[-1].message).splitlines()[0])
Error detected in BrokenBackward. Traceback of forward call that caused the error:
>>> "y = Broken.apply(x)" in str(caught[-1].message)
True
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

__all__ = ["detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "set_anomaly_enabled",
           "set_detect_anomaly"]


class _AnomalyState:
    """The mode, for the whole process (PyTorch's is global, not per thread)."""

    enabled = False  # read by Node.__init__ for every node: one attribute read when off
    check_nan = True


state = _AnomalyState()

_evaluating = threading.local()  # the node whose backward this thread is running (the engine sets it)


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on.

    >>> import minitorch_conv as mt
    >>> mt.autograd.is_anomaly_enabled()
    False
    """
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True when anomaly detection, while on, raises on NaN gradients (the default).

    >>> import minitorch_conv as mt
    >>> with mt.autograd.set_detect_anomaly(True, check_nan=False):
    ...     mt.autograd.is_anomaly_check_nan_enabled()
    False
    """
    return state.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off at once (``torch.set_anomaly_enabled``).

    >>> import minitorch_conv as mt
    >>> mt.set_anomaly_enabled(True); mt.is_anomaly_enabled()
    True
    >>> mt.set_anomaly_enabled(False); mt.is_anomaly_enabled()
    False
    """
    state.enabled = bool(enabled)
    state.check_nan = bool(check_nan)


class detect_anomaly:
    """Anomaly detection for the backward passes run inside a ``with`` block (or a decorated
    function): see the module's description. Warns, when made, that it is for debugging only.

    PyTorch's ``detect_anomaly`` is a context manager only; here it also decorates a function
    (``@detect_anomaly()``, with the parentheses), turning the mode on for each call.

    >>> import warnings
    >>> import minitorch_conv as mt
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     with mt.autograd.detect_anomaly():
    ...         mt.autograd.is_anomaly_enabled()
    True
    >>> print(caught[0].message)
    Anomaly Detection has been enabled. This mode will increase the runtime and should only be \
enabled for debugging.
    >>> mt.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = state.enabled
        self.check_nan = check_nan
        self.prev_check_nan = state.check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc: Any) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)

    def __call__(self, func: Callable) -> Callable:
        check_nan = self.check_nan

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            prev = state.enabled, state.check_nan
            set_anomaly_enabled(True, check_nan)
            try:
                return func(*args, **kwargs)
            finally:
                set_anomaly_enabled(*prev)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once when called, and back when a ``with`` block ends.

    >>> import minitorch_conv as mt
    >>> with mt.autograd.set_detect_anomaly(True):
    ...     mt.autograd.is_anomaly_enabled()
    True
    >>> mt.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = state.enabled
        self.prev_check_nan = state.check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


# ---------------------------------------------------------------------------- used by the engine
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# frames in these places are the framework's machinery (PyTorch's C++): a recorded traceback ends at
# the last frame outside them, the line that called the operation
_MACHINERY = (os.path.join(_PACKAGE, "autograd", ""), os.path.join(_PACKAGE, "ops", ""),
              os.path.join(_PACKAGE, "tensor.py"))


def _outside_machinery(frame: FrameType | None) -> FrameType | None:
    while frame is not None and frame.f_code.co_filename.startswith(_MACHINERY):
        frame = frame.f_back
    return frame


def record_forward(node: Any) -> None:
    """Keep, in ``node.metadata``, where the forward call that made ``node`` is, and the node whose
    backward was running then (if any). Called for each new node while anomaly detection is on."""
    trace = traceback.format_list(traceback.extract_stack(_outside_machinery(sys._getframe(1))))
    metadata = {"traceback_": trace}
    parent = getattr(_evaluating, "node", None)
    if parent is not None:
        metadata["parent_"] = parent
    node._metadata = metadata


def evaluating_node() -> Any:
    """The node whose backward function this thread runs now, or None."""
    return getattr(_evaluating, "node", None)


def set_evaluating_node(node: Any) -> None:
    """Set by the engine before each node it runs (while anomaly detection is on)."""
    _evaluating.node = node


def check_nan(node: Any, grads: Sequence[Any]) -> None:
    """PyTorch's ``check_nan``: refuse a backward function's results that hold a NaN."""
    for i, grad in enumerate(grads):
        if grad is not None and grad.dtype.is_floating_point and bool(grad.xp.isnan(grad._array).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def warn_failed(node: Any) -> None:
    """Warn with the forward traceback of ``node``, whose backward raised, then of its parents."""
    _warn_trace(node, parent=False)
    parent = _metadata(node).get("parent_")
    while parent is not None:
        _warn_trace(parent, parent=True)
        parent = _metadata(parent).get("parent_")


def _metadata(node: Any) -> dict:
    return getattr(node, "_metadata", None) or {}


def _warn_trace(node: Any, parent: bool) -> None:
    trace = _metadata(node).get("traceback_")
    if trace is None:
        message = (f"Error detected in {node.name()}. No forward pass information available. Enable "
                   "detect anomaly during forward pass for more information.")
    elif not parent:
        message = (f"Error detected in {node.name()}. Traceback of forward call that caused the "
                   f"error:\n{''.join(trace)}")
    else:
        message = (f"\n\nPrevious calculation was induced by {node.name()}. Traceback of forward call "
                   f"that induced the previous calculation:\n{''.join(trace)}")
    warnings.warn(message, UserWarning, stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    """The ``stacklevel`` that attributes a warning to the user's ``backward()`` call."""
    frame, level = sys._getframe(2), 2  # the caller of _warn_trace is level 1 for warnings.warn
    while frame is not None and frame.f_code.co_filename.startswith(_MACHINERY):
        frame, level = frame.f_back, level + 1
    return level
