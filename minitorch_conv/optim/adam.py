"""Adam and AdamW, with PyTorch's defaults and update rule (bias correction, optional AMSGrad)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..backends import float32
from ..ops.elementwise import maximum
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """PyTorch's Adam. At step t, for each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p                      (Adam's L2 penalty; AdamW decays p instead)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g           (v_max = max(v_max, v) with amsgrad)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w                 # the first step moves each weight by about lr
    Parameter containing:
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _decoupled = False

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False):
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
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = -p.grad if group["maximize"] else p.grad
                    state = self.state.setdefault(p, {})
                    if not state:
                        state["step"] = p.new_zeros((), dtype=float32)
                        state["exp_avg"] = p.new_zeros(p.shape)
                        state["exp_avg_sq"] = p.new_zeros(p.shape)
                        if group["amsgrad"]:
                            state["max_exp_avg_sq"] = p.new_zeros(p.shape)
                    state["step"].add_(1)
                    step = state["step"].item()
                    if weight_decay != 0:
                        if self._decoupled:
                            p.mul_(1 - lr * weight_decay)
                        else:
                            grad = grad + p * weight_decay
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.lerp_(grad, 1 - beta1)
                    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                    bias_correction1 = 1 - beta1**step
                    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
                    second = exp_avg_sq
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
                        second = state["max_exp_avg_sq"]
                    denom = second.sqrt() / bias_correction2_sqrt + eps
                    p.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p = p * (1 - lr * weight_decay)`` before the Adam step.

    >>> import minitorch_conv as mt
    >>> mt.optim.AdamW([mt.nn.Parameter(mt.ones(1))]).defaults["weight_decay"]
    0.01
    """

    _decoupled = True

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
