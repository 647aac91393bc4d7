"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..autograd.grad_mode import no_grad
from ..creation import zeros
from ..tensor import Tensor
from .optimizer import Optimizer, _bump_versions, _implementation, _scalar_dtype, _to_scalar

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """PyTorch's RMSprop. For each parameter ``p`` with gradient ``g``::

        g = -g                                              (maximize=True)
        g = g + weight_decay * p                            (weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g                 (square_avg)
        a = sqrt(v) + eps
        a = sqrt(v - m * m) + eps, m = alpha * m + (1 - alpha) * g      (centered: m is grad_avg)
        b = momentum * b + g / a;  p = p - lr * b          (momentum > 0: b is momentum_buffer)
        p = p - lr * g / a                                  (otherwise)

    The state of each parameter: ``step``, ``square_avg``, ``momentum_buffer`` (when the group's
    momentum is positive at the first step) and ``grad_avg`` (when centered). ``foreach`` chooses
    the array implementation (the default) or the reference loop, which give the same numbers;
    ``capturable`` and ``differentiable`` are accepted (see :mod:`.optimizer`). As in PyTorch,
    RMSprop has no ``fused`` option.

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> w.grad = mt.tensor([3.0, -4.0])
    >>> opt.step(); w      # v = 0.25 g^2, so the step is lr * g / (|g| / 2) = 2 lr sign(g)
    Parameter containing:
    tensor([ 0.9800, -1.9800], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fill_missing(momentum=0, centered=False, foreach=None, maximize=False,
                           differentiable=False, capturable=False)

    def _state_of(self, p: Tensor, group: dict) -> dict:
        """``self.state[p]``, filled with zeros on the parameter's first step."""
        state = self.state[p]
        if len(state) == 0:
            device = p.device if group["capturable"] else "cpu"
            state["step"] = zeros((), dtype=_scalar_dtype(), device=device)
            state["square_avg"] = p.new_zeros(p.shape)
            if group["momentum"] > 0:
                state["momentum_buffer"] = p.new_zeros(p.shape)
            if group["centered"]:
                state["grad_avg"] = p.new_zeros(p.shape)
        return state

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            if _implementation(group, params) == "single":
                with no_grad():
                    self._step_tensors(group, params)
            else:
                self._step_arrays(group, params)
        return loss

    def _step_tensors(self, group: dict, params: list[Tensor]) -> None:
        """The reference: PyTorch's formulas as in-place tensor operations, one parameter at a time."""
        lr, alpha, eps = _to_scalar(group["lr"]), group["alpha"], group["eps"]
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        for p in params:
            state = self._state_of(p, group)
            grad = -p.grad if group["maximize"] else p.grad
            state["step"].add_(1)
            if weight_decay != 0:
                grad = grad + p * weight_decay
            square_avg = state["square_avg"]
            square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            if group["centered"]:
                grad_avg = state["grad_avg"]
                grad_avg.lerp_(grad, 1 - alpha)
                avg = (square_avg - grad_avg * grad_avg).sqrt_()
            else:
                avg = square_avg.sqrt()
            avg = avg.add_(eps)
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf.mul_(momentum).addcdiv_(grad, avg)
                p.add_(buf, alpha=-lr)
            else:
                p.addcdiv_(grad, avg, value=-lr)

    def _step_arrays(self, group: dict, params: list[Tensor]) -> None:
        """:meth:`_step_tensors` on the arrays: the same operations in the same order, written into
        the parameters' and averages' memory, with their version counters moved as there."""
        lr, alpha, eps = _to_scalar(group["lr"]), group["alpha"], group["eps"]
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        for p in params:
            state = self._state_of(p, group)
            with p._backend.device_context():
                _bump_versions([p, state["step"]])
                _bump_versions([state["square_avg"]], times=2)
                state["step"]._array += 1
                xp, param, grad = p.xp, p._array, p.grad._array
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad + param * weight_decay
                square_avg = state["square_avg"]._array
                square_avg *= alpha
                work = xp.multiply(grad, grad, out=xp.empty_like(param))  # (an array, even 0-d)
                work *= 1 - alpha
                square_avg += work  # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                if group["centered"]:
                    _bump_versions([state["grad_avg"]])
                    grad_avg = state["grad_avg"]._array
                    xp.subtract(grad, grad_avg, out=work)
                    work *= 1 - alpha
                    grad_avg += work  # grad_avg.lerp_(grad, 1 - alpha)
                    xp.multiply(grad_avg, grad_avg, out=work)
                    xp.subtract(square_avg, work, out=work)
                    xp.sqrt(work, out=work)
                else:
                    xp.sqrt(square_avg, out=work)
                work += eps  # the denominator
                xp.divide(grad, work, out=work)
                if momentum > 0:
                    _bump_versions([state["momentum_buffer"]], times=2)
                    buf = state["momentum_buffer"]._array
                    buf *= momentum
                    buf += work  # buf.mul_(momentum).addcdiv_(grad, avg)
                    param += buf * -lr
                else:
                    work *= -lr
                    param += work
