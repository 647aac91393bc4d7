"""1-D convolutions, ``F.conv1d`` and ``F.conv_transpose1d``, as 2-D ones over a height of 1.

A signal x (N, C, L) is an image (N, C, 1, L); a kernel w (O, C/G, k) is a (O, C/G, 1, k) one.
Along the height of 1 the stride and dilation are 1 and the padding 0, so the 2-D convolution of
the views is the 1-D convolution, entry for entry, and its three Functions (``ops/conv.py``) give
the gradients (of any order) with no code of their own. PyTorch does the same on the CPU: it checks
the 1-D shapes (its messages name them), then runs its 2-D kernels on the views (whose own
messages name a height of 1, ``kernel_height: 1``).

The argument checks are ``ops/conv_args.py``'s (``conv1d_arguments``,
``conv_transpose1d_arguments``), which hand back the views and their 2-D geometry.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.conv1d(mt.arange(5.0).reshape(1, 1, 5), mt.tensor([[[1.0, 0.0, -1.0]]]))
tensor([[[-2., -2., -2.]]])
"""

from __future__ import annotations

from .._arguments import parse_args
from ..autograd.function import named_as
from ..tensor import Tensor
from .conv import ConvTranspose2dFunction, convolution_checked
from .conv_args import conv1d_arguments, conv_transpose1d_arguments, transposed_bias

__all__ = ["conv1d", "conv_transpose1d"]

# Notation: N batch, C input channels, O output channels, G groups, L input length, k kernel taps;
# the 2-D views are x (N, C, 1, L), weight (O, C/G, 1, k) [(C, O/G, 1, k) transposed], y (N, O, 1, Lo).

# PyTorch's two conv1d signatures (padding as ints or as a string), listed in its TypeError
_CONV1D_OVERLOADS = (
    "Tensor input, Tensor weight, Tensor? bias=None, int[1] stride=1, int[1] padding=0, int[1] dilation=1, "
    "int groups=1",
    'Tensor input, Tensor weight, Tensor? bias=None, int[1] stride=1, str padding="valid", '
    "int[1] dilation=1, int groups=1",
)


def _one_dimensional(out: Tensor, unbatched: bool) -> Tensor:
    """The (N, O, 1, Lo) result as (N, O, Lo) (PyTorch's node: ConvolutionBackward0), or (O, Lo)."""
    out = named_as(out.squeeze(2), "ConvolutionBackward0")
    return out.squeeze(0) if unbatched else out


@parse_args("Tensor input, Tensor weight, Tensor? bias, int[1] stride, int[1]|str padding, int[1] dilation, "
            "int groups", overloads=_CONV1D_OVERLOADS)
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,  # noqa: A002
           dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation (no kernel flip), PyTorch's ``F.conv1d``.

    Shapes: input (N, C, L) or unbatched (C, L); weight (O, C/groups, k); bias (O,) or None;
    output (N, O, Lo) with ``Lo = (L + 2*padding - dilation*(k-1) - 1) // stride + 1``.
    ``stride``, ``padding`` and ``dilation`` take an int or a 1-element sequence; ``padding`` may
    also be ``'valid'`` (none) or ``'same'`` (output as long as the input, stride 1 only; an odd
    total pad puts the extra element on the right). Bad values raise PyTorch's RuntimeError, with
    its messages; floats, bools and other non-ints its TypeError.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(6.0).reshape(1, 2, 3)
    >>> F.conv1d(x, mt.ones(1, 2, 2))
    tensor([[[ 8., 12.]]])
    >>> F.conv1d(x, mt.ones(4, 2, 2), padding="same").shape
    minitorch_conv.Size([1, 4, 3])
    """
    x, unbatched, params, w = conv1d_arguments(input, weight, bias, stride, padding, dilation, groups)
    return _one_dimensional(convolution_checked(x, w, bias, params), unbatched)


@parse_args("Tensor input, Tensor weight, Tensor? bias, int[1] stride, int[1] padding, "
            "int[1] output_padding, int groups, int[1] dilation")
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution, PyTorch's ``F.conv_transpose1d``: the input gradient of conv1d.

    Shapes: input (N, C, L) or (C, L); weight (C, O/groups, k); bias (O,) or None; output
    (N, O, Lo) with ``Lo = (L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``.
    ``output_padding`` (smaller than the stride or the dilation) adds elements on the right.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.conv_transpose1d(mt.ones(1, 1, 3), mt.ones(1, 1, 2))
    tensor([[[1., 2., 2., 1.]]])
    >>> F.conv_transpose1d(mt.ones(1, 1, 3), mt.ones(1, 2, 2), stride=2, output_padding=1).shape
    minitorch_conv.Size([1, 2, 7])
    """
    x, unbatched, params, output_size, w = conv_transpose1d_arguments(
        input, weight, bias, stride, padding, output_padding, groups, dilation)
    out = ConvTranspose2dFunction.apply(x, w, transposed_bias(x, bias), params, output_size)
    return _one_dimensional(out, unbatched)
