"""AdamW: Adam with decoupled weight decay (PyTorch's ``Adam(decoupled_weight_decay=True)``)."""

from __future__ import annotations

from collections.abc import Iterable

from ..tensor import Tensor
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam whose weight decay shrinks the weights, ``p = p * (1 - lr * weight_decay)``, before the
    Adam step instead of adding ``weight_decay * p`` to the gradient. The default weight decay is
    0.01; every other option is Adam's.

    >>> import minitorch_conv as mt
    >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
    >>> opt = mt.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = mt.zeros(2)            # no gradient signal: only the decay acts
    >>> opt.step(); w
    Parameter containing:
    tensor([ 0.9500, -1.9000], requires_grad=True)
    >>> opt.defaults["decoupled_weight_decay"]
    True
    """

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:  # a state dict loaded into AdamW always decays decoupled
            group["decoupled_weight_decay"] = True
