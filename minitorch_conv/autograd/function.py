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

import contextlib
import functools
import re
import sys

from ..backends.base import NO_CONTEXT
from ..utils.hooks import RemovableHandle
from . import anomaly_mode, grad_mode, gradient_reuse
from .engine import AccumulateGrad, edge_of, fresh_grad  # noqa: F401  (AccumulateGrad: re-exported)
from .grad_mode import is_grad_enabled, no_grad

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)
_INFERENCE_SAVED_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
    "mode in computation tracked by autograd. To work around this, you can make a clone to get a "
    "normal tensor and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)
# the end of the "modified by an inplace operation" error: anomaly detection shows the operation
_HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
         "with torch.autograd.set_detect_anomaly(True, check_nan=False).")
_ANOMALY_HINT = ("Hint: the backtrace further above shows the operation that failed to compute its "
                 "gradient. The variable in question was changed in there or anywhere later. Good luck!")


class Context:
    """What ``forward`` leaves for ``backward``: saved tensors and any attributes set on it."""

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._saved_versions = ()
        self._saved_makers = ()
        self._packed = None  # (unpack_hook, what pack_hook returned) under saved_tensors_hooks
        self._freed = False
        self.materialize_grads = True
        self.non_differentiable = ()
        self.dirty = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` for backward; checked there against later in-place changes.

        Nothing is kept when no input needs a gradient (then there will be no backward).
        """
        if not any(self.needs_input_grad):
            return
        versions = []
        for t in tensors:
            if t is None:
                versions.append(None)
            elif t._inference:
                raise RuntimeError(_INFERENCE_SAVED_MESSAGE)
            else:
                versions.append(t._version_counter[0])
        self._saved = tensors
        self._saved_versions = tuple(versions)
        hooks = _graph.current_hooks()
        if hooks is not None:  # mt.autograd.graph.saved_tensors_hooks: keep what pack_hook returns
            pack_hook, unpack_hook = hooks
            self._packed = (unpack_hook, tuple(None if t is None else pack_hook(t) for t in tensors))
        # for a saved output of this very Function, its node (named in the error if it is changed
        # in place); other tensors are named by the node they have then, as in PyTorch
        self._saved_makers = (None,) * len(tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        for tensor, version, made in zip(self._saved, self._saved_versions, self._saved_makers):
            if tensor is not None and tensor._version != version:
                made_by = ""
                maker, nr = made if made is not None else (tensor._grad_fn, tensor._output_nr)
                if maker is not None:
                    made_by = f", which is output {nr} of {_short_name(maker)},"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{tensor.type_name()} {list(tensor.shape)}]{made_by} is at "
                    f"version {tensor._version}; expected version {version} instead. "
                    + (_ANOMALY_HINT if anomaly_mode.state.enabled else _HINT)
                )
        if self._packed is not None:
            unpack_hook, packed = self._packed
            return tuple(None if p is None else unpack_hook(p) for p in packed)
        return self._saved

    def _note_saved_outputs(self, outputs, node) -> None:
        """Saved tensors that are this Function's own outputs were made by its node."""
        for i, tensor in enumerate(self._saved):
            for nr, out in enumerate(outputs):
                if tensor is out:
                    makers = list(self._saved_makers)
                    makers[i] = (node, nr)
                    self._saved_makers = tuple(makers)

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place (and returns): they take this node's
        history, and their version counter moves, as with the built-in in-place operations."""
        self.dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs (such as indices) that never carry a gradient."""
        self.non_differentiable = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    def _free(self) -> None:
        self._saved = ()
        self._packed = None
        self._freed = True


class Node:
    """A recorded call of a Function: its context and the edges to its inputs' nodes.

    Each node is an instance of a subclass named as the node (``type(y.grad_fn).__name__`` is
    ``"MulBackward0"``, as in PyTorch): see :func:`node_type`.
    """

    def __init__(self, function, ctx, args):
        self.function = function
        self.ctx = ctx
        edges, meta = [], []
        for arg in args:
            if getattr(arg, "_is_minitorch_tensor", False):
                meta.append((arg._array.shape, arg.dtype, arg._backend.device))
                edges.append(edge_of(arg))
            else:
                meta.append(None)
                edges.append(None)
        self._edges = tuple(edges)  # one per argument of forward (None: nothing flows there)
        self.input_meta = tuple(meta)
        self.output_meta = ()
        self.retained = {}
        self.released = False
        if anomaly_mode.state.enabled:  # detect_anomaly(): keep the forward traceback
            anomaly_mode.record_forward(self)

    _metadata = None

    @property
    def metadata(self) -> dict:
        """A dict for notes about this node; anomaly detection keeps the forward call's traceback
        there under ``"traceback_"`` (PyTorch's ``Node.metadata``)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    tensor_pre_hooks = None  # {output_nr: {id: hook}}: register_hook hooks of this node's outputs
    pre_hooks = None  # {id: hook(grad_outputs)}: register_prehook
    post_hooks = None  # {id: hook(grad_inputs, grad_outputs)}: register_hook

    def register_prehook(self, hook) -> RemovableHandle:
        """Call ``hook(grad_outputs)`` before this node runs; it may return new ``grad_outputs``.

        >>> import minitorch_conv as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> handle = y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
        >>> y.sum().backward()
        >>> x.grad
        tensor([30., 30.])
        """
        if self.pre_hooks is None:
            self.pre_hooks = {}
        return RemovableHandle(self.pre_hooks, hook)

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node ran; ``grad_inputs`` has one
        entry per ``next_functions`` edge, and the hook may return new ones."""
        if self.post_hooks is None:
            self.post_hooks = {}
        return RemovableHandle(self.post_hooks, hook)

    def _run_pre_hooks(self, grads):
        for hook in list(self.pre_hooks.values()):
            new = hook(tuple(grads))
            if new is not None:
                grads = _checked_hook_result(new, len(grads), "prehook")
        return grads

    def _run_post_hooks(self, input_grads, grads):
        tensor_args = [i for i, meta in enumerate(self.input_meta) if meta is not None]
        for hook in list(self.post_hooks.values()):
            new = hook(tuple(input_grads[i] for i in tensor_args), tuple(grads))
            if new is not None:
                new = _checked_hook_result(new, len(tensor_args), "hook")
                input_grads = list(input_grads)
                for i, grad in zip(tensor_args, new):
                    input_grads[i] = grad
        return input_grads
    name_override = None  # e.g. "AsStridedBackward0" for a view's node rebuilt from its base

    def name(self) -> str:
        return (self.name_override or getattr(self.function, "node_name", None)
                or f"{self.function.__name__}Backward")  # (a Function class that is not ours)

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` edge per tensor argument of forward, ``(None, 0)`` for a
        tensor that needs no gradient (arguments that are not tensors have none), as PyTorch's."""
        return tuple((None, 0) if edge is None else edge
                     for edge, meta in zip(self._edges, self.input_meta) if meta is not None)

    def __repr__(self):
        return f"<{self.name()} object>"

    def apply(self, grads):
        result = self.function.backward(self.ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(self._edges)
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
            tensor._grad = fresh_grad(grad, create_graph) if tensor._grad is None else tensor._grad + grad


def _checked_hook_result(new, expected: int, kind: str) -> tuple:
    if not isinstance(new, (tuple, list)) or len(new) != expected:
        got = len(new) if isinstance(new, (tuple, list)) else 1
        raise RuntimeError(
            f"{kind} returned an incorrect number of values (got {got}, but expected {expected})")
    return tuple(new)


_NODE_TYPES: dict[str, type] = {}


def node_type(name: str) -> type:
    """The subclass of :class:`Node` called ``name``, made once."""
    made = _NODE_TYPES.get(name)
    if made is None:
        made = _NODE_TYPES[name] = type(name, (Node,), {"__module__": Node.__module__})
    return made


def rename_node(node, name: str) -> None:
    """Give ``node`` another name (and the class of that name)."""
    node.name_override = name
    node.__class__ = node_type(name)


def named_as(tensor, node_name: str):
    """``tensor``, its node renamed ``node_name``: a result computed by several Functions where
    PyTorch has one operation (``mean`` is a sum and a division here, ``MeanBackward0`` there)."""
    if tensor._grad_fn is not None:
        rename_node(tensor._grad_fn, node_name)
    return tensor


def _short_name(node) -> str:
    """A node's name without "Backward" and its version, as PyTorch's messages name the operation
    (its own C++ name for CopySlices)."""
    name = node.name()
    return "torch::autograd::CopySlices" if name == "CopySlices" else re.sub(r"Backward\d*$", "", name)


def _is_tensor(obj) -> bool:
    return getattr(obj, "_is_minitorch_tensor", False)


class Function:
    """Base class for differentiable operations; see the module docstring for an example."""

    returns_new_arrays = False
    """True for a Function whose forward always returns newly allocated arrays that it keeps no
    reference to: when it runs inside a backward pass, a leaf may keep its result as ``.grad``
    without a copy (see ``gradient_reuse.py``)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2's other style: a Function that defines ``setup_context`` writes
        ``forward(*args)`` without ``ctx``; ``setup_context(ctx, inputs, output)`` then fills the
        context from the inputs (a tuple) and forward's output.

        >>> import minitorch_conv as mt
        >>> class Scale(mt.autograd.Function):
        ...     @staticmethod
        ...     def forward(x, factor):
        ...         return x * factor
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         ctx.factor = inputs[1]
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return grad * ctx.factor, None
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> Scale.apply(x, 3.0).sum().backward()
        >>> x.grad
        tensor([3., 3.])
        """
        raise NotImplementedError("setup_context is not overridden")

    @classmethod
    def _forward_then_setup(cls, ctx, args, kwargs):
        if kwargs:
            raise ValueError("A autograd.Function with a separate setup_context cannot be called with "
                             "keyword arguments")
        output = cls.forward(*args)
        cls.setup_context(ctx, args, output)
        return output

    is_view = False
    """True for an operation whose output may share its first input's memory (reshape, permute, a
    basic index, ...): when it does, the output becomes a view of that input (``views.py``)."""

    checks_aliases = True
    """Whether an output that is an input's memory becomes a view made inside a custom Function
    (which may not be written in place). True for user Functions; minitorch_conv's own operations
    never return an input's memory except as declared views, and skip the check."""

    _separate_context = False  # set per subclass: whether it defines setup_context

    node_name = None
    """The name of this Function's nodes (``grad_fn.name()``). PyTorch's built-in operations end
    in a version number (``MulBackward0``), its Python Functions in ``Backward`` alone: ours are
    named ``<class>Backward0`` unless they say otherwise, yours ``<class>Backward``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__module__.startswith("minitorch_conv.")
        if "checks_aliases" not in cls.__dict__:
            cls.checks_aliases = not own
        # forward without ctx, then setup_context (PyTorch 2's style), when the class defines it
        cls._separate_context = cls.setup_context is not Function.setup_context
        if "node_name" not in cls.__dict__:  # (a class made in a doctest is the reader's own)
            ours = own and not sys._getframe(1).f_code.co_filename.startswith("<")
            cls.node_name = f"{cls.__name__}Backward0" if ours else None

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when grad mode is on and an input requires grad, record a node."""
        first, needs = None, []
        for a in args:
            if getattr(a, "_is_minitorch_tensor", False):
                needs.append(a.requires_grad)
                first = a if first is None else first
            else:
                needs.append(False)
        needs_input_grad = tuple(needs)
        modes = grad_mode._state
        record = (True in needs_input_grad and modes.enabled
                  and not modes.inference)  # (enable_grad() inside it records nothing)
        ctx = Context(needs_input_grad if record else (False,) * len(args))
        # CuPy allocates and launches on the *current* GPU: make the inputs' GPU current (cuda:1)
        device = NO_CONTEXT if first is None else first._backend.device_context()
        previous, modes.enabled = modes.enabled, False  # forward runs in no_grad
        try:
            if cls._separate_context:
                with device if device is not NO_CONTEXT else contextlib.nullcontext():
                    raw = cls._forward_then_setup(ctx, args, kwargs)
            elif device is NO_CONTEXT:  # the CPU: no device to make current
                raw = cls.forward(ctx, *args, **kwargs)
            else:
                with device:
                    raw = cls.forward(ctx, *args, **kwargs)
        finally:
            modes.enabled = previous
        is_tuple = isinstance(raw, tuple)
        outputs = tuple(_wrap_output(o, first) for o in (raw if is_tuple else (raw,)))
        if cls.returns_new_arrays:  # (performance seam, gradient_reuse.py)
            gradient_reuse.mark_unshared(cls, outputs)
        for tensor in ctx.dirty:  # inputs forward changed in place: their memory has a new version
            tensor._version_counter[0] += 1
        aliased = _inputs_aliased_by(outputs, args) if cls.checks_aliases and not cls.is_view else None
        if record:
            made = cls.__dict__.get("_node_type")
            if made is None:  # the first node of this Function: the class named as its nodes
                made = node_type(cls.node_name or f"{cls.__name__}Backward")
                cls._node_type = made
            node = made(cls, ctx, args)
            node.output_meta = tuple((o._array.shape, o._dtype, o._backend.device) for o in outputs)
            for nr, out in enumerate(outputs):
                if not out._dtype.is_floating_point or id(out) in ctx.non_differentiable:
                    continue
                if ctx.dirty and any(out is d for d in ctx.dirty):
                    _take_history_in_place(out, node, nr)
                    continue
                if out._grad_fn is not None or out.requires_grad or any(out is a for a in args):
                    # forward returned an input or a tensor already in a graph: hand back a fresh
                    # alias so the caller's tensor keeps its own history
                    out = outputs[nr].__class__._alias(out)
                    outputs = outputs[:nr] + (out,) + outputs[nr + 1:]
                out._set_history(node, nr)
            if ctx._saved:
                ctx._note_saved_outputs(outputs, node)
        if cls.is_view:
            source, out = args[0], outputs[0]
            if out._base is None and out is not source and source.xp.may_share_memory(out._array,
                                                                                        source._array):
                views.make_view(out, source, lambda base: cls.apply(base, *args[1:], **kwargs))
        elif aliased is not None:
            views.mark_custom_function_views(outputs, aliased, _short_name_of(cls))
        return outputs if is_tuple else outputs[0]


def _inputs_aliased_by(outputs, args) -> list | None:
    """For each output of a forward, the input whose memory it is (returned as-is, or a view made
    inside forward), else None; None when no output is (the common case, kept cheap)."""
    found = None
    for nr, out in enumerate(outputs):
        array, base = out._array, out._base
        for a in args:
            if getattr(a, "_is_minitorch_tensor", False) and (
                    array is a._array or (base is not None and base is (a._base or a))):
                if found is None:
                    found = [None] * len(outputs)
                found[nr] = a
                break
    return found


def _short_name_of(function) -> str:
    return re.sub(r"Backward\d*$", "", function.node_name) if function.node_name else function.__name__


def _take_history_in_place(tensor, node, nr) -> None:
    """A ``mark_dirty`` input returned by forward: it keeps its identity and takes the node's
    history (through the base, for a view), after PyTorch's in-place checks."""
    views.check_inplace(tensor, tracked=True)
    result = tensor._alias(tensor)
    result._set_history(node, nr)
    views.rebase_history(tensor, result)


def once_differentiable(backward):
    """Decorate a ``backward`` that is not itself differentiable (it works on arrays, say).

    It runs with grad mode off; if a graph is being recorded (``create_graph=True``) its results get
    a node that raises when a second derivative is asked for, instead of silently giving zero.
    """

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with no_grad():
            result = backward(ctx, *grad_outputs)
        upstream = [g for g in grad_outputs if _is_tensor(g) and g.requires_grad]
        if not is_grad_enabled() or not upstream:
            return result
        single = not isinstance(result, tuple)
        guarded = tuple(_OnceDifferentiable.apply(r, *upstream)
                        if _is_tensor(r) and r.dtype.is_floating_point else r
                        for r in ((result,) if single else result))
        return guarded[0] if single else guarded

    return wrapper


def _wrap_output(obj, first_tensor_input):
    if getattr(obj, "_is_minitorch_tensor", False):
        return obj
    if first_tensor_input is not None:  # arrays returned by forward become tensors on its device
        return first_tensor_input.__class__._from_array(obj, first_tensor_input._backend)
    raise TypeError("Function.forward must return Tensors or arrays")


class _OnceDifferentiable(Function):
    """The node behind a ``@once_differentiable`` backward's results: differentiating it raises."""

    node_name = "Error"

    @staticmethod
    def forward(ctx, result, *upstream):  # the node hangs on the gradients that require grad
        return result._array

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


# Imported last, so that the circles close once Function exists: views.py builds on Function (its
# CopySlices node), and Function.apply marks views and rewrites histories through it; graph.py
# holds the saved-tensor hooks (its current_hooks, looked up when a tensor is saved).
from . import graph as _graph  # noqa: E402
from . import views  # noqa: E402
