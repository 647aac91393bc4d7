"""Adagrad: a per-coordinate step size from the sum of all squared gradients so far."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..backends import float32
from ..creation import full_like, zeros
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_versions,
    _check_fused,
    _check_fused_parameter,
    _implementation,
    _scalar_dtype,
    _to_scalar,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """PyTorch's Adagrad. At step ``t``, for each parameter ``p`` with gradient ``g``::

        g = -g                                              (maximize=True)
        g = g + weight_decay * p                            (weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                                       (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    As in PyTorch, the state (``step`` and ``sum``) of the parameters given to the constructor is
    created right away, so that ``state_dict()`` has it before the first step. ``foreach`` and
    ``fused`` choose the array implementation (the default) or the reference loop, which give the
    same numbers; with ``fused``, ``step`` is float32 on the parameter's device, as in PyTorch.
    ``differentiable`` is accepted (see :mod:`.optimizer`).

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.Adagrad([w], lr=0.5)
    >>> w.grad = mt.tensor([3.0, -4.0])
    >>> opt.step(); w                   # the first step moves each weight by lr * sign(g)
    Parameter containing:
    tensor([ 0.5000, -1.5000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._fill_state(p, group, initial_accumulator_value)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fill_missing(foreach=None, maximize=False, differentiable=False, fused=None)

    def _fill_state(self, p: Tensor, group: dict, initial_value: float) -> None:
        state = self.state[p]
        device = p.device if group["fused"] else "cpu"
        state["step"] = zeros((), dtype=float32 if group["fused"] else _scalar_dtype(), device=device)
        state["sum"] = full_like(p, initial_value)

    def share_memory(self) -> None:
        """PyTorch moves each ``sum`` into shared memory for worker processes; here the tensors
        are NumPy arrays of this process and nothing changes."""

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            implementation = _implementation(group, params)
            for p in params:
                if len(self.state[p]) == 0:  # a parameter added later (add_param_group)
                    self._fill_state(p, group, self.defaults["initial_accumulator_value"])
                if implementation == "fused":
                    _check_fused_parameter(p)
            if implementation == "single":
                with no_grad():
                    self._step_tensors(group, params)
            else:
                self._step_arrays(group, params)
        return loss

    def _step_tensors(self, group: dict, params: list[Tensor]) -> None:
        """The reference: PyTorch's formulas as in-place tensor operations, one parameter at a time."""
        lr, lr_decay = _to_scalar(group["lr"]), group["lr_decay"]
        eps, weight_decay = group["eps"], group["weight_decay"]
        for p in params:
            state = self.state[p]
            state["step"].add_(1)
            step = state["step"].item()
            grad = -p.grad if group["maximize"] else p.grad
            if weight_decay != 0:
                grad = grad + p * weight_decay
            clr = lr / (1 + (step - 1) * lr_decay)
            state["sum"].addcmul_(grad, grad, value=1)
            std = state["sum"].sqrt().add_(eps)
            p.addcdiv_(grad, std, value=-clr)

    def _step_arrays(self, group: dict, params: list[Tensor]) -> None:
        """:meth:`_step_tensors` on the arrays: the same operations in the same order, written into
        the parameters' and sums' memory, with their version counters moved as there."""
        lr, lr_decay = _to_scalar(group["lr"]), group["lr_decay"]
        eps, weight_decay = group["eps"], group["weight_decay"]
        for p in params:
            state = self.state[p]
            with p._backend.device_context():
                _bump_versions([p, state["step"], state["sum"]])
                state["step"]._array += 1
                step = float(state["step"]._array)
                xp, param, grad = p.xp, p._array, p.grad._array
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad + param * weight_decay
                total = state["sum"]._array
                work = xp.multiply(grad, grad, out=xp.empty_like(param))  # (an array, even 0-d)
                total += work  # sum.addcmul_(grad, grad, value=1)
                xp.sqrt(total, out=work)
                work += eps  # the denominator
                xp.divide(grad, work, out=work)
                work *= -lr / (1 + (step - 1) * lr_decay)
                param += work
