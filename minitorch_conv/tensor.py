"""Tensor: an array, the gradient it accumulates, and the graph node that made it.

The differentiable operators (``+``, ``@``, ``sum``, ``reshape``, ...) are Functions in
``minitorch_conv.ops``; ``ops/methods.py`` binds them onto this class in one place. What stays here
is what needs no graph: metadata, conversion, printing, in-place updates and ``backward``.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

from . import _arguments, backends
from .autograd import engine, views
from .autograd.grad_mode import _state as _modes
from .autograd.grad_mode import is_grad_enabled, is_inference_mode_enabled, no_grad
from .backends import DType, to_dtype
from .backends.dtypes import _BY_NUMPY as _DTYPE_OF_ARRAY
from .utils.hooks import RemovableHandle

_FACTORY = "*, ScalarType? dtype, Device? device, bool requires_grad"  # the factories' keywords


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

    # what most tensors keep at its default, as class attributes (one store fewer per tensor made)
    _grad: Tensor | None = None
    _grad_fn = None
    _output_nr = 0
    _base: Tensor | None = None  # for a view: the tensor whose memory it shares
    _view = None  # for a view: its views.ViewInfo (base, replay, how it was made)
    _accumulator = None
    _requires_grad = False
    _retains_grad = False
    _post_accumulate_hooks = None
    _inference = False  # made in inference_mode(): an inference tensor

    def __init__(self, array, requires_grad: bool = False, *, backend=None):
        self._backend = backend if backend is not None else backends.backend_of_array(array)
        if not backends.is_array(array):  # NumPy reductions and indexing can return scalars
            array = self._backend.asarray(array)
        self._array = array
        dtype = _DTYPE_OF_ARRAY.get(array.dtype)  # kept: asked several times per operation
        self._dtype = dtype if dtype is not None else to_dtype(array.dtype)
        # shared with every view and detach()ed alias of this memory; inference tensors have none of
        # their own (views.NO_VERSION, which refuses in-place writes outside inference mode)
        if _modes.inference:
            self._inference = True
            self._version_counter = views.NO_VERSION
        else:
            self._version_counter = [0]
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
        self._grad_fn = node
        self._output_nr = output_nr
        self._requires_grad = True

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf). A view whose base was changed in place
        since its node was made gets a node replayed from the base (see ``autograd/views.py``)."""
        view = self._view
        if view is not None and view.version != self._version_counter[0]:
            views.refresh_view_history(self)
        return self._grad_fn

    @property
    def _version(self) -> int:
        """How many in-place changes this memory has seen; saved tensors are checked against it.

        Shared by a tensor, its views and its ``detach()``ed aliases: a write through any of them
        moves it for all.
        """
        if self._version_counter is views.NO_VERSION:
            raise RuntimeError("Inference tensors do not track version counter.")
        return self._version_counter[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._version_counter[0] = value

    def _is_view(self) -> bool:
        """True when this tensor is a view of another one (``_base``), as PyTorch's ``_is_view``."""
        return self._base is not None

    is_view = _is_view

    def is_inference(self) -> bool:
        """True for an inference tensor: made in ``inference_mode()`` (or a view of one).

        >>> import minitorch_conv as mt
        >>> with mt.inference_mode():
        ...     x = mt.ones(2)
        >>> x.is_inference(), x.clone().is_inference()
        (True, False)
        """
        return self._inference

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
        if dim.__class__ is not int:
            dim = _arguments.convert("int", dim, "size", "dim", 1)
        return self._array.shape[_arguments.wrap_dim(dim, self._array.ndim)]

    def numel(self) -> int:
        return int(self._array.size)

    nelement = numel

    def stride(self, dim: int | None = None):
        if self._array.size:
            strides = tuple(s // self._array.itemsize for s in self._array.strides)
        else:  # no elements: PyTorch's contiguous strides, each size counted as at least 1
            strides, step = [], 1
            for size in reversed(self._array.shape):
                strides.insert(0, step)
                step *= max(size, 1)
            strides = tuple(strides)
        if dim is None:
            return strides
        return strides[_arguments.wrap_dim(_arguments.convert("int", dim, "stride", "dim", 1), len(strides))]

    def is_contiguous(self) -> bool:
        return bool(self._array.flags.c_contiguous)

    def element_size(self) -> int:
        return self._array.itemsize

    @property
    def itemsize(self) -> int:
        return self._array.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._array.nbytes)

    def storage_offset(self) -> int:
        """Elements between the start of the base's memory and this tensor's first element."""
        if self._base is None:
            return 0
        return (self.data_ptr() - self._base.data_ptr()) // self._array.itemsize

    def pin_memory(self, device=None) -> Tensor:
        """This tensor: there is no pinned host memory to use here (as PyTorch without a GPU)."""
        return self

    def share_memory_(self) -> Tensor:
        """This tensor, unchanged (NumPy memory is not moved into shared memory)."""
        return self

    def data_ptr(self) -> int:
        """The memory address of this tensor's first element (views of one base differ by their
        offset; two tensors with the same ``data_ptr`` and shape see the same numbers)."""
        return self._backend.data_ptr(self._array)

    @property
    def dtype(self) -> DType:
        return self._dtype  # set with _array (__init__ and the .data setter)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    @property
    def device(self) -> backends.Device:
        return self._backend.device

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """True for a tensor in main memory (``device.type == 'cpu'``)."""
        return self.device.type == "cpu"

    # devices and layouts minitorch_conv never has: PyTorch's flags, always False
    is_mps = is_xpu = is_meta = is_sparse = is_quantized = is_mkldnn = is_nested = False

    def is_complex(self) -> bool:
        """False: minitorch_conv has no complex dtypes."""
        return False

    @property
    def backend(self):
        return self._backend

    @property
    def xp(self):
        """The array module (numpy or cupy) that holds this tensor's data."""
        return self._backend.xp

    @property
    def requires_grad(self) -> bool:
        if self._view is not None:  # a view of a base that requires grad does too (PyTorch's rule)
            return self._requires_grad or self._grad_fn is not None or self._view.base.requires_grad
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value is not True and value is not False:
            raise RuntimeError("requires_grad must be a bool")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad is not False and requires_grad is not True:
            raise _arguments.invalid_type("requires_grad_", "requires_grad", "bool", requires_grad, 1)
        if not requires_grad and self._grad_fn is None and self._view is None:
            self._requires_grad = False  # the common call (new_tensor and friends): nothing to check
            return self
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self._inference and not is_inference_mode_enabled():
            raise RuntimeError(
                "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
            )
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    # ------------------------------------------------------------------ gradients and hooks
    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward (leaves, and tensors that called ``retain_grad``).

        Backward adds into it in place, so a reference to it stays current. Reading it on any other
        tensor warns, as PyTorch does: backward never fills it there.
        """
        if self._grad is None and not self._retains_grad and self.grad_fn is not None:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_assigned_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose ``.grad`` backward fills (after ``retain_grad()``)."""
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            import weakref

            self._retains_grad = True
            self.grad_fn.retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` each time the gradient of this tensor is computed.

        The hook may return a new gradient, which replaces ``grad`` from there on (in ``.grad`` too,
        for a leaf). Returns a handle whose ``remove()`` unregisters it.

        >>> import minitorch_conv as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda grad: grad * 10)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([20., 40.])
        >>> handle.remove()
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn if self.grad_fn is not None else self._grad_accumulator()
        nr = self._output_nr if self.grad_fn is not None else 0
        if node.tensor_pre_hooks is None:
            node.tensor_pre_hooks = {}
        return RemovableHandle(node.tensor_pre_hooks.setdefault(nr, {}), hook)

    def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
        """Call ``hook(tensor)`` on this leaf after backward has accumulated into its ``.grad``.

        >>> import minitorch_conv as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> seen = []
        >>> _ = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
        >>> (x * x).sum().backward()
        >>> seen
        [[2.0, 4.0]]
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        return RemovableHandle(self._post_accumulate_hooks, hook)

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
        out._inference = self._inference
        if not self._inference:  # (outside inference mode an inference tensor's alias gets a counter)
            out._version_counter = self._version_counter
        return out

    def detach_(self) -> Tensor:
        if self._view is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
                "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
                "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
                "function in torch/optim/optimizer.py as the solution."
            )
        self._grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """The same data as a tensor outside the graph (PyTorch's ``.data``: unlike ``detach()``,
        its in-place changes are not tracked by the version counter)."""
        out = Tensor._alias(self)
        if out._inference and not self._inference:  # a normal tensor's, taken in inference mode
            out._version_counter = [0]
        out._inference = self._inference
        return out

    @data.setter
    def data(self, value: Tensor) -> None:
        self._array = value._array if isinstance(value, Tensor) else value
        self._dtype = to_dtype(self._array.dtype)
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

    @_arguments.parse_args(f"Tensor self, size size, {_FACTORY}", method=True)
    @_on_own_device
    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.zeros(_size_args(size), dtype=dtype.numpy))
        if device is not None:
            out = out.to(device)
        return out.requires_grad_(requires_grad)

    @_arguments.parse_args(f"Tensor self, size size, {_FACTORY}", method=True)
    @_on_own_device
    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.ones(_size_args(size), dtype=dtype.numpy))
        if device is not None:
            out = out.to(device)
        return out.requires_grad_(requires_grad)

    @_arguments.parse_args(f"Tensor self, size size, Number fill_value, {_FACTORY}", method=True)
    @_on_own_device
    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.full(_size(size), fill_value, dtype=dtype.numpy))
        if device is not None:
            out = out.to(device)
        return out.requires_grad_(requires_grad)

    @_arguments.parse_args(f"Tensor self, size size, {_FACTORY}", method=True)
    @_on_own_device
    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        out = self._new(self.xp.empty(_size_args(size), dtype=dtype.numpy))
        if device is not None:
            out = out.to(device)
        return out.requires_grad_(requires_grad)

    @_arguments.parse_args("Tensor self, object data, *, ScalarType? dtype, bool requires_grad", method=True)
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
                    engine.accumulate_into(inp, g, create_graph)
            return
        engine.run_backward([self], [gradient], retain_graph, create_graph)

    # ------------------------------------------------------------------ in-place updates
    @_on_own_device
    def _inplace(self, compute) -> Tensor:
        """Apply ``compute(tensor) -> Tensor`` in place: its result is written into this memory.

        Without grad mode the result is simply copied in. With it, ``compute`` runs on an alias that
        carries this tensor's history, so the result's node routes gradients to the old value; the
        alias keeps a copy of the old value if that node saved it. After the write this tensor takes
        the result's history; for a view the base's history is rewritten (``autograd/views.py``).
        Either way the shared version counter moves, so a backward that saved the old value raises.
        """
        recording = is_grad_enabled()
        if recording:
            operand = Tensor._alias(self)
            if self.requires_grad:  # the write will be recorded: PyTorch's refusals come first
                views.check_inplace(self, tracked=True)
                operand._set_history(self.grad_fn, self._output_nr)
            result = compute(operand)
        else:
            result = compute(self)
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(result.shape)}"
            )
        if not self._backend.xp.can_cast(result.dtype.numpy, self.dtype.numpy, casting="same_kind"):
            raise RuntimeError(
                f"result type {_short_type_name(result)} can't be cast to the desired output type "
                f"{_short_type_name(self)}"
            )
        tracked = recording and result.requires_grad
        if recording:
            views.check_inplace(self, tracked)
        if tracked and operand._array is self._array:
            operand._array = operand._array.copy()  # the old value, for the node that saved it
        self._write(result._array)
        self._version_counter[0] += 1
        if tracked:
            views.rebase_history(self, result)
        return self

    @_arguments.parse_args("Tensor self, Tensor|Number other, *, Number alpha", method=True)
    def add_(self, other, *, alpha=1) -> Tensor:
        return self._inplace(lambda t: t + other * alpha if alpha != 1 else t + other)

    @_arguments.parse_args("Tensor self, Tensor|Number other, *, Number alpha", method=True)
    def sub_(self, other, *, alpha=1) -> Tensor:
        return self._inplace(lambda t: t - other * alpha if alpha != 1 else t - other)

    @_arguments.parse_args("Tensor self, Tensor|Number other", method=True)
    def mul_(self, other) -> Tensor:
        return self._inplace(lambda t: t * other)

    @_arguments.parse_args("Tensor self, Tensor|Number other", method=True)
    def div_(self, other) -> Tensor:
        return self._inplace(lambda t: t / other)

    # ``x += y`` and friends update ``x`` in place (every name bound to it sees the change)
    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    @_arguments.parse_args("Tensor self, Tensor|Number exponent", method=True)
    def pow_(self, exponent) -> Tensor:
        return self._inplace(lambda t: t**exponent)

    @_arguments.parse_args("Tensor self, Tensor|Number? min, Tensor|Number? max", method=True)
    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
        return self._inplace(lambda t: t.clamp(min, max))

    @_arguments.parse_args("Tensor self, Tensor tensor1, Tensor tensor2, *, Number value", method=True)
    def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
        return self._inplace(lambda t: t + tensor1 * tensor2 * value)

    @_arguments.parse_args("Tensor self, Tensor tensor1, Tensor tensor2, *, Number value", method=True)
    def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
        return self._inplace(lambda t: t + tensor1 / tensor2 * value)

    @_arguments.parse_args("Tensor self, Tensor end, Tensor|Number weight", method=True)
    def lerp_(self, end, weight) -> Tensor:
        return self._inplace(lambda t: t + (end - t) * weight)

    @_arguments.parse_args("Tensor self, Tensor|Number min", method=True)
    def clamp_min_(self, min) -> Tensor:  # noqa: A002 - PyTorch's name
        return self._inplace(lambda t: t.clamp(min, None))

    @_arguments.parse_args("Tensor self, Tensor|Number max", method=True)
    def clamp_max_(self, max) -> Tensor:  # noqa: A002 - PyTorch's name
        return self._inplace(lambda t: t.clamp(None, max))

    @_arguments.parse_args("Tensor self, Tensor mask, Tensor|Number value", method=True)
    def masked_fill_(self, mask, value) -> Tensor:
        """Write ``value`` where the boolean ``mask`` (broadcast to this shape) is True."""
        return self._inplace(lambda t: t.masked_fill(mask, value))

    @_arguments.parse_args("Tensor self, Tensor|Number other", method=True)
    def remainder_(self, other) -> Tensor:
        return self._inplace(lambda t: t.remainder(other))

    @_arguments.parse_args("Tensor self, Tensor|Number other", method=True)
    def floor_divide_(self, other) -> Tensor:
        return self._inplace(lambda t: t.floor_divide(other))

    def copy_(self, src) -> Tensor:
        """Copy ``src`` (broadcast, cast, and moved across devices if needed) into this tensor."""
        src = src if isinstance(src, Tensor) else self.new_tensor(src)
        return self._inplace(lambda t: _written_over(t, src.to(device=t.device, dtype=t.dtype)))

    @_on_own_device
    def _overwrite(self, array) -> Tensor:
        """Write ``array`` into this tensor (used by fill_, zero_, the RNG): a constant whose
        history, in grad mode, replaces this tensor's (PyTorch's fill_ is recorded too)."""
        if is_grad_enabled() and self.requires_grad:
            return self._inplace(lambda t: _written_over(t, self._new(array)))
        self._write(array, may_overlap=True)  # one value everywhere: well defined on expanded memory
        self._version_counter[0] += 1
        return self

    def _write(self, values, may_overlap: bool = False) -> None:
        """Copy ``values`` (broadcast, cast) into this tensor's memory."""
        if self._version_counter is views.NO_VERSION and not is_inference_mode_enabled():
            raise RuntimeError(views.INFERENCE_INPLACE_MESSAGE)  # (before writing; PyTorch writes first)
        if not may_overlap and any(step == 0 and size > 1
                                   for step, size in zip(self._array.strides, self._array.shape)):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation."
            )
        if not getattr(self._array.flags, "writeable", True):
            raise RuntimeError(
                "unsupported operation: the memory of the written-to tensor is read-only. Please "
                "clone() the tensor before performing the operation."
            )
        self.xp.copyto(self._array, values, casting="unsafe")

    @_on_own_device
    def zero_(self) -> Tensor:
        return self._overwrite(self.xp.zeros((), dtype=self._array.dtype))

    @_arguments.parse_args("Tensor self, Tensor|Number value", method=True,
                           overloads=("Tensor self, Tensor value", "Tensor self, Number value"))
    @_on_own_device
    def fill_(self, value) -> Tensor:
        if isinstance(value, Tensor):
            value = value.item()
        return self._overwrite(self.xp.asarray(value, dtype=self._array.dtype))

    @_arguments.parse_args("Tensor self, float a, float b, *, Generator? generator", method=True)
    @_on_own_device
    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
        """Fill with draws from U(a, b) in this tensor's dtype, from the global generator."""
        rng = (generator or self._backend).rng
        sample = rng.random(self.shape, dtype=self._float_dtype())
        return self._overwrite(sample * (b - a) + a if (a, b) != (0.0, 1.0) else sample)

    @_arguments.parse_args("Tensor self, float mean, float std, *, Generator? generator", method=True)
    @_on_own_device
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
        """Fill with draws from N(mean, std**2) in this tensor's dtype, from the global generator."""
        rng = (generator or self._backend).rng
        sample = rng.standard_normal(self.shape, dtype=self._float_dtype())
        return self._overwrite(sample * std + mean if (mean, std) != (0.0, 1.0) else sample)

    @_arguments.parse_args("Tensor self, float p, *, Generator? generator", method=True)
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


_arguments.register_tensor_class(Tensor)  # what the argument parser's ``Tensor`` declarations test for


def _unary_inplace(name: str):
    """``tensor.<name>_()``: the out-of-place ``<name>`` written back into this tensor's memory."""

    def method(self: Tensor) -> Tensor:
        return self._inplace(lambda t: getattr(t, name)())

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"``{name}`` in place (see :meth:`Tensor._inplace`)."
    return method


for _name in ("abs", "neg", "exp", "log", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tanh",
              "sigmoid", "relu", "sign", "floor", "ceil", "round", "trunc", "square", "erf"):
    setattr(Tensor, f"{_name}_", _unary_inplace(_name))
Tensor.negative_ = Tensor.neg_
Tensor.absolute_ = Tensor.abs_


_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field to "
    "be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access "
    "the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more informations."
)

# C++ type names, which PyTorch's messages about assigned gradients use
_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                   "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                   "bool": "bool"}


def _short_type_name(tensor: Tensor) -> str:
    """``Float``, ``Long``, ...: PyTorch's scalar type names, as its messages print them."""
    return tensor.type_name().rsplit(".", 1)[-1].removesuffix("Tensor")


def _check_assigned_grad(tensor: Tensor, grad) -> None:
    """PyTorch's checks on ``tensor.grad = grad``: a Tensor of the same device, dtype and size."""
    if not isinstance(grad, Tensor):
        raise TypeError(
            f"assigned grad expected to be a Tensor or None but got grad of type {type(grad).__name__}"
        )
    if grad.device != tensor.device:
        raise RuntimeError(
            f"attempting to assign a gradient located on device with type '{grad.device.type}' to a "
            f"tensor located on device with type '{tensor.device.type}'. Please ensure that the "
            "gradient and the tensor are on the same device"
        )
    if grad.dtype != tensor.dtype:
        own = _short_type_name(tensor)
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_CPP_TYPE_NAMES.get(grad.dtype.name)}' to "
            f"a tensor with grad_dtype '{own}'. The gradient must match the tensor's grad_dtype "
            "(defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a "
            "specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the "
            "dtypes of a tensor and its gradient may break downstream systems that assume they match."
        )
    if tuple(grad.shape) != tuple(tensor.shape):
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of size "
            f"'{list(tensor.shape)}'. Please ensure that the gradient and the tensor are the same size"
        )


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


def _size_args(size: tuple) -> tuple:
    """``new_zeros(2, 3)`` or ``new_zeros((2, 3))``: the sizes given either way."""
    return _size(size[0] if len(size) == 1 and not isinstance(size[0], int) else size)


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


def numel(input: Tensor) -> int:  # noqa: A002 - PyTorch's name
    """The number of elements of ``input``.

    >>> import minitorch_conv as mt
    >>> mt.numel(mt.zeros(2, 3))
    6
    """
    return input.numel()


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
