"""Full backward hooks of a Module: how a hook sees the gradients at a module's inputs and outputs.

``Module.register_full_backward_hook`` and ``register_full_backward_pre_hook`` work as in PyTorch,
and by PyTorch's means. While a module has such hooks, each call wraps the Tensors it receives and
the Tensors it returns in an identity Function, :class:`BackwardHookFunction`::

    x ──► BackwardHookFunction ──► x' ──► forward ──► y ──► BackwardHookFunction ──► y'

Its forward hands back the same data (aliases sharing the version counter), so the forward pass
computes exactly what it did before. The two nodes it records are where the gradients are caught:

- the node after the outputs runs first: it receives ``grad_output``, lets each pre-hook replace
  it, and passes the result on into the module's own backward;
- the node before the inputs runs once every gradient with respect to the inputs has been summed
  (the engine runs a node only after all its consumers have sent theirs): it calls each hook with
  ``grad_input`` and ``grad_output``, and passes on whatever the hooks return.

One :class:`BackwardHook` per call links the two nodes. When no input requires grad there is no
node before the inputs, and the hooks fire from the node after the outputs, with ``grad_input``
all None (PyTorch warns then, and so do we).

>>> import minitorch_conv as mt
>>> layer = mt.nn.Linear(3, 2)
>>> def double_grad_input(module, grad_input, grad_output):
...     return tuple(None if g is None else 2 * g for g in grad_input)
>>> handle = layer.register_full_backward_hook(double_grad_input)
>>> x = mt.ones(4, 3, requires_grad=True)
>>> y = layer(x)
>>> y.grad_fn.name()
'BackwardHookFunctionBackward'
>>> y.sum().backward()
>>> bool((x.grad == 2 * layer.weight.sum(0)).all())
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor

__all__ = ["BackwardHook", "BackwardHookFunction"]

_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs since "
    "no inputs require gradients. See the documentation of Module.register_full_backward_hook for "
    "more details."
)


class BackwardHookFunction(Function):
    """Identity on any number of tensors; its backward hands the gradients to ``ctx.on_backward``.

    The caller sets ``on_backward(grads) -> grads`` on the recorded node's context after ``apply``
    (where PyTorch registers a hook on the node), so that the node's edges are the tensors' alone.
    Without it the gradients pass through unchanged.
    """

    node_name = "BackwardHookFunctionBackward"  # a Python Function in PyTorch: no version

    checks_aliases = True  # its outputs are its inputs' memory: views PyTorch refuses to write

    @staticmethod
    def forward(ctx, *tensors: Tensor):
        # same data, same version counter; Function.apply makes each a view of its input made
        # inside a custom Function, which (as in PyTorch) may not be modified in place
        outputs = tuple(t.detach() for t in tensors)
        ctx.mark_non_differentiable(*[o for o, t in zip(outputs, tensors) if not t.requires_grad])
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        on_backward = getattr(ctx, "on_backward", None)
        return grads if on_backward is None else on_backward(grads)


class BackwardHook:
    """The backward hooks of one module call: wraps its inputs and outputs, then fires the hooks.

    ``hooks`` and ``pre_hooks`` are the module's hooks when it was called (a hook removed after
    the forward pass still fires for that graph, as in PyTorch).
    """

    def __init__(self, module: Any, hooks: Sequence[Callable], pre_hooks: Sequence[Callable]):
        self.module = module
        self.hooks = list(hooks)
        self.pre_hooks = list(pre_hooks)
        self.grad_outputs: Sequence | None = None
        self.n_inputs = -1
        self.input_tensors_index: list[int] | None = None
        self.input_shapes: list[tuple] = []
        self.n_outputs = -1
        self.output_tensors_index: list[int] | None = None
        self.output_shapes: list[tuple] = []

    # ------------------------------------------------------------------ forward: wrap the tensors
    def setup_input_hook(self, args: tuple) -> tuple:
        """``args`` with its Tensors replaced by aliases whose gradients reach the hooks."""
        wrapped, self.input_tensors_index, self.input_shapes = self._wrap(args, self._input_backward, True)
        self.n_inputs = len(args)
        return wrapped

    def setup_output_hook(self, result: Any) -> Any:
        """``result`` (a Tensor or a tuple) with its Tensors replaced by aliases whose gradients
        go through the pre-hooks first."""
        if not isinstance(result, (Tensor, tuple)):
            warnings.warn(
                "For backward hooks to be called, module output should be a Tensor or a tuple of "
                f"Tensors but received {type(result)}",
                stacklevel=3,
            )
        is_tuple = isinstance(result, tuple)
        outputs = result if is_tuple else (result,)
        wrapped, self.output_tensors_index, self.output_shapes = self._wrap(
            outputs, self._output_backward, False
        )
        self.n_outputs = len(outputs)
        return wrapped if is_tuple else wrapped[0]

    @staticmethod
    def _wrap(values: tuple, on_backward: Callable, materialize_grads: bool):
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        tensors = [values[i] for i in index]
        if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return values, None, []
        aliases = BackwardHookFunction.apply(*tensors)
        ctx = next(a.grad_fn for a in aliases if a.grad_fn is not None).ctx
        ctx.on_backward = on_backward
        # without materializing, an output that got no gradient shows up as None (what a pre-hook's
        # grad_output holds); materialized, as zeros (what a hook's grad_input holds, as in PyTorch)
        ctx.set_materialize_grads(materialize_grads)
        items = list(values)
        for i, alias in zip(index, aliases):
            items[i] = alias
        wrapped = tuple(items) if type(values) is tuple else type(values)(*items)  # namedtuples too
        return wrapped, index, [tuple(t.shape) for t in tensors]

    # ------------------------------------------------------------------ backward: fire the hooks
    def _output_backward(self, grads: tuple) -> tuple:
        self.grad_outputs = _pack_with_none(self.output_tensors_index, grads, self.n_outputs)
        expected = len(self.grad_outputs)
        for pre_hook in self.pre_hooks:
            result = pre_hook(self.module, self.grad_outputs)
            if result is None:
                continue
            if len(result) != expected:
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, "
                    f"got {len(result)}, but expected {expected}"
                )
            self.grad_outputs = result
        grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:  # no input requires grad: fire the hooks now
            warnings.warn(_NO_INPUT_GRAD_WARNING, stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_inputs, self.grad_outputs)
                if result is not None and not (isinstance(result, tuple) and all(g is None for g in result)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always "
                        "return None or None for all gradients."
                    )
            self.grad_outputs = None
        return _checked([grad_outputs[i] for i in self.output_tensors_index], self.output_shapes)

    def _input_backward(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:
            # the gradient reached the inputs without passing through the outputs (a tensor a
            # forward hook kept, a second-order pass): nothing to report
            return grads
        grad_inputs = _pack_with_none(self.input_tensors_index, grads, self.n_inputs)
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_inputs):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, "
                    f"got {len(result)}, but expected {len(grad_inputs)}"
                )
            grad_inputs = result
        self.grad_outputs = None
        return _checked([grad_inputs[i] for i in self.input_tensors_index], self.input_shapes)


def _pack_with_none(indices: list[int], values: Sequence, size: int) -> tuple:
    packed: list = [None] * size
    for i, value in zip(indices, values):
        packed[i] = value
    return tuple(packed)


def _checked(grads: list, shapes: list[tuple]) -> tuple:
    """The gradients a hook handed back, refused (as PyTorch does) where they cannot stand in."""
    for grad, shape in zip(grads, shapes):
        if grad is None:
            continue
        if not isinstance(grad, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(grad).__name__}'")
        if tuple(grad.shape) != shape:
            raise RuntimeError("hook 'hook' has changed the size of value")
    return tuple(grads)
