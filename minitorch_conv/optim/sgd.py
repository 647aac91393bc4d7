"""Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_versions,
    _check_fused,
    _check_fused_parameter,
    _implementation,
    _to_scalar,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    """PyTorch's SGD. For each parameter ``p`` with gradient ``g``::

        g = -g                                         (maximize=True)
        g = g + weight_decay * p                       (weight_decay != 0)
        b = g  (first step)  or  momentum * b + (1 - dampening) * g      (momentum != 0)
        g = g + momentum * b  (nesterov)  or  b                          (momentum != 0)
        p = p - lr * g

    ``state[p]["momentum_buffer"]`` holds ``b`` (only when ``momentum != 0``). ``foreach`` and
    ``fused`` choose the array implementation (the default) or the reference loop, which give the
    same numbers; ``differentiable`` is accepted (see :mod:`.optimizer`).

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fill_missing(nesterov=False, maximize=False, foreach=None, differentiable=False,
                           fused=False)

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            implementation = _implementation(group, params, foreach_first=True)
            if implementation == "fused":
                for p in params[:1]:  # (PyTorch checks the first parameter only)
                    _check_fused_parameter(p)
            if implementation == "single":
                with no_grad():
                    self._step_tensors(group, params)
            else:
                self._step_arrays(group, params)
        return loss

    def _step_tensors(self, group: dict, params: list[Tensor]) -> None:
        """The reference: PyTorch's formulas as in-place tensor operations, one parameter at a time."""
        lr, weight_decay = _to_scalar(group["lr"]), _to_scalar(group["weight_decay"])
        momentum, dampening = group["momentum"], group["dampening"]
        for p in params:
            grad = -p.grad if group["maximize"] else p.grad
            if weight_decay != 0:
                grad = grad + p * weight_decay
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = grad.detach().clone()
                    state["momentum_buffer"] = buf
                else:
                    buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                grad = grad + buf * momentum if group["nesterov"] else buf
            p.add_(grad, alpha=-lr)

    def _step_arrays(self, group: dict, params: list[Tensor]) -> None:
        """:meth:`_step_tensors` on the arrays: the same operations in the same order, written into
        the parameters' and buffers' memory, with their version counters moved as there."""
        lr, weight_decay = _to_scalar(group["lr"]), _to_scalar(group["weight_decay"])
        momentum, dampening = group["momentum"], group["dampening"]
        for p in params:
            with p._backend.device_context():
                _bump_versions([p])
                param, grad = p._array, p.grad._array
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad + param * weight_decay
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = p.new_tensor(grad)
                    else:
                        _bump_versions([buf], times=2)
                        buf._array *= momentum
                        buf._array += grad * (1 - dampening) if 1 - dampening != 1 else grad
                    grad = grad + buf._array * momentum if group["nesterov"] else buf._array
                param += grad * -lr
