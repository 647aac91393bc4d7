"""Tensor: an array, the gradient it accumulates, and the graph node that made it.

The differentiable operators (``+``, ``@``, ``sum``, ``reshape``, ...) are Functions in
``minitorch_conv.ops``; ``ops/methods.py`` binds them onto this class in one place. What stays here
is what needs no graph: metadata, conversion, printing, in-place updates and ``backward``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from . import backends
from .autograd import engine
from .autograd.grad_mode import is_grad_enabled, no_grad
from .backends import DType, get_backend, to_dtype


def _on_own_device(method):
    """Run ``method`` with this tensor's GPU current: CuPy allocates arrays, copies and draws random
    numbers on the *current* device, which for a ``cuda:1`` tensor may be another one."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self._backend.device_context():
            return method(self, *args, **kwargs)

    return run


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints like PyTorch's ``torch.Size``."""

    def __repr__(self):
        return f"minitorch_conv.Size({list(self)})"

    def numel(self) -> int:
        return math.prod(self)


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    _is_minitorch_tensor = True
    __array_priority__ = 1000  # numpy_scalar * tensor goes to Tensor.__rmul__

    def __init__(self, array, requires_grad: bool = False, *, backend=None):
        self._backend = backend if backend is not None else backends.backend_of_array(array)
        if not backends.is_array(array):  # NumPy reductions and indexing can return scalars
            array = self._backend.asarray(array)
        self._array = array
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._output_nr = 0
        self._version_counter = [0]  # shared with detach()ed aliases of the same data
        self._accumulator = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def _from_array(cls, array, backend=None) -> Tensor:
        return cls(array, backend=backend)

    @classmethod
    def _alias(cls, other: Tensor) -> Tensor:
        """A new tensor over the same array, with no history of its own yet."""
        return cls(other._array, backend=other._backend)

    def _set_history(self, node, output_nr: int) -> None:
        self.grad_fn = node
        self._output_nr = output_nr
        self._requires_grad = True

    @property
    def _version(self) -> int:
        """How many in-place changes this data has seen; saved tensors are checked against it."""
        return self._version_counter[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._version_counter[0] = value

    def _grad_accumulator(self):
        if self._accumulator is None:
            self._accumulator = engine.AccumulateGrad(self)
        return self._accumulator

    # ------------------------------------------------------------------ metadata
    @property
    def array(self):
        """The underlying NumPy or CuPy array (shared, not copied)."""
        return self._array

    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def dim(self) -> int:
        return self._array.ndim

    def size(self, dim: int | None = None):
        if dim is None:
            return self.shape
        return self._array.shape[dim]

    def numel(self) -> int:
        return int(self._array.size)

    nelement = numel

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._array.itemsize for s in self._array.strides)
        return strides if dim is None else strides[dim]

    def is_contiguous(self) -> bool:
        return bool(self._array.flags.c_contiguous)

    def element_size(self) -> int:
        return self._array.itemsize

    @property
    def dtype(self) -> DType:
        return to_dtype(self._array.dtype)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    @property
    def device(self) -> backends.Device:
        return self._backend.device

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def backend(self):
        return self._backend

    @property
    def xp(self):
        """The array module (numpy or cupy) that holds this tensor's data."""
        return self._backend.xp

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            import weakref

            self.grad_fn.retained[self._output_nr] = weakref.ref(self)

    def type_name(self) -> str:
        """PyTorch's legacy type string, e.g. ``torch.FloatTensor``, used in error messages."""
        names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short"}
        prefix = "torch.cuda." if self.is_cuda else "torch."
        return f"{prefix}{names.get(self.dtype.name, self.dtype.name)}Tensor"

    # ------------------------------------------------------------------ detaching and data
    def detach(self) -> Tensor:
        """A tensor over the same data, cut from the graph.

        It shares the version counter, so changing it in place still invalidates saved tensors.
        """
        out = Tensor._alias(self)
        out._version_counter = self._version_counter
        return out

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """The same data as a tensor outside the graph (PyTorch's ``.data``: unlike ``detach()``,
        its in-place changes are not tracked by the version counter)."""
        return Tensor._alias(self)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._array = value._array if isinstance(value, Tensor) else value
        self._backend = backends.backend_of_array(self._array)

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force: bool = False):
        """The data as a NumPy array, sharing memory on the CPU."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if self.is_cuda and not force:
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                "the tensor to host memory first."
            )
        return self._backend.to_numpy(self._array)

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._backend.to_numpy(self._array).reshape(()).item()

    def tolist(self):
        return self._backend.to_numpy(self._array).tolist()

    def __array__(self, dtype=None, copy=None):
        if self.is_cuda:
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                "the tensor to host memory first."
            )
        arr = self._array
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def __dlpack__(self, *args, **kwargs):
        if self.requires_grad:
            raise RuntimeError(
                "Can't export tensors that require gradient, use tensor.detach()"
            )
        return self._array.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()

    def __float__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
            )
        return bool(self.item())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    @_on_own_device
    def __deepcopy__(self, memo):
        """A leaf with a copy of the data on the same device (the backend is shared, not copied)."""
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment."
            )
        out = Tensor(self._array.copy(), backend=self._backend)
        out._requires_grad = self._requires_grad
        memo[id(self)] = out
        if self.grad is not None:
            out.grad = self.grad.__deepcopy__(memo)
        return out

    # ------------------------------------------------------------------ new tensors like this one
    def _new(self, array) -> Tensor:
        return Tensor(array, backend=self._backend)

    @_on_own_device
    def new_zeros(self, size, *, dtype=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.zeros(_size(size), dtype=dtype.numpy))
        return out.requires_grad_(requires_grad)

    @_on_own_device
    def new_ones(self, size, *, dtype=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.ones(_size(size), dtype=dtype.numpy))
        return out.requires_grad_(requires_grad)

    @_on_own_device
    def new_full(self, size, fill_value, *, dtype=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.full(_size(size), fill_value, dtype=dtype.numpy))
        return out.requires_grad_(requires_grad)

    @_on_own_device
    def new_empty(self, size, *, dtype=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.empty(_size(size), dtype=dtype.numpy))
        return out.requires_grad_(requires_grad)

    def new_tensor(self, data, *, dtype=None, requires_grad: bool = False) -> Tensor:
        if isinstance(data, Tensor):
            data = data._array
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        with self._backend.device_context():
            out = self._new(self.xp.array(data, dtype=dtype.numpy))
        return out.requires_grad_(requires_grad)

    # ------------------------------------------------------------------ backward
    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on.

        ``gradient`` is the upstream gradient (needed unless this tensor has one element);
        ``retain_graph`` keeps the saved tensors for another backward; ``create_graph`` records the
        backward pass itself so that gradients of gradients can be taken.
        """
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            gradient = self.new_ones(self.shape)
        elif not isinstance(gradient, Tensor):
            gradient = self.new_tensor(gradient)
        if tuple(gradient.shape) != tuple(self.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and output[0] "
                f"has a shape of {self.shape}."
            )
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = engine.run_backward([self], [gradient], retain_graph, create_graph, inputs,
                                        allow_unused=True)
            for inp, g in zip(inputs, grads):
                if g is not None:
                    inp.grad = engine.fresh_grad(g, create_graph) if inp.grad is None else inp.grad + g
            return
        engine.run_backward([self], [gradient], retain_graph, create_graph)

    # ------------------------------------------------------------------ in-place updates
    def _check_inplace(self) -> None:
        if is_grad_enabled() and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )

    @_on_own_device
    def _inplace(self, compute) -> Tensor:
        """Apply ``compute(tensor) -> Tensor`` in place.

        When the result needs no gradient the array is overwritten. When it does (this tensor is
        in the graph, or an operand requires grad) the result's value and history replace this
        tensor's, and the old value lives on, unchanged, in an alias that backward can use.
        Either way the version counter moves, so a backward that saved the old value raises.
        """
        self._check_inplace()
        if is_grad_enabled():
            alias = Tensor._alias(self)
            if self.requires_grad:
                alias._set_history(self.grad_fn, self._output_nr)
            result = compute(alias)
        else:
            result = compute(self)
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(result.shape)}"
            )
        if not self._backend.xp.can_cast(result.dtype.numpy, self.dtype.numpy, casting="same_kind"):
            raise RuntimeError(
                f"result type {result.dtype.name} can't be cast to the desired output type "
                f"{self.dtype.name}"
            )
        if result.requires_grad:
            self._array = result._array.astype(self._array.dtype, copy=False)
            self._set_history(result.grad_fn, result._output_nr)
        else:
            self._write(result._array)
        self._version += 1
        return self

    def add_(self, other, *, alpha=1) -> Tensor:
        return self._inplace(lambda t: t + other * alpha if alpha != 1 else t + other)

    def sub_(self, other, *, alpha=1) -> Tensor:
        return self._inplace(lambda t: t - other * alpha if alpha != 1 else t - other)

    def mul_(self, other) -> Tensor:
        return self._inplace(lambda t: t * other)

    def div_(self, other) -> Tensor:
        return self._inplace(lambda t: t / other)

    # ``x += y`` and friends update ``x`` in place (every name bound to it sees the change)
    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def pow_(self, exponent) -> Tensor:
        return self._inplace(lambda t: t**exponent)

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
        return self._inplace(lambda t: t.clamp(min, max))

    def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
        return self._inplace(lambda t: t + tensor1 * tensor2 * value)

    def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
        return self._inplace(lambda t: t + tensor1 / tensor2 * value)

    def lerp_(self, end, weight) -> Tensor:
        return self._inplace(lambda t: t + (end - t) * weight)

    def copy_(self, src) -> Tensor:
        """Copy ``src`` (broadcast, cast, and moved across devices if needed) into this tensor."""
        src = src if isinstance(src, Tensor) else self.new_tensor(src)
        return self._inplace(lambda t: _written_over(t, src.to(device=t.device, dtype=t.dtype)))

    @_on_own_device
    def _overwrite(self, array) -> Tensor:
        """Write ``array`` into this tensor outside the graph (used by fill_, zero_, the RNG)."""
        self._check_inplace()
        if self.grad_fn is not None and is_grad_enabled():
            return self._inplace(lambda t: _written_over(t, self._new(array)))
        self._write(array)
        self._version += 1
        return self

    def _write(self, values) -> None:
        """Copy ``values`` (broadcast, cast) into this tensor's memory."""
        if not getattr(self._array.flags, "writeable", True):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location (an expand()ed tensor), or its memory is read-only. Please "
                "clone() the tensor before performing the operation."
            )
        self.xp.copyto(self._array, values, casting="unsafe")

    @_on_own_device
    def zero_(self) -> Tensor:
        return self._overwrite(self.xp.zeros((), dtype=self._array.dtype))

    @_on_own_device
    def fill_(self, value) -> Tensor:
        if isinstance(value, Tensor):
            value = value.item()
        return self._overwrite(self.xp.asarray(value, dtype=self._array.dtype))

    @_on_own_device
    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
        """Fill with draws from U(a, b) in this tensor's dtype, from the global generator."""
        rng = (generator or self._backend).rng
        sample = rng.random(self.shape, dtype=self._float_dtype())
        return self._overwrite(sample * (b - a) + a if (a, b) != (0.0, 1.0) else sample)

    @_on_own_device
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
        """Fill with draws from N(mean, std**2) in this tensor's dtype, from the global generator."""
        rng = (generator or self._backend).rng
        sample = rng.standard_normal(self.shape, dtype=self._float_dtype())
        return self._overwrite(sample * std + mean if (mean, std) != (0.0, 1.0) else sample)

    @_on_own_device
    def bernoulli_(self, p: float = 0.5, *, generator=None) -> Tensor:
        rng = (generator or self._backend).rng
        return self._overwrite(rng.random(self.shape, dtype=self._float_dtype()) < p)

    def _float_dtype(self):
        name = self.dtype.name
        return self.dtype.numpy if name in ("float32", "float64") else backends.float64.numpy

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        arr = self._backend.to_numpy(self._array)
        body = backends.format_array(arr, self.dtype.is_floating_point)
        extras = []
        if self.is_cuda:
            extras.append(f"device='{self.device}'")
        default_float = backends.get_default_dtype()
        shown_dtype = self.dtype not in (default_float, backends.int64, backends.bool_)
        if shown_dtype or self.numel() == 0:
            if not (self.numel() == 0 and self.dtype is default_float):
                extras.append(f"dtype=minitorch_conv.{self.dtype.name}")
            if self.numel() == 0 and self.ndim != 1:
                extras.insert(0, f"size={tuple(self.shape)}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    __str__ = __repr__


def _written_over(old: Tensor, new: Tensor) -> Tensor:
    """``new`` broadcast to ``old``'s shape, as a new graph node whose gradient all goes to ``new``.

    ``where`` rather than ``new + 0 * old``: the latter is NaN wherever ``old`` is infinite.
    """
    everywhere = old._new(old.xp.ones((), dtype=bool))
    return new.where(everywhere, old)


def _size(size) -> tuple:
    if isinstance(size, int):
        return (size,)
    return tuple(int(s) for s in size)


def zero_grads(tensors, set_to_none: bool = True) -> None:
    """Forget the gradients of ``tensors``: set them to None, or zero them in place.

    What ``Module.zero_grad`` and ``Optimizer.zero_grad`` both do.
    """
    for tensor in tensors:
        if tensor.grad is None:
            continue
        if set_to_none:
            tensor.grad = None
            continue
        if tensor.grad.grad_fn is not None:  # a gradient recorded with create_graph=True
            tensor.grad = tensor.grad.detach()
        with no_grad():
            tensor.grad.zero_()


def is_tensor(obj: Any) -> bool:
    """True when ``obj`` is a minitorch_conv Tensor."""
    return isinstance(obj, Tensor)


def manual_seed(seed: int) -> None:
    """Seed the global random generators (CPU and every GPU), like ``torch.manual_seed``.

    >>> import minitorch_conv as mt
    >>> mt.manual_seed(0); a = mt.rand(3)
    >>> mt.manual_seed(0); b = mt.rand(3)
    >>> bool((a == b).all())
    True
    """
    backends.manual_seed(seed)


def get_backend_for(device=None):
    return get_backend(device)
