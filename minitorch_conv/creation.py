"""Functions that make tensors: ``tensor``, ``zeros``, ``randn``, ``arange``, ``*_like``, DLPack."""

from __future__ import annotations

import math
import numbers
from typing import Any

from ._arguments import _OMITTED, check_size, convert, parse_args, type_name
from .backends import (
    SCALAR_NAMES,
    backend_of_array,
    bool_,
    get_backend,
    get_default_dtype,
    int64,
    is_array,
    promote_types,
    quiet,
    to_dtype,
)
from .backends.dtypes import allocation_error, check_scalar_fits, check_storage
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
        elif isinstance(obj, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
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


def _allocate(shape: tuple, dtype, make):
    """``make()``, an array of ``shape`` and ``dtype``, after PyTorch's checks: a byte count past
    int64 is its RuntimeError, and so is an allocation the machine refuses (NumPy's MemoryError)."""
    nbytes = check_storage(tuple(shape), dtype)
    try:
        return make()
    except MemoryError:
        raise allocation_error(nbytes) from None


_PLAIN_NUMBERS = frozenset({float, int, bool})


def _is_sequence(obj) -> bool:
    return isinstance(obj, (list, tuple)) or is_array(obj) and obj.ndim > 0


def _nested_shape(data) -> tuple:
    """The shape PyTorch reads from nested sequences: the length of the first element at each depth."""
    shape = []
    while _is_sequence(data):
        shape.append(len(data))
        if not len(data):
            break
        data = data[0]
    return tuple(shape)


def _is_number(value, dtype) -> bool:
    """Whether ``tensor`` can store ``value`` as a number of ``dtype`` (an object with ``__float__``
    in a floating dtype, with ``__index__`` in the others)."""
    if isinstance(value, numbers.Number) or hasattr(value, "dtype"):  # (NumPy scalars and arrays too)
        return True
    return hasattr(value, "__float__" if dtype.is_floating_point else "__index__")


def _not_a_number(value, dtype) -> TypeError:
    name = type(value).__name__
    return TypeError(f"must be real number, not {name}" if dtype.is_floating_point
                     else f"'{name}' object cannot be interpreted as an integer")


def _check_nesting(data, shape: tuple, dim: int, dtype, integer: bool) -> None:
    """PyTorch's errors for what ``tensor`` cannot store, in the order it walks ``data``: a sequence
    of another length (ValueError), a number where a sequence belongs (TypeError), a sequence or None
    where a number belongs (TypeError), an int past int64 for an integer dtype (ValueError)."""
    if dim == len(shape):
        if _is_sequence(data) or not _is_number(data, dtype):
            raise _not_a_number(data, dtype)
        if integer and type(data) is int and not -2**63 <= data < 2**63:
            raise ValueError("Overflow when unpacking long long")
        return
    if not _is_sequence(data):
        raise TypeError("not a sequence")
    if len(data) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})")
    if dim + 1 == len(shape) and isinstance(data, list):  # the fast path: a row of plain numbers
        kinds = set(map(type, data))
        if kinds <= _PLAIN_NUMBERS and not (integer and int in kinds):
            return
        if kinds <= _PLAIN_NUMBERS:
            ints = [v for v in data if type(v) is int]
            if -2**63 <= min(ints) and max(ints) < 2**63:
                return
    for item in data:
        _check_nesting(item, shape, dim + 1, dtype, integer)


def _fit_integers(data, dtype):
    """``data`` with each number as the integer ``dtype`` stores it (a negative int wraps into an
    unsigned dtype), or PyTorch's RuntimeError for one out of range (NaN and infinities included)."""
    if isinstance(data, list):
        return [_fit_integers(item, dtype) for item in data]
    try:
        value = check_scalar_fits(data, dtype)
    except RuntimeError:
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow") from None
    return int(value) if isinstance(value, float) else value


def _check_unpackable(*values) -> None:
    """PyTorch's OverflowError for a Python int that does not fit 64 bits (signed below, unsigned
    above), as its argument parser reads one."""
    for value in values:
        if type(value) is int and value < -2**63:
            raise OverflowError("can't convert negative int to unsigned")
        if type(value) is int and value >= 2**64:
            raise OverflowError("int too big to convert")


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
    given_dtype = dtype
    backend = get_backend(device)
    if is_array(data):
        dtype = to_dtype(data.dtype) if dtype is None else to_dtype(dtype)
        src = backend_of_array(data)
        array = data if src is backend else src.to_numpy(data)
        with backend.device_context():
            array = backend.xp.array(array, dtype=dtype.numpy, copy=True)
    else:
        first = data
        while isinstance(first, (list, tuple)) and first:  # PyTorch reads the shape first, and a
            first = first[0]  # string, a sequence of strings, has no end
            if isinstance(first, str) and first:  # ('' ends the shape: a bad element then)
                raise ValueError(f"too many dimensions '{type(first).__name__}'")
        dtype = _infer_dtype(data) if dtype is None else to_dtype(dtype)
        data = _unwrap(data)
        shape = _nested_shape(data)
        if 0 in shape:  # PyTorch looks no deeper than an empty sequence
            with backend.device_context():
                array = backend.xp.zeros(shape, dtype=dtype.numpy)
            return Tensor(array, backend=backend).requires_grad_(requires_grad)
        _check_nesting(data, shape, 0, dtype, not dtype.is_floating_point and dtype is not bool_)
        if given_dtype is not None and not dtype.is_floating_point and dtype is not bool_:
            data = _fit_integers(data, dtype)
        with backend.device_context():
            array = backend.xp.array(data, dtype=dtype.numpy)
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
            array = _allocate(shape, dt, lambda: fill(backend, shape, dt))
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


_RANDOM_KERNELS = {"uniform": "check_uniform_bounds", "normal": "normal_kernel_cpu"}


def _random_float(rng, shape, dt, kind):
    draw_dtype = dt.numpy if dt.name in ("float32", "float64") else get_default_dtype().numpy
    check_storage(tuple(shape), dt)
    # PyTorch's kernels refuse integer dtypes; its normal kernel never runs for an empty tensor
    if not dt.is_floating_point and (kind == "uniform" or math.prod(shape) > 0):
        raise NotImplementedError(f"\"{_RANDOM_KERNELS[kind]}\" not implemented for "
                                  f"'{SCALAR_NAMES.get(dt.name, dt.name)}'")
    if not dt.is_floating_point:
        return rng.random(shape).astype(dt.numpy)
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
    _check_unpackable(fill_value)
    check_storage(tuple(shape), dtype)
    fill_value = check_scalar_fits(fill_value, dtype)
    with backend.device_context():
        array = _allocate(shape, dtype, lambda: backend.xp.full(shape, fill_value, dtype=dtype.numpy))
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


_FACTORY_DEFAULTS = "*, ScalarType? dtype=None, Device? device=None, bool requires_grad=False"


@parse_args(f"Number start, Number end, Number step, {_FACTORY}",
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
    _check_unpackable(start, end, step)
    if dtype is bool_ or dtype is not None and to_dtype(dtype) is bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    for value in (start, end):
        if isinstance(value, complex) or not math.isfinite(float(value)):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if not isinstance(step, complex) and not (step > 0 or step < 0):  # zero or NaN
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = _infer_dtype([start, end, step], keep_scalar_dtypes=False)
    dtype = to_dtype(dtype)
    if not dtype.is_floating_point:
        for value in (start, end, step):
            if not -2 ** 63 <= value < 2 ** 63:
                raise RuntimeError("value cannot be converted to type int64_t without overflow")
    backend = get_backend(device)
    if dtype is int64:  # PyTorch truncates the three to int64 first, and counts with them
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
    if type(start) is int and type(end) is int and type(step) is int:
        count = max(0, -((start - end) // step))  # exact for large integers
    else:
        count = max(0, math.ceil((end - start) / step))
    if not dtype.is_floating_point:  # the other integer dtypes count in doubles, step in integers
        start, step = int(start), int(step)
    with backend.device_context():
        kind = "float64" if dtype.is_floating_point else "int64"
        array = _allocate((count,), dtype, lambda: (backend.xp.arange(count, dtype=kind) * step
                                                    + start).astype(dtype.numpy))
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
    _check_unpackable(start, end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
    backend = get_backend(device)
    with backend.device_context():
        array = _allocate((steps,), dtype, lambda: _linspace_values(backend.xp, start, end, steps, dtype))
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


def _linspace_values(xp, start, end, steps: int, dtype):
    """PyTorch's linspace: the first half counted up from ``start``, the second down from ``end``
    (so a NaN or infinite end point gives PyTorch's NaNs and infinities)."""
    start, end = float(start), float(end)
    if not dtype.is_floating_point:
        for value in (start, end):
            check_scalar_fits(value, dtype)
        return xp.linspace(start, end, steps).astype(dtype.numpy)
    if steps == 1:
        return xp.full((1,), start).astype(dtype.numpy)
    index = xp.arange(steps, dtype="float64")
    with quiet(xp):  # NaN/inf end points give NaN/inf, as in PyTorch (CuPy has no errstate)
        step = (end - start) / (steps - 1) if steps > 1 else 0.0
        values = xp.where(index < steps // 2, start + index * step, end - (steps - 1 - index) * step)
    return values.astype(dtype.numpy)


@parse_args(f"int n, int m, {_FACTORY}")
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
    if n * (n if m is None else m) >= 2**63:
        raise RuntimeError("numel: integer multiplication overflow")
    with backend.device_context():
        array = _allocate((n, n if m is None else m), dtype, lambda: backend.xp.eye(n, m, dtype=dtype.numpy))
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


def randint(low, high=_OMITTED, size=_OMITTED, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``, as in PyTorch; ``generator``
    draws from a ``mt.Generator`` instead of the global generator.

    >>> import minitorch_conv as mt
    >>> mt.randint(3, (4,)).shape, mt.randint(5, 6, (2,)).tolist()
    (minitorch_conv.Size([4]), [5, 5])
    """
    if size is _OMITTED or high is _OMITTED:  # randint(high, size), as PyTorch reads two arguments
        if high is _OMITTED and size is _OMITTED:
            raise TypeError(f"randint() received an invalid combination of arguments - got "
                            f"({type_name(low)}), but expected one of:\n"
                            " * (int high, tuple of ints size, *, Generator generator, ...)\n"
                            " * (int low, int high, tuple of ints size, *, Generator generator, ...)")
        low, high, size = 0, low, high if size is _OMITTED else size
        high, size = _convert_positional((("int", high, "high"), ("int[]", size, "size")))
    else:
        low, high, size = _convert_positional((("int", low, "low"), ("int", high, "high"),
                                               ("int[]", size, "size")))
    check_size(size)
    check_storage(tuple(size), int64)
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


def _convert_positional(arguments: tuple) -> list:
    """``randint``'s positional ``(type, value, name)`` arguments converted, as PyTorch's parser does
    it: every class checked first, an int past int64 refused after ("Overflow when unpacking")."""
    converted, overflow = [], None
    for position, (kind, value, name) in enumerate(arguments, 1):
        try:
            converted.append(convert(kind, value, "randint", name, position))
        except ValueError as error:
            overflow = overflow or error
            converted.append(None)
    if overflow is not None:
        raise overflow
    return converted


@parse_args("int n, *, Generator? generator, ScalarType? dtype, Device? device, bool requires_grad")
def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64) from the global generator of ``device``, or
    from ``generator``.

    >>> import minitorch_conv as mt
    >>> sorted(mt.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    check_size((n,))
    check_storage((n,), int64)
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
