"""Tracing: run the model's ``forward`` once, for real, and record the public operations it calls.

While :func:`tracing` is active, every public function of ``minitorch_conv``,
``minitorch_conv.nn.functional`` and every public method and operator of ``Tensor`` is replaced by
a recorder that calls the original and then:

- if no argument is a traced tensor, does nothing more (constants: ``mt.zeros(3)``, a
  parameter's ``.t()``);
- a function of ``minitorch_conv.ops`` (what ``nn.functional`` is built from) is recorded the same
  way, so that a function the model holds under its own name still traces, op by op;
- if the operation has a translation (:mod:`.registry`), lets it write the ONNX nodes and bind
  the result (``F.conv2d`` becomes one ``Conv`` node);
- otherwise lets it run with its own public calls recorded (a function made of translatable
  operations exports as those), and raises :class:`~.errors.UnsupportedOperatorError` naming it
  if a tensor it returned or changed in place was not made by recorded calls.

Only the outermost call is recorded: inside ``F.batch_norm``, the arithmetic it is made of runs
unrecorded, and the graph gets one ``BatchNormalization`` node. Every original is put back when
tracing ends, whatever happens; the recorders of a thread that is not exporting just call through.
Modules get forward hooks for the time of the trace, to name the nodes after the module path
(``/layer1/0/conv1/Conv``), as ``torch.onnx.export`` does.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

from ..tensor import Tensor
from .errors import OnnxExporterError, UnsupportedOperatorError
from .graph import GraphBuilder
from .registry import SYMBOLICS

__all__ = ["tracing", "is_tracing"]

# the operators of Tensor that are recorded besides its public methods
_OPERATORS = frozenset(
    f"__{name}__" for name in (
        "add radd iadd sub rsub isub mul rmul imul truediv rtruediv itruediv floordiv rfloordiv "
        "mod rmod pow rpow ipow matmul rmatmul neg pos abs invert and or xor eq ne lt le gt ge "
        "getitem setitem").split())

_state = threading.local()
_install_lock = threading.Lock()


def is_tracing() -> bool:
    """Whether this thread is inside an export's trace.

    >>> is_tracing()
    False
    """
    return getattr(_state, "tracer", None) is not None


class _Tracer:
    def __init__(self, graph: GraphBuilder):
        self.graph = graph
        self.depth = 0  # > 0 inside a recorded call: nested calls are its implementation

    def call(self, name: str, original, args: tuple, kwargs: dict):
        tensors = list(_tensors_in((args, kwargs)))
        traced = [t for t in tensors if self.graph.is_traced(t)]
        untraced = [t for t in tensors if not self.graph.is_traced(t) and t.requires_grad]
        if untraced:  # made from the inputs by something we did not see: name it now
            self.graph.value(untraced[0])
        symbolic = SYMBOLICS.get(name)
        aliases = self.graph.aliases(traced) if traced else []
        if traced and symbolic is None:
            out = self._descend(name, original, args, kwargs, traced)
        else:
            self.depth += 1
            try:
                out = original(*args, **kwargs)
                if not traced:  # a constant (mt.zeros(3), a parameter's .t())
                    return out
                symbolic(self.graph, out, *args, **kwargs)
            finally:
                self.depth -= 1
            for tensor in _tensors_in(out):  # unbound outputs are constants (x.new_zeros(3))
                if not self.graph.is_traced(tensor) and tensor.requires_grad:
                    raise OnnxExporterError(f"internal: the translation of {name} left an output "
                                            "unbound")
        self.graph.forget_overwritten(aliases)
        return out

    def _descend(self, name: str, original, args: tuple, kwargs: dict, traced: list):
        """A function without a translation runs with its own public calls recorded (so that
        ``F.pixel_unshuffle``, made of reshapes and a permute, exports as those). If what it
        returns, or changes in place, was not made by recorded calls, it is refused by name."""
        before = [(t, t._version, self.graph.value(t)) for t in traced]
        try:
            out = original(*args, **kwargs)
        except UnsupportedOperatorError:
            raise
        except OnnxExporterError as error:  # its insides made a value the trace cannot follow
            raise UnsupportedOperatorError(name, self.graph.opset) from error
        for tensor, version, value in before:  # (None: overwritten through an alias inside)
            if tensor._version != version and self.graph.name_of(tensor) in (value, None):
                raise UnsupportedOperatorError(name, self.graph.opset, "it changes a tensor in place")
        if any(not self.graph.is_traced(t) for t in _tensors_in(out)):
            raise UnsupportedOperatorError(name, self.graph.opset)
        return out


def _tensors_in(obj) -> Iterator[Tensor]:
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors_in(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors_in(item)


def _recorder(name: str, original):
    @functools.wraps(original)
    def record(*args, **kwargs):
        tracer = getattr(_state, "tracer", None)
        if tracer is None or tracer.depth:
            return original(*args, **kwargs)
        return tracer.call(name, original, args, kwargs)

    return record


def _targets() -> Iterator[tuple[str, Any, str, Any]]:
    """``(public name, owner, attribute, function)`` for everything the trace records."""
    import minitorch_conv

    from ..nn import functional

    owners = [("minitorch_conv", minitorch_conv), ("nn.functional", functional)]
    # the ops modules too, where nn.functional finds its building blocks: a function the model
    # imported by name before the export (``from ...functional import gelu``) is not recorded
    # itself, but what it is made of still is
    owners += [("ops", module) for attribute, module in vars(minitorch_conv.ops).items()
               if isinstance(module, types.ModuleType) and not attribute.startswith("_")
               and attribute != "methods"]
    for prefix, owner in owners:
        for attribute, value in list(vars(owner).items()):
            if isinstance(value, types.FunctionType) and not attribute.startswith("_"):
                yield f"{prefix}.{attribute}", owner, attribute, value
    for attribute, value in list(vars(Tensor).items()):
        if isinstance(value, types.FunctionType) and (
                not attribute.startswith("_") or attribute in _OPERATORS):
            yield f"Tensor.{attribute}", Tensor, attribute, value


@contextlib.contextmanager
def _recorders_installed():
    with _install_lock:  # one export at a time installs and removes them
        replaced = []
        try:
            recorders: dict[int, tuple] = {}  # id(function) -> (function, its first recorder)
            for name, owner, attribute, function in _targets():
                recorder = _recorder(name, function)
                setattr(owner, attribute, recorder)
                replaced.append((owner, attribute, function))
                recorders.setdefault(id(function), (function, recorder))
            # the library's own modules that imported a function by name
            # (``from ..ops.pad import pad`` in nn/padding.py) call it through their globals
            for module_name, module in list(sys.modules.items()):
                if module is None or not module_name.startswith("minitorch_conv.") \
                        or module_name.startswith(__package__):
                    continue
                for attribute, value in list(vars(module).items()):
                    entry = recorders.get(id(value))
                    if entry is not None and entry[0] is value:
                        setattr(module, attribute, entry[1])
                        replaced.append((module, attribute, value))
            yield
        finally:
            for owner, attribute, function in reversed(replaced):
                setattr(owner, attribute, function)


@contextlib.contextmanager
def _module_scopes(model, graph: GraphBuilder):
    """Forward hooks that keep ``graph.scope`` at the path of the module running."""
    handles = []
    named = getattr(model, "named_modules", None)
    if named is not None:
        for path, module in named():
            if not path:
                continue

            def enter(module, args, _path=path):
                graph.scope.append(_path.replace(".", "/"))

            def leave(module, args, output):
                if graph.scope:
                    graph.scope.pop()

            handles.append(module.register_forward_pre_hook(enter))
            handles.append(module.register_forward_hook(leave))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextlib.contextmanager
def tracing(model, graph: GraphBuilder):
    """Record the public operations run in this thread into ``graph``, inside the ``with``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.onnx.graph import GraphBuilder
    >>> g = GraphBuilder(20, {}, True)
    >>> x = mt.ones(3)
    >>> g.bind(x, "x")
    >>> with tracing(None, g):
    ...     y = (x * 2).relu()
    >>> [node.op_type for node in g.nodes if node.op_type != "Constant"]
    ['Mul', 'Relu']
    """
    if is_tracing():
        raise OnnxExporterError("mt.onnx.export cannot be called while another export is tracing")
    with _recorders_installed(), _module_scopes(model, graph):
        _state.tracer = _Tracer(graph)
        try:
            yield
        finally:
            _state.tracer = None
