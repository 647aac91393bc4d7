"""NAdam: Adam with Nesterov momentum and a momentum schedule (Dozat, 2016)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..creation import ones, tensor, zeros
from ..tensor import Tensor
from .optimizer import Optimizer, _check_adam_arguments, _scalar_dtype, _to_scalar

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """PyTorch's NAdam. At step ``t``, for each parameter ``p`` with gradient ``g``::

        g = -g                                              (maximize=True)
        p = p * (1 - lr * weight_decay)                     (decoupled_weight_decay: NAdamW)
        g = g + weight_decay * p                            (otherwise, if weight_decay != 0)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))     (and mu_{t+1} likewise)
        P = P * mu_t                                        (mu_product, the product of the mu's)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P) * g / d - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / d

    The state of each parameter: ``step``, ``mu_product`` (0-dim tensors in the step's dtype,
    float32 unless the default dtype is float64, as in PyTorch: the product is rounded to that
    dtype at every step), ``exp_avg`` and ``exp_avg_sq``. ``foreach``, ``capturable`` and
    ``differentiable`` are accepted and change nothing.

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.NAdam([w], lr=0.1)
    >>> w.grad = mt.tensor([3.0, -4.0])
    >>> opt.step(); w
    Parameter containing:
    tensor([ 0.8944, -1.8944], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check_adam_arguments(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fill_missing(maximize=False, foreach=None, capturable=False, differentiable=False,
                           decoupled_weight_decay=False)
        for p_state in self.state.values():
            if "mu_product" in p_state and not isinstance(p_state["mu_product"], Tensor):
                p_state["mu_product"] = tensor(float(p_state["mu_product"]), dtype=_scalar_dtype())

    def _state_of(self, p: Tensor, group: dict) -> dict:
        """``self.state[p]``, filled on the parameter's first step."""
        state = self.state[p]
        if len(state) == 0:
            device = p.device if group["capturable"] else "cpu"
            state["step"] = zeros((), dtype=_scalar_dtype(), device=device)
            state["mu_product"] = ones((), dtype=_scalar_dtype(), device=device)
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
                momentum_decay = group["momentum_decay"]
                for p in self._params_with_grad(group):
                    grad = -p.grad if group["maximize"] else p.grad
                    state = self._state_of(p, group)
                    state["step"].add_(1)
                    step = state["step"].item()
                    bias_correction2 = 1 - beta2**step
                    if weight_decay != 0:
                        if group["decoupled_weight_decay"]:
                            p.mul_(1 - lr * weight_decay)
                        else:
                            grad = grad + p * weight_decay
                    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                    mu_product = state["mu_product"].mul_(mu).item()
                    mu_product_next = mu_product * mu_next
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.lerp_(grad, 1 - beta1)
                    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                    denom = (exp_avg_sq / bias_correction2).sqrt_().add_(eps)
                    p.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
                    p.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product_next))
        return loss
