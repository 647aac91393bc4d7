"""3-D (volumetric) convolutions, ``F.conv3d`` and ``F.conv_transpose3d``, as sums of 2-D ones.

A 3-D kernel is a stack of kD 2-D kernels, one per depth tap. Output depth position z reads the
input depths ``z*sd - pf + t*dd`` for t < kD, so

    conv3d(x, w)[:, :, z] = sum over t of conv2d(x[:, :, z*sd - pf + t*dd], w[:, :, t])

For one tap t, the input slices of all the output depths are one strided slice of the
depth-padded input, ``xpad[:, :, t*dd :: sd]`` (Do of them); folded into the batch they make one
2-D convolution. The 3-D convolution is kD such 2-D convolutions (``ops/conv.py``), summed: its
gradients, and their gradients, come from the 2-D Functions, the slices and the sum, with no code
of their own.

The transposed convolution is the adjoint: each input depth i, through tap t, lands on the
(padded) output depth ``i*sd + t*dd``. For each tap, one 2-D transposed convolution of the input
(its depths folded into the batch) gives those Dout planes; they are spread sd apart, shifted by
``t*dd``, summed over the taps, and the depth padding is cropped.

The argument checks are ``ops/conv_args.py``'s (``conv3d_arguments``,
``conv_transpose3d_arguments``): PyTorch's rules and messages.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.conv3d(mt.ones(1, 1, 3, 3, 3), mt.ones(1, 1, 2, 2, 2)).shape
minitorch_conv.Size([1, 1, 2, 2, 2])
"""

from __future__ import annotations

from .._arguments import parse_args
from ..autograd.function import named_as
from ..tensor import Tensor
from .conv import ConvTranspose2dFunction, convolution_checked
from .conv_args import conv3d_arguments, conv_transpose3d_arguments
from .pad import pad
from .window import ConvParams, output_length

__all__ = ["conv3d", "conv_transpose3d"]

# Notation:
#   N batch, C input channels, O output channels, G groups
#   D, H, W input depth, height, width;  kD, kh, kw kernel;  Do, Ho, Wo output depth, height, width
#   sd, dd depth stride and dilation;  pf, pb depth padding in front and at the back
#   x (N, C, D, H, W);  weight (O, C/G, kD, kh, kw) [transposed: (C, O/G, kD, kh, kw)];  bias (O,)
#   one depth tap t: weight[:, :, t] (O, C/G, kh, kw); the input slices it reads are
#   xpad[:, :, t*dd : t*dd + sd*(Do-1) + 1 : sd] (N, C, Do, H, W), folded to (N*Do, C, H, W)

# PyTorch's two conv3d signatures (padding as ints or as a string), listed in its TypeError
_CONV3D_OVERLOADS = (
    "Tensor input, Tensor weight, Tensor? bias=None, int[3] stride=1, int[3] padding=0, int[3] dilation=1, "
    "int groups=1",
    'Tensor input, Tensor weight, Tensor? bias=None, int[3] stride=1, str padding="valid", '
    "int[3] dilation=1, int groups=1",
)


def _plane_params(params: ConvParams) -> ConvParams:
    """The (height, width) part of a 3-D geometry: what each depth tap's 2-D convolution uses."""
    return ConvParams(tuple(params.stride[1:]), tuple(params.padding[2:]), tuple(params.dilation[1:]),
                      params.groups)


def _finish(out: Tensor, bias: Tensor | None, unbatched: bool) -> Tensor:
    """out (N, O, Do, Ho, Wo) plus the bias, as PyTorch's node (ConvolutionBackward0); unbatched
    drops N."""
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1, 1)
    out = named_as(out, "ConvolutionBackward0")
    return out.squeeze(0) if unbatched else out


def convolution3d_checked(x: Tensor, weight: Tensor, bias: Tensor | None, params: ConvParams) -> Tensor:
    """conv3d on arguments already checked: x (N, C, D, H, W) -> (N, O, Do, Ho, Wo), no bias added
    when ``bias`` is None."""
    N, C, D, H, W = x.shape
    kD = weight.shape[2]
    (sd, dd), (pf, pb) = (params.stride[0], params.dilation[0]), params.padding[:2]
    Do = output_length(D, kD, sd, pf, pb, dd)
    if pf or pb:
        x = pad(x, (0, 0, 0, 0, pf, pb))
    plane = _plane_params(params)
    out = None
    for t in range(kD):
        start = t * dd
        slices = x[:, :, start:start + sd * (Do - 1) + 1:sd]  # (N, C, Do, H, W)
        folded = slices.transpose(1, 2).reshape(N * Do, C, H, W)
        y = convolution_checked(folded, weight[:, :, t], None, plane)  # (N*Do, O, Ho, Wo)
        out = y if out is None else out + y
    O, Ho, Wo = out.shape[1:]
    return out.reshape(N, Do, O, Ho, Wo).transpose(1, 2)


@parse_args("Tensor input, Tensor weight, Tensor? bias, int[3] stride, int[3]|str padding, int[3] dilation, "
            "int groups", overloads=_CONV3D_OVERLOADS)
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,  # noqa: A002
           dilation=1, groups: int = 1) -> Tensor:
    """3-D cross-correlation (no kernel flip), PyTorch's ``F.conv3d``.

    Shapes: input (N, C, D, H, W) or unbatched (C, D, H, W); weight (O, C/groups, kD, kH, kW);
    bias (O,) or None; output (N, O, Do, Ho, Wo), each output size
    ``(size + 2*padding - dilation*(k-1) - 1) // stride + 1``. ``stride``, ``padding`` and
    ``dilation`` take an int or a triple; ``padding`` may also be ``'valid'`` (none) or ``'same'``
    (output as large as the input, stride 1 only; an odd total pad puts the extra element at the
    end). Bad values raise PyTorch's RuntimeError with its messages.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> F.conv3d(x, mt.ones(1, 1, 2, 2, 2))
    tensor([[[[[28.]]]]])
    >>> F.conv3d(x, mt.ones(4, 1, 3, 3, 3), padding="same").shape
    minitorch_conv.Size([1, 4, 2, 2, 2])
    """
    x, unbatched, params, w = conv3d_arguments(input, weight, bias, stride, padding, dilation, groups)
    return _finish(convolution3d_checked(x, w, None, params), bias, unbatched)


def _spread(planes: Tensor, step: int) -> Tensor:
    """planes (N, D, ...) as (N, (D-1)*step + 1, ...): plane i at position i*step, zeros between."""
    if step == 1:
        return planes
    N, D, *rest = planes.shape
    spread = pad(planes.unsqueeze(2), (0, 0) * len(rest) + (0, step - 1))  # (N, D, step, ...)
    return spread.reshape(N, D * step, *rest)[:, :(D - 1) * step + 1]


@parse_args("Tensor input, Tensor weight, Tensor? bias, int[3] stride, int[3] padding, "
            "int[3] output_padding, int groups, int[3] dilation")
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution, PyTorch's ``F.conv_transpose3d``: the input gradient of conv3d.

    Shapes: input (N, C, D, H, W) or (C, D, H, W); weight (C, O/groups, kD, kH, kW); bias (O,) or
    None; output (N, O, Dout, Hout, Wout), each output size
    ``(size - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.conv_transpose3d(mt.ones(1, 1, 2, 1, 1), mt.ones(1, 1, 2, 1, 1)).flatten()
    tensor([1., 2., 1.])
    >>> F.conv_transpose3d(mt.ones(1, 2, 3, 3, 3), mt.ones(2, 4, 2, 2, 2), stride=2).shape
    minitorch_conv.Size([1, 4, 6, 6, 6])
    """
    x, unbatched, params, output_size, w = conv_transpose3d_arguments(
        input, weight, bias, stride, padding, output_padding, groups, dilation)
    N, C, D, H, W = x.shape
    kD = w.shape[2]
    (sd, dd, pf), Dout = (params.stride[0], params.dilation[0], params.padding[0]), output_size[0]
    full = Dout + 2 * pf  # the padded output's depth: (D-1)*sd + dd*(kD-1) + 1 + output padding
    folded = x.transpose(1, 2).reshape(N * D, C, H, W)
    plane = _plane_params(params)
    out = None
    for t in range(kD):
        y = ConvTranspose2dFunction.apply(folded, w[:, :, t], None, plane, output_size[1:])
        y = _spread(y.reshape(N, D, *y.shape[1:]), sd)  # (N, (D-1)*sd + 1, O, Hout, Wout)
        y = pad(y, (0, 0, 0, 0, 0, 0, t * dd, full - t * dd - y.shape[1]))  # at depth t*dd + i*sd
        out = y if out is None else out + y
    out = out[:, pf:pf + Dout].transpose(1, 2)
    return _finish(out, bias, unbatched)
