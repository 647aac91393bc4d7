"""``Optimizer``: parameter groups, per-parameter state, hooks and ``state_dict``, as in PyTorch.

A subclass validates its hyper-parameters, passes them as ``defaults`` and implements ``step``;
everything else lives here: groups with their own hyper-parameters (and, from ``named_parameters()``,
their names), ``zero_grad``, the step / state_dict / load_state_dict hooks, and saving and
restoring the state with PyTorch's layout, so that a state dict converted from PyTorch loads here.

Every optimizer has a reference implementation: a plain loop over the parameters, under ``no_grad``,
with in-place tensor ops, written to be read next to PyTorch's formulas. SGD, Adam, AdamW, RMSprop
and Adagrad also have an array implementation, which updates the parameters' arrays directly,
outside autograd: the same operations in the same order (so the same numbers, bit for bit), without
a graph node, a wrapper Tensor or a check per operation. ``foreach`` and ``fused`` choose between
them as they choose PyTorch's implementations (:func:`_implementation`): ``foreach=True`` or
``fused=True`` takes the array one, ``False`` the reference, and with neither given the array one
runs unless the group is ``differentiable``. (PyTorch turns ``foreach`` on by default for CUDA
tensors only, because its CPU foreach kernels are a loop of single-tensor ones; here the array
implementation is the faster one on the CPU too, so CPU tensors get it as well.) NumPy and CuPy have
no fused kernels: ``fused=True`` runs the array implementation, with the fused layout of the state
(``step`` in float32 on the parameter's device). Either way each tensor's version counter moves
as the reference's in-place operations move it, as PyTorch's single-tensor and foreach
implementations do (PyTorch's fused kernels leave it alone; ours do not, so a backward through a
graph that saved a parameter before the step still raises). ``capturable`` is accepted and keeps
``step`` on the parameter's device. ``differentiable`` is accepted too (and lets non-leaf tensors
be optimized, as in PyTorch), but the update is not recorded by autograd.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import enable_grad
from ..backends import float32, float64, get_default_dtype
from ..creation import tensor
from ..tensor import Tensor, zero_grads
from ..utils.hooks import RemovableHandle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()

_global_step_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_step_post_hooks: OrderedDict[int, Callable] = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` before the ``step`` of every optimizer.

    >>> import minitorch_conv as mt
    >>> seen = []
    >>> handle = mt.optim.optimizer.register_optimizer_step_pre_hook(
    ...     lambda opt, args, kwargs: seen.append(type(opt).__name__))
    >>> mt.optim.SGD([mt.nn.Parameter(mt.ones(1))]).step()
    >>> handle.remove(); seen
    ['SGD']
    """
    return RemovableHandle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` after the ``step`` of every optimizer.

    >>> import minitorch_conv as mt
    >>> seen = []
    >>> handle = mt.optim.optimizer.register_optimizer_step_post_hook(
    ...     lambda opt, args, kwargs: seen.append("done"))
    >>> mt.optim.Adam([mt.nn.Parameter(mt.ones(1))]).step()
    >>> handle.remove(); seen
    ['done']
    """
    return RemovableHandle(_global_step_post_hooks, hook)


def _with_step_hooks(step: Callable) -> Callable:
    """Wrap a subclass's ``step`` so that the step pre- and post-hooks run around it (once, even
    when an overriding ``step`` calls ``super().step()``). As in PyTorch, a hook gets ``args`` with
    the optimizer first, and a pre-hook may return new ``(args, kwargs)`` for ``step``."""

    @functools.wraps(step)
    def hooked_step(self, *args, **kwargs):
        if self.__dict__.get("_inside_step"):
            return step(self, *args, **kwargs)
        args = (self, *args)
        for hook in [*_global_step_pre_hooks.values(), *self._optimizer_step_pre_hooks.values()]:
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{step} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                    )
                args, kwargs = result
        self._inside_step = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._inside_step = False
        for hook in [*self._optimizer_step_post_hooks.values(), *_global_step_post_hooks.values()]:
            hook(self, args, kwargs)
        return out

    hooked_step.hooked = True
    return hooked_step


def _typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: ``torch.FloatTensor``-style names for tensors, else the class."""
    if isinstance(obj, Tensor):
        return obj.type_name()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"


def _scalar_dtype():
    """The dtype of ``state["step"]`` (and NAdam's ``mu_product``): float64 when that is the default
    dtype, float32 otherwise, as in PyTorch."""
    return float64 if get_default_dtype() is float64 else float32


def _to_scalar(value):
    """A hyper-parameter as a Python number: a one-element Tensor (``lr=mt.tensor(0.01)``) is read
    with ``.item()``; anything else is returned as it is."""
    return value.item() if isinstance(value, Tensor) else value


def _check_adam_arguments(lr, eps: float, betas: tuple[float, float], weight_decay: float) -> None:
    """The Adam family's argument checks, in PyTorch's order and words (ValueError)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _check_fused(fused: bool | None, foreach: bool | None, differentiable: bool) -> None:
    """PyTorch's refusals of ``fused=True`` combined with ``differentiable`` or ``foreach``."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _default_to_fused_or_foreach(params: list[Tensor], differentiable: bool,
                                 use_fused: bool = False) -> tuple[bool, bool]:
    """PyTorch's choice when neither ``fused`` nor ``foreach`` is given: ``(fused, foreach)``.

    Nothing for a differentiable group; else fused if asked for and every parameter is a
    floating-point tensor, otherwise foreach. Every device here (CPU and CUDA) has both.
    """
    if differentiable:
        return False, False
    fused = use_fused and all(p.is_floating_point() for p in params)
    return fused, not fused


def _implementation(group: dict[str, Any], params: list[Tensor], *, tensor_lr_stops_foreach: bool = False,
                    foreach_first: bool = False) -> str:
    """Which implementation steps ``group``'s ``params``: ``"fused"``, ``"foreach"`` or ``"single"``
    (the reference loop), decided as PyTorch's optimizer functions decide it.

    The group's flags where given; with neither, ``_default_to_fused_or_foreach``, except that the
    Adam family keeps the single-tensor loop for a tensor ``lr`` without ``capturable``
    (``tensor_lr_stops_foreach``). ``foreach_first``: SGD looks at ``foreach`` before ``fused``,
    the others the other way round (the two are never both True: the constructors refuse it).
    """
    fused, foreach = group.get("fused"), group.get("foreach")
    differentiable = group.get("differentiable", False)
    if fused is None and foreach is None:
        fused, foreach = _default_to_fused_or_foreach(params, differentiable)
        if foreach and tensor_lr_stops_foreach and isinstance(group["lr"], Tensor) \
                and not group.get("capturable", False):
            foreach = False
    if differentiable:  # the reference loop is the one written with tensor operations
        return "single"
    if foreach_first and foreach:
        return "foreach"
    if fused:
        return "fused"
    return "foreach" if foreach else "single"


def _check_fused_parameter(p: Tensor) -> None:
    """PyTorch's check of each parameter of a ``fused=True`` group (floating point, on a device with
    fused kernels: here every device has them)."""
    if not p.is_floating_point():
        raise RuntimeError(
            "`fused=True` requires all the params to be floating point Tensors of supported devices: "
            f"['mps', 'cuda', 'xpu', 'hpu', 'cpu', 'mtia', 'privateuseone'] but {p.dtype} and {p.device.type}"
        )


def _bump_versions(tensors: Iterable[Tensor], times: int = 1) -> None:
    """Move each tensor's version counter as ``times`` in-place writes would (the array
    implementations write the arrays directly). An inference tensor refuses here, outside
    inference mode, as an in-place write to it does."""
    for t in tensors:
        t._version_counter[0] += times


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts) and ``state`` (a dict per parameter).

    ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs (``model.named_parameters()``;
    the names are kept in each group's ``param_names``), or of dicts that each define a group with
    its own hyper-parameters (the ``defaults`` fill the rest).

    >>> import minitorch_conv as mt
    >>> w, b = mt.nn.Parameter(mt.ones(2)), mt.nn.Parameter(mt.zeros(1))
    >>> opt = mt.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {_typename(params)}"
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__ and not getattr(cls.__dict__["step"], "hooked", False):
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def _init_hooks(self) -> None:
        self._optimizer_step_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()

    # ``pickle`` and ``copy.deepcopy`` keep the defaults, state and groups; hooks are not kept.
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Take ``state`` (defaults, state, groups); subclasses then fill in group keys that an older
        state dict may lack, as PyTorch's do."""
        self.__dict__.update(state)
        if "_optimizer_step_pre_hooks" not in self.__dict__:
            self._init_hooks()
        self.defaults.setdefault("differentiable", False)

    def _fill_missing(self, **group_defaults: Any) -> None:
        """Give every group the keys an older state dict may lack (``group.setdefault``), and turn a
        saved step count that is a plain number into a tensor."""
        for group in self.param_groups:
            for key, value in group_defaults.items():
                group.setdefault(key, value)
            for p in group["params"]:
                state = self.state.get(p, {})
                if "step" in state and not isinstance(state["step"], Tensor):
                    state["step"] = tensor(float(state["step"]), dtype=_scalar_dtype())

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (the defaults fill the rest).

        >>> import minitorch_conv as mt
        >>> opt = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))], lr=0.1)
        >>> opt.add_param_group({"params": [mt.nn.Parameter(mt.ones(1))], "momentum": 0.9})
        >>> [(g["lr"], g["momentum"]) for g in opt.param_groups]
        [(0.1, 0), (0.1, 0.9)]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names

        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {_typename(param)}"
                )
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)

        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        existing = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if any(id(p) in existing for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (None by default, or zeros in place)."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Tensor] | None = None):
        """Update the parameters once from their ``.grad`` (subclasses implement it)."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure: Callable[[], Tensor] | None):
        """The loss ``closure()`` recomputes (with grad mode on), or None without a closure."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    @staticmethod
    def _params_with_grad(group: dict[str, Any]) -> list[Tensor]:
        """The parameters of ``group`` that have a gradient (the others are left untouched)."""
        return [p for p in group["params"] if p.grad is not None]

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; ``args`` starts with the
        optimizer, and the hook may return a new ``(args, kwargs)`` for ``step``.

        >>> import minitorch_conv as mt
        >>> opt = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))])
        >>> handle = opt.register_step_pre_hook(lambda opt, args, kwargs: print("before"))
        >>> opt.step()
        before
        """
        return RemovableHandle(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``.

        >>> import minitorch_conv as mt
        >>> opt = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))])
        >>> handle = opt.register_step_post_hook(lambda opt, args, kwargs: print("after"))
        >>> opt.step()
        after
        """
        return RemovableHandle(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` before :meth:`state_dict` builds its dict.

        >>> import minitorch_conv as mt
        >>> opt = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))])
        >>> handle = opt.register_state_dict_pre_hook(lambda opt: print("saving"))
        >>> _ = opt.state_dict()
        saving
        """
        return RemovableHandle(self._optimizer_state_dict_pre_hooks, hook, prepend=prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` on the dict :meth:`state_dict` built; a dict it
        returns replaces it.

        >>> import minitorch_conv as mt
        >>> opt = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))])
        >>> handle = opt.register_state_dict_post_hook(lambda opt, sd: {**sd, "note": "mine"})
        >>> opt.state_dict()["note"]
        'mine'
        """
        return RemovableHandle(self._optimizer_state_dict_post_hooks, hook, prepend=prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` before :meth:`load_state_dict` reads it; a dict it
        returns is loaded instead.

        >>> import minitorch_conv as mt
        >>> opt = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))], lr=0.1)
        >>> def halve_lr(opt, sd):
        ...     sd["param_groups"] = [dict(g, lr=g["lr"] / 2) for g in sd["param_groups"]]
        ...     return sd
        >>> handle = opt.register_load_state_dict_pre_hook(halve_lr)
        >>> opt.load_state_dict(opt.state_dict()); opt.param_groups[0]["lr"]
        0.05
        """
        return RemovableHandle(self._optimizer_load_state_dict_pre_hooks, hook, prepend=prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` after :meth:`load_state_dict` has loaded.

        >>> import minitorch_conv as mt
        >>> opt = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))])
        >>> handle = opt.register_load_state_dict_post_hook(lambda opt: print("loaded"))
        >>> opt.load_state_dict(opt.state_dict())
        loaded
        """
        return RemovableHandle(self._optimizer_load_state_dict_post_hooks, hook, prepend=prepend)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered in group order, as in PyTorch, so the dict holds no references to
        the parameters themselves (``mt.save`` writes it). Like PyTorch's, it shares the live state
        tensors: save it, or copy it, before stepping again if you want a snapshot.

        >>> import minitorch_conv as mt
        >>> w = mt.nn.Parameter(mt.ones(2))
        >>> opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> w.sum().backward(); opt.step()
        >>> sd = opt.state_dict()
        >>> sd["state"]
        {0: {'momentum_buffer': tensor([1., 1.])}}
        >>> sd["param_groups"][0]["params"], sd["param_groups"][0]["lr"]
        ([0], 0.1)
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(key)] if isinstance(key, Tensor) else key): value
                 for key, value in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned.

        The saved groups' hyper-parameters replace the current ones (a group's ``param_names`` stay
        unless the dict has its own). State tensors are moved to their parameter's device and, for a
        floating-point parameter, cast to its dtype, as in PyTorch; ``step`` keeps its dtype. Unlike
        PyTorch, which may share a tensor that needs no cast, every state tensor is copied.
        Create an lr scheduler *before* loading, as in PyTorch: creating one resets the groups' lr.

        >>> import minitorch_conv as mt
        >>> w = mt.nn.Parameter(mt.ones(2))
        >>> opt = mt.optim.Adam([w], lr=0.1)
        >>> w.sum().backward(); opt.step()
        >>> twin = mt.optim.Adam([mt.nn.Parameter(mt.ones(2))], lr=99.0)
        >>> twin.load_state_dict(opt.state_dict())
        >>> twin.param_groups[0]["lr"], twin.state_dict()["state"][0]["step"]
        (0.1, tensor(1.))
        """
        state_dict = dict(state_dict)
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = {saved_id: p for g, s in zip(groups, saved_groups)
                  for saved_id, p in zip(s["params"], g["params"])}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = _cast(param, value, _step_on_device(key, state_dict["param_groups"]))
            else:
                state[key] = value
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _step_on_device(param_id: int, saved_groups: list[dict[str, Any]]) -> bool:
    """Whether the saved group holding ``param_id`` was fused or capturable (then ``step`` lives on the
    parameter's device in float32, as PyTorch keeps it)."""
    for group in saved_groups:
        if param_id in group["params"]:
            return bool(group.get("fused", False) or group.get("capturable", False))
    return False


def _cast(param: Tensor, value: Any, step_on_device: bool, key: str | None = None) -> Any:
    """A copy of ``value`` (a state entry, or a dict or sequence of them) for ``param``: tensors moved
    to its device and, for a floating-point parameter, cast to its dtype; ``step`` keeps its own."""
    if isinstance(value, Tensor):
        if key == "step":
            if step_on_device:
                return value.to(device=param.device, dtype=float32, copy=True)
            return value.detach().clone()
        dtype = param.dtype if param.is_floating_point() else None
        return value.to(device=param.device, dtype=dtype, copy=True)
    if isinstance(value, dict):
        return {k: _cast(param, v, step_on_device, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v, step_on_device) for v in value)
    return value
