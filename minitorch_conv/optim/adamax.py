"""Adamax: Adam with the infinity norm of past gradients in place of their root mean square."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..creation import zeros
from ..ops.elementwise import maximum
from ..tensor import Tensor
from .optimizer import Optimizer, _check_adam_arguments, _scalar_dtype, _to_scalar

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """PyTorch's Adamax (Kingma and Ba, 2015, section 7). At step ``t``, for each parameter ``p``
    with gradient ``g``::

        g = -g                                              (maximize=True)
        g = g + weight_decay * p                            (weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g                     (exp_avg)
        u = max(beta2 * u, |g| + eps)                       (exp_inf)
        p = p - lr / (1 - beta1**t) * m / u

    The state of each parameter: ``step``, ``exp_avg`` and ``exp_inf``. ``foreach``,
    ``capturable`` and ``differentiable`` are accepted and change nothing.

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.Adamax([w], lr=0.1)
    >>> w.grad = mt.tensor([3.0, -4.0])
    >>> opt.step(); w                  # the first step moves each weight by about lr * sign(g)
    Parameter containing:
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        _check_adam_arguments(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
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
            state["exp_avg"] = p.new_zeros(p.shape)
            state["exp_inf"] = p.new_zeros(p.shape)
        return state

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps, weight_decay = _to_scalar(group["lr"]), group["eps"], group["weight_decay"]
                for p in self._params_with_grad(group):
                    grad = -p.grad if group["maximize"] else p.grad
                    state = self._state_of(p, group)
                    state["step"].add_(1)
                    if weight_decay != 0:
                        grad = grad + p * weight_decay
                    exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                    exp_avg.lerp_(grad, 1 - beta1)
                    exp_inf.copy_(maximum(exp_inf.mul_(beta2), grad.abs().add_(eps)))
                    bias_correction = 1 - beta1 ** state["step"].item()
                    p.addcdiv_(exp_avg, exp_inf, value=-lr / bias_correction)
        return loss
