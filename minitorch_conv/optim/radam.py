"""RAdam: Adam whose adaptive step is switched on, and rectified, once its variance is tractable."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..creation import zeros
from ..tensor import Tensor
from .optimizer import Optimizer, _check_adam_arguments, _scalar_dtype, _to_scalar

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """PyTorch's RAdam (Liu et al., 2019). At step ``t``, for each parameter ``p`` with gradient ``g``::

        g = -g                                              (maximize=True)
        p = p * (1 - lr * weight_decay)                     (decoupled_weight_decay: RAdamW)
        g = g + weight_decay * p                            (otherwise, if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                       p = p - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:          p = p - lr * m_hat               (plain momentum SGD for the first steps)

    The state of each parameter: ``step``, ``exp_avg`` and ``exp_avg_sq``. ``foreach``,
    ``capturable`` and ``differentiable`` are accepted and change nothing.

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.RAdam([w], lr=0.1)
    >>> w.grad = mt.tensor([3.0, -4.0])
    >>> opt.step(); w                  # rho_1 = 1: the first step is lr * g
    Parameter containing:
    tensor([ 0.7000, -1.6000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        _check_adam_arguments(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fill_missing(foreach=None, maximize=False, differentiable=False,
                           decoupled_weight_decay=False, capturable=False)

    def _state_of(self, p: Tensor, group: dict) -> dict:
        """``self.state[p]``, filled with zeros on the parameter's first step."""
        state = self.state[p]
        if len(state) == 0:
            device = p.device if group["capturable"] else "cpu"
            state["step"] = zeros((), dtype=_scalar_dtype(), device=device)
            state["exp_avg"] = p.new_zeros(p.shape)
            state["exp_avg_sq"] = p.new_zeros(p.shape)
        return state

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps, weight_decay = _to_scalar(group["lr"]), group["eps"], group["weight_decay"]
                rho_inf = 2 / (1 - beta2) - 1  # the longest the approximated moving average gets
                for p in self._params_with_grad(group):
                    grad = -p.grad if group["maximize"] else p.grad
                    state = self._state_of(p, group)
                    state["step"].add_(1)
                    step = state["step"].item()
                    if weight_decay != 0:
                        if group["decoupled_weight_decay"]:
                            p.mul_(1 - lr * weight_decay)
                        else:
                            grad = grad + p * weight_decay
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.lerp_(grad, 1 - beta1)
                    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                    bias_correction1 = 1 - beta1**step
                    bias_correction2 = 1 - beta2**step
                    bias_corrected_exp_avg = exp_avg / bias_correction1
                    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                    if rho_t > 5.0:
                        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                        adaptive_lr = (bias_correction2**0.5) / exp_avg_sq.sqrt().add_(eps)
                        p.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
                    else:
                        p.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
        return loss
