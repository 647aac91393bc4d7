"""``F.rrelu``: the randomized leaky ReLU (Xu et al., 2015), PyTorch's ``rrelu_with_noise``.

Notation: x any shape; noise (same shape): 1 where x > 0; elsewhere a slope, drawn from
U(lower, upper) per element in training (from the global generator of x's device), the mean
slope (lower + upper) / 2 in evaluation. y = x * noise, so dy/dx = noise (also at x = 0, as in
PyTorch).

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.rrelu(mt.tensor([-3.0, 0.0, 2.0]), 0.1, 0.3)
tensor([-0.6000,  0.0000,  2.0000])
"""

from __future__ import annotations

from .._arguments import parse_args
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import scalar_type_name

__all__ = ["RreluWithNoise", "rrelu", "rrelu_"]


class RreluWithNoise(Function):
    """y = x * noise, noise given (an array of x's shape and dtype)."""

    @staticmethod
    def forward(ctx, x, noise):
        ctx.noise = noise
        return x._array * noise

    @staticmethod
    def backward(ctx, grad):
        return grad * grad._new(ctx.noise), None


def _noise(input: Tensor, lower: float, upper: float, training: bool):  # noqa: A002
    xp, a = input.xp, input._array
    if training:
        draw_dtype = "float64" if input.dtype.name == "float64" else "float32"
        with input.backend.device_context():  # a GPU generator's state lives on its own device
            slopes = input.backend.rng.random(a.shape, dtype=draw_dtype).astype(a.dtype)
        slopes = slopes * a.dtype.type(upper - lower) + a.dtype.type(lower)
    else:
        slopes = a.dtype.type((lower + upper) / 2)
    return xp.where(a > 0, a.dtype.type(1), slopes).astype(a.dtype)


def _check(input: Tensor, lower: float, upper: float, training: bool) -> None:  # noqa: A002
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not input.dtype.is_floating_point:
        kernel = "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'")


@parse_args("Tensor input, float lower, float upper, bool training, bool inplace")
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,  # noqa: A002
          inplace: bool = False) -> Tensor:
    """``input`` where positive, ``a * input`` elsewhere: ``a ~ U(lower, upper)`` per element when
    ``training``, ``(lower + upper) / 2`` otherwise. PyTorch's ``F.rrelu``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> y = F.rrelu(-mt.ones(1000), training=True)
    >>> bool(((y >= -1 / 3) & (y <= -1 / 8)).all())
    True
    """
    _check(input, lower, upper, training)
    noise = _noise(input, lower, upper, training)
    if inplace:
        return input._inplace(lambda t: RreluWithNoise.apply(t, noise))
    return RreluWithNoise.apply(input, noise)


@parse_args("Tensor input, float lower, float upper, bool training")
def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:  # noqa: A002
    """In-place :func:`rrelu` (PyTorch's ``F.rrelu_``).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.tensor([-2.0, 1.0])
    >>> F.rrelu_(x, 0.5, 0.5) is x, x
    (True, tensor([-1.,  1.]))
    """
    return rrelu(input, lower, upper, training, True)
