"""``mt.autograd.graph``: the graph's node type, and hooks on the tensors saved for backward.

``saved_tensors_hooks(pack_hook, unpack_hook)``: while the context is active, every tensor an
operation saves for its backward goes through ``pack_hook`` (whatever it returns is kept), and
``unpack_hook`` turns that back into a tensor when backward asks for it. This is how activation
checkpointing and offloading are written; ``save_on_cpu`` is one such pair.

>>> import minitorch_conv as mt
>>> packed = []
>>> x = mt.tensor([1.0, 2.0], requires_grad=True)
>>> with mt.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: t):
...     y = (x * x).sum()
>>> y.backward()
>>> len(packed), x.grad
(2, tensor([2., 4.]))
"""

from __future__ import annotations

import abc
import contextlib

from .engine import AccumulateGrad
from .function import Node as _FunctionNode

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks",
           "increment_version"]


class Node(abc.ABC):
    """What ``tensor.grad_fn`` is: ``isinstance(y.grad_fn, mt.autograd.graph.Node)`` holds for
    every node, the leaves' ``AccumulateGrad`` included (PyTorch's abstract ``Node``)."""

    @abc.abstractmethod
    def name(self) -> str: ...


Node.register(_FunctionNode)
Node.register(AccumulateGrad)


class _HookState:
    stack: list = []  # (pack_hook, unpack_hook) pairs, innermost last
    disabled: str | None = None  # the message of disable_saved_tensors_hooks, while it is active


def current_hooks():
    """The innermost (pack_hook, unpack_hook) pair, or None (``Context.save_for_backward``)."""
    if _HookState.disabled is not None:
        if _HookState.stack:
            raise RuntimeError(_HookState.disabled)
        return None
    return _HookState.stack[-1] if _HookState.stack else None


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Pack every tensor saved for backward with ``pack_hook``; ``unpack_hook`` gets it back.

    Only the innermost pair applies. The hooks see tensors saved by any operation recorded inside
    the ``with`` block, whenever its backward runs.
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if _HookState.disabled is not None:
            raise RuntimeError(_HookState.disabled)
        _HookState.stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc) -> None:
        _HookState.stack.pop()


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Saved tensors are kept on the CPU and moved back to their device when backward needs them
    (``pin_memory`` is accepted for PyTorch's signature; CuPy copies need no pinning here)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        def pack(tensor):
            return tensor.device, tensor.cpu()

        def unpack(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack, unpack)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Inside, registering saved-tensor hooks (or saving with some active) raises RuntimeError
    with ``error_message``."""
    previous, _HookState.disabled = _HookState.disabled, error_message
    try:
        yield
    finally:
        _HookState.disabled = previous


def increment_version(tensor) -> None:
    """Bump ``tensor``'s version counter, as an in-place change would (for code that changes a
    tensor's memory behind autograd's back)."""
    for t in tensor if isinstance(tensor, (list, tuple)) else (tensor,):
        t._version_counter[0] += 1
