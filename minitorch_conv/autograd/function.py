"""``Function``: an operation with a forward and a backward, the unit the graph is made of.

Write your own differentiable operation the way PyTorch users do::

    class Square(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x * grad_output

    y = Square.apply(x)

``forward`` runs with grad mode off and may return Tensors (or arrays, which are wrapped).
``backward`` gets one gradient per output and returns one per input of ``forward`` (None for
arguments that are not tensors or need no gradient). Written with tensor operations, a backward
is itself differentiable, so ``create_graph=True`` gives gradients of gradients.
"""

from __future__ import annotations

from contextlib import nullcontext

from .engine import AccumulateGrad, backward_running, fresh_grad  # noqa: F401  (AccumulateGrad: re-exported)
from .grad_mode import is_grad_enabled, no_grad

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class Context:
    """What ``forward`` leaves for ``backward``: saved tensors and any attributes set on it."""

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._saved_versions = ()
        self._freed = False
        self.materialize_grads = True
        self.non_differentiable = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` for backward; checked there against later in-place changes.

        Nothing is kept when no input needs a gradient (then there will be no backward).
        """
        if not any(self.needs_input_grad):
            return
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._version for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        for tensor, version in zip(self._saved, self._saved_versions):
            if tensor is not None and tensor._version != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{tensor.type_name()} {list(tensor.shape)}] is at version "
                    f"{tensor._version}; expected version {version} instead."
                )
        return self._saved

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs (such as indices) that never carry a gradient."""
        self.non_differentiable = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    def _free(self) -> None:
        self._saved = ()
        self._freed = True


class Node:
    """A recorded call of a Function: its context and the edges to its inputs' nodes."""

    def __init__(self, function, ctx, args):
        self.function = function
        self.ctx = ctx
        edges, meta = [], []
        for arg in args:
            if _is_tensor(arg):
                meta.append((tuple(arg.shape), arg.dtype, arg.device))
                edges.append(_input_edge(arg))
            else:
                meta.append(None)
                edges.append(None)
        self.next_functions = tuple(edges)
        self.input_meta = tuple(meta)
        self.output_meta = ()
        self.retained = {}
        self.released = False

    def name(self) -> str:
        return f"{self.function.__name__}Backward"

    def __repr__(self):
        return f"<{self.name()} object>"

    def apply(self, grads):
        result = self.function.backward(self.ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(self.next_functions)
        # one gradient per input of forward, as in PyTorch; extra trailing Nones are ignored
        if len(result) < expected or any(g is not None for g in result[expected:]):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {expected}, got {len(result)})"
            )
        for position, (g, meta) in enumerate(zip(result, self.input_meta), start=1):
            if g is not None and meta is None:
                raise RuntimeError(
                    f"function {self.name()} returned a gradient different than None at position "
                    f"{position}, but the corresponding forward input was not a Tensor"
                )
            if g is not None and not _is_tensor(g):
                raise RuntimeError(f"expected Tensor or None (got {type(g).__name__})")
        return result[:expected]

    def release(self) -> None:
        self.ctx._free()
        self.released = True

    def store_retained_grads(self, grads, create_graph: bool) -> None:
        for nr, ref in self.retained.items():
            tensor = ref()
            if tensor is None or grads[nr] is None:
                continue
            grad = grads[nr]
            tensor.grad = fresh_grad(grad, create_graph) if tensor.grad is None else tensor.grad + grad


def _is_tensor(obj) -> bool:
    return getattr(obj, "_is_minitorch_tensor", False)


def _input_edge(tensor):
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    if tensor.requires_grad:
        return (tensor._grad_accumulator(), 0)
    return None


class Function:
    """Base class for differentiable operations; see the module docstring for an example."""

    returns_new_arrays = False
    """True for a Function whose forward always returns newly allocated arrays that it keeps no
    reference to: when it runs inside a backward pass, a leaf may keep its result as ``.grad``
    without a copy (see ``engine.fresh_grad``)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when grad mode is on and an input requires grad, record a node."""
        record = is_grad_enabled() and any(_is_tensor(a) and a.requires_grad for a in args)
        ctx = Context(tuple(record and _is_tensor(a) and a.requires_grad for a in args))
        backend = next((a.backend for a in args if _is_tensor(a)), None)
        # CuPy allocates and launches on the *current* GPU: make the inputs' GPU current (cuda:1)
        with no_grad(), (nullcontext() if backend is None else backend.device_context()):
            raw = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(raw, tuple)
        outputs = tuple(_wrap_output(o, args) for o in (raw if is_tuple else (raw,)))
        if cls.returns_new_arrays and backward_running():
            for out in outputs:
                out._unshared_array = True
        if record:
            node = Node(cls, ctx, args)
            node.output_meta = tuple((tuple(o.shape), o.dtype, o.device) for o in outputs)
            for nr, out in enumerate(outputs):
                if id(out) in ctx.non_differentiable or not out.dtype.is_floating_point:
                    continue
                if out.grad_fn is not None or out.requires_grad or any(out is a for a in args):
                    # forward returned an input or a tensor already in a graph: hand back a fresh
                    # alias so the caller's tensor keeps its own history
                    out = outputs[nr].__class__._alias(out)
                    outputs = outputs[:nr] + (out,) + outputs[nr + 1:]
                out._set_history(node, nr)
        return outputs if is_tuple else outputs[0]


def _wrap_output(obj, args):
    if _is_tensor(obj):
        return obj
    for a in args:  # arrays returned by forward become tensors on the inputs' device
        if _is_tensor(a):
            return a.__class__._from_array(obj, a.backend)
    raise TypeError("Function.forward must return Tensors or arrays")
