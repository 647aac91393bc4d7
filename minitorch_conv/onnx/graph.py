"""``GraphBuilder``: the ONNX graph being written while the model runs, built with the ``onnx``
package's helpers (``onnx.helper.make_node``, ``numpy_helper.from_array``, ...).

Every tensor the trace has seen is *bound* to the name of the ONNX value that holds it (a graph
input, a node's output). A tensor met that was never bound is a constant: a parameter or buffer of
the model becomes an initializer under its ``state_dict`` name (``conv1.weight``), any other tensor
(made inside ``forward`` from constants only) a ``Constant`` node. A tensor that depends on the
inputs but was made by an operation the trace did not see is an error, never a silent constant.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .errors import OnnxExporterError

__all__ = ["GraphBuilder", "onnx_type"]

INT64_MAX = 2**63 - 1


def _onnx():
    import onnx

    return onnx


def onnx_type(dtype) -> int:
    """The ``onnx.TensorProto`` element type of a minitorch_conv dtype.

    >>> import onnx, minitorch_conv as mt
    >>> onnx_type(mt.float32) == onnx.TensorProto.FLOAT
    True
    """
    return _onnx().helper.np_dtype_to_tensor_dtype(np.dtype(dtype.numpy))


class GraphBuilder:
    """Nodes, initializers and the tensor -> ONNX value bindings of one export.

    >>> import minitorch_conv as mt
    >>> g = GraphBuilder(opset_version=20, parameter_names={}, export_params=True)
    >>> x = mt.ones(2)
    >>> g.bind(x, "x")
    >>> g.op("Relu", g.value(x))
    '/Relu_output_0'
    >>> [node.op_type for node in g.nodes]
    ['Relu']
    """

    def __init__(self, opset_version: int, parameter_names: dict[int, str], export_params: bool):
        self.opset = opset_version
        self.nodes: list = []
        self.initializers: list = []
        self.parameter_inputs: list = []  # value infos of the parameters when not exported
        self.scope: list[str] = []        # the paths of the modules running ("layer1/0/conv1")
        self._parameter_names = parameter_names
        self._export_params = export_params
        self._names: dict[int, str] = {}      # id(tensor) -> ONNX value name
        self._bound: dict[int, Tensor] = {}   # id(tensor) -> tensor, for the bound ones
        self._stale: set[int] = set()         # ids of tensors overwritten through an alias
        self._constants: dict[int, str] = {}  # id(tensor) -> name of its initializer / Constant
        self._keep_alive: list = []           # the bound tensors, so that their ids stay unique
        self._used: set[str] = set()

    # ------------------------------------------------------------------ names
    def unique(self, name: str) -> str:
        """``name``, or ``name_1``, ``name_2``... if it is taken."""
        candidate, k = name, 0
        while candidate in self._used:
            k += 1
            candidate = f"{name}_{k}"
        self._used.add(candidate)
        return candidate

    def is_traced(self, tensor) -> bool:
        """Whether ``tensor`` is bound to a value computed from the graph's inputs."""
        return id(tensor) in self._names

    def name_of(self, tensor: Tensor) -> str | None:
        """The value ``tensor`` is bound to, or None."""
        return self._names.get(id(tensor))

    def bind(self, tensor: Tensor, name: str) -> None:
        """From now on ``tensor`` is the ONNX value ``name`` (again, after an in-place op)."""
        self._names[id(tensor)] = name
        self._bound[id(tensor)] = tensor
        self._stale.discard(id(tensor))
        self._keep_alive.append(tensor)

    def aliases(self, tensors) -> list[tuple[Tensor, str, int]]:
        """``(tensor, value, version)`` of each bound tensor sharing memory (a version counter)
        with one of ``tensors``: taken before an operation, for :meth:`forget_overwritten`."""
        counters = {id(t._version_counter) for t in tensors}
        return [(t, self._names[i], t._version) for i, t in self._bound.items()
                if id(t._version_counter) in counters]

    def forget_overwritten(self, aliases) -> None:
        """After an in-place write: an alias whose memory changed but which was not bound to a
        new value holds values the graph no longer has (``y = x[0]; y.relu_()`` changes ``x``).
        Using it later is an error."""
        for tensor, name, version in aliases:
            if tensor._version != version and self._names.get(id(tensor)) == name:
                del self._names[id(tensor)]
                self._stale.add(id(tensor))

    def bind_outputs(self, out, names) -> None:
        """Bind each tensor of ``out`` (a tensor, or a tuple of them) to ``names`` in order."""
        tensors = [out] if isinstance(out, Tensor) else list(out)
        names = [names] if isinstance(names, str) else list(names)
        for tensor, name in zip(tensors, names, strict=True):
            self.bind(tensor, name)

    # ------------------------------------------------------------------ values
    def value(self, x, dtype=None) -> str:
        """The ONNX name of an operand: a bound tensor, a constant tensor, a Python number (a
        constant of ``dtype``), or None (an omitted optional input, ``""``). With ``dtype``, a
        tensor of another dtype is cast to it."""
        if x is None:
            return ""
        if isinstance(x, Tensor):
            if id(x) in self._stale:
                raise OnnxExporterError(
                    f"a tensor of shape {list(x.shape)} was changed in place through a view or "
                    "another alias of its memory, which an ONNX graph cannot express; write the "
                    "operation out of place (y = f(x) instead of x[...].op_())")
            name = self._names.get(id(x))
            if name is None:
                name = self._constant_tensor(x)
            if dtype is not None and x.dtype is not dtype:
                name = self.op("Cast", name, to=onnx_type(dtype))
            return name
        if isinstance(x, (bool, int, float, np.generic)):
            if dtype is None:
                raise OnnxExporterError(f"internal: the dtype of the constant {x!r} is unknown")
            return self.constant(np.asarray(x, dtype=dtype.numpy))
        raise OnnxExporterError(f"cannot use an argument of type {type(x).__name__} as an ONNX value")

    def _constant_tensor(self, tensor: Tensor) -> str:
        if tensor.requires_grad:  # depends on an input, but no operation we saw made it
            maker = tensor.grad_fn.name() if tensor.grad_fn is not None else "an untraced operation"
            raise OnnxExporterError(
                f"a tensor of shape {list(tensor.shape)} that depends on the model's inputs was "
                f"computed by {maker}, which the exporter did not see: call the public functions "
                "and methods (F.relu(x), x.t(), mt.cat(...)), which the trace records, rather "
                "than properties such as x.T or internals"
            )
        name = self._constants.get(id(tensor))
        if name is not None:
            return name
        array = tensor.backend.to_numpy(tensor.detach()._array)
        parameter = self._parameter_names.get(id(tensor))
        onnx = _onnx()
        if parameter is not None:
            name = self.unique(parameter)
            if self._export_params:
                self.initializers.append(onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
            else:
                self.parameter_inputs.append(onnx.helper.make_tensor_value_info(
                    name, onnx_type(tensor.dtype), list(array.shape)))
        else:
            name = self.constant(array)
        self._constants[id(tensor)] = name
        self._keep_alive.append(tensor)
        return name

    def constant(self, array: np.ndarray) -> str:
        """A ``Constant`` node holding ``array`` (its dtype kept)."""
        onnx = _onnx()
        name = self.unique(self._prefix() + "Constant_output_0")
        value = onnx.numpy_helper.from_array(np.ascontiguousarray(array))
        self.nodes.append(onnx.helper.make_node("Constant", [], [name],
                                                name=self.unique(self._prefix() + "Constant"),
                                                value=value))
        return name

    def ints(self, values) -> str:
        """A 1-D int64 constant (shapes, axes, pads, sizes)."""
        return self.constant(np.asarray(list(values), dtype=np.int64).reshape(-1))

    # ------------------------------------------------------------------ nodes
    def _prefix(self) -> str:
        return "/" + (self.scope[-1] + "/" if self.scope else "")

    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attributes):
        """Add an ``op_type`` node on the named ``inputs`` (``""`` for an omitted optional one);
        returns its output name, or a list of ``outputs`` names."""
        onnx = _onnx()
        node_name = self.unique(self._prefix() + op_type)
        names = [self.unique(f"{node_name}_output_{i}") for i in range(outputs)]
        attributes = {k: v for k, v in attributes.items() if v is not None}
        self.nodes.append(onnx.helper.make_node(op_type, list(inputs), names, name=node_name,
                                                **attributes))
        return names[0] if outputs == 1 else names

    # ------------------------------------------------------------------ helpers used by many ops
    def reduce(self, op_type: str, x: str, axes, keepdims: bool) -> str:
        """``ReduceSum`` / ``ReduceMean`` / ``ReduceMax`` ... over ``axes`` (None: all). Opset 13
        moved ReduceSum's axes to an input, opset 18 the others'."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.op(op_type, x, keepdims=keep)
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, x, self.ints(axes), keepdims=keep)
        return self.op(op_type, x, axes=list(axes), keepdims=keep)

    def unsqueeze(self, x: str, axes) -> str:
        return self.op("Unsqueeze", x, self.ints(axes))

    def squeeze(self, x: str, axes) -> str:
        return self.op("Squeeze", x, self.ints(axes))
