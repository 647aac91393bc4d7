"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``, ``ConvTranspose2d``
and ``ConvTranspose3d``, with PyTorch's arguments and checks.

The layers hold the weight and bias and check their arguments when built (a ValueError names the
bad value); the arithmetic is ``F.conv1d`` / ``F.conv2d`` / ``F.conv3d`` and their transposed
forms (``ops/conv1d.py``, ``ops/conv.py``, ``ops/conv3d.py``). A
``padding_mode`` other than ``'zeros'`` pads explicitly with ``F.pad`` and then convolves with no
padding, exactly as PyTorch does.

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
>>> m
Conv2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
>>> m(mt.randn(2, 16, 50, 100)).shape
minitorch_conv.Size([2, 33, 26, 100])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

from .. import creation
from ..ops.window import pair as _pair
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]




def _single(value) -> tuple:
    """PyTorch's ``_single``: an iterable becomes a tuple as it is, anything else ``(value,)``."""
    return tuple(value) if isinstance(value, Iterable) else (value,)


def _reverse_repeat_tuple(values, n: int) -> tuple:
    """``(pH, pW)`` -> ``(pW, pW, pH, pH)``: F.pad's order (last dimension first), each twice."""
    return tuple(v for v in reversed(values) for _ in range(n))


def _empty_parameter(size: tuple, device, dtype) -> Parameter:
    """``Parameter(empty(size))``: ``empty`` gives PyTorch's errors for sizes that are not ints
    (a bool first, a float anywhere), negative or too large; then integer dtypes are refused."""
    weight = creation.empty(size, device=device, dtype=dtype)
    if not weight.dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Parameter(weight)


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: argument checks, parameters, initialisation, repr."""

    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding",
                     "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple, stride: tuple,
                 padding, dilation: tuple, transposed: bool, output_padding: tuple, groups: int,
                 bias: bool, padding_mode: str, device=None, dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {valid_padding_strings}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(
                f"padding_mode must be one of {valid_padding_modes}, but got padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's amounts for the non-zero padding modes: (left, right, top, bottom)
        if isinstance(self.padding, str):
            reversed_padding = [0, 0] * len(kernel_size)
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                    total = d * (k - 1)
                    reversed_padding[2 * i] = total // 2  # the smaller half goes first (left, top)
                    reversed_padding[2 * i + 1] = total - total // 2
            self._reversed_padding_repeated_twice = reversed_padding
        else:
            self._reversed_padding_repeated_twice = _reverse_repeat_tuple(self.padding, 2)
        if transposed:
            weight_size = (in_channels, out_channels // groups, *kernel_size)
        else:
            weight_size = (out_channels, in_channels // groups, *kernel_size)
        self.weight = _empty_parameter(weight_size, device, dtype)
        if bias:
            self.bias = _empty_parameter((out_channels,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw weight, then bias, from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (the global generator).

        ``kaiming_uniform_(a=sqrt(5))`` gives exactly that bound for the weight;
        ``fan_in = in_channels / groups * kh * kw``.
        """
        if self.weight.numel() == 0:
            warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=2)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**{name: getattr(self, name) for name in self.__constants__})


class Conv2d(_ConvNd):
    """A 2-D convolution layer (cross-correlation), PyTorch's ``nn.Conv2d``.

    ``weight`` is (out_channels, in_channels / groups, kh, kw) and ``bias`` (out_channels,), both
    drawn from U(-sqrt(k), sqrt(k)) with ``k = groups / (in_channels * kh * kw)``. ``kernel_size``,
    ``stride``, ``padding`` and ``dilation`` take an int or a pair; ``padding`` may also be
    ``'valid'`` or ``'same'``; ``padding_mode`` is ``'zeros'``, ``'reflect'``, ``'replicate'`` or
    ``'circular'``. Input (N, C, H, W) or (C, H, W).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn
    >>> m = nn.Conv2d(16, 33, 3, stride=2)
    >>> m(mt.randn(20, 16, 50, 100)).shape
    minitorch_conv.Size([20, 33, 24, 49])
    >>> nn.Conv2d(3, 8, 4, padding="same", padding_mode="circular")
    Conv2d(3, 8, kernel_size=(4, 4), stride=(1, 1), padding=same, padding_mode=circular)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        kernel_size_ = _pair(kernel_size)
        stride_ = _pair(stride)
        padding_ = padding if isinstance(padding, str) else _pair(padding)
        dilation_ = _pair(dilation)
        super().__init__(in_channels, out_channels, kernel_size_, stride_, padding_, dilation_,
                         False, _pair(0), groups, bias, padding_mode, device=device, dtype=dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:  # noqa: A002
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F.conv2d(padded, weight, bias, self.stride, _pair(0), self.dilation, self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: the output padding an ``output_size`` asks for."""

    def _output_padding(self, input: Tensor, output_size, stride, padding, kernel_size,  # noqa: A002
                        num_spatial_dims: int, dilation=None) -> list:
        """The output_padding that gives ``output_size`` (or the layer's own when that is None)."""
        if output_size is None:
            return list(self.output_padding)
        has_batch_dim = input.dim() == num_spatial_dims + 2
        num_non_spatial_dims = 2 if has_batch_dim else 1
        if len(output_size) == num_non_spatial_dims + num_spatial_dims:  # (printed as given, as in PyTorch)
            output_size = output_size[num_non_spatial_dims:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(
                f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, output_size must have "
                f"{num_spatial_dims} or {num_non_spatial_dims + num_spatial_dims} elements "
                f"(got {len(output_size)})"
            )
        min_sizes, max_sizes = [], []
        for d in range(num_spatial_dims):
            dim_size = ((input.size(d + num_non_spatial_dims) - 1) * stride[d] - 2 * padding[d]
                        + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1) + 1)
            min_sizes.append(dim_size)
            max_sizes.append(dim_size + stride[d] - 1)
        for size, low, high in zip(output_size, min_sizes, max_sizes):
            if size < low or size > high:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{min_sizes} to {max_sizes} (for an input of "
                    f"{type(input.shape)(input.shape[num_non_spatial_dims:])!r})"
                )
        return [size - low for size, low in zip(output_size, min_sizes)]


class ConvTranspose2d(_ConvTransposeNd):
    """A 2-D transposed convolution layer, PyTorch's ``nn.ConvTranspose2d``.

    ``weight`` is (in_channels, out_channels / groups, kh, kw). The output is
    ``(H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1`` high (likewise wide);
    ``forward(input, output_size)`` may instead name the size wanted, which picks the output
    padding. Only ``padding_mode='zeros'`` is supported.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn
    >>> up = nn.ConvTranspose2d(16, 33, 3, stride=2)
    >>> up(mt.randn(1, 16, 12, 12)).shape
    minitorch_conv.Size([1, 33, 25, 25])
    >>> up(mt.randn(1, 16, 12, 12), output_size=(26, 26)).shape
    minitorch_conv.Size([1, 33, 26, 26])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, _pair(kernel_size), _pair(stride), _pair(padding),
                         _pair(dilation), True, _pair(output_padding), groups, bias, padding_mode,
                         device=device, dtype=dtype)

    def forward(self, input: Tensor, output_size=None) -> Tensor:  # noqa: A002
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, 2, self.dilation)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)


class Conv1d(_ConvNd):
    """A 1-D convolution layer (cross-correlation), PyTorch's ``nn.Conv1d``.

    ``weight`` is (out_channels, in_channels / groups, k) and ``bias`` (out_channels,), both drawn
    from U(-sqrt(c), sqrt(c)) with ``c = groups / (in_channels * k)``. ``kernel_size``, ``stride``,
    ``padding`` and ``dilation`` take an int or a 1-tuple; ``padding`` may also be ``'valid'`` or
    ``'same'``; ``padding_mode`` is ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
    Input (N, C, L) or (C, L).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn
    >>> m = nn.Conv1d(16, 33, 3, stride=2)
    >>> m
    Conv1d(16, 33, kernel_size=(3,), stride=(2,))
    >>> m(mt.randn(20, 16, 50)).shape
    minitorch_conv.Size([20, 33, 24])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        padding_ = padding if isinstance(padding, str) else _single(padding)
        super().__init__(in_channels, out_channels, _single(kernel_size), _single(stride), padding_,
                         _single(dilation), False, _single(0), groups, bias, padding_mode,
                         device=device, dtype=dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:  # noqa: A002
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F.conv1d(padded, weight, bias, self.stride, _single(0), self.dilation, self.groups)
        return F.conv1d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)


class ConvTranspose1d(_ConvTransposeNd):
    """A 1-D transposed convolution layer, PyTorch's ``nn.ConvTranspose1d``.

    ``weight`` is (in_channels, out_channels / groups, k). The output is
    ``(L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1`` long;
    ``forward(input, output_size)`` may instead name the length wanted, which picks the output
    padding. Only ``padding_mode='zeros'`` is supported.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn
    >>> up = nn.ConvTranspose1d(16, 33, 3, stride=2)
    >>> up
    ConvTranspose1d(16, 33, kernel_size=(3,), stride=(2,))
    >>> up(mt.randn(1, 16, 12)).shape
    minitorch_conv.Size([1, 33, 25])
    >>> up(mt.randn(1, 16, 12), output_size=[26]).shape
    minitorch_conv.Size([1, 33, 26])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, _single(kernel_size), _single(stride),
                         _single(padding), _single(dilation), True, _single(output_padding), groups,
                         bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor, output_size=None) -> Tensor:  # noqa: A002
        if self.padding_mode != "zeros":
            raise ValueError("Only `zeros` padding mode is supported for ConvTranspose1d")
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, 1, self.dilation)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)


def _triple(value) -> tuple:
    """PyTorch's ``_triple``: an iterable becomes a tuple as it is, anything else ``(v, v, v)``."""
    return tuple(value) if isinstance(value, Iterable) else (value,) * 3


class Conv3d(_ConvNd):
    """A 3-D convolution layer (cross-correlation), PyTorch's ``nn.Conv3d``.

    ``weight`` is (out_channels, in_channels / groups, kD, kH, kW) and ``bias`` (out_channels,),
    both drawn from U(-sqrt(c), sqrt(c)) with ``c = groups / (in_channels * kD * kH * kW)``.
    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` take an int or a triple; ``padding``
    may also be ``'valid'`` or ``'same'``; ``padding_mode`` is ``'zeros'``, ``'reflect'``,
    ``'replicate'`` or ``'circular'``. Input (N, C, D, H, W) or (C, D, H, W).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn
    >>> m = nn.Conv3d(4, 6, (3, 5, 2), stride=(2, 1, 1), padding=(4, 2, 0))
    >>> m
    Conv3d(4, 6, kernel_size=(3, 5, 2), stride=(2, 1, 1), padding=(4, 2, 0))
    >>> m(mt.randn(2, 4, 5, 6, 7)).shape
    minitorch_conv.Size([2, 6, 6, 6, 6])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        padding_ = padding if isinstance(padding, str) else _triple(padding)
        super().__init__(in_channels, out_channels, _triple(kernel_size), _triple(stride), padding_,
                         _triple(dilation), False, _triple(0), groups, bias, padding_mode,
                         device=device, dtype=dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:  # noqa: A002
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F.conv3d(padded, weight, bias, self.stride, _triple(0), self.dilation, self.groups)
        return F.conv3d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)


class ConvTranspose3d(_ConvTransposeNd):
    """A 3-D transposed convolution layer, PyTorch's ``nn.ConvTranspose3d``.

    ``weight`` is (in_channels, out_channels / groups, kD, kH, kW). Each output size is
    ``(size - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``;
    ``forward(input, output_size)`` may instead name the size wanted, which picks the output
    padding. Only ``padding_mode='zeros'`` is supported.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn
    >>> up = nn.ConvTranspose3d(4, 2, 3, stride=2)
    >>> up
    ConvTranspose3d(4, 2, kernel_size=(3, 3, 3), stride=(2, 2, 2))
    >>> up(mt.randn(1, 4, 3, 3, 3)).shape
    minitorch_conv.Size([1, 2, 7, 7, 7])
    >>> up(mt.randn(1, 4, 3, 3, 3), output_size=(8, 7, 8)).shape
    minitorch_conv.Size([1, 2, 8, 7, 8])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, _triple(kernel_size), _triple(stride),
                         _triple(padding), _triple(dilation), True, _triple(output_padding), groups,
                         bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor, output_size=None) -> Tensor:  # noqa: A002
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, 3, self.dilation)
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)
