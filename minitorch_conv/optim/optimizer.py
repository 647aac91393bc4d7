"""``Optimizer``: parameter groups, per-parameter state, and their ``state_dict``, as in PyTorch.

A subclass implements ``step``; everything else (groups with their own hyper-parameters,
``zero_grad``, saving and restoring the state) lives here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor, zero_grads

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: holds ``param_groups`` (list of dicts) and ``state`` (per-parameter dicts).

    >>> import minitorch_conv as mt
    >>> w, b = mt.nn.Parameter(mt.ones(2)), mt.nn.Parameter(mt.zeros(1))
    >>> opt = mt.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {params.type_name()}"
            )
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}"
            for key in sorted(group):
                if key != "params":
                    text += f"\n    {key}: {group[key]}"
        return text + "\n)"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (the defaults fill the rest)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

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

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered in group order, as in PyTorch, so the dict holds no references to
        the parameters themselves; ``mt.save`` writes it.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (tensors are copied to each parameter's device)."""
        state_dict = copy.copy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for ours, saved in zip(self.param_groups, saved_groups):
            if len(ours["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    "optimizer's group"
                )
        id_map = {saved_id: p for ours, saved in zip(self.param_groups, saved_groups)
                  for saved_id, p in zip(saved["params"], ours["params"])}
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, value in state_dict["state"].items():
            key = int(key)
            if key not in id_map:
                continue
            param = id_map[key]
            new_state[param] = {name: _cast_state(param, name, v) for name, v in value.items()}
        self.state = new_state
        new_groups = []
        for ours, saved in zip(self.param_groups, saved_groups):
            group = {k: v for k, v in saved.items() if k != "params"}
            group["params"] = ours["params"]
            new_groups.append(group)
        self.param_groups = new_groups


def _cast_state(param: Tensor, name: str, value: Any) -> Any:
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if name == "step":  # the step count keeps its own dtype, as in PyTorch
        return value.to(device=param.device, copy=True)
    dtype = param.dtype if value.dtype.is_floating_point else None
    return value.to(device=param.device, dtype=dtype, copy=True)
