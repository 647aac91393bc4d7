"""``export``: PyTorch's ``torch.onnx.export`` (its classic, tracing form) for minitorch_conv models.

The steps, in order:

1. the model is put in eval mode (``training=TrainingMode.EVAL``) and its parameters are marked as
   not requiring gradients; both are restored at the end;
2. each input tensor becomes a graph input (named by ``input_names``, with ``dynamic_axes`` as
   symbolic dimensions), and is replaced by a copy that requires grad, so that anything computed
   from it is recognisable;
3. ``forward`` runs once under :func:`.tracer.tracing`, which writes the graph;
4. the outputs are named, the graph is assembled with ``onnx.helper``, checked by
   ``onnx.checker.check_model(full_check=True)``, and written (atomically, to a path).
"""

from __future__ import annotations

import enum
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import IO, Any

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from . import symbolic_nn, symbolic_tensor  # noqa: F401  (they register the translations)
from .errors import OnnxExporterError
from .graph import GraphBuilder, onnx_type
from .tracer import tracing

__all__ = ["export", "TrainingMode", "MIN_OPSET", "MAX_OPSET", "DEFAULT_OPSET"]

MIN_OPSET = 13
MAX_OPSET = 22
DEFAULT_OPSET = 20  # torch.onnx.export's default
_PROTOBUF_LIMIT = 2**31 - 1


class TrainingMode(enum.IntEnum):
    """The mode the model is exported in (``torch.onnx.TrainingMode``): ``EVAL`` (the default),
    ``PRESERVE`` (as it is), ``TRAINING``. Dropout and batch statistics in training mode have no
    translation here, so a model that uses them exports in EVAL mode only.

    >>> import minitorch_conv as mt
    >>> mt.onnx.TrainingMode.EVAL
    <TrainingMode.EVAL: 0>
    """

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("mt.onnx.export needs the onnx package: pip install onnx (or "
                          "pip install 'minitorch_conv[interop]')") from None
    return onnx


def export(model, args: tuple | Tensor = (), f: str | os.PathLike | IO[bytes] | None = None, *,
           kwargs: dict[str, Any] | None = None, verbose: bool | None = None,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           opset_version: int | None = None, dynamo: bool = False, external_data: bool = True,
           dynamic_shapes: Any = None, export_params: bool = True,
           keep_initializers_as_inputs: bool = False,
           dynamic_axes: Mapping[str, Mapping[int, str]] | Mapping[str, Sequence[int]] | None = None,
           training: TrainingMode = TrainingMode.EVAL, do_constant_folding: bool = True,
           custom_opsets: Mapping[str, int] | None = None,
           export_modules_as_functions: bool = False) -> None:
    """Trace ``model(*args, **kwargs)`` once and write the ONNX model to ``f``.

    The names and meanings are ``torch.onnx.export``'s: ``args`` is a tensor or a tuple (a dict
    as its last element holds keyword arguments); ``input_names`` / ``output_names`` name the
    graph's inputs and outputs in order; ``dynamic_axes`` maps a name to the axes that may vary,
    as ``{"input": {0: "batch"}}`` or ``{"input": [0]}``; ``export_params=False`` leaves the
    weights out (they become inputs); ``opset_version`` is 13 to 22 (default 20).

    Each public operation ``forward`` runs becomes ONNX nodes (``F.conv2d`` a ``Conv``, ``+`` an
    ``Add``, ...); one without a translation raises
    :class:`~minitorch_conv.onnx.UnsupportedOperatorError` naming it. As with PyTorch's tracer,
    Python control flow is fixed to the path this input took, and sizes read with ``x.shape``
    become constants (reshapes keep a dynamic batch by copying dimensions that did not change).
    ``dynamo``, ``external_data`` and ``do_constant_folding`` are accepted for compatibility:
    this exporter always traces, writes one file, and folds what does not depend on the inputs.

    >>> import io, onnx
    >>> import minitorch_conv as mt
    >>> model = mt.nn.Sequential(mt.nn.Linear(4, 3), mt.nn.ReLU())
    >>> buffer = io.BytesIO()
    >>> mt.onnx.export(model, mt.randn(2, 4), buffer, input_names=["x"], output_names=["y"],
    ...                dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    >>> [node.op_type for node in onnx.load_from_string(buffer.getvalue()).graph.node]
    ['Gemm', 'Relu']
    """
    onnx = _onnx()
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"opset_version must be an int from {MIN_OPSET} to {MAX_OPSET}, got "
                         f"{opset_version!r}")
    if f is None:
        raise ValueError("f (a path or a binary file object) is required: this exporter writes "
                         "the model, it returns nothing")
    if dynamic_shapes is not None:
        raise ValueError("dynamic_shapes belongs to the dynamo exporter; give dynamic_axes instead")
    if custom_opsets:
        raise ValueError("custom_opsets: this exporter writes standard ONNX operators only")
    if export_modules_as_functions:
        raise ValueError("export_modules_as_functions is not supported: modules are inlined")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    if kwargs is None and args and isinstance(args[-1], dict):
        args, kwargs = args[:-1], args[-1]
    kwargs = dict(kwargs or {})

    graph = GraphBuilder(opset, _parameter_names(model), export_params)
    with _prepared(model, training):
        args, kwargs, inputs = _traced_inputs(args, kwargs)
        names = _names(input_names, len(inputs), "input")
        for tensor, name in zip(inputs, names):
            graph.bind(tensor, name)
        with enable_grad(), tracing(model, graph):
            result = model(*args, **kwargs)
        outputs = _flatten_outputs(result)
        out_names = _names(output_names, len(outputs), "output")
        axes = _dynamic_axes(dynamic_axes, names, out_names)
        _name_outputs(graph, outputs, out_names, set(names))

    graph_inputs = [_value_info(onnx, name, t, axes.get(name, {})) for name, t in zip(names, inputs)]
    graph_inputs += graph.parameter_inputs
    if keep_initializers_as_inputs:
        graph_inputs += [onnx.helper.make_tensor_value_info(init.name, init.data_type, init.dims)
                         for init in graph.initializers]
    graph_outputs = [onnx.helper.make_tensor_value_info(name, onnx_type(t.dtype), None)
                     for name, t in zip(out_names, outputs)]
    proto = onnx.helper.make_graph(graph.nodes, _graph_name(model), graph_inputs, graph_outputs,
                                   initializer=graph.initializers)
    model_proto = onnx.helper.make_model(
        proto, opset_imports=[onnx.helper.make_opsetid("", opset)], producer_name="minitorch_conv",
        producer_version=_version())
    model_proto.ir_version = onnx.helper.find_min_ir_version_for(
        list(model_proto.opset_import), ignore_unknown=True)
    _declare_output_shapes(onnx, model_proto, outputs, out_names, axes, bool(axes))
    onnx.checker.check_model(model_proto, full_check=True)
    data = model_proto.SerializeToString()
    if len(data) > _PROTOBUF_LIMIT:
        raise OnnxExporterError("the model is larger than 2 GB, protobuf's limit; external data "
                                "files are not written by this exporter")
    if verbose:
        print(onnx.helper.printable_graph(model_proto.graph))
    if hasattr(f, "write"):
        f.write(data)
    else:
        from ..serialization.files import write_atomically

        write_atomically(f, lambda handle: handle.write(data))


# ---------------------------------------------------------------------------- preparing the model
class _prepared:
    """The model in the requested mode, with parameters that do not require grad (so that only
    tensors computed from the inputs do), for the time of the trace."""

    def __init__(self, model, training: TrainingMode):
        self.model, self.training = model, TrainingMode(training)

    def __enter__(self):
        model = self.model
        self.was_training = getattr(model, "training", None)
        self.parameters = list(model.parameters()) if hasattr(model, "parameters") else []
        self.requires_grad = [p.requires_grad for p in self.parameters]
        if self.was_training is not None and self.training is not TrainingMode.PRESERVE:
            model.train(self.training is TrainingMode.TRAINING)
        for p in self.parameters:
            p.requires_grad_(False)
        return self

    def __exit__(self, *exc):
        for p, flag in zip(self.parameters, self.requires_grad):
            p.requires_grad_(flag)
        if self.was_training is not None:
            self.model.train(self.was_training)
        return False


def _parameter_names(model) -> dict[int, str]:
    names: dict[int, str] = {}
    for getter in ("named_parameters", "named_buffers"):
        for name, tensor in getattr(model, getter, lambda: [])():
            if tensor is not None:
                names.setdefault(id(tensor), name)
    return names


def _traced_inputs(args: tuple, kwargs: dict):
    """The arguments with each tensor replaced by a copy that requires grad (a non-leaf, which
    in-place layers may modify), and the list of those copies, in order."""
    inputs: list[Tensor] = []

    def replace(obj):
        if isinstance(obj, Tensor):
            leaf = obj.detach()
            if leaf.dtype.is_floating_point:
                leaf.requires_grad_(True)
            copy = leaf.clone()
            inputs.append(copy)
            return copy
        if isinstance(obj, (list, tuple)):
            return type(obj)(replace(o) for o in obj)
        return obj

    with enable_grad():
        args = tuple(replace(a) for a in args)
        kwargs = {k: replace(v) for k, v in kwargs.items()}
    return args, kwargs, inputs


def _flatten_outputs(result) -> list[Tensor]:
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (list, tuple)):
        return [t for item in result for t in _flatten_outputs(item)]
    if isinstance(result, dict):
        return [t for item in result.values() for t in _flatten_outputs(item)]
    raise OnnxExporterError(f"the model returned a {type(result).__name__}; ONNX outputs are "
                            "tensors (or tuples, lists and dicts of them)")


def _names(given: Sequence[str] | None, count: int, kind: str) -> list[str]:
    given = list(given or [])
    if len(given) > count:
        raise ValueError(f"{len(given)} {kind} names given for {count} {kind}s")
    if len(set(given)) != len(given):
        raise ValueError(f"the {kind} names must be distinct, got {given}")
    default = [kind] if count == 1 else [f"{kind}_{i}" for i in range(count)]
    return given + [d for d in default[len(given):]]


def _dynamic_axes(dynamic_axes, input_names: list[str], output_names: list[str]) -> dict:
    """``{name: {axis: dim_param}}``, PyTorch's automatic names for the list form."""
    axes: dict[str, dict[int, str]] = {}
    for name, value in (dynamic_axes or {}).items():
        if name not in input_names and name not in output_names:
            warnings.warn(f"Provided key {name} for dynamic axes is not a valid input/output name",
                          stacklevel=3)
            continue
        if isinstance(value, Mapping):
            axes[name] = {int(axis): str(param) for axis, param in value.items()}
        else:
            axes[name] = {}
            for i, axis in enumerate(value):
                if not isinstance(axis, int):
                    raise ValueError("The type of axis index is expected to be an integer")
                axes[name].setdefault(axis, f"{name}_dynamic_axes_{i + 1}")
    return axes


def _name_outputs(graph: GraphBuilder, outputs: list[Tensor], names: list[str],
                  input_names: set[str]) -> None:
    """Make each output an ONNX value with its own name: the last node's output is renamed; an
    input, a constant or a value already used as an output goes through an Identity node."""
    producers = {}
    for node in graph.nodes:
        for i, out in enumerate(node.output):
            producers[out] = (node, i)
    taken = set()
    for tensor, name in zip(outputs, names):
        value = graph.value(tensor)
        if value in producers and value not in taken and value not in input_names:
            node, i = producers[value]
            node.output[i] = name
            for other in graph.nodes:  # later readers of the value read it under its new name
                for k, inp in enumerate(other.input):
                    if inp == value:
                        other.input[k] = name
            graph.bind(tensor, name)
        else:
            graph.nodes.append(_onnx().helper.make_node("Identity", [value], [name],
                                                        name=graph.unique(f"/Identity_{name}")))
        taken.add(name)


# ---------------------------------------------------------------------------- shapes
def _value_info(onnx, name: str, tensor: Tensor, dynamic: dict[int, str]):
    ndim = tensor.ndim
    for axis in dynamic:
        if not -ndim <= axis < ndim:
            raise ValueError(f"dynamic axis {axis} of {name!r} is out of range for a {ndim}-D tensor")
    shape = [dynamic.get(i, dynamic.get(i - ndim, size)) for i, size in enumerate(tensor.shape)]
    return onnx.helper.make_tensor_value_info(name, onnx_type(tensor.dtype), shape)


def _declare_output_shapes(onnx, model_proto, outputs, names, axes, dynamic: bool) -> None:
    """Each output's shape: the traced one, or, when some input axes are dynamic, what ONNX's
    shape inference derives (so that a batch that varies is declared symbolic), with the names
    ``dynamic_axes`` gives."""
    inferred = {}
    if dynamic:
        try:
            result = onnx.shape_inference.infer_shapes(model_proto, strict_mode=True)
            inferred = {o.name: o.type.tensor_type.shape for o in result.graph.output
                        if o.type.tensor_type.HasField("shape")}
        except Exception:  # noqa: BLE001 - inference is a refinement; the traced shapes remain
            inferred = {}
    for output, tensor, name in zip(model_proto.graph.output, outputs, names):
        shape = output.type.tensor_type.shape
        shape.ClearField("dim")
        given = axes.get(name, {})
        derived = inferred.get(name)
        for i, size in enumerate(tensor.shape):
            dim = shape.dim.add()
            param = given.get(i, given.get(i - tensor.ndim))
            if param is not None:
                dim.dim_param = param
            elif derived is not None and len(derived.dim) == tensor.ndim:
                source = derived.dim[i]
                if source.HasField("dim_value"):
                    dim.dim_value = source.dim_value
                elif source.HasField("dim_param"):
                    dim.dim_param = source.dim_param
            elif not dynamic:
                dim.dim_value = size


def _graph_name(model) -> str:
    return type(model).__name__ if not isinstance(model, type) else model.__name__


def _version() -> str:
    from .. import __version__

    return __version__
