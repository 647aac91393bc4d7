"""Whether operations record a graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""

from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded for backward."""
    return getattr(_state, "enabled", True)


def _set_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradModeContext:
    """Base for the grad-mode context managers; each also works as a decorator."""

    mode = True

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        _set_enabled(self.prev)
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            prev = is_grad_enabled()
            _set_enabled(mode)
            try:
                return func(*args, **kwargs)
            finally:
                _set_enabled(prev)

        return wrapper


class _NoArgumentContext(_GradModeContext):
    """A grad-mode context that also decorates without parentheses: ``@no_grad`` as ``@no_grad()``."""

    def __new__(cls, func=None):
        if func is None:
            return super().__new__(cls)
        return cls()(func)


class no_grad(_NoArgumentContext):
    """Disable graph recording inside a ``with`` block or a decorated function.

    >>> import minitorch_conv as mt
    >>> x = mt.ones(2, requires_grad=True)
    >>> with mt.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_NoArgumentContext):
    """Enable graph recording again inside a ``no_grad`` region.

    >>> import minitorch_conv as mt
    >>> x = mt.ones(2, requires_grad=True)
    >>> with mt.no_grad(), mt.enable_grad():
    ...     (x * 2).requires_grad
    True
    """

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``: immediately as a call, or for a ``with`` block.

    >>> import minitorch_conv as mt
    >>> with mt.set_grad_enabled(False):
    ...     mt.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool):
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(self.mode)  # takes effect at once, like torch.set_grad_enabled(False)

    def __enter__(self):
        return self

    def __call__(self, func):
        _set_enabled(self.prev)  # used as a decorator: undo the immediate effect
        return super().__call__(func)
