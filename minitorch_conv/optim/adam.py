"""Adam, with PyTorch's defaults and update rule (bias correction, AMSGrad, decoupled weight decay)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..backends import float32
from ..creation import zeros
from ..ops.elementwise import maximum
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_versions,
    _check_adam_arguments,
    _check_fused,
    _check_fused_parameter,
    _implementation,
    _scalar_dtype,
    _to_scalar,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """PyTorch's Adam. At step ``t``, for each parameter ``p`` with gradient ``g``::

        g = -g                                              (maximize=True)
        p = p * (1 - lr * weight_decay)                     (decoupled_weight_decay: AdamW)
        g = g + weight_decay * p                            (otherwise: an L2 penalty)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)  and use v_max for v          (amsgrad=True)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The state of each parameter: ``step`` (a 0-dim tensor), ``exp_avg`` (``m``), ``exp_avg_sq``
    (``v``) and, with amsgrad, ``max_exp_avg_sq``. ``foreach`` and ``fused`` choose the array
    implementation (the default) or the reference loop, which give the same numbers; with ``fused``
    or ``capturable``, ``step`` lives on the parameter's device (in float32 with ``fused``), as in
    PyTorch. ``differentiable`` is accepted (see :mod:`.optimizer`).

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w                 # the first step moves each weight by about lr
    Parameter containing:
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False):
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _check_adam_arguments(lr, eps, betas, weight_decay)
        if not (all(isinstance(beta, float) for beta in betas)
                or all(isinstance(beta, Tensor) for beta in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and "
                                     "foreach=True")
                if beta.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fill_missing(amsgrad=False, maximize=False, foreach=None, capturable=False,
                           differentiable=False, decoupled_weight_decay=False, fused=None)

    def _state_of(self, p: Tensor, group: dict) -> dict:
        """``self.state[p]``, filled with zeros on the parameter's first step."""
        state = self.state[p]
        if len(state) == 0:
            if group["fused"]:
                _check_fused_parameter(p)
            on_device = group["capturable"] or group["fused"]
            state["step"] = zeros((), dtype=float32 if group["fused"] else _scalar_dtype(),
                                  device=p.device if on_device else "cpu")
            state["exp_avg"] = p.new_zeros(p.shape)
            state["exp_avg_sq"] = p.new_zeros(p.shape)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = p.new_zeros(p.shape)
        return state

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            if _implementation(group, params, tensor_lr_stops_foreach=True) == "single":
                with no_grad():
                    self._step_tensors(group, params)
            else:
                self._step_arrays(group, params)
        return loss

    def _step_tensors(self, group: dict, params: list[Tensor]) -> None:
        """The reference: PyTorch's formulas as in-place tensor operations, one parameter at a time."""
        beta1, beta2 = (_to_scalar(beta) for beta in group["betas"])
        lr, eps, weight_decay = _to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        for p in params:
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
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            second_moment = exp_avg_sq
            if group["amsgrad"]:
                second_moment = state["max_exp_avg_sq"]
                second_moment.copy_(maximum(second_moment, exp_avg_sq))
            denom = (second_moment.sqrt() / bias_correction2_sqrt).add_(eps)
            p.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)

    def _step_arrays(self, group: dict, params: list[Tensor]) -> None:
        """:meth:`_step_tensors` on the arrays: the same operations in the same order, written into
        the parameters' and moments' memory, with their version counters moved as there."""
        beta1, beta2 = (_to_scalar(beta) for beta in group["betas"])
        lr, eps, weight_decay = _to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        decoupled, amsgrad = group["decoupled_weight_decay"], group["amsgrad"]
        for p in params:
            state = self._state_of(p, group)
            with p._backend.device_context():
                step_count, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
                _bump_versions([step_count, exp_avg])
                _bump_versions([p], times=2 if weight_decay != 0 and decoupled else 1)
                _bump_versions([exp_avg_sq], times=2)
                step_count._array += 1
                step = float(step_count._array)
                xp, param, grad = p.xp, p._array, p.grad._array
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    if decoupled:
                        param *= 1 - lr * weight_decay
                    else:
                        grad = grad + param * weight_decay
                m, v = exp_avg._array, exp_avg_sq._array
                work = xp.subtract(grad, m, out=xp.empty_like(m))  # (an array, even 0-d)
                work *= 1 - beta1
                m += work  # m.lerp_(grad, 1 - beta1)
                v *= beta2
                xp.multiply(grad, grad, out=work)
                work *= 1 - beta2
                v += work  # v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                second_moment = v
                if amsgrad:
                    max_exp_avg_sq = state["max_exp_avg_sq"]
                    _bump_versions([max_exp_avg_sq])
                    second_moment = max_exp_avg_sq._array
                    xp.maximum(second_moment, v, out=second_moment)
                xp.sqrt(second_moment, out=work)
                work /= (1 - beta2**step) ** 0.5
                work += eps  # the denominator
                xp.divide(m, work, out=work)
                work *= -lr / (1 - beta1**step)
                param += work
