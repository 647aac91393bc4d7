"""Activation checkpointing (PyTorch's ``torch.utils.checkpoint``): trade compute for memory.

``checkpoint(function, *args, use_reentrant=False)`` runs ``function`` without keeping the
tensors its operations save for backward; backward runs ``function`` again to get them back. The
gradients are the same as without checkpointing.

Two implementations, as in PyTorch:

- ``use_reentrant=False`` (recommended): ``function`` runs with grad mode on, under
  :class:`~minitorch_conv.autograd.graph.saved_tensors_hooks` whose pack hook keeps only a
  number. The first time backward unpacks one, ``function`` runs again (same inputs, same random
  state) and the tensors it saves, in the same order, stand in for the originals. Works with
  ``autograd.grad``, with inputs that need no gradient, and with keyword arguments.
- ``use_reentrant=True``: ``function`` runs under ``no_grad`` inside one autograd Function
  (``CheckpointFunctionBackward``); its backward reruns ``function`` with grad mode on and runs a
  backward pass through that, inside the outer one. Only ``.backward()`` reaches it, and at least
  one tensor input must require grad.

>>> import minitorch_conv as mt
>>> from minitorch_conv.utils.checkpoint import checkpoint
>>> x = mt.tensor([1.0, 2.0], requires_grad=True)
>>> checkpoint(lambda t: (t.sin() * 2).sum(), x, use_reentrant=False).backward()
>>> x.grad
tensor([ 1.0806, -0.8323])
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable

from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import saved_tensors_hooks

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError"]


class CheckpointError(RuntimeError):
    """The recomputation did not save what the first run saved (PyTorch's class of the name)."""


def _is_tensor(value) -> bool:
    return getattr(value, "_is_minitorch_tensor", False)


@contextlib.contextmanager
def _random_state(state):
    """Run the recomputation from ``state`` (the CPU generator's state at the first run), and put
    the generator back where it was afterwards; nothing when ``state`` is None."""
    if state is None:
        yield
        return
    from ..generator import get_rng_state, set_rng_state

    now = get_rng_state()
    set_rng_state(state)
    try:
        yield
    finally:
        set_rng_state(now)


def _rng_state(preserve: bool):
    if not preserve:
        return None
    from ..generator import get_rng_state

    return get_rng_state()


def checkpoint(function: Callable, *args, use_reentrant: bool | None = None, context_fn=None,
               determinism_check: str = "default", debug: bool = False, preserve_rng_state: bool = True,
               **kwargs):
    """``function(*args, **kwargs)``, with its saved tensors recomputed in backward instead of kept.

    ``use_reentrant`` should be given (PyTorch warns without it and takes True); False is the
    implementation PyTorch recommends. ``preserve_rng_state`` replays the CPU generator's state, so
    that dropout inside ``function`` draws the same mask again. ``context_fn``,
    ``determinism_check`` and ``debug`` are accepted for PyTorch's signature.
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Pass use_reentrant=True or use_reentrant=False; use_reentrant=False is recommended.",
            UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if context_fn is not None:
            raise ValueError("Passing `context_fn` is only supported when use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _checkpoint_without_reentrant(function, preserve_rng_state, args, kwargs)


def _checkpoint_without_reentrant(function, preserve_rng_state, args, kwargs):
    state = _rng_state(preserve_rng_state)
    first_run = [0]  # how many tensors the first run saved
    recomputed: list = []  # what the second run saved, in order; filled on the first unpack

    def pack(tensor):
        index = first_run[0]
        first_run[0] += 1
        return index

    def unpack(index):
        if not recomputed:
            def keep(tensor):
                recomputed.append(tensor.detach())
                return tensor

            with saved_tensors_hooks(keep, lambda t: t), _random_state(state), enable_grad():
                function(*args, **kwargs)
            if len(recomputed) != first_run[0]:
                raise CheckpointError(
                    "torch.utils.checkpoint: A different number of tensors was saved during the "
                    f"original forward and recomputation.\nNumber of tensors saved during forward: "
                    f"{first_run[0]}\nNumber of tensors saved during recomputation: {len(recomputed)}")
        return recomputed[index]

    with saved_tensors_hooks(pack, unpack):
        return function(*args, **kwargs)


class CheckpointFunction(Function):
    """The reentrant checkpoint: forward without a graph, backward reruns and backpropagates."""

    node_name = "CheckpointFunctionBackward"  # PyTorch's (a Python Function there)

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.rng_state = _rng_state(preserve_rng_state)
        ctx.tensor_positions = [i for i, a in enumerate(args) if _is_tensor(a)]
        ctx.other_args = [None if _is_tensor(a) else a for a in args]
        ctx.save_for_backward(*(args[i] for i in ctx.tensor_positions))
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grad_outputs):
        from ..autograd import backward as run_backward

        args = list(ctx.other_args)
        detached = []
        for position, tensor in zip(ctx.tensor_positions, ctx.saved_tensors):
            copy = tensor.detach()
            copy.requires_grad_(tensor.requires_grad)
            args[position] = copy
            detached.append(copy)
        with _random_state(ctx.rng_state), enable_grad():
            outputs = ctx.run_function(*args)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(out, grad) for out, grad in zip(outputs, grad_outputs)
                 if _is_tensor(out) and out.requires_grad and grad is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        run_backward([out for out, _ in pairs], [grad for _, grad in pairs])
        return (None, None) + tuple(
            (args[i].grad if i in ctx.tensor_positions else None) for i in range(len(args)))


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None,  # noqa: A002
                          **kwargs):
    """Run a sequence of modules (a ``Sequential`` or a list) in ``segments`` checkpointed pieces;
    the last piece runs normally, as in PyTorch."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
            "explicitly. Pass use_reentrant=True or use_reentrant=False; use_reentrant=False is recommended.",
            UserWarning, stacklevel=2)
        use_reentrant = True
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)

    def run(start, end):
        def forward(value):
            for layer in functions[start:end + 1]:
                value = layer(value)
            return value
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)  # noqa: A001
    return run(end + 1, len(functions) - 1)(input)
