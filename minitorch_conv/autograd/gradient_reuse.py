"""The engine's one performance shortcut: a leaf keeps a fresh gradient without copying it.

The plain algorithm (``engine.fresh_grad``) copies the first gradient a leaf receives into its
``.grad``: the incoming buffer may be a read-only broadcast view, the caller's ``gradient``, or the
very tensor another leaf receives, and in-place updates of one ``.grad`` must not reach the others.

A Function whose forward always returns newly allocated arrays that it keeps no reference to
declares ``returns_new_arrays = True`` (the convolution's three Functions do). When such a Function
runs *inside a backward pass* (a convolution's input or weight gradient), nobody else can hold its
result, so the first leaf to receive it may keep it as ``.grad`` as it is; any later receiver
copies. PyTorch steals such gradients too. On a training step this saves one copy of every weight
gradient (docs/performance.md lists it with the other deliberate departures from the plain code).

This module is the whole mechanism: :func:`backward_pass` marks the engine's run,
:func:`mark_unshared` is called by ``Function.apply``, :func:`take_unshared` by ``fresh_grad``.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> w = mt.randn(2, 1, 3, 3, requires_grad=True)
>>> F.conv2d(mt.randn(1, 1, 5, 5), w).sum().backward()   # w.grad: the weight-gradient kernel's array
>>> w.grad.shape
minitorch_conv.Size([2, 1, 3, 3])
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_state = threading.local()


@contextmanager
def backward_pass() -> Iterator[None]:
    """The engine runs backward functions inside this block (it nests: a backward may call one)."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def backward_running() -> bool:
    """True while this thread's engine runs backward functions."""
    return getattr(_state, "depth", 0) > 0


def mark_unshared(function, outputs) -> None:
    """Called by ``Function.apply``: outputs of a ``returns_new_arrays`` Function made during a
    backward pass may be kept as a ``.grad`` without a copy."""
    if function.returns_new_arrays and backward_running():
        for out in outputs:
            out._unshared_array = True


def take_unshared(grad) -> bool:
    """Called by ``engine.fresh_grad``: True (once) if ``grad`` may become a ``.grad`` as it is."""
    if getattr(grad, "_unshared_array", False):
        grad._unshared_array = False
        return True
    return False
