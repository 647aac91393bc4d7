"""Whether operations record a graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, and
``inference_mode``.

Both modes are per thread, as in PyTorch: a ``no_grad`` block in one thread leaves the others alone.
"""

from __future__ import annotations

import functools
import inspect
import threading
import warnings
from collections.abc import Callable
from typing import Any


class _ModeState(threading.local):
    """This thread's modes; the class attributes are what a new thread starts with."""

    enabled = True  # grad mode
    inference = False  # inference mode: Tensor.__init__ reads this for every new tensor


_state = _ModeState()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded for backward."""
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode()`` block (and not inside a nested ``inference_mode(False)``).

    >>> import minitorch_conv as mt
    >>> with mt.inference_mode():
    ...     mt.is_inference_mode_enabled()
    True
    >>> mt.is_inference_mode_enabled()
    False
    """
    return _state.inference


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


class inference_mode:
    """Inference mode: no graph is recorded, and the tensors made here are *inference tensors*.

    Like ``no_grad``, but stricter, as ``torch.inference_mode``: the tensors created inside
    (``Tensor.is_inference()``) can never enter a graph later. Outside inference mode, saving one for
    backward, changing one in place (or a view of one) and ``requires_grad_()`` on one raise a
    RuntimeError; operations that save nothing may still read them, and ``clone()`` gives a normal
    tensor. Views of normal tensors made inside stay normal tensors, but an in-place write to one
    that autograd would record later is refused. ``inference_mode(False)`` turns the mode off again
    inside (grad mode on, normal tensors). Works as a ``with`` block and as a decorator, with or
    without parentheses. The mode is per thread.

    >>> import minitorch_conv as mt
    >>> x = mt.ones(2, requires_grad=True)
    >>> with mt.inference_mode():
    ...     y = x * 2
    >>> y.requires_grad, y.is_inference(), x.is_inference()
    (False, True, False)
    >>> y.add_(1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    RuntimeError: Inplace update to inference tensor outside InferenceMode is not allowed...
    >>> @mt.inference_mode
    ... def predict(x):
    ...     return x * 2
    >>> predict(x).is_inference()
    True
    """

    def __new__(cls, mode: bool | Callable = True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # @inference_mode without parentheses: mode is the decorated function

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._prev = (_state.enabled, _state.inference)
        _state.inference = self.mode
        _state.enabled = not self.mode  # inference mode on: grad mode off; off: grad mode on

    def __exit__(self, *exc: Any) -> bool:
        _state.enabled, _state.inference = self._prev
        return False

    def clone(self) -> inference_mode:
        """A new context with the same mode (each call of a decorated function enters its own)."""
        return self.__class__(self.mode)

    def __call__(self, func: Callable) -> Callable:
        if inspect.isclass(func):
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You should "
                "only decorate functions or methods. To preserve the current behavior of class "
                "decoration, you can directly decorate the `__init__` method and nothing else.",
                FutureWarning,
                stacklevel=2,
            )
            klass, func = func, lambda *args, **kwargs: klass(*args, **kwargs)
        if inspect.isgeneratorfunction(func):
            return _wrap_generator(self.clone, func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


def _wrap_generator(context: Callable, func: Callable) -> Callable:
    """Decorate a generator function: the mode holds each time the generator runs, not in between."""

    @functools.wraps(func)
    def generator(*args, **kwargs):
        try:
            with context():
                gen = func(*args, **kwargs)
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with context():
                        gen.close()
                    raise
                except BaseException as error:
                    with context():
                        response = gen.throw(error)
                else:
                    with context():
                        response = gen.send(request)
        except StopIteration as stop:  # the wrapped generator finished: so does this one
            return stop.value

    return generator
