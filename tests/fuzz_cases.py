"""The public API as tests/test_fuzz_api.py fuzzes it: entry points, valid calls, awkward values.

A call is written once, as a framework-neutral *argument tree*: Python values, NumPy arrays (passed
as they are), :class:`T` (a tensor, built by each framework from the same values), :class:`D` (a
dtype, by name) and :class:`Bytes` (a file's content, opened as a binary stream). ``build(tree,
lib)`` turns the tree into ``lib``'s objects, so ``entry.call(lib, *args, **kwargs)`` runs the
same call on minitorch_conv and on PyTorch.

Each :class:`Entry` draws a *valid* call (``entry.valid``, a Hypothesis strategy); ``calls(entry)``
then replaces one or two of its arguments (sometimes none) with an awkward value: None, strings,
bools, NaN and infinities, ``2**63``, negative and zero sizes, ragged lists, a NumPy array where a
tensor belongs, and, for a tensor, the same values with another dtype or rank, a zero-size
dimension, or NaN and infinities inside.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

import minitorch_conv as mt

# ---------------------------------------------------------------------------- the argument tree


@dataclass(frozen=True, eq=False)
class T:
    """A tensor with these values; ``requires_grad`` for a floating one."""

    values: np.ndarray
    requires_grad: bool = False

    def __repr__(self) -> str:
        a = self.values
        shown = "" if a.size > 8 else " " + np.array2string(a.reshape(-1), separator=",")
        grad = ", requires_grad" if self.requires_grad else ""
        return f"T({a.dtype}{list(a.shape)}{shown}{grad})"


@dataclass(frozen=True)
class D:
    """A dtype by name: ``mt.float32`` or ``torch.float32``."""

    name: str

    def __repr__(self) -> str:
        return f"D({self.name})"


@dataclass(frozen=True, eq=False)
class Bytes:
    """A file's content, handed over as a fresh binary stream (``io.BytesIO``)."""

    data: bytes

    def __repr__(self) -> str:
        return f"Bytes({len(self.data)} bytes: {self.data[:12]!r}...)"


class Junk:
    """An object of a class no API knows."""

    def __repr__(self) -> str:
        return "Junk()"


@dataclass(frozen=True)
class Call:
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"({', '.join(parts)})"


def build(tree: Any, lib: Any) -> Any:
    """``tree`` with its placeholders made into ``lib``'s objects (fresh ones on every call)."""
    if isinstance(tree, T):
        return lib.tensor(tree.values.copy(), requires_grad=tree.requires_grad)
    if isinstance(tree, D):
        return getattr(lib, tree.name)
    if isinstance(tree, Bytes):
        return io.BytesIO(tree.data)
    if isinstance(tree, np.ndarray):
        return tree.copy()
    if isinstance(tree, list):
        return [build(v, lib) for v in tree]
    if isinstance(tree, tuple):
        return tuple(build(v, lib) for v in tree)
    if isinstance(tree, dict):
        return {k: build(v, lib) for k, v in tree.items()}
    return tree


# ---------------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class Entry:
    """One public entry point: how to call it on a framework, and its valid calls.

    ``random``: the values are random (compare shapes and dtypes only). ``torch_reads``: PyTorch
    has the same entry point (else only the exception rules are checked). ``self_tensor``: the
    first argument is the tensor a method is called on (only ever replaced by another tensor).
    ``any_error``: where both fail, any exception class of PyTorch's agrees with ours (mt.load:
    ``torch.load`` raises EOFError or pickle's UnpicklingError, ours is always a RuntimeError).
    """

    name: str
    call: Callable[..., Any]
    valid: st.SearchStrategy
    random: bool = False
    torch_reads: bool = True
    self_tensor: bool = False
    any_error: bool = False

    def __repr__(self) -> str:
        return self.name


def _attr(path: str):
    def call(lib, *args, **kwargs):
        target = lib
        for part in path.split("."):
            target = getattr(target, part)
        return target(*args, **kwargs)

    return call


def _method(name: str):
    return lambda lib, self, *args, **kwargs: getattr(self, name)(*args, **kwargs)


def _load(lib, data, **kwargs):
    if lib is mt:
        return mt.load(data, **kwargs)
    return lib.load(data, weights_only=True, **kwargs)


# ---------------------------------------------------------------------------- valid values
SEEDS = st.integers(0, 2**16)
SIDES = st.integers(1, 4)


def shapes(min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def _strategy(value) -> st.SearchStrategy:
    return value if isinstance(value, st.SearchStrategy) else st.just(tuple(value))


def _normal(seed: int, shape: tuple, dtype: str = "float32") -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@st.composite
def floats(draw, shape=None, dtype: str = "float32", low: float | None = None,
           high: float | None = None, requires_grad=None) -> T:
    """A float tensor of ``shape`` (drawn if None): normal values, or uniform in [low, high]."""
    shape = draw(shapes() if shape is None else _strategy(shape))
    seed = draw(SEEDS)
    if low is None:
        values = _normal(seed, shape, dtype)
    else:
        values = np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)
    grad = draw(st.booleans()) if requires_grad is None else requires_grad
    return T(values, grad)


@st.composite
def integers(draw, shape=None, low: int = 0, high: int = 4, dtype: str = "int64") -> T:
    shape = draw(shapes() if shape is None else _strategy(shape))
    return T(np.random.default_rng(draw(SEEDS)).integers(low, high, shape).astype(dtype))


FLOAT_DTYPES = st.sampled_from([D("float32"), D("float64")])
ANY_DTYPES = st.sampled_from([D("float32"), D("float64"), D("int64"), D("int32"), D("bool")])
REDUCTIONS = st.sampled_from(["mean", "sum", "none"])
SMALL_FLOATS = st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.0, -1.5])


def maybe(kwargs_strategy: dict) -> st.SearchStrategy:
    """A dict holding a subset of these keyword arguments (the others left at their defaults)."""
    return st.fixed_dictionaries({}, optional=kwargs_strategy)


def call(*args, **kwargs) -> st.SearchStrategy:
    """Calls whose positional arguments and (always passed) keyword arguments are drawn."""
    return st.builds(lambda a, k: Call(tuple(a), k), st.tuples(*args), st.fixed_dictionaries(kwargs))


@st.composite
def _dim_of(draw, tensor: T):
    ndim = max(tensor.values.ndim, 1)
    return draw(st.integers(-ndim, ndim - 1))


# ---------------------------------------------------------------------------- awkward values
NAN, INF = float("nan"), float("inf")
AWKWARD = [
    None, "a", "", True, False, 0, 1, -1, 2, -2, 7, 2**62, 2**63, -(2**63) - 1, 0.0, 0.5, -0.5, 1.5,
    NAN, INF, -INF, [], (), [1, 2], [[1], [2, 3]], (2, 2), (0,), (-1,), [1.5, 2], {}, float, int,
    Junk(),
]
TENSOR_DTYPES = ["float64", "float32", "float16", "int64", "int32", "uint8", "bool"]


def _poison(values: np.ndarray, which: float) -> np.ndarray:
    out = values.astype("float32" if values.dtype.kind != "f" else values.dtype, copy=True)
    if out.size:
        with np.errstate(over="ignore"):  # 1e30 in float16 is inf
            out.reshape(-1)[0] = which
    return out


@st.composite
def _tensor_variant(draw, t: T, stay_tensor: bool = False) -> Any:
    """``t`` with one thing changed: dtype, rank, a zero-size dimension, NaN/inf inside, or (unless
    ``stay_tensor``) a NumPy array / Python list / Python number instead of a tensor."""
    a = t.values
    kinds = ["dtype", "dtype", "rank_up", "rank_down", "scalar", "empty", "poison"]
    kind = draw(st.sampled_from(kinds + ([] if stay_tensor else ["numpy", "list", "number"])))
    if kind == "dtype":
        dtype = draw(st.sampled_from([d for d in TENSOR_DTYPES if d != a.dtype.name]))
        with np.errstate(invalid="ignore", over="ignore"):  # NaN or inf made an integer: any value
            values = a.astype(dtype) if dtype != "bool" else a > 0
        return T(values, t.requires_grad and values.dtype.kind == "f")
    if kind == "rank_up":
        return T(np.stack([a] * draw(st.integers(1, 2))), t.requires_grad)
    if kind == "rank_down":
        return T(a[0].copy() if a.ndim and a.shape[0] else a.reshape(()) if a.size == 1 else a,
                 t.requires_grad)
    if kind == "scalar":
        return T(np.asarray(a.reshape(-1)[0] if a.size else 0, dtype=a.dtype), t.requires_grad)
    if kind == "empty":
        if a.ndim == 0:
            return T(np.zeros((0,), a.dtype), t.requires_grad)
        axis = draw(st.integers(0, a.ndim - 1))
        return T(np.take(a, [], axis=axis), t.requires_grad)
    if kind == "poison":
        return T(_poison(a, draw(st.sampled_from([NAN, INF, -INF, 1e30]))), t.requires_grad)
    if kind == "numpy":
        return a.copy()
    if kind == "list":
        return a.tolist()
    return a.reshape(-1)[0].item() if a.size else 0


@st.composite
def awkward(draw, value: Any, tensors_only: bool = False) -> Any:
    """A replacement for ``value``: a variant of it, or any of the awkward values."""
    if isinstance(value, T):
        if tensors_only or draw(st.integers(0, 2)):
            return draw(_tensor_variant(value, stay_tensor=tensors_only))
    elif isinstance(value, (list, tuple)) and value and draw(st.booleans()):
        items = list(value)
        i = draw(st.integers(0, len(items) - 1))
        change = draw(st.sampled_from(["replace", "drop", "repeat"]))
        if change == "replace":
            items[i] = draw(awkward(items[i]))
        elif change == "drop":
            del items[i]
        else:
            items.append(items[i])
        return type(value)(items)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int) and draw(st.booleans()):
        return draw(st.sampled_from([-value, value - 5, value + 1, 0, -1, 2**62, 2**63, float(value)]))
    elif isinstance(value, float) and draw(st.booleans()):
        return draw(st.sampled_from([-value, NAN, INF, -INF, 0.0, 1e30, 1.0 + value]))
    elif isinstance(value, D) and draw(st.booleans()):
        return draw(st.sampled_from([D(d) for d in TENSOR_DTYPES] + ["float32", float, int, bool]))
    return draw(st.sampled_from(AWKWARD))


@st.composite
def calls(draw, entry: Entry) -> Call:
    """A valid call of ``entry`` with zero, one or two of its arguments made awkward."""
    base = draw(entry.valid)
    args, kwargs = list(base.args), dict(base.kwargs)
    slots = [("arg", i) for i in range(len(args))] + [("kw", k) for k in kwargs]
    if not slots:
        return base
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        where, key = draw(st.sampled_from(slots))
        if where == "arg":
            self_only = entry.self_tensor and key == 0
            args[key] = draw(awkward(args[key], tensors_only=self_only))
        else:
            kwargs[key] = draw(awkward(kwargs[key]))
    return Call(tuple(args), kwargs)


# ---------------------------------------------------------------------------- the valid calls
SIZES = shapes(1, 3, 0, 4)


@st.composite
def _sizes_call(draw, extra=None):
    """``(2, 3)`` as varargs or as one list, with an optional dtype; ``extra`` more positionals."""
    size = draw(SIZES)
    pre = tuple(extra) if extra else ()
    kwargs = draw(maybe({"dtype": FLOAT_DTYPES}))
    if pre:
        return Call((list(size),) + pre, kwargs)
    return Call(size if draw(st.booleans()) else (list(size),), kwargs)


@st.composite
def _full(draw):
    return Call((list(draw(SIZES)), draw(SMALL_FLOATS)), draw(maybe({"dtype": ANY_DTYPES})))


@st.composite
def _arange(draw):
    end = draw(st.integers(0, 8))
    kind = draw(st.integers(1, 3))
    kwargs = draw(maybe({"dtype": ANY_DTYPES}))
    if kind == 1:
        return Call((end,), kwargs)
    start = draw(st.integers(-3, end))
    if kind == 2:
        return Call((start, end), kwargs)
    return Call((start, end, draw(st.sampled_from([1, 2, 0.5]))), kwargs)


@st.composite
def _like(draw, *extra):
    return Call((draw(floats()),) + tuple(draw(e) for e in extra), draw(maybe({"dtype": ANY_DTYPES})))


@st.composite
def _tensor_data(draw):
    kind = draw(st.sampled_from(["scalar", "list", "nested", "bools"]))
    if kind == "scalar":
        return draw(st.sampled_from([1, 2.5, True, -3]))
    if kind == "bools":
        return draw(st.lists(st.booleans(), max_size=4))
    numbers = st.one_of(st.integers(-5, 5), SMALL_FLOATS)
    if kind == "list":
        return draw(st.lists(numbers, max_size=4))
    n = draw(st.integers(1, 3))
    return draw(st.lists(st.lists(numbers, min_size=n, max_size=n), min_size=1, max_size=3))


@st.composite
def _randint(draw):
    high = draw(st.integers(1, 9))
    size = list(draw(SIZES))
    if draw(st.booleans()):
        return Call((high, size))
    return Call((draw(st.integers(-3, high - 1)), high, size))


CREATION = [
    Entry("mt.zeros", _attr("zeros"), _sizes_call()),
    Entry("mt.ones", _attr("ones"), _sizes_call()),
    Entry("mt.empty", _attr("empty"), _sizes_call(), random=True),
    Entry("mt.rand", _attr("rand"), _sizes_call(), random=True),
    Entry("mt.randn", _attr("randn"), _sizes_call(), random=True),
    Entry("mt.full", _attr("full"), _full()),
    Entry("mt.arange", _attr("arange"), _arange()),
    Entry("mt.linspace", _attr("linspace"),
          call(st.integers(-3, 3), SMALL_FLOATS, st.integers(0, 5))),
    Entry("mt.eye", _attr("eye"), st.one_of(call(st.integers(0, 4)),
                                             call(st.integers(0, 4), st.integers(0, 4)))),
    Entry("mt.randint", _attr("randint"), _randint(), random=True),
    Entry("mt.randperm", _attr("randperm"), call(st.integers(0, 6)), random=True),
    Entry("mt.tensor", _attr("tensor"), st.builds(lambda d, k: Call((d,), k), _tensor_data(),
                                                   maybe({"dtype": ANY_DTYPES}))),
    Entry("mt.zeros_like", _attr("zeros_like"), _like()),
    Entry("mt.ones_like", _attr("ones_like"), _like()),
    Entry("mt.full_like", _attr("full_like"), _like(SMALL_FLOATS)),
    Entry("mt.empty_like", _attr("empty_like"), _like(), random=True),
    Entry("mt.rand_like", _attr("rand_like"), _like(), random=True),
    Entry("mt.randn_like", _attr("randn_like"), _like(), random=True),
]


# ---------------------------------------------------------------------------- Tensor methods
@st.composite
def _on_tensor(draw, make_rest, tensor=None):
    """``Call((x, *rest), kwargs)`` where ``make_rest(x)`` draws ``(rest, kwargs)``."""
    x = draw(floats() if tensor is None else tensor)
    rest, kwargs = draw(make_rest(x))
    return Call((x,) + tuple(rest), kwargs)


def _plain(*args, **kwargs):
    return lambda x: st.tuples(st.tuples(*args), st.fixed_dictionaries(kwargs))


def _with_dim(optional: dict | None = None, dim_keyword: bool = False):
    def make(x):
        dim = _dim_of(x)
        if dim_keyword:
            return st.tuples(st.just(()), st.fixed_dictionaries({"dim": dim}, optional=optional or {}))
        return st.tuples(st.tuples(dim), maybe(optional or {}))

    return make


def _reshape_target(x: T) -> st.SearchStrategy:
    n = x.values.size
    options = [(n,), (-1,), (1, n), (n, 1), (-1, 1)] + ([(2, n // 2)] if n % 2 == 0 else [])
    return st.sampled_from(options)


def _view_args(x):
    return st.tuples(_reshape_target(x), st.just({}))


def _reshape_args(x):
    return st.tuples(_reshape_target(x).map(lambda s: (list(s),)), st.just({}))


def _transpose_args(x):
    return st.tuples(st.tuples(_dim_of(x), _dim_of(x)), st.just({}))


def _permute_args(x):
    return st.tuples(st.permutations(list(range(x.values.ndim))).map(tuple), st.just({}))


def _unsqueeze_args(x):
    n = x.values.ndim + 1
    return st.tuples(st.tuples(st.integers(-n, n - 1)), st.just({}))


def _expand_args(x):
    return st.tuples(st.just((2,) + tuple(-1 for _ in x.values.shape)), st.just({}))


def _repeat_args(x):
    return st.tuples(st.lists(st.integers(1, 2), min_size=x.values.ndim, max_size=x.values.ndim + 1)
                     .map(tuple), st.just({}))


@st.composite
def _narrow_args(draw, x):
    dim = draw(_dim_of(x))
    size = x.values.shape[dim]
    start = draw(st.integers(0, size))
    return (dim, start, draw(st.integers(0, size - start))), {}


def _split_args(x):
    return st.tuples(st.tuples(st.integers(1, 3), _dim_of(x)), st.just({}))


@st.composite
def _gather_args(draw, x):
    dim = draw(_dim_of(x))
    shape = list(x.values.shape)
    high = shape[dim]
    shape[dim] = draw(st.integers(1, 3))
    return (dim, draw(integers(shape, 0, high))), {}


@st.composite
def _index_select_args(draw, x):
    dim = draw(_dim_of(x))
    return (dim, draw(integers((draw(st.integers(0, 3)),), 0, x.values.shape[dim]))), {}


@st.composite
def _matmul_args(draw, x):
    k = x.values.shape[-1]
    return (draw(floats((k,) if draw(st.booleans()) else (k, draw(SIDES)))),), {}


@st.composite
def _masked_fill_args(draw, x):
    mask = T(np.random.default_rng(draw(SEEDS)).random(x.values.shape) > 0.5)
    return (mask, draw(SMALL_FLOATS)), {}


@st.composite
def _tensor_list(draw, same_shape: bool):
    shape = list(draw(shapes(1, 3)))
    out = []
    for _ in range(draw(st.integers(1, 3))):
        if not same_shape:
            shape[0] = draw(SIDES)
        out.append(draw(floats(tuple(shape))))
    return out


@st.composite
def _cat(draw, same_shape: bool):
    tensors = draw(_tensor_list(same_shape))
    ndim = tensors[0].values.ndim + (1 if same_shape else 0)
    return Call((tensors,), draw(maybe({"dim": st.just(0) if not same_shape else
                                        st.integers(-ndim, ndim - 1)})))


@st.composite
def _where(draw):
    shape = draw(shapes())
    cond = T(np.random.default_rng(draw(SEEDS)).random(shape) > 0.5)
    return Call((cond, draw(floats(shape)), draw(floats(shape))))


def _m(name, rest, **options):
    return Entry(f"Tensor.{name}", _method(name), _on_tensor(rest), self_tensor=True, **options)


METHODS = [
    _m("sum", _with_dim({"keepdim": st.booleans(), "dtype": FLOAT_DTYPES})),
    _m("mean", _with_dim({"keepdim": st.booleans()})),
    _m("max", _with_dim({"keepdim": st.booleans()})),
    _m("argmax", _with_dim({"keepdim": st.booleans()})),
    _m("std", _with_dim({"keepdim": st.booleans(), "correction": st.sampled_from([0, 1])},
                        dim_keyword=True)),
    _m("cumsum", _with_dim()),
    _m("softmax", _with_dim()),
    _m("norm", _plain(st.sampled_from([1, 2, 3.0, INF]))),
    _m("view", _view_args),
    _m("reshape", _reshape_args),
    _m("flatten", lambda x: st.tuples(st.just(()), maybe({"start_dim": _dim_of(x), "end_dim": _dim_of(x)}))),
    _m("transpose", _transpose_args),
    _m("permute", _permute_args),
    _m("squeeze", lambda x: st.tuples(st.one_of(st.just(()), st.tuples(_dim_of(x))), st.just({}))),
    _m("unsqueeze", _unsqueeze_args),
    _m("expand", _expand_args),
    _m("repeat", _repeat_args),
    _m("narrow", _narrow_args),
    _m("split", _split_args),
    _m("chunk", _split_args),
    _m("gather", _gather_args),
    _m("index_select", _index_select_args),
    _m("clamp", _plain(min=SMALL_FLOATS, max=st.sampled_from([0.5, 1.0, 3.0]))),
    _m("pow", _plain(st.sampled_from([2, 0.5, -1, 3.0]))),
    _m("matmul", _matmul_args),
    _m("to", _plain(ANY_DTYPES)),
    _m("type", _plain(ANY_DTYPES)),
    _m("masked_fill", _masked_fill_args),
    Entry("mt.cat", _attr("cat"), _cat(False)),
    Entry("mt.stack", _attr("stack"), _cat(True)),
    Entry("mt.where", _attr("where"), _where()),
]


# ---------------------------------------------------------------------------- nn.functional
def _f(name, valid, **options):
    return Entry(f"F.{name}", _attr(f"nn.functional.{name}"), valid, **options)


@st.composite
def _unary(draw, **kwargs):
    return Call((draw(floats()),), draw(maybe(kwargs)))


@st.composite
def _softmax(draw):
    x = draw(floats())
    return Call((x, draw(_dim_of(x))), draw(maybe({"dtype": FLOAT_DTYPES})))


@st.composite
def _linear(draw):
    n_in, n_out = draw(SIDES), draw(SIDES)
    x = draw(floats(draw(shapes(0, 2)) + (n_in,)))
    args = (x, draw(floats((n_out, n_in))))
    return Call(args + ((draw(floats((n_out,))),) if draw(st.booleans()) else ()))


@st.composite
def _conv2d(draw):
    c_in, groups = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    c_in, c_out = c_in * groups, draw(st.integers(1, 2)) * groups
    k = draw(st.integers(1, 3))
    x = draw(floats((draw(st.integers(1, 2)), c_in, draw(st.integers(k, 5)), draw(st.integers(k, 5)))))
    w = draw(floats((c_out, c_in // groups, k, k)))
    kwargs = draw(maybe({"stride": st.integers(1, 2), "padding": st.integers(0, 1),
                         "dilation": st.just(1)}))
    return Call((x, w, draw(floats((c_out,)))), dict(kwargs, groups=groups))


@st.composite
def _image(draw, min_side: int = 1):
    return draw(floats((draw(st.integers(1, 2)), draw(st.integers(1, 3)),
                        draw(st.integers(min_side, 5)), draw(st.integers(min_side, 5)))))


@st.composite
def _pool(draw, extra: dict):
    x = draw(_image(2))
    return Call((x, draw(st.integers(1, 2))), draw(maybe(dict({"stride": st.integers(1, 2),
                                                              "padding": st.just(0),
                                                              "ceil_mode": st.booleans()}, **extra))))


@st.composite
def _adaptive(draw):
    size = st.integers(1, 4)
    return Call((draw(_image()), draw(st.one_of(size, st.tuples(size, size)))))


@st.composite
def _batch_norm(draw):
    x = draw(floats((draw(st.integers(2, 3)), draw(st.integers(1, 3))) + draw(shapes(0, 2))))
    c = x.values.shape[1]
    training = draw(st.booleans())
    stats = (draw(floats((c,), requires_grad=False)), draw(floats((c,), low=0.5, high=2,
                                                                 requires_grad=False)))
    return Call((x,) + stats, dict(draw(maybe({"weight": floats((c,)), "bias": floats((c,)),
                                               "momentum": SMALL_FLOATS,
                                               "eps": st.just(1e-5)})), training=training))


@st.composite
def _layer_norm(draw):
    x = draw(floats())
    k = draw(st.integers(1, x.values.ndim))
    shape = list(x.values.shape[-k:])
    return Call((x, shape), draw(maybe({"weight": floats(shape), "bias": floats(shape),
                                        "eps": st.just(1e-5)})))


@st.composite
def _group_norm(draw):
    groups = draw(st.integers(1, 2))
    x = draw(floats((2, groups * draw(st.integers(1, 2)), draw(st.integers(1, 3)))))
    c = x.values.shape[1]
    return Call((x, groups), draw(maybe({"weight": floats((c,)), "bias": floats((c,))})))


@st.composite
def _pair_loss(draw, low=None, high=None, target_low=None, target_high=None, **extra):
    shape = draw(shapes())
    x = draw(floats(shape, low=low, high=high))
    target_shape = shape
    if draw(st.integers(0, 4)) == 0:
        target_shape = shape[1:] or (1,)  # broadcastable, which PyTorch allows with a warning
    target = draw(floats(target_shape, low=target_low, high=target_high, requires_grad=False))
    return Call((x, target), draw(maybe(dict({"reduction": REDUCTIONS}, **extra))))


@st.composite
def _bce(draw, logits: bool):
    shape = draw(shapes())
    x = draw(floats(shape) if logits else floats(shape, low=0.0, high=1.0))
    target = draw(floats(shape, low=0.0, high=1.0, requires_grad=False))
    options = {"reduction": REDUCTIONS, "weight": floats(shape, requires_grad=False)}
    if logits:
        options["pos_weight"] = floats(shape[-1:], low=0.5, high=2.0, requires_grad=False)
    return Call((x, target), draw(maybe(options)))


@st.composite
def _class_loss(draw, log_probabilities: bool):
    n, c = draw(SIDES), draw(st.integers(2, 4))
    x = draw(floats((n, c)))
    if log_probabilities:
        x = T(x.values - np.log(np.exp(x.values).sum(1, keepdims=True)), x.requires_grad)
    target = draw(integers((n,), 0, c))
    options = {"reduction": REDUCTIONS, "weight": floats((c,), low=0.5, high=2, requires_grad=False),
               "ignore_index": st.sampled_from([-100, 0])}
    if not log_probabilities:
        options["label_smoothing"] = st.sampled_from([0.0, 0.1])
    return Call((x, target), draw(maybe(options)))


@st.composite
def _kl_div(draw):
    shape = draw(shapes(2, 2))
    x = draw(floats(shape, low=-3, high=0))
    target = draw(floats(shape, low=0, high=1, requires_grad=False))
    return Call((x, target), draw(maybe({"reduction": st.sampled_from(["batchmean", "sum", "none"]),
                                         "log_target": st.just(False)})))


@st.composite
def _pad(draw):
    x = draw(floats(shapes(3, 4)))
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    amounts = draw(st.lists(st.integers(0, 1), min_size=2, max_size=4).filter(lambda p: len(p) % 2 == 0))
    kwargs = {"mode": mode} if mode != "constant" else draw(maybe({"value": SMALL_FLOATS}))
    return Call((x, tuple(amounts)), kwargs)


@st.composite
def _interpolate(draw):
    x = draw(floats((1, draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4)))))
    mode = draw(st.sampled_from(["nearest", "bilinear", "area"]))
    kwargs = {"mode": mode}
    if draw(st.booleans()):
        kwargs["size"] = draw(st.integers(1, 5))
    else:
        kwargs["scale_factor"] = draw(st.sampled_from([2, 0.5, 1.5]))
    if mode == "bilinear":
        kwargs.update(draw(maybe({"align_corners": st.booleans()})))
    return Call((x,), kwargs)


@st.composite
def _one_hot(draw):
    return Call((draw(integers(draw(shapes()), 0, 4)),), draw(maybe({"num_classes": st.integers(4, 5)})))


@st.composite
def _embedding(draw):
    n = draw(st.integers(1, 4))
    return Call((draw(integers(draw(shapes(1, 2)), 0, n)), draw(floats((n, draw(SIDES))))),
                draw(maybe({"padding_idx": st.integers(-n, n - 1), "max_norm": st.just(1.0)})))


@st.composite
def _cosine_similarity(draw):
    shape = draw(shapes(1, 3))
    return Call((draw(floats(shape)), draw(floats(shape))),
                draw(maybe({"dim": st.integers(-len(shape), len(shape) - 1)})))


FUNCTIONAL = [
    _f("relu", _unary(inplace=st.just(False))),
    _f("leaky_relu", _unary(negative_slope=SMALL_FLOATS)),
    _f("gelu", _unary(approximate=st.sampled_from(["none", "tanh"]))),
    _f("elu", _unary(alpha=SMALL_FLOATS)),
    _f("hardtanh", _unary(min_val=st.just(-1.0), max_val=st.sampled_from([1.0, 2.0]))),
    _f("softmax", _softmax()),
    _f("log_softmax", _softmax()),
    _f("linear", _linear()),
    _f("conv2d", _conv2d()),
    _f("max_pool2d", _pool({"dilation": st.integers(1, 2)})),
    _f("avg_pool2d", _pool({"count_include_pad": st.booleans(), "divisor_override": st.integers(1, 3)})),
    _f("adaptive_avg_pool2d", _adaptive()),
    _f("batch_norm", _batch_norm()),
    _f("layer_norm", _layer_norm()),
    _f("group_norm", _group_norm()),
    _f("dropout", _unary(p=st.sampled_from([0.0, 0.5, 1.0]), training=st.booleans()), random=True),
    _f("mse_loss", _pair_loss()),
    _f("l1_loss", _pair_loss()),
    _f("smooth_l1_loss", _pair_loss(beta=st.sampled_from([0.0, 0.5, 1.0]))),
    _f("huber_loss", _pair_loss(delta=st.sampled_from([0.5, 1.0]))),
    _f("binary_cross_entropy", _bce(logits=False)),
    _f("binary_cross_entropy_with_logits", _bce(logits=True)),
    _f("cross_entropy", _class_loss(log_probabilities=False)),
    _f("nll_loss", _class_loss(log_probabilities=True)),
    _f("kl_div", _kl_div()),
    _f("pad", _pad()),
    _f("interpolate", _interpolate()),
    _f("one_hot", _one_hot()),
    _f("embedding", _embedding()),
    _f("normalize", _unary(p=st.sampled_from([1.0, 2.0]), dim=st.integers(-1, 0))),
    _f("cosine_similarity", _cosine_similarity()),
]


# ---------------------------------------------------------------------------- nn constructors
def _nn(name, *args, **kwargs):
    return Entry(f"nn.{name}", _attr(f"nn.{name}"), call(*args, **{}).flatmap(
        lambda c: maybe(kwargs).map(lambda k: Call(c.args, k))))


KERNELS = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
COUNTS = st.integers(1, 4)

MODULES = [
    _nn("Linear", COUNTS, COUNTS, bias=st.booleans(), dtype=FLOAT_DTYPES),
    _nn("Conv2d", st.just(2), st.just(4), KERNELS, stride=st.integers(1, 2), padding=st.integers(0, 1),
        dilation=st.integers(1, 2), groups=st.sampled_from([1, 2]), bias=st.booleans(),
        padding_mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"])),
    _nn("ConvTranspose2d", st.just(2), st.just(4), KERNELS, stride=st.integers(1, 2),
        padding=st.integers(0, 1), output_padding=st.just(0), groups=st.sampled_from([1, 2])),
    _nn("BatchNorm1d", COUNTS, eps=st.just(1e-5), momentum=st.sampled_from([0.1, None]),
        affine=st.booleans(), track_running_stats=st.booleans()),
    _nn("BatchNorm2d", COUNTS, eps=st.just(1e-5), momentum=st.sampled_from([0.1, None]),
        affine=st.booleans(), track_running_stats=st.booleans()),
    _nn("LayerNorm", st.one_of(COUNTS, st.lists(COUNTS, min_size=1, max_size=2)), eps=st.just(1e-5),
        elementwise_affine=st.booleans(), bias=st.booleans()),
    _nn("GroupNorm", st.just(2), st.sampled_from([2, 4]), eps=st.just(1e-5), affine=st.booleans()),
    _nn("Dropout", st.sampled_from([0.0, 0.5, 1.0]), inplace=st.booleans()),
    _nn("Dropout2d", st.sampled_from([0.0, 0.5, 1.0])),
    _nn("MaxPool2d", KERNELS, stride=st.integers(1, 2), padding=st.integers(0, 1)),
    _nn("AvgPool2d", KERNELS, stride=st.integers(1, 2), padding=st.integers(0, 1)),
    _nn("AdaptiveAvgPool2d", st.one_of(COUNTS, st.tuples(COUNTS, COUNTS))),
    _nn("Embedding", COUNTS, COUNTS, padding_idx=st.integers(0, 0), max_norm=st.just(1.0)),
    _nn("Flatten", start_dim=st.integers(0, 1), end_dim=st.just(-1)),
    _nn("LeakyReLU", SMALL_FLOATS),
    _nn("Softmax", st.integers(-1, 1)),
    _nn("Upsample", size=st.integers(1, 4), mode=st.sampled_from(["nearest", "bilinear"])),
]


# ---------------------------------------------------------------------------- optimizers
@st.composite
def _params(draw):
    return [draw(floats(shapes(1, 2), requires_grad=True)) for _ in range(draw(st.integers(1, 2)))]


def _optim(name, **kwargs):
    return Entry(f"optim.{name}", _attr(f"optim.{name}"),
                 st.builds(lambda p, k: Call((p,), k), _params(), maybe(kwargs)))


LRS = st.sampled_from([1e-3, 0.1, 1.0])
OPTIMIZERS = [
    _optim("SGD", lr=LRS, momentum=st.sampled_from([0.0, 0.9]), dampening=st.just(0.0),
           weight_decay=st.sampled_from([0.0, 1e-4]), nesterov=st.just(False)),
    _optim("Adam", lr=LRS, betas=st.just((0.9, 0.999)), eps=st.just(1e-8),
           weight_decay=st.sampled_from([0.0, 1e-4]), amsgrad=st.booleans()),
    _optim("AdamW", lr=LRS, betas=st.just((0.9, 0.999)), eps=st.just(1e-8),
           weight_decay=st.sampled_from([0.0, 1e-2])),
    _optim("RMSprop", lr=LRS, alpha=st.just(0.99), eps=st.just(1e-8), momentum=st.just(0.0),
           centered=st.booleans()),
    _optim("Adagrad", lr=LRS, lr_decay=st.just(0.0), weight_decay=st.just(0.0), eps=st.just(1e-10)),
]


# ---------------------------------------------------------------------------- mt.load
def _checkpoint(format: str) -> bytes:  # noqa: A002
    buffer = io.BytesIO()
    state = {"weight": mt.tensor(np.arange(6.0, dtype="float32").reshape(2, 3)),
             "step": mt.tensor(np.array(3))}
    mt.save(state, buffer, format=format)
    return buffer.getvalue()


@st.composite
def _damaged(draw, good: bytes):
    """``good``, or it truncated, with a byte flipped, with garbage in front, or pure garbage."""
    kind = draw(st.sampled_from(["intact", "truncate", "flip", "prefix", "garbage", "empty"]))
    if kind == "truncate":
        return Bytes(good[:draw(st.integers(0, len(good) - 1))])
    if kind == "flip":
        i = draw(st.integers(0, len(good) - 1))
        return Bytes(good[:i] + bytes([good[i] ^ draw(st.integers(1, 255))]) + good[i + 1:])
    if kind == "prefix":
        return Bytes(b"\x00junk" + good)
    if kind == "garbage":
        return Bytes(draw(st.binary(min_size=1, max_size=64)))
    if kind == "empty":
        return Bytes(b"")
    return Bytes(good)


def _load_entry(name: str, format: str, torch_reads: bool) -> Entry:  # noqa: A002
    valid = _damaged(_checkpoint(format)).map(lambda data: Call((data,)))
    return Entry(name, _load, valid, torch_reads=torch_reads, any_error=True)


SERIALIZATION = [
    _load_entry("mt.load(torch file)", "torch", torch_reads=True),
    _load_entry("mt.load(npz file)", "npz", torch_reads=False),
    _load_entry("mt.load(safetensors file)", "safetensors", torch_reads=False),
]

ENTRIES = CREATION + METHODS + FUNCTIONAL + MODULES + OPTIMIZERS + SERIALIZATION
assert len({e.name for e in ENTRIES}) == len(ENTRIES)
