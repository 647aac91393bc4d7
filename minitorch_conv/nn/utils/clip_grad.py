"""Gradient clipping: scale (or clamp) the ``.grad`` of parameters in place, as PyTorch does.

``clip_grad_norm_`` treats all the gradients as one long vector ``g``: if its ``norm_type``-norm
``||g||`` exceeds ``max_norm``, every gradient is multiplied by ``max_norm / (||g|| + 1e-6)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...autograd.grad_mode import no_grad
from ...ops.reduction import norm as _norm
from ...ops.shape import stack
from ...tensor import Tensor


def _gradients(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` taken together as one vector.

    >>> import minitorch_conv as mt
    >>> mt.nn.utils.get_total_norm([mt.tensor([3.0]), mt.tensor([4.0])])
    tensor(5.)
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._from_array(_zero_array())
    with no_grad():
        norms = stack([_norm(t.detach().reshape(-1), norm_type) for t in tensors])
        total = norms.max() if math.isinf(norm_type) else _norm(norms, norm_type)
    if error_if_nonfinite and not bool(total.isfinite().item()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def _zero_array():
    from ...backends import get_backend, get_default_dtype

    return get_backend("cpu").xp.zeros((), dtype=get_default_dtype().numpy)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` by ``max_norm / (total_norm + 1e-6)``, clamped to 1."""
    grads = _gradients(parameters)
    if not grads:
        return
    with no_grad():
        coefficient = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(coefficient.to(grad.dtype))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients so that their total ``norm_type``-norm is at most ``max_norm``;
    returns the total norm before clipping.

    >>> import minitorch_conv as mt
    >>> p = mt.tensor([1.0, 1.0], requires_grad=True)
    >>> (p * mt.tensor([3.0, 4.0])).sum().backward()
    >>> mt.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    tensor(5.)
    >>> p.grad
    tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = get_total_norm(_gradients(parameters), norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    >>> import minitorch_conv as mt
    >>> p = mt.tensor([1.0, 1.0], requires_grad=True)
    >>> (p * mt.tensor([-3.0, 0.5])).sum().backward()
    >>> mt.nn.utils.clip_grad_value_([p], 1.0)
    >>> p.grad
    tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    with no_grad():
        for grad in _gradients(parameters):
            grad.clamp_(min=-clip_value, max=clip_value)
