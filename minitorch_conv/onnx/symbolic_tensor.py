"""ONNX translations of Tensor arithmetic, comparisons, reductions and shape operations.

Each function below is registered under the public names it translates (``Tensor.__add__``,
``Tensor.add``, ``minitorch_conv.add``...); see :mod:`.registry` for the calling convention.
``out`` is what the operation returned in the trace, so output dtypes and shapes are read from
it rather than recomputed.
"""

from __future__ import annotations

from ..backends import bool_, get_default_dtype, promote_types
from ..tensor import Tensor
from .errors import UnsupportedOperatorError
from .graph import INT64_MAX, GraphBuilder, onnx_type
from .registry import symbolic

__all__: list[str] = []  # nothing here is called directly: the registry holds these


def _names(*names: str, methods: bool = True, top: bool = True) -> list[str]:
    """``Tensor.x``, ``minitorch_conv.x`` and ``ops.x`` (the implementation, see the tracer) for
    each name."""
    out = []
    for name in names:
        out += ([f"Tensor.{name}"] if methods else []) + ([f"minitorch_conv.{name}"] if top else [])
        out.append(f"ops.{name}")
    return out


def _dim(dim: int, ndim: int) -> int:
    return dim % ndim if ndim else 0


def _dims(dim, ndim: int) -> list[int]:
    dims = [dim] if isinstance(dim, int) else list(dim)
    return sorted(_dim(d, ndim) for d in dims)


def _shape_arg(shape: tuple) -> tuple:
    """``(2, 3)`` from ``f(2, 3)``, ``f((2, 3))`` or ``f(Size([2, 3]))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _identity(g: GraphBuilder, out: Tensor, input: Tensor) -> None:  # noqa: A002
    g.bind(out, g.value(input))


# ---------------------------------------------------------------------------- arithmetic
def _binary(g: GraphBuilder, op_type: str, out: Tensor, a, b) -> None:
    g.bind(out, g.op(op_type, g.value(a, out.dtype), g.value(b, out.dtype)))


@symbolic(*_names("add", "add_", top=False), "minitorch_conv.add", "Tensor.__radd__",
          "Tensor.__add__", "Tensor.__iadd__")
def add(g: GraphBuilder, out, input, other, *, alpha=1):  # noqa: A002
    if alpha != 1:
        other = g.op("Mul", g.value(other, out.dtype), g.value(alpha, out.dtype))
        g.bind(out, g.op("Add", g.value(input, out.dtype), other))
        return
    _binary(g, "Add", out, input, other)


@symbolic(*_names("sub", "sub_", "subtract", top=False), "minitorch_conv.sub", "Tensor.__sub__",
          "Tensor.__isub__")
def sub(g: GraphBuilder, out, input, other, *, alpha=1):  # noqa: A002
    if alpha != 1:
        other = g.op("Mul", g.value(other, out.dtype), g.value(alpha, out.dtype))
        g.bind(out, g.op("Sub", g.value(input, out.dtype), other))
        return
    _binary(g, "Sub", out, input, other)


@symbolic("Tensor.__rsub__")
def rsub(g: GraphBuilder, out, input, other):  # noqa: A002
    _binary(g, "Sub", out, other, input)


@symbolic(*_names("mul", "mul_", "multiply", top=False), "minitorch_conv.mul", "Tensor.__mul__",
          "Tensor.__rmul__", "Tensor.__imul__")
def mul(g: GraphBuilder, out, input, other):  # noqa: A002
    _binary(g, "Mul", out, input, other)


@symbolic(*_names("div", "div_", "divide", "true_divide", top=False), "minitorch_conv.div",
          "minitorch_conv.divide", "Tensor.__truediv__", "Tensor.__itruediv__")
def div(g: GraphBuilder, out, input, other, *, rounding_mode=None):  # noqa: A002
    quotient = g.op("Div", g.value(input, out.dtype), g.value(other, out.dtype))
    if rounding_mode is None:
        g.bind(out, quotient)
    elif rounding_mode == "floor" and out.dtype.is_floating_point:
        g.bind(out, g.op("Floor", quotient))
    else:
        raise UnsupportedOperatorError("Tensor.div", g.opset, f"rounding_mode={rounding_mode!r}")


@symbolic("Tensor.__rtruediv__")
def rdiv(g: GraphBuilder, out, input, other):  # noqa: A002
    _binary(g, "Div", out, other, input)


@symbolic(*_names("pow", "pow_", top=False), "minitorch_conv.pow", "Tensor.__pow__",
          "Tensor.__ipow__")
def pow(g: GraphBuilder, out, input, exponent):  # noqa: A001, A002
    g.bind(out, g.op("Pow", g.value(input, out.dtype), g.value(exponent, out.dtype)))


@symbolic("Tensor.__rpow__")
def rpow(g: GraphBuilder, out, input, other):  # noqa: A002
    g.bind(out, g.op("Pow", g.value(other, out.dtype), g.value(input, out.dtype)))


@symbolic(*_names("matmul", "mm", "bmm"), "Tensor.__matmul__")
def matmul(g: GraphBuilder, out, input, other):  # noqa: A002
    _binary(g, "MatMul", out, input, other)


@symbolic("Tensor.__rmatmul__")
def rmatmul(g: GraphBuilder, out, input, other):  # noqa: A002
    _binary(g, "MatMul", out, other, input)


@symbolic(*_names("maximum"))
def maximum(g: GraphBuilder, out, input, other):  # noqa: A002
    _binary(g, "Max", out, input, other)


@symbolic(*_names("minimum"))
def minimum(g: GraphBuilder, out, input, other):  # noqa: A002
    _binary(g, "Min", out, input, other)


# ---------------------------------------------------------------------------- unary
_UNARY = {"exp": "Exp", "log": "Log", "sqrt": "Sqrt", "abs": "Abs", "neg": "Neg", "sin": "Sin",
          "cos": "Cos", "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "erf": "Erf",
          "floor": "Floor", "ceil": "Ceil", "reciprocal": "Reciprocal", "sign": "Sign"}


def _unary(op_type: str):
    def translate(g: GraphBuilder, out, input):  # noqa: A002
        g.bind(out, g.op(op_type, g.value(input, out.dtype)))

    return translate


for _name, _op_type in _UNARY.items():
    symbolic(*_names(_name), f"Tensor.{_name}_")(_unary(_op_type))
symbolic("Tensor.__neg__", "Tensor.negative")(_unary("Neg"))
symbolic("Tensor.__abs__", "Tensor.absolute")(_unary("Abs"))


@symbolic(*_names("rsqrt", "rsqrt_", top=False), "minitorch_conv.rsqrt")
def rsqrt(g: GraphBuilder, out, input):  # noqa: A002
    g.bind(out, g.op("Reciprocal", g.op("Sqrt", g.value(input, out.dtype))))


@symbolic(*_names("round", "round_", top=False), "minitorch_conv.round")
def round(g: GraphBuilder, out, input, *, decimals=0):  # noqa: A001, A002
    if decimals:
        raise UnsupportedOperatorError("Tensor.round", g.opset, "decimals other than 0")
    g.bind(out, g.op("Round", g.value(input, out.dtype)))


@symbolic(*_names("logical_not"), "Tensor.__invert__")
def logical_not(g: GraphBuilder, out, input):  # noqa: A002
    g.bind(out, g.op("Not", g.value(input, bool_)))


@symbolic(*_names("clamp", "clamp_", "clip", "clip_", top=False), "minitorch_conv.clamp")
def clamp(g: GraphBuilder, out, input, min=None, max=None):  # noqa: A001, A002
    x = g.value(input, out.dtype)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None:
            x = g.op("Max", x, g.value(min, out.dtype))
        if max is not None:
            x = g.op("Min", x, g.value(max, out.dtype))
        g.bind(out, x)
        return
    g.bind(out, g.op("Clip", x, g.value(min, out.dtype), g.value(max, out.dtype)))


@symbolic(*_names("clamp_min", "clamp_min_", top=False), "minitorch_conv.clamp_min")
def clamp_min(g: GraphBuilder, out, input, min):  # noqa: A001, A002
    clamp(g, out, input, min, None)


@symbolic(*_names("clamp_max", "clamp_max_", top=False), "minitorch_conv.clamp_max")
def clamp_max(g: GraphBuilder, out, input, max):  # noqa: A001, A002
    clamp(g, out, input, None, max)


@symbolic(*_names("where"))
def where(g: GraphBuilder, out, condition, input, other=None):  # noqa: A002
    if isinstance(condition, Tensor) and condition.dtype is not bool_ and isinstance(input, Tensor) \
            and input.dtype is bool_:  # Tensor.where(self, condition, other): self is the value
        condition, input = input, condition
    g.bind(out, g.op("Where", g.value(condition, bool_), g.value(input, out.dtype),
                     g.value(other, out.dtype)))


# ---------------------------------------------------------------------------- comparisons
def _operand_dtype(a, b):
    """The dtype both sides of a comparison are compared in."""
    tensors = [x for x in (a, b) if isinstance(x, Tensor)]
    if len(tensors) == 2:
        return promote_types(a.dtype, b.dtype)
    dtype = tensors[0].dtype
    other = b if tensors[0] is a else a
    if isinstance(other, float) and not dtype.is_floating_point:
        return get_default_dtype()
    return dtype


def _comparison(op_type: str, negate: bool = False):
    def translate(g: GraphBuilder, out, input, other):  # noqa: A002
        dtype = _operand_dtype(input, other)
        result = g.op(op_type, g.value(input, dtype), g.value(other, dtype))
        g.bind(out, g.op("Not", result) if negate else result)

    return translate


for _name, _op_type, _negate in (("eq", "Equal", False), ("ne", "Equal", True),
                                 ("lt", "Less", False), ("le", "LessOrEqual", False),
                                 ("gt", "Greater", False), ("ge", "GreaterOrEqual", False)):
    symbolic(*_names(_name), f"Tensor.__{_name}__")(_comparison(_op_type, _negate))


def _logical(op_type: str):
    def translate(g: GraphBuilder, out, input, other):  # noqa: A002
        g.bind(out, g.op(op_type, g.value(input, bool_), g.value(other, bool_)))

    return translate


for _name, _op_type in (("and", "And"), ("or", "Or"), ("xor", "Xor")):
    symbolic(*_names(f"logical_{_name}"), f"Tensor.__{_name}__")(_logical(_op_type))


# ---------------------------------------------------------------------------- reductions
def _reduction(op_type: str):
    def translate(g: GraphBuilder, out, input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
        x = g.value(input, out.dtype if op_type in ("ReduceSum", "ReduceMean") else None)
        axes = None if dim is None or dim == () else _dims(dim, input.ndim)
        g.bind(out, g.reduce(op_type, x, axes, keepdim))

    return translate


symbolic(*_names("sum"))(_reduction("ReduceSum"))
symbolic(*_names("mean"))(_reduction("ReduceMean"))
symbolic(*_names("amax"))(_reduction("ReduceMax"))
symbolic(*_names("amin"))(_reduction("ReduceMin"))


@symbolic(*_names("norm"))
def norm(g: GraphBuilder, out, input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002
    if p not in ("fro", 2, 2.0, 1, 1.0):
        raise UnsupportedOperatorError("Tensor.norm", g.opset, f"p={p!r} (only 1, 2 and 'fro')")
    axes = None if dim is None else _dims(dim, input.ndim)
    op_type = "ReduceL1" if p in (1, 1.0) else "ReduceL2"
    g.bind(out, g.reduce(op_type, g.value(input, out.dtype), axes, keepdim))


@symbolic(*_names("logsumexp"))
def logsumexp(g: GraphBuilder, out, input, dim, keepdim=False):  # noqa: A002
    g.bind(out, g.reduce("ReduceLogSumExp", g.value(input), _dims(dim, input.ndim), keepdim))


def _max_or_min(reduce_type: str, arg_type: str):
    def translate(g: GraphBuilder, out, input, dim=None, keepdim=False):  # noqa: A002
        if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
            _binary(g, "Max" if reduce_type == "ReduceMax" else "Min", out, input, dim)
            return
        x = g.value(input)
        if dim is None:
            g.bind(out, g.reduce(reduce_type, x, None, False))
            return
        axis = _dim(dim, input.ndim)
        values = g.reduce(reduce_type, x, [axis], keepdim)
        indices = g.op(arg_type, x, axis=axis, keepdims=int(bool(keepdim)))
        g.bind_outputs(out, [values, indices])

    return translate


symbolic(*_names("max"))(_max_or_min("ReduceMax", "ArgMax"))
symbolic(*_names("min"))(_max_or_min("ReduceMin", "ArgMin"))


def _arg(op_type: str):
    def translate(g: GraphBuilder, out, input, dim=None, keepdim=False):  # noqa: A002
        x = g.value(input)
        if dim is None:
            x, axis = g.op("Reshape", x, g.ints([-1])), 0
        else:
            axis = _dim(dim, input.ndim)
        g.bind(out, g.op(op_type, x, axis=axis, keepdims=int(bool(keepdim and dim is not None))))

    return translate


symbolic(*_names("argmax"))(_arg("ArgMax"))
symbolic(*_names("argmin"))(_arg("ArgMin"))


@symbolic(*_names("softmax"))
def softmax(g: GraphBuilder, out, input, dim, dtype=None):  # noqa: A002
    g.bind(out, g.op("Softmax", g.value(input, out.dtype), axis=_dim(dim, input.ndim)))


@symbolic(*_names("log_softmax"))
def log_softmax(g: GraphBuilder, out, input, dim, dtype=None):  # noqa: A002
    g.bind(out, g.op("LogSoftmax", g.value(input, out.dtype), axis=_dim(dim, input.ndim)))


# ---------------------------------------------------------------------------- shapes
def reshape_to(g: GraphBuilder, x: str, input: Tensor, shape: tuple, minus_one: int | None = None):  # noqa: A002
    """``Reshape`` of ``x`` (``input``'s value) to ``shape``. A dimension equal to the input's at
    the same position is written 0 (ONNX: "copy it"), and ``minus_one`` as -1, so that a batch
    dimension left dynamic still reshapes (``x.view(x.size(0), -1)`` on any batch)."""
    target = []
    for i, size in enumerate(shape):
        if i == minus_one:
            target.append(-1)
        elif i < input.ndim and size == input.shape[i] and size != 0:
            target.append(0)
        else:
            target.append(size)
    return g.op("Reshape", x, g.ints(target))


@symbolic(*_names("reshape", "view", top=False), "minitorch_conv.reshape")
def reshape(g: GraphBuilder, out, input, *shape):  # noqa: A002
    requested = _shape_arg(shape)
    minus_one = list(requested).index(-1) if -1 in requested else None
    g.bind(out, reshape_to(g, g.value(input), input, tuple(out.shape), minus_one))


@symbolic("Tensor.view_as", "Tensor.reshape_as", *_names("unflatten", top=False))
def reshape_like(g: GraphBuilder, out, input, *args):  # noqa: A002
    g.bind(out, reshape_to(g, g.value(input), input, tuple(out.shape)))


@symbolic(*_names("flatten"))
def flatten(g: GraphBuilder, out, input, start_dim=0, end_dim=-1):  # noqa: A002
    x, ndim = g.value(input), input.ndim
    if ndim == 0:
        g.bind(out, g.op("Reshape", x, g.ints([1])))
        return
    start, end = start_dim % ndim, end_dim % ndim
    if out.ndim == 2 and start == 1 and end == ndim - 1:
        g.bind(out, g.op("Flatten", x, axis=1))
    elif out.ndim == 2 and start == 0 and end == ndim - 2:
        g.bind(out, g.op("Flatten", x, axis=ndim - 1))
    else:
        g.bind(out, reshape_to(g, x, input, tuple(out.shape), minus_one=start))


@symbolic(*_names("permute"))
def permute(g: GraphBuilder, out, input, *dims):  # noqa: A002
    perm = [_dim(d, input.ndim) for d in _shape_arg(dims)]
    g.bind(out, g.op("Transpose", g.value(input), perm=perm))


@symbolic(*_names("transpose", "swapaxes", "swapdims"))
def transpose(g: GraphBuilder, out, input, dim0, dim1):  # noqa: A002
    if input.ndim < 2:
        _identity(g, out, input)
        return
    perm = list(range(input.ndim))
    a, b = _dim(dim0, input.ndim), _dim(dim1, input.ndim)
    perm[a], perm[b] = perm[b], perm[a]
    g.bind(out, g.op("Transpose", g.value(input), perm=perm))


@symbolic(*_names("movedim", "moveaxis"))
def movedim(g: GraphBuilder, out, input, source, destination):  # noqa: A002
    ndim = input.ndim
    sources = [_dim(d, ndim) for d in ([source] if isinstance(source, int) else source)]
    targets = [_dim(d, ndim) for d in ([destination] if isinstance(destination, int) else destination)]
    perm = [-1] * ndim
    for s, d in zip(sources, targets):
        perm[d] = s
    rest = iter(d for d in range(ndim) if d not in sources)
    perm = [p if p >= 0 else next(rest) for p in perm]
    g.bind(out, g.op("Transpose", g.value(input), perm=perm))


@symbolic("Tensor.t", "ops.t")
def t(g: GraphBuilder, out, input):  # noqa: A002
    transpose(g, out, input, 0, 1)


@symbolic(*_names("squeeze"))
def squeeze(g: GraphBuilder, out, input, dim=None):  # noqa: A002
    candidates = range(input.ndim) if dim is None else _dims(dim, input.ndim)
    axes = [d for d in candidates if input.shape[d] == 1]
    g.bind(out, g.squeeze(g.value(input), axes) if axes else g.value(input))


@symbolic(*_names("unsqueeze"))
def unsqueeze(g: GraphBuilder, out, input, dim):  # noqa: A002
    g.bind(out, g.unsqueeze(g.value(input), [dim % (input.ndim + 1)]))


@symbolic(*_names("expand"), "Tensor.expand_as")
def expand(g: GraphBuilder, out, input, *sizes):  # noqa: A002
    # 1 keeps the input's size in ONNX's broadcasting: a dynamic batch stays dynamic
    lead = out.ndim - input.ndim
    shape = [1 if i >= lead and size == input.shape[i - lead] else size
             for i, size in enumerate(out.shape)]
    g.bind(out, g.op("Expand", g.value(input), g.ints(shape)))


@symbolic(*_names("contiguous"), "Tensor.clone", "Tensor.detach", "Tensor.cpu", "ops.cpu",
          "Tensor.requires_grad_", "Tensor.detach_")
def identity(g: GraphBuilder, out, input, *args, **kwargs):  # noqa: A002
    _identity(g, out, input)


@symbolic("Tensor.to", "ops.to", "Tensor.type_as", "ops.type_as", "Tensor.float", "Tensor.double",
          "Tensor.half", "Tensor.long", "Tensor.int", "Tensor.short", "Tensor.char", "Tensor.byte",
          "Tensor.bool", "Tensor.type")
def cast(g: GraphBuilder, out, input, *args, **kwargs):  # noqa: A002
    if not isinstance(out, Tensor):
        raise UnsupportedOperatorError("Tensor.type", g.opset, "only conversions to a dtype")
    if out.dtype is input.dtype:
        _identity(g, out, input)
    else:
        g.bind(out, g.op("Cast", g.value(input), to=onnx_type(out.dtype)))


@symbolic("minitorch_conv.cat", "minitorch_conv.concat", "minitorch_conv.concatenate", "ops.cat")
def cat(g: GraphBuilder, out, tensors, dim=0):
    parts = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]  # PyTorch skips these
    g.bind(out, g.op("Concat", *(g.value(t, out.dtype) for t in parts), axis=_dim(dim, out.ndim)))


@symbolic("minitorch_conv.stack", "ops.stack")
def stack(g: GraphBuilder, out, tensors, dim=0):
    axis = _dim(dim, out.ndim)
    parts = [g.unsqueeze(g.value(t, out.dtype), [axis]) for t in tensors]
    g.bind(out, g.op("Concat", *parts, axis=axis))


@symbolic(*_names("split", "chunk"))
def split(g: GraphBuilder, out, input, sections, dim=0):  # noqa: A002
    axis = _dim(dim, input.ndim)
    sizes = [t.shape[axis] for t in out]
    names = g.op("Split", g.value(input), g.ints(sizes), axis=axis, outputs=len(sizes))
    g.bind_outputs(out, names if isinstance(names, list) else [names])


@symbolic("Tensor.__getitem__", "ops.getitem")
def getitem(g: GraphBuilder, out, input, index):  # noqa: A002
    """Basic indexing: ints, slices (positive steps), None and ``...``; as Slice, Squeeze and
    Unsqueeze. Indexing with tensors or lists is not translated."""
    items = list(index) if isinstance(index, tuple) else [index]
    for item in items:
        if not (item is None or item is Ellipsis or isinstance(item, (int, slice))) \
                or isinstance(item, bool):
            raise UnsupportedOperatorError("Tensor.__getitem__", g.opset,
                                           f"indexing with {type(item).__name__}")
    used = sum(1 for item in items if isinstance(item, (int, slice)))
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (input.ndim - used)
        used = input.ndim
    items += [slice(None)] * (input.ndim - used)
    starts, ends, axes, steps, squeezed, inserted = [], [], [], [], [], []
    dim, position = 0, 0
    for item in items:
        if item is None:
            inserted.append(position)
            position += 1
            continue
        if isinstance(item, int):
            start = item % input.shape[dim]
            starts.append(start), ends.append(start + 1), axes.append(dim), steps.append(1)
            squeezed.append(dim)
        elif item != slice(None):
            step = 1 if item.step is None else item.step
            if step <= 0:
                raise UnsupportedOperatorError("Tensor.__getitem__", g.opset, "a step below 1")
            starts.append(0 if item.start is None else item.start)
            ends.append(INT64_MAX if item.stop is None else item.stop)
            axes.append(dim), steps.append(step)
            position += 1
        else:
            position += 1
        dim += 1
    x = g.value(input)
    if axes:
        x = g.op("Slice", x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    if squeezed:
        x = g.squeeze(x, squeezed)
    if inserted:
        x = g.unsqueeze(x, inserted)
    g.bind(out, x)


# ---------------------------------------------------------------------------- constants
@symbolic("Tensor.new_tensor", "Tensor.new_zeros", "Tensor.new_ones", "Tensor.new_full",
          "Tensor.new_empty")
def new_constant(g: GraphBuilder, out, input, *args, **kwargs):  # noqa: A002
    """``x.new_zeros(3)``: only ``x``'s dtype and device are read; the result is a constant."""


@symbolic("Tensor.copy_")
def copy_(g: GraphBuilder, out, input, src, non_blocking=False):  # noqa: A002
    """``x.copy_(src)``: from now on ``x`` holds ``src``, broadcast to its shape and cast to its
    dtype. (Written through a view, the base does not see it: that is refused by the tracer.)"""
    g.bind(out, g.op("Expand", g.value(src, out.dtype), g.op("Shape", g.value(input))))


@symbolic("Tensor.fill_", "Tensor.zero_")
def fill_(g: GraphBuilder, out, input, value=0):  # noqa: A002
    g.bind(out, g.op("Expand", g.value(value, out.dtype), g.op("Shape", g.value(input))))


def _filled_like(fill):
    def translate(g: GraphBuilder, out, input, *args, **kwargs):  # noqa: A002
        """A tensor of ``input``'s shape at run time (so a dynamic batch stays dynamic)."""
        value = fill(args, kwargs)
        g.bind(out, g.op("Expand", g.value(value, out.dtype), g.op("Shape", g.value(input))))

    return translate


symbolic("minitorch_conv.zeros_like", "minitorch_conv.empty_like")(_filled_like(lambda a, k: 0))
symbolic("minitorch_conv.ones_like")(_filled_like(lambda a, k: 1))
symbolic("minitorch_conv.full_like")(
    _filled_like(lambda a, k: a[0] if a else k["fill_value"]))
