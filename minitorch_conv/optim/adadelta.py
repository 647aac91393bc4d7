"""Adadelta: a per-coordinate step size from running averages of squared gradients and updates."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..creation import zeros
from ..tensor import Tensor
from .optimizer import Optimizer, _scalar_dtype, _to_scalar

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """PyTorch's Adadelta (Zeiler, 2012). For each parameter ``p`` with gradient ``g``::

        g = -g                                              (maximize=True)
        g = g + weight_decay * p                            (weight_decay != 0)
        v = rho * v + (1 - rho) * g * g                     (square_avg)
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta             (acc_delta)
        p = p - lr * delta

    The state of each parameter: ``step``, ``square_avg`` (``v``) and ``acc_delta`` (``u``).
    ``foreach``, ``capturable`` and ``differentiable`` are accepted and change nothing.

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.Adadelta([w], lr=1.0, rho=0.5, eps=1e-2)
    >>> w.grad = mt.tensor([0.5, 0.5])
    >>> opt.step()      # v = 0.125, delta = sqrt(0.01) / sqrt(0.135) * 0.5
    >>> w
    Parameter containing:
    tensor([ 0.8639, -2.1361], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fill_missing(foreach=None, maximize=False, differentiable=False, capturable=False)

    def _state_of(self, p: Tensor, group: dict) -> dict:
        """``self.state[p]``, filled with zeros on the parameter's first step."""
        state = self.state[p]
        if len(state) == 0:
            device = p.device if group["capturable"] else "cpu"
            state["step"] = zeros((), dtype=_scalar_dtype(), device=device)
            state["square_avg"] = p.new_zeros(p.shape)
            state["acc_delta"] = p.new_zeros(p.shape)
        return state

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, rho, eps = _to_scalar(group["lr"]), group["rho"], group["eps"]
                weight_decay = group["weight_decay"]
                for p in self._params_with_grad(group):
                    state = self._state_of(p, group)
                    state["step"].add_(1)
                    grad = -p.grad if group["maximize"] else p.grad
                    if weight_decay != 0:
                        grad = grad + p * weight_decay
                    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                    square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
                    std = (square_avg + eps).sqrt_()
                    delta = (acc_delta + eps).sqrt_().div_(std).mul_(grad)
                    acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                    p.add_(delta, alpha=-lr)
        return loss
