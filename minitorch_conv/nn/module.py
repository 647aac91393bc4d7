"""``Module`` and ``Parameter``: the containers that hold a model's state, as in PyTorch.

A Module registers what is assigned to it by attribute: a :class:`Parameter` becomes a parameter,
another Module a submodule, and ``register_buffer`` adds state that is saved but not trained
(BatchNorm's running statistics). Everything else (``parameters()``, ``state_dict()``, ``to()``,
``train()``, the printed tree) walks those three dictionaries.

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> class TwoLayer(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.fc1 = nn.Linear(4, 8)
...         self.fc2 = nn.Linear(8, 2)
...     def forward(self, x):
...         return self.fc2(self.fc1(x).relu())
>>> model = TwoLayer()
>>> [name for name, _ in model.named_parameters()]
['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
>>> model(mt.randn(3, 4)).shape
minitorch_conv.Size([3, 2])
>>> model
TwoLayer(
  (fc1): Linear(in_features=4, out_features=8, bias=True)
  (fc2): Linear(in_features=8, out_features=2, bias=True)
)
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .. import backends
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, zero_grads
from ..utils.hooks import RemovableHandle
from .backward_hooks import BackwardHook

__all__ = ["Module", "Parameter"]  # the containers of Modules live in container.py


class Parameter(Tensor):
    """A Tensor that a Module treats as a trainable parameter (``requires_grad=True`` by default).

    It shares memory with the tensor it wraps.

    >>> import minitorch_conv as mt
    >>> p = mt.nn.Parameter(mt.tensor([1.0, 2.0]))
    >>> p.requires_grad, p.is_leaf
    (True, True)
    >>> p
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            array = backends.get_backend("cpu").xp.empty((0,), dtype=backends.get_default_dtype().numpy)
            backend = None
        elif isinstance(data, Tensor):
            array, backend = data._array, data._backend
        elif backends.is_array(data):
            array, backend = data, None
        else:
            raise TypeError(
                f"Parameter(): argument 'data' must be a Tensor, not {type(data).__name__}"
            )
        super().__init__(array, requires_grad=requires_grad, backend=backend)

    # results of operations on a Parameter are plain Tensors, as in PyTorch
    @classmethod
    def _from_array(cls, array, backend=None) -> Tensor:
        return Tensor(array, backend=backend)

    @classmethod
    def _alias(cls, other: Tensor) -> Tensor:
        return Tensor(other._array, backend=other._backend)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        with self._backend.device_context():  # CuPy copies onto the current GPU
            data = Tensor(self._array.copy(), backend=self._backend)
        result = Parameter(data, requires_grad=self.requires_grad)
        memo[id(self)] = result
        if self.grad is not None:
            result.grad = self.grad.__deepcopy__(memo)
        return result


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class for every layer and model; subclasses define ``forward``.

    Assigning a :class:`Parameter` or a Module to an attribute registers it; calling the module
    runs ``forward`` (with any forward hooks).
    """

    training: bool
    _version = 1

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks_with_kwargs", {})  # ids of hooks that get kwargs
        object.__setattr__(self, "_forward_pre_hooks_with_kwargs", {})
        object.__setattr__(self, "_forward_hooks_always_called", {})  # ids run even if forward raised
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation; every subclass overrides it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            args, kwargs = self._run_forward_pre_hooks(args, kwargs)
        backward_hook = None
        if self._backward_hooks or self._backward_pre_hooks:
            backward_hook = BackwardHook(self, self._backward_hooks.values(),
                                         self._backward_pre_hooks.values())
            args = backward_hook.setup_input_hook(args)
        if not self._forward_hooks:
            output = self.forward(*args, **kwargs)
        else:
            try:
                output = self.forward(*args, **kwargs)
            except Exception:
                for hook_id, hook in list(self._forward_hooks.items()):  # always_call=True hooks
                    if hook_id in self._forward_hooks_always_called:
                        try:
                            self._call_forward_hook(hook_id, hook, args, kwargs, None)
                        except Exception:
                            pass  # forward's own error is the one to report
                raise
            for hook_id, hook in list(self._forward_hooks.items()):
                result = self._call_forward_hook(hook_id, hook, args, kwargs, output)
                if result is not None:
                    output = result
        if backward_hook is not None:
            output = backward_hook.setup_output_hook(output)
        return output

    def _run_forward_pre_hooks(self, args, kwargs):
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _call_forward_hook(self, hook_id, hook, args, kwargs, output):
        if hook_id in self._forward_hooks_with_kwargs:
            return hook(self, args, kwargs, output)
        return hook(self, args, output)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward; it may return a new output.

        With ``prepend=True`` the hook runs before the ones already registered; with
        ``with_kwargs=True`` it is called as ``hook(module, args, kwargs, output)``; with
        ``always_call=True`` it runs (with output None) even when forward raises.

        >>> import minitorch_conv as mt
        >>> seen = []
        >>> layer = mt.nn.ReLU()
        >>> handle = layer.register_forward_hook(lambda m, inp, out: seen.append(out.shape))
        >>> _ = layer(mt.zeros(2, 3)); handle.remove(); _ = layer(mt.zeros(1))
        >>> seen
        [minitorch_conv.Size([2, 3])]
        """
        handle = RemovableHandle(self._forward_hooks, hook, prepend=prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every forward; it may return new inputs.

        With ``prepend=True`` the hook runs before the ones already registered; with
        ``with_kwargs=True`` it is called as ``hook(module, args, kwargs)`` and may return
        ``(new_args, new_kwargs)``.

        >>> import minitorch_conv as mt
        >>> layer = mt.nn.Identity()
        >>> _ = layer.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] * 2,), kwargs),
        ...                                     with_kwargs=True)
        >>> layer(mt.tensor([1.0]))
        tensor([2.])
        """
        handle = RemovableHandle(self._forward_pre_hooks, hook, prepend=prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_full_backward_pre_hook(self, hook: Callable[[Module, tuple], Sequence | None],
                                        prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` in backward, before the gradients of the inputs are
        computed; it may return a tuple that replaces ``grad_output`` (one entry per output).

        ``grad_output`` holds one gradient per output (forward returns a Tensor or a tuple): None
        for a non-Tensor output and for one that received no gradient. With ``prepend=True`` the hook runs
        before the ones already registered. As in PyTorch, while the module has backward hooks its
        forward receives, and its caller gets back, aliases of the Tensors (see
        ``nn.backward_hooks``), which may not be modified in place.

        >>> import minitorch_conv as mt
        >>> layer = mt.nn.Linear(3, 2)
        >>> handle = layer.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 0,))
        >>> x = mt.ones(4, 3, requires_grad=True)
        >>> layer(x).sum().backward()
        >>> float(x.grad.abs().sum()), float(layer.weight.grad.abs().sum())
        (0.0, 0.0)
        """
        return RemovableHandle(self._backward_pre_hooks, hook, prepend=prepend)

    def register_full_backward_hook(self, hook: Callable[[Module, tuple, tuple], Sequence | None],
                                    prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once per backward, when the gradients
        with respect to the module's inputs are all known; it may return a tuple that replaces
        ``grad_input`` (one entry per positional argument).

        ``grad_input`` has one entry per positional argument of the call: None for a non-Tensor
        argument, zeros for a Tensor that received no gradient (one that needs none, say).
        Keyword arguments are not included. ``grad_output`` is what the pre-hooks (see
        :meth:`register_full_backward_pre_hook`) left. When no input requires grad the hook fires
        as soon as ``grad_output`` is known, with ``grad_input`` all None, and must return None. A
        hook fires for the graphs of the calls made while it was registered. With
        ``prepend=True`` it runs before the hooks already registered.

        >>> import minitorch_conv as mt
        >>> seen = []
        >>> layer = mt.nn.Linear(3, 2)
        >>> def hook(module, grad_input, grad_output):
        ...     seen.append((tuple(grad_input[0].shape), tuple(grad_output[0].shape)))
        >>> with layer.register_full_backward_hook(hook):
        ...     layer(mt.randn(4, 3, requires_grad=True)).sum().backward()
        >>> seen
        [((4, 3), (4, 2))]
        """
        return RemovableHandle(self._backward_hooks, hook, prepend=prepend)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign attributes before Module.__init__() call")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._discard(name, keep=params)  # a replaced parameter keeps its place in the order
            self.register_parameter(name, value)
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                    "(nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._discard(name)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_type_name(value)}' as child module '{name}' "
                    "(nn.Module or None expected)"
                )
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _discard(self, name: str, keep=None) -> None:
        for store in (self.__dict__, self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str) -> Any:
        # called only when normal lookup fails
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def _check_name(self, name: Any, kind: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` (a Parameter, or None for an absent one such as ``bias=False``) as ``name``.

        >>> import minitorch_conv as mt
        >>> m = mt.nn.Module()
        >>> m.register_parameter("bias", None)
        >>> m.bias is None, list(m.parameters())
        (True, [])
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                "created explicitly. To express '{name}' as a function of another Tensor, compute "
                "the value in the forward() method."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is module state but not a parameter (saved in ``state_dict`` unless
        ``persistent=False``, moved by ``to``).

        >>> import minitorch_conv as mt
        >>> m = mt.nn.Module()
        >>> m.register_buffer("running_mean", mt.zeros(3))
        >>> list(m.state_dict())
        ['running_mean']
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add ``module`` as the child ``name`` (what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module)."""
        module = self
        for item in target.split(".") if target else []:
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``, e.g. ``"features.0.weight"``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters:
            raise AttributeError(f"{module._get_name()} has no parameter `{name}`")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``, e.g. ``"bn.running_mean"``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._buffers:
            raise AttributeError(f"{module._get_name()} has no buffer `{name}`")
        return module._buffers[name]

    # ------------------------------------------------------------------ iteration
    def _named_members(self, get_members, prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or (remove_duplicate and id(value) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(value))
                yield (module_prefix + ("." if module_prefix else "") + name, value)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, this module's first, each shared parameter once."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (of submodules too, unless ``recurse=False``), each shared one once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer (of submodules too, unless ``recurse=False``)."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for the direct submodules."""
        memo = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (name ``""``) and every submodule, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every submodule, depth first."""
        for _, module in self.named_modules():
            yield module

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and its children."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout is off and batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (e.g. to freeze a feature extractor)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the parameters' gradients (set them to None, or to zeros in place)."""
        zero_grads(self.parameters(), set_to_none)

    # ------------------------------------------------------------------ devices and dtypes
    def _apply(self, fn: Callable[[Tensor], Tensor]) -> Module:
        """Replace every parameter's and buffer's data by ``fn(data)``, keeping the objects.

        Parameters stay the same Python objects (so an optimizer made earlier still holds them).
        """
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                param.data = fn(param.detach())
                if param.grad is not None:
                    param.grad.data = fn(param.grad.detach())
            for name, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[name] = fn(buf)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Move parameters and buffers to a device and/or cast floating-point ones to a dtype.

        Accepts ``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(tensor)``; returns self.

        >>> import minitorch_conv as mt
        >>> layer = mt.nn.Linear(2, 2).to(mt.float64)
        >>> layer.weight.dtype, layer.to("cpu").weight.device
        (minitorch_conv.float64, device(type='cpu'))
        """
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, backends.Device) or (
                isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda")
            ):
                device = arg
            elif isinstance(arg, bool):
                continue
            elif isinstance(arg, int):
                device = backends.Device("cuda", arg)
            elif arg is not None:
                dtype = arg
        if dtype is not None:
            dtype = backends.to_dtype(dtype)
            if not dtype.is_floating_point:
                raise TypeError(
                    f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                    f"dtype={dtype}"
                )
        if device is not None:
            backends.get_backend(device)  # a clear error now when the device does not exist

        def convert(t: Tensor) -> Tensor:
            target = dtype if dtype is not None and t.dtype.is_floating_point else None
            return t.to(device=device, dtype=target)

        return self._apply(convert)

    def cpu(self) -> Module:
        """Move every parameter and buffer to the CPU."""
        return self.to("cpu")

    def cuda(self, device: int | str | None = None) -> Module:
        """Move every parameter and buffer to a GPU (a RuntimeError where there is none)."""
        if device is None:
            device = "cuda"
        return self.to(device if isinstance(device, (str, backends.Device)) else
                       backends.Device("cuda", device))

    def float(self) -> Module:  # noqa: A003 - PyTorch's name
        """Cast floating-point parameters and buffers to float32."""
        return self.to(backends.float32)

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(backends.float64)

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16."""
        return self.to(backends.float16)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on this module.

        >>> import minitorch_conv as mt
        >>> def init(m):
        ...     if isinstance(m, mt.nn.Linear):
        ...         mt.nn.init.zeros_(m.weight)
        >>> net = mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.ReLU()).apply(init)
        >>> float(net[0].weight.abs().sum())
        0.0
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ state
    def state_dict(self, *, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """An ordered ``{dotted name: tensor}`` of parameters and persistent buffers.

        The tensors share memory with the module's (detached unless ``keep_vars=True``);
        ``mt.save`` writes them.

        >>> import minitorch_conv as mt
        >>> list(mt.nn.Linear(3, 2).state_dict())
        ['weight', 'bias']
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict, prefix, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Copy this module's own entries (not its children's) from ``state_dict``."""
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in list(self._parameters.items()) + list(persistent.items())
                       if v is not None}
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected a Tensor '
                    f" from checkpoint but received {type(value)}"
                )
                continue
            if tuple(value.shape) != tuple(param.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape "
                    f"{value.shape} from checkpoint, the shape in current model is {param.shape}."
                )
                continue
            try:
                with no_grad():
                    param.copy_(value)
            except Exception as exc:  # e.g. a value on another device that cannot be moved
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model are '
                    f"{tuple(param.shape)} and whose dimensions in the checkpoint are "
                    f"{tuple(value.shape)}, an exception occurred : {exc.args}."
                )
        if strict:
            for key in state_dict:
                if not key.startswith(prefix):
                    continue
                rest = key[len(prefix):]
                head = rest.split(".", 1)[0]
                if head not in self._modules and rest not in local_state:
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module (in place).

        With ``strict=True`` the keys must match ``state_dict()``'s exactly; a missing or unexpected
        key, a shape mismatch or a non-tensor value is a RuntimeError naming each problem. Returns
        ``(missing_keys, unexpected_keys)``.

        >>> import minitorch_conv as mt
        >>> layer = mt.nn.Linear(2, 1)
        >>> layer.load_state_dict({"weight": mt.tensor([[1.0, 2.0]]), "bias": mt.tensor([0.5])})
        <All keys matched successfully>
        >>> try:
        ...     layer.load_state_dict({"weight": mt.zeros(1, 2)})
        ... except RuntimeError as err:
        ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
        Error(s) in loading state_dict for Linear:
            Missing key(s) in state_dict: "bias".
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        for prefix, module in self.named_modules(remove_duplicate=False):
            # the keys are always collected (PyTorch returns them with strict=False too)
            module._load_from_state_dict(state_dict, prefix + "." if prefix else "", True,
                                         missing, unexpected, errors)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors)
            )
        return _LoadResult(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2)
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


class _LoadResult(_IncompatibleKeys):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _type_name(value: Any) -> str:
    if isinstance(value, Tensor):
        return value.type_name()
    return type(value).__module__ + "." + type(value).__qualname__ \
        if type(value).__module__ != "builtins" else type(value).__name__
