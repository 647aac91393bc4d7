"""Functions that make tensors: ``tensor``, ``zeros``, ``randn``, ``arange``, ``*_like``, DLPack."""

from __future__ import annotations

import math
from typing import Any

from ._arguments import check_size, convert, parse_args
from .backends import (
    backend_of_array,
    bool_,
    get_backend,
    get_default_dtype,
    int64,
    is_array,
    promote_types,
    to_dtype,
)
from .tensor import Tensor

_FACTORY = "*, ScalarType? dtype, Device? device, bool requires_grad"


def _infer_dtype(data, keep_scalar_dtypes: bool = True):
    """PyTorch's rule for data: bools -> bool, ints -> int64, floats -> the default float dtype.

    Tensors and NumPy scalars keep their dtype (``np.float64(1.5)`` gives float64) unless
    ``keep_scalar_dtypes`` is False (the fill values of ``full`` and ``arange``). A mix takes the
    highest category, bool < integer < floating, and within it the widest dtype.
    """
    found = []

    def walk(obj):
        if isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item)
        elif isinstance(obj, Tensor) or hasattr(obj, "dtype"):  # tensors, NumPy scalars
            dtype = to_dtype(obj.dtype)
            if not keep_scalar_dtypes and dtype.is_floating_point:
                dtype = get_default_dtype()
            elif not keep_scalar_dtypes and dtype is not bool_:
                dtype = int64
            found.append(dtype)
        elif isinstance(obj, bool):
            found.append(bool_)
        elif isinstance(obj, int):
            found.append(int64)
        elif isinstance(obj, float):
            found.append(get_default_dtype())
        else:  # PyTorch's class: a RuntimeError
            raise RuntimeError(f"Could not infer dtype of {type(obj).__name__}")

    walk(data)
    floats = [d for d in found if d.is_floating_point]
    if floats or not found:
        return max(floats, key=lambda d: d.itemsize, default=get_default_dtype())
    ints = [d for d in found if d is not bool_]
    if ints:
        result = ints[0]
        for d in ints[1:]:
            result = promote_types(result, d)
        return result
    return bool_


def _unwrap(data):
    if isinstance(data, (list, tuple)):
        return [_unwrap(d) for d in data]
    if isinstance(data, Tensor):
        return data.item() if data.numel() == 1 and data.ndim == 0 else data.tolist()
    return data


@parse_args(f"object data, {_FACTORY}")
def tensor(data: Any, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor).

    Python floats become float32 (the default dtype); an array keeps its dtype, so a float64 NumPy
    array stays float64, as with ``torch.tensor``.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 2], [3, 4]]).dtype
    minitorch_conv.int64
    >>> mt.tensor([0.5, 1.5], dtype=mt.float64)
    tensor([0.5000, 1.5000], dtype=minitorch_conv.float64)
    """
    if isinstance(data, Tensor):
        source = data.detach()
        out = source.to(device=device or source.device, dtype=dtype or source.dtype, copy=True)
        return out.requires_grad_(requires_grad)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    backend = get_backend(device)
    if is_array(data):
        dtype = to_dtype(data.dtype) if dtype is None else to_dtype(dtype)
        src = backend_of_array(data)
        array = data if src is backend else src.to_numpy(data)
        with backend.device_context():
            array = backend.xp.array(array, dtype=dtype.numpy, copy=True)
    else:
        dtype = _infer_dtype(data) if dtype is None else to_dtype(dtype)
        with backend.device_context():
            array = backend.xp.array(_unwrap(data), dtype=dtype.numpy)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


@parse_args("object data, ScalarType? dtype, Device? device")
def as_tensor(data: Any, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor`, but shares memory with a NumPy array (or tensor) when it can."""
    if isinstance(data, Tensor):
        return data.to(device=device or data.device, dtype=dtype or data.dtype)
    if is_array(data) and device is None and (dtype is None or to_dtype(dtype).numpy == data.dtype):
        return Tensor(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array) -> Tensor:
    """A CPU tensor sharing memory with the NumPy ``array`` (its dtype kept)."""
    if not is_array(array) or backend_of_array(array).device.type != "cpu":
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


def from_dlpack(obj) -> Tensor:
    """A tensor sharing memory with any DLPack producer (NumPy, CuPy, PyTorch, ...)."""
    if isinstance(obj, Tensor):
        return obj
    device_type, device_id = obj.__dlpack_device__()
    if int(device_type) == 1:  # kDLCPU
        backend = get_backend("cpu")
    elif int(device_type) == 2:  # kDLCUDA
        backend = get_backend(f"cuda:{device_id}")
    else:
        raise RuntimeError(f"from_dlpack: unsupported device type {device_type}")
    return Tensor(backend.from_dlpack(obj), backend=backend)


def _factory(fill, name):
    def make(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        shape = check_size(size) if name != "zeros" else _nonnegative_zeros(size)
        dt = get_default_dtype() if dtype is None else to_dtype(dtype)
        backend = get_backend(device)
        with backend.device_context():
            array = fill(backend, shape, dt)
        return Tensor(array, backend=backend).requires_grad_(requires_grad)

    make.__name__ = make.__qualname__ = name
    return parse_args(f"int[] size, {_FACTORY}")(make)


def _nonnegative_zeros(size: tuple) -> tuple:
    """``zeros`` has its own message for a negative size in PyTorch."""
    for s in size:
        if s < 0:
            raise RuntimeError("zeros: Dimension size must be non-negative.")
    return size


zeros = _factory(lambda b, shape, dt: b.xp.zeros(shape, dtype=dt.numpy), "zeros")
ones = _factory(lambda b, shape, dt: b.xp.ones(shape, dtype=dt.numpy), "ones")
empty = _factory(lambda b, shape, dt: b.xp.empty(shape, dtype=dt.numpy), "empty")
zeros.__doc__ = "A tensor of zeros: ``mt.zeros(2, 3)`` or ``mt.zeros((2, 3), dtype=mt.float64)``."
ones.__doc__ = "A tensor of ones: ``mt.ones(2, 3)``."
empty.__doc__ = "An uninitialised tensor: ``mt.empty(2, 3)``."


def _random_float(rng, shape, dt, kind):
    draw_dtype = dt.numpy if dt.name in ("float32", "float64") else get_default_dtype().numpy
    if not dt.is_floating_point:
        raise RuntimeError(f"\"{kind}\" not implemented for '{dt.name}'")
    if kind == "uniform":
        sample = rng.random(shape, dtype=draw_dtype)
    else:
        sample = rng.standard_normal(shape, dtype=draw_dtype)
    return sample.astype(dt.numpy, copy=False)


def _draw(backend, generator, draw):
    """``draw(rng)`` from ``generator`` (a ``mt.Generator``, on the CPU) or the device's own
    generator, as an array on ``backend``'s device."""
    if generator is None:
        return draw(backend.rng)
    return backend.asarray(draw(generator.rng))


def _random_factory(kind, name):
    def make(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        shape = size
        dt = get_default_dtype() if dtype is None else to_dtype(dtype)
        backend = get_backend(device)
        with backend.device_context():
            array = _draw(backend, generator, lambda rng: _random_float(rng, shape, dt, kind))
        return Tensor(array, backend=backend).requires_grad_(requires_grad)

    make.__name__ = make.__qualname__ = name
    return parse_args("size size, *, Generator? generator, ScalarType? dtype, Device? device, "
                      "bool requires_grad")(make)


rand = _random_factory("uniform", "rand")
randn = _random_factory("normal", "randn")
rand.__doc__ = "Uniform samples on [0, 1) from the global generator: ``mt.rand(2, 3)``."
randn.__doc__ = "Standard normal samples from the global generator: ``mt.randn(2, 3)``."


@parse_args(f"size size, Number fill_value, {_FACTORY}")
def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype inferred as by :func:`tensor`).

    >>> import minitorch_conv as mt
    >>> mt.full((2,), 1.5)
    tensor([1.5000, 1.5000])
    """
    dtype = _infer_dtype(fill_value, keep_scalar_dtypes=False) if dtype is None else to_dtype(dtype)
    backend = get_backend(device)
    shape = size
    with backend.device_context():
        array = backend.xp.full(shape, fill_value, dtype=dtype.numpy)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


_FACTORY_DEFAULTS = "*, ScalarType? dtype=None, Device? device=None, bool requires_grad=False"


@parse_args(f"Number start, Number? end, Number step, {_FACTORY}",
            overloads=(f"Number end, {_FACTORY_DEFAULTS}", f"Number start, Number end, {_FACTORY_DEFAULTS}",
                       f"Number start, Number end, Number step=1, {_FACTORY_DEFAULTS}"))
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments.

    >>> import minitorch_conv as mt
    >>> mt.arange(3), mt.arange(0, 1, 0.25)
    (tensor([0, 1, 2]), tensor([0.0000, 0.2500, 0.5000, 0.7500]))
    """
    if end is None:
        start, end = 0, start
    for value in (start, end):
        if isinstance(value, complex) or not math.isfinite(float(value)):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = _infer_dtype([start, end, step], keep_scalar_dtypes=False)
    dtype = to_dtype(dtype)
    if not dtype.is_floating_point:
        for value in (start, end):
            if not -2 ** 63 <= value < 2 ** 63:
                raise RuntimeError("value cannot be converted to type int64_t without overflow")
    backend = get_backend(device)
    count = max(0, math.ceil((end - start) / step))
    with backend.device_context():
        array = (backend.xp.arange(count, dtype="float64") * step + start).astype(dtype.numpy)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


@parse_args(f"Tensor|Number start, Tensor|Number end, int steps, {_FACTORY}")
def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    >>> import minitorch_conv as mt
    >>> mt.linspace(0, 1, 3)
    tensor([0.0000, 0.5000, 1.0000])
    """
    dims = [getattr(v, "ndim", 0) for v in (start, end)]
    if any(dims):
        raise RuntimeError(f"linspace only supports 0-dimensional start and end tensors, but got start with "
                           f"{dims[0]} dimension(s) and end with {dims[1]} dimension(s).")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
    backend = get_backend(device)
    with backend.device_context():
        array = backend.xp.linspace(start, end, steps).astype(dtype.numpy)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


@parse_args(f"int n, int? m, {_FACTORY}")
def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix (``m`` defaults to ``n``).

    >>> import minitorch_conv as mt
    >>> mt.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
    backend = get_backend(device)
    with backend.device_context():
        array = backend.xp.eye(n, m, dtype=dtype.numpy)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``, as in PyTorch; ``generator``
    draws from a ``mt.Generator`` instead of the global generator.

    >>> import minitorch_conv as mt
    >>> mt.randint(3, (4,)).shape, mt.randint(5, 6, (2,)).tolist()
    (minitorch_conv.Size([4]), [5, 5])
    """
    if size is None or high is None:  # randint(high, size), as PyTorch reads two arguments
        low, high, size = 0, low, (() if high is None else high) if size is None else size
        high = convert("int", high, "randint", "high", 1)
        size = convert("int[]", size, "randint", "size", 2)
    else:
        low = convert("int", low, "randint", "low", 1)
        high = convert("int", high, "randint", "high", 2)
        size = convert("int[]", size, "randint", "size", 3)
    check_size(size)
    if generator is not None:
        convert("Generator", generator, "randint", "generator")
    for name, value, kind in (("dtype", dtype, "ScalarType?"), ("device", device, "Device?"),
                              ("requires_grad", requires_grad, "bool")):
        convert(kind, value, "randint", name)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    backend = get_backend(device)
    dtype = int64 if dtype is None else to_dtype(dtype)
    with backend.device_context():  # a GPU generator's state lives on its own device
        array = _draw(backend, generator, lambda rng: rng.integers(low, high, size=tuple(size)))
        array = array.astype(dtype.numpy)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


@parse_args("int n, *, Generator? generator, ScalarType? dtype, Device? device, bool requires_grad")
def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64) from the global generator of ``device``, or
    from ``generator``.

    >>> import minitorch_conv as mt
    >>> sorted(mt.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    check_size((n,))
    backend = get_backend(device)
    if generator is None:
        array = backend.permutation(n)
    else:
        with backend.device_context():
            array = backend.asarray(generator.rng.permutation(n).astype("int64"))
    if dtype is not None:
        array = array.astype(to_dtype(dtype).numpy)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


def _like(factory):
    def make_like(other: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return factory(tuple(other.shape), dtype=dtype or other.dtype, device=device or other.device,
                       requires_grad=requires_grad)

    make_like.__name__ = make_like.__qualname__ = f"{factory.__name__}_like"
    make_like.__doc__ = f"Like ``{factory.__name__}`` with the shape, dtype and device of ``input``."
    return parse_args(f"Tensor input, {_FACTORY}")(make_like)


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
rand_like = _like(rand)
randn_like = _like(randn)


@parse_args(f"Tensor input, Number fill_value, {_FACTORY}")
def full_like(other: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Like :func:`full` with the shape, dtype and device of ``input``.

    >>> import minitorch_conv as mt
    >>> mt.full_like(mt.zeros(2), 7)
    tensor([7., 7.])
    """
    return full(tuple(other.shape), fill_value, dtype=dtype or other.dtype, device=device or other.device,
                requires_grad=requires_grad)
