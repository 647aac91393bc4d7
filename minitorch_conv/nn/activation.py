"""Activation layers: thin Modules over the functions in ``nn.functional``."""

from __future__ import annotations

import warnings

from .. import creation
from ..tensor import Tensor
from . import functional as F
from . import init as _init
from .module import Module, Parameter

__all__ = ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "GELU", "SiLU", "ELU",
           "Softplus", "ReLU6", "Hardtanh", "Hardswish", "Hardsigmoid", "Mish", "PReLU", "Softmax2d",
           "Softmin", "SELU", "CELU", "GLU", "Threshold", "LogSigmoid", "Softsign", "Tanhshrink",
           "Softshrink", "Hardshrink", "RReLU"]


class ReLU(Module):
    """``max(x, 0)`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.ReLU()(mt.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> import minitorch_conv as mt
    >>> mt.nn.LeakyReLU(0.1)(mt.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """``tanh(x)`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.Tanh()(mt.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7616])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.Sigmoid()(mt.tensor([0.0, 2.0]))
    tensor([0.5000, 0.8808])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Softmax(Module):
    """Softmax along ``dim``.

    >>> import minitorch_conv as mt
    >>> mt.nn.Softmax(dim=1)(mt.tensor([[0.0, 0.0, 1.0]]))
    tensor([[0.2119, 0.2119, 0.5761]])
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-softmax along ``dim``.

    >>> import minitorch_conv as mt
    >>> mt.nn.LogSoftmax(dim=1)(mt.tensor([[0.0, 0.0]]))
    tensor([[-0.6931, -0.6931]])
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GELU(Module):
    """``x * Phi(x)`` elementwise (``approximate='tanh'`` for the tanh formula).

    >>> import minitorch_conv as mt
    >>> mt.nn.GELU()(mt.tensor([-1.0, 1.0]))
    tensor([-0.1587,  0.8413])
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise RuntimeError("approximate argument must be either none or tanh.")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.SiLU()(mt.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7311])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> import minitorch_conv as mt
    >>> mt.nn.ELU(alpha=0.5)(mt.tensor([-1.0, 2.0]))
    tensor([-0.3161,  2.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold``.

    >>> import minitorch_conv as mt
    >>> mt.nn.Softplus()(mt.tensor([0.0]))
    tensor([0.6931])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class Hardtanh(Module):
    """``input`` clamped to ``[min_val, max_val]``.

    >>> import minitorch_conv as mt
    >>> mt.nn.Hardtanh(-2.0, 2.0)(mt.tensor([-3.0, 1.0, 3.0]))
    tensor([-2.,  1.,  2.])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if not max_val > min_val:  # PyTorch asserts this (strictly), in the constructor
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.ReLU6()(mt.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Hardswish(Module):
    """``x * relu6(x + 3) / 6`` elementwise (MobileNetV3's activation).

    >>> import minitorch_conv as mt
    >>> mt.nn.Hardswish()(mt.tensor([-4.0, 1.0, 4.0]))
    tensor([0.0000, 0.6667, 4.0000])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.hardswish(x, self.inplace)


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.Hardsigmoid()(mt.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.hardsigmoid(x, self.inplace)


class Mish(Module):
    """``x * tanh(softplus(x))`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.Mish()(mt.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8651])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.mish(x, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class PReLU(Module):
    """``x`` where positive, ``weight * x`` elsewhere, with a learnt slope: one shared
    (``num_parameters=1``) or one per channel (dim 1 of the input), each starting at ``init``.

    >>> import minitorch_conv as mt
    >>> act = mt.nn.PReLU(2, init=0.5)
    >>> act(mt.tensor([[-2.0, 2.0]]))
    tensor([[-1.,  2.]], grad_fn=<WhereBackward0>)
    >>> act
    PReLU(num_parameters=2)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        _init.constant_(self.weight, self.init)

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) at every position of a (N, C, H, W) or (C, H, W) input.

    >>> import minitorch_conv as mt
    >>> y = mt.nn.Softmax2d()(mt.randn(2, 3, 4, 4))
    >>> bool((y.sum(1) - 1).abs().max() < 1e-6)
    True
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {x.dim()}D instead")
        return F.softmax(x, -3)


class Softmin(Module):
    """``softmax(-x)`` along ``dim``.

    >>> import minitorch_conv as mt
    >>> mt.nn.Softmin(dim=0)(mt.tensor([0.0, 1.0]))
    tensor([0.7311, 0.2689])
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class SELU(Module):
    """``scale * elu(x, alpha)`` with the self-normalising constants.

    >>> import minitorch_conv as mt
    >>> mt.nn.SELU()(mt.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class CELU(Module):
    """``x`` where positive, ``alpha * (exp(x / alpha) - 1)`` elsewhere.

    >>> import minitorch_conv as mt
    >>> mt.nn.CELU(2.0)(mt.tensor([-1.0, 1.0]))
    tensor([-0.7869,  1.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """The gated linear unit ``a * sigmoid(b)`` over the two halves of ``dim``.

    >>> import minitorch_conv as mt
    >>> mt.nn.GLU()(mt.randn(4, 6)).shape
    minitorch_conv.Size([4, 3])
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Threshold(Module):
    """``x`` where ``x > threshold``, ``value`` elsewhere.

    >>> import minitorch_conv as mt
    >>> mt.nn.Threshold(1.0, -1.0)(mt.tensor([0.5, 2.0]))
    tensor([-1.,  2.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class LogSigmoid(Module):
    """``log(sigmoid(x))`` elementwise, without overflow.

    >>> import minitorch_conv as mt
    >>> mt.nn.LogSigmoid()(mt.tensor([0.0]))
    tensor([-0.6931])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)


class Softsign(Module):
    """``x / (1 + |x|)`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.Softsign()(mt.tensor([3.0]))
    tensor([0.7500])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)


class Tanhshrink(Module):
    """``x - tanh(x)`` elementwise.

    >>> import minitorch_conv as mt
    >>> mt.nn.Tanhshrink()(mt.tensor([1.0]))
    tensor([0.2384])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.tanhshrink(x)


class Softshrink(Module):
    """Shrink towards 0 by ``lambd``: ``x - lambd``, ``x + lambd`` or 0.

    >>> import minitorch_conv as mt
    >>> mt.nn.Softshrink(1.0)(mt.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.,  0.,  1.])
    """

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        return F.softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, 0 elsewhere.

    >>> import minitorch_conv as mt
    >>> mt.nn.Hardshrink(1.0)(mt.tensor([-2.0, 0.5, 2.0]))
    tensor([-2.,  0.,  2.])
    """

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        return F.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class RReLU(Module):
    """The randomized leaky ReLU: ``x`` where positive, ``a * x`` elsewhere, ``a ~ U(lower, upper)``
    per element in training mode, ``(lower + upper) / 2`` in evaluation mode. PyTorch's ``nn.RReLU``.

    >>> import minitorch_conv as mt
    >>> m = mt.nn.RReLU(0.1, 0.3).eval()
    >>> m(mt.tensor([-1.0, 2.0]))
    tensor([-0.2000,  2.0000])
    >>> m
    RReLU(lower=0.1, upper=0.3)
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")
