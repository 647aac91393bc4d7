"""ONNX translations of ``nn.functional``: convolutions, pooling, normalisation, activations,
padding and resizing. The layers of ``nn`` call these functions, so a model of layers needs
nothing more.

Each function mirrors the signature of the ``F`` function it translates (see :mod:`.registry`).
Attributes are written out in full (``pads``, ``strides``, ``dilations``, ``group``), never
``auto_pad``, so that what PyTorch's ``padding='same'`` does with an even kernel (the smaller half
first) is exactly what ONNX Runtime does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..ops.window import pair
from ..tensor import Tensor
from .errors import UnsupportedOperatorError
from .graph import INT64_MAX, GraphBuilder
from .registry import symbolic

__all__: list[str] = []  # nothing here is called directly: the registry holds these


def _pair(value) -> tuple[int, int]:
    """PyTorch's ``_pair``, with a 1-element sequence broadcast as the functional ops do."""
    value = pair(value)
    return value * 2 if len(value) == 1 else value


class _Batched:
    """ONNX's Conv and pooling want a batch dimension: an unbatched (C, H, W) input gets one
    (Unsqueeze) before and loses it (Squeeze) after."""

    def __init__(self, g: GraphBuilder, input: Tensor, spatial: int = 2):  # noqa: A002
        self.g, self.unbatched = g, input.ndim == spatial + 1

    def __call__(self, name: str) -> str:
        return self.g.unsqueeze(name, [0]) if self.unbatched else name

    def done(self, name: str) -> str:
        return self.g.squeeze(name, [0]) if self.unbatched else name


# ---------------------------------------------------------------------------- linear and conv
@symbolic("nn.functional.linear")
def linear(g: GraphBuilder, out, input, weight, bias=None):  # noqa: A002
    x, w = g.value(input, out.dtype), g.value(weight, out.dtype)
    if input.ndim == 2:
        g.bind(out, g.op("Gemm", x, w, g.value(bias, out.dtype), transB=1))
        return
    y = g.op("MatMul", x, g.op("Transpose", w, perm=[1, 0]))
    g.bind(out, y if bias is None else g.op("Add", y, g.value(bias, out.dtype)))


def _conv_pads(padding, kernel: tuple[int, int], dilation: tuple[int, int]) -> list[int]:
    """ONNX ``pads`` ([top, left, bottom, right]) for F.conv2d's ``padding``."""
    if padding == "valid":
        return [0, 0, 0, 0]
    if padding == "same":  # PyTorch puts the smaller half first
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    ph, pw = _pair(padding)
    return [ph, pw, ph, pw]


@symbolic("nn.functional.conv2d", "ops.conv2d")
def conv2d(g: GraphBuilder, out, input, weight, bias=None, stride=1, padding=0, dilation=1,  # noqa: A002
           groups=1):
    batched = _Batched(g, input)
    kernel, dilations = tuple(weight.shape[2:]), _pair(dilation)
    inputs = [batched(g.value(input, out.dtype)), g.value(weight, out.dtype)]
    if bias is not None:
        inputs.append(g.value(bias, out.dtype))
    y = g.op("Conv", *inputs, kernel_shape=list(kernel), strides=list(_pair(stride)),
             pads=_conv_pads(padding, kernel, dilations), dilations=list(dilations), group=groups)
    g.bind(out, batched.done(y))


@symbolic("nn.functional.conv_transpose2d", "ops.conv_transpose2d")
def conv_transpose2d(g: GraphBuilder, out, input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups=1, dilation=1):
    batched = _Batched(g, input)
    ph, pw = _pair(padding)
    inputs = [batched(g.value(input, out.dtype)), g.value(weight, out.dtype)]
    if bias is not None:
        inputs.append(g.value(bias, out.dtype))
    y = g.op("ConvTranspose", *inputs, kernel_shape=list(weight.shape[2:]),
             strides=list(_pair(stride)), pads=[ph, pw, ph, pw], dilations=list(_pair(dilation)),
             output_padding=list(_pair(output_padding)), group=groups)
    g.bind(out, batched.done(y))


# ---------------------------------------------------------------------------- pooling
@symbolic("nn.functional.max_pool2d")
def max_pool2d(g: GraphBuilder, out, input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    if return_indices:
        raise UnsupportedOperatorError("nn.functional.max_pool2d", g.opset, "return_indices=True")
    batched = _Batched(g, input)
    kernel = _pair(kernel_size)
    ph, pw = _pair(padding)
    y = g.op("MaxPool", batched(g.value(input)), kernel_shape=list(kernel),
             strides=list(_pair(kernel if stride is None or stride == [] else stride)),
             pads=[ph, pw, ph, pw], dilations=list(_pair(dilation)), ceil_mode=int(bool(ceil_mode)))
    g.bind(out, batched.done(y))


@symbolic("nn.functional.avg_pool2d")
def avg_pool2d(g: GraphBuilder, out, input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    batched = _Batched(g, input)
    kernel = _pair(kernel_size)
    ph, pw = _pair(padding)
    include_pad = bool(count_include_pad) or divisor_override is not None
    if divisor_override is not None and ceil_mode:
        raise UnsupportedOperatorError("nn.functional.avg_pool2d", g.opset,
                                       "divisor_override together with ceil_mode=True")
    y = g.op("AveragePool", batched(g.value(input)), kernel_shape=list(kernel),
             strides=list(_pair(kernel if stride is None or stride == [] else stride)),
             pads=[ph, pw, ph, pw], ceil_mode=int(bool(ceil_mode)),
             count_include_pad=int(include_pad))
    if divisor_override is not None:  # the window sums, divided by the override instead
        y = g.op("Mul", y, g.value(kernel[0] * kernel[1] / divisor_override, out.dtype))
    g.bind(out, batched.done(y))


def _averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size): row i averages input[floor(i*size/out) : ceil((i+1)*size/out)], PyTorch's
    adaptive windows."""
    matrix = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def _adaptive(g: GraphBuilder, out, input, output_size, global_op: str, pool_op: str,  # noqa: A002
              name: str):
    """Adaptive pooling: the global pool for (1, 1); where each output cell pools an equal window,
    that fixed pool (as PyTorch exports it); else, for averages, the two averaging matrices
    (``P_h @ x @ P_w^T``, how minitorch_conv computes it); other max pools are refused."""
    batched = _Batched(g, input)
    H, W = input.shape[-2:]
    oh, ow = out.shape[-2:]
    x = batched(g.value(input))
    if (oh, ow) == (1, 1):
        y = g.op(global_op, x)
    elif H % oh == 0 and W % ow == 0:
        kernel = [H // oh, W // ow]
        y = g.op(pool_op, x, kernel_shape=kernel, strides=kernel)
    elif pool_op == "AveragePool":
        dtype = out.dtype.numpy
        rows = g.op("MatMul", g.constant(_averaging_matrix(H, oh, dtype)), x)
        y = g.op("MatMul", rows, g.constant(_averaging_matrix(W, ow, dtype).T.copy()))
    else:
        raise UnsupportedOperatorError(
            name, g.opset, f"output size {(oh, ow)} does not divide the input size {(H, W)}")
    g.bind(out, batched.done(y))


@symbolic("nn.functional.adaptive_avg_pool2d")
def adaptive_avg_pool2d(g: GraphBuilder, out, input, output_size):  # noqa: A002
    _adaptive(g, out, input, output_size, "GlobalAveragePool", "AveragePool",
              "nn.functional.adaptive_avg_pool2d")


@symbolic("nn.functional.adaptive_max_pool2d")
def adaptive_max_pool2d(g: GraphBuilder, out, input, output_size, return_indices=False):  # noqa: A002
    if return_indices:
        raise UnsupportedOperatorError("nn.functional.adaptive_max_pool2d", g.opset,
                                       "return_indices=True")
    _adaptive(g, out, input, output_size, "GlobalMaxPool", "MaxPool",
              "nn.functional.adaptive_max_pool2d")


# ---------------------------------------------------------------------------- normalisation
@symbolic("nn.functional.batch_norm")
def batch_norm(g: GraphBuilder, out, input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training=False, momentum=0.1, eps=1e-5):
    if training:
        raise UnsupportedOperatorError(
            "nn.functional.batch_norm", g.opset, "batch statistics (training mode, or "
            "track_running_stats=False); export the model in eval mode")
    channels = input.shape[1]
    ones = np.ones(channels, dtype=out.dtype.numpy)
    scale = g.value(weight, out.dtype) if weight is not None else g.constant(ones)
    shift = g.value(bias, out.dtype) if bias is not None else g.constant(ones * 0)
    g.bind(out, g.op("BatchNormalization", g.value(input, out.dtype), scale, shift,
                     g.value(running_mean, out.dtype), g.value(running_var, out.dtype),
                     epsilon=float(eps)))


@symbolic("nn.functional.layer_norm")
def layer_norm(g: GraphBuilder, out, input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    if g.opset < 17:
        raise UnsupportedOperatorError("nn.functional.layer_norm", g.opset,
                                       "LayerNormalization needs opset 17 or later")
    shape = tuple(normalized_shape) if isinstance(normalized_shape, Iterable) else (normalized_shape,)
    ones = np.ones(shape, dtype=out.dtype.numpy)
    scale = g.value(weight, out.dtype) if weight is not None else g.constant(ones)
    shift = g.value(bias, out.dtype) if bias is not None else g.constant(ones * 0)
    g.bind(out, g.op("LayerNormalization", g.value(input, out.dtype), scale, shift,
                     axis=input.ndim - len(shape), epsilon=float(eps)))


@symbolic("nn.functional.group_norm")
def group_norm(g: GraphBuilder, out, input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """As PyTorch exports it: the groups as the channels of an InstanceNormalization (input seen
    as (N, groups, rest)), then the per-channel scale and shift."""
    x = _x(g, out, input)
    grouped = g.op("Reshape", x, g.ints([0, num_groups, -1]))
    ones = np.ones(num_groups, dtype=out.dtype.numpy)
    normal = g.op("InstanceNormalization", grouped, g.constant(ones), g.constant(ones * 0),
                  epsilon=float(eps))
    y = g.op("Reshape", normal, g.op("Shape", x))
    channel_axes = list(range(1, input.ndim - 1))
    if weight is not None:
        y = g.op("Mul", y, g.unsqueeze(g.value(weight, out.dtype), channel_axes))
    if bias is not None:
        y = g.op("Add", y, g.unsqueeze(g.value(bias, out.dtype), channel_axes))
    g.bind(out, y)


@symbolic("nn.functional.instance_norm")
def instance_norm(g: GraphBuilder, out, input, running_mean=None, running_var=None, weight=None,  # noqa: A002
                  bias=None, use_input_stats=True, momentum=0.1, eps=1e-5):
    if not use_input_stats:  # the running statistics: a BatchNormalization
        batch_norm(g, out, input, running_mean, running_var, weight, bias, False, momentum, eps)
        return
    ones = np.ones(input.shape[1], dtype=out.dtype.numpy)
    scale = g.value(weight, out.dtype) if weight is not None else g.constant(ones)
    shift = g.value(bias, out.dtype) if bias is not None else g.constant(ones * 0)
    g.bind(out, g.op("InstanceNormalization", _x(g, out, input), scale, shift, epsilon=float(eps)))


@symbolic("nn.functional.pixel_shuffle")
def pixel_shuffle(g: GraphBuilder, out, input, upscale_factor):  # noqa: A002
    if input.ndim > 4:
        raise UnsupportedOperatorError("nn.functional.pixel_shuffle", g.opset,
                                       "more than one batch dimension")
    batched = _Batched(g, input)
    y = g.op("DepthToSpace", batched(_x(g, out, input)), blocksize=int(upscale_factor), mode="CRD")
    g.bind(out, batched.done(y))


@symbolic("nn.functional.dropout", "nn.functional.dropout1d", "nn.functional.dropout2d",
          "nn.functional.dropout3d", "nn.functional.alpha_dropout",
          "nn.functional.feature_alpha_dropout")
def dropout(g: GraphBuilder, out, input, p=0.5, training=True, inplace=False):  # noqa: A002
    if training and p > 0:
        raise UnsupportedOperatorError("nn.functional.dropout", g.opset,
                                       "dropout in training mode; export the model in eval mode")
    g.bind(out, g.value(input))  # the identity in evaluation mode


# ---------------------------------------------------------------------------- activations
def _x(g: GraphBuilder, out, input) -> str:  # noqa: A002
    return g.value(input, out.dtype)


@symbolic("nn.functional.relu", "nn.functional.relu_")
def relu(g: GraphBuilder, out, input, inplace=False):  # noqa: A002
    g.bind(out, g.op("Relu", _x(g, out, input)))


@symbolic("nn.functional.hardtanh", "nn.functional.hardtanh_")
def hardtanh(g: GraphBuilder, out, input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    g.bind(out, g.op("Clip", _x(g, out, input), g.value(float(min_val), out.dtype),
                     g.value(float(max_val), out.dtype)))


@symbolic("nn.functional.relu6")
def relu6(g: GraphBuilder, out, input, inplace=False):  # noqa: A002
    hardtanh(g, out, input, 0.0, 6.0)


@symbolic("nn.functional.leaky_relu", "nn.functional.leaky_relu_")
def leaky_relu(g: GraphBuilder, out, input, negative_slope=0.01, inplace=False):  # noqa: A002
    g.bind(out, g.op("LeakyRelu", _x(g, out, input), alpha=float(negative_slope)))


@symbolic("nn.functional.sigmoid")
def sigmoid(g: GraphBuilder, out, input):  # noqa: A002
    g.bind(out, g.op("Sigmoid", _x(g, out, input)))


@symbolic("nn.functional.tanh")
def tanh(g: GraphBuilder, out, input):  # noqa: A002
    g.bind(out, g.op("Tanh", _x(g, out, input)))


@symbolic("nn.functional.gelu")
def gelu(g: GraphBuilder, out, input, approximate="none"):  # noqa: A002
    x = _x(g, out, input)
    if g.opset >= 20:
        g.bind(out, g.op("Gelu", x, approximate=approximate))
        return

    def c(value):
        return g.value(value, out.dtype)

    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.op("Mul", g.op("Mul", x, x), x)
        inner = g.op("Mul", g.op("Add", x, g.op("Mul", cube, c(0.044715))), c(math.sqrt(2 / math.pi)))
        factor = g.op("Add", g.op("Tanh", inner), c(1.0))
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        factor = g.op("Add", g.op("Erf", g.op("Div", x, c(math.sqrt(2)))), c(1.0))
    g.bind(out, g.op("Mul", g.op("Mul", x, factor), c(0.5)))


@symbolic("nn.functional.silu")
def silu(g: GraphBuilder, out, input, inplace=False):  # noqa: A002
    x = _x(g, out, input)
    g.bind(out, g.op("Mul", x, g.op("Sigmoid", x)))


@symbolic("nn.functional.mish")
def mish(g: GraphBuilder, out, input, inplace=False):  # noqa: A002
    x = _x(g, out, input)
    if g.opset >= 18:
        g.bind(out, g.op("Mish", x))
    else:
        g.bind(out, g.op("Mul", x, g.op("Tanh", g.op("Softplus", x))))


@symbolic("nn.functional.elu", "nn.functional.elu_")
def elu(g: GraphBuilder, out, input, alpha=1.0, inplace=False):  # noqa: A002
    g.bind(out, g.op("Elu", _x(g, out, input), alpha=float(alpha)))


@symbolic("nn.functional.selu")
def selu(g: GraphBuilder, out, input, inplace=False):  # noqa: A002
    g.bind(out, g.op("Selu", _x(g, out, input), alpha=1.6732632423543772848170429916717,
                     gamma=1.0507009873554804934193349852946))


@symbolic("nn.functional.celu")
def celu(g: GraphBuilder, out, input, alpha=1.0, inplace=False):  # noqa: A002
    g.bind(out, g.op("Celu", _x(g, out, input), alpha=float(alpha)))


@symbolic("nn.functional.softplus")
def softplus(g: GraphBuilder, out, input, beta=1.0, threshold=20.0):  # noqa: A002
    x = _x(g, out, input)
    scaled = x if beta == 1 else g.op("Mul", x, g.value(float(beta), out.dtype))
    smooth = g.op("Softplus", scaled)
    if beta != 1:
        smooth = g.op("Div", smooth, g.value(float(beta), out.dtype))
    linear_part = g.op("Greater", scaled, g.value(float(threshold), out.dtype))
    g.bind(out, g.op("Where", linear_part, x, smooth))


@symbolic("ops.softplus")
def softplus_plain(g: GraphBuilder, out, input):  # noqa: A002
    g.bind(out, g.op("Softplus", _x(g, out, input)))


@symbolic("nn.functional.hardswish")
def hardswish(g: GraphBuilder, out, input, inplace=False):  # noqa: A002
    g.bind(out, g.op("HardSwish", _x(g, out, input)))


@symbolic("nn.functional.hardsigmoid")
def hardsigmoid(g: GraphBuilder, out, input, inplace=False):  # noqa: A002
    g.bind(out, g.op("HardSigmoid", _x(g, out, input), alpha=1 / 6, beta=0.5))


@symbolic("nn.functional.logsigmoid")
def logsigmoid(g: GraphBuilder, out, input):  # noqa: A002
    g.bind(out, g.op("Neg", g.op("Softplus", g.op("Neg", _x(g, out, input)))))


@symbolic("nn.functional.softsign")
def softsign(g: GraphBuilder, out, input):  # noqa: A002
    g.bind(out, g.op("Softsign", _x(g, out, input)))


@symbolic("nn.functional.tanhshrink")
def tanhshrink(g: GraphBuilder, out, input):  # noqa: A002
    x = _x(g, out, input)
    g.bind(out, g.op("Sub", x, g.op("Tanh", x)))


@symbolic("nn.functional.softshrink")
def softshrink(g: GraphBuilder, out, input, lambd=0.5):  # noqa: A002
    g.bind(out, g.op("Shrink", _x(g, out, input), lambd=float(lambd), bias=float(lambd)))


@symbolic("nn.functional.hardshrink")
def hardshrink(g: GraphBuilder, out, input, lambd=0.5):  # noqa: A002
    g.bind(out, g.op("Shrink", _x(g, out, input), lambd=float(lambd), bias=0.0))


@symbolic("nn.functional.threshold", "nn.functional.threshold_")
def threshold(g: GraphBuilder, out, input, threshold, value, inplace=False):  # noqa: A002
    x = _x(g, out, input)
    at_most = g.op("LessOrEqual", x, g.value(float(threshold), out.dtype))
    g.bind(out, g.op("Where", at_most, g.value(float(value), out.dtype), x))


@symbolic("nn.functional.prelu")
def prelu(g: GraphBuilder, out, input, weight):  # noqa: A002
    slope = g.value(weight, out.dtype)
    if weight.numel() > 1 and input.ndim > 2:  # one slope per channel (dim 1)
        slope = g.unsqueeze(slope, list(range(1, input.ndim - 1)))
    g.bind(out, g.op("PRelu", _x(g, out, input), slope))


@symbolic("nn.functional.glu")
def glu(g: GraphBuilder, out, input, dim=-1):  # noqa: A002
    axis = dim % input.ndim
    half = input.shape[axis] // 2
    first, second = g.op("Split", _x(g, out, input), g.ints([half, half]), axis=axis, outputs=2)
    g.bind(out, g.op("Mul", first, g.op("Sigmoid", second)))


def _softmax_axis(dim, ndim: int) -> int:
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if ndim in (0, 1, 3) else 1
    return dim % ndim if ndim else 0


@symbolic("nn.functional.softmax")
def softmax(g: GraphBuilder, out, input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    g.bind(out, g.op("Softmax", _x(g, out, input), axis=_softmax_axis(dim, input.ndim)))


@symbolic("nn.functional.log_softmax")
def log_softmax(g: GraphBuilder, out, input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    g.bind(out, g.op("LogSoftmax", _x(g, out, input), axis=_softmax_axis(dim, input.ndim)))


@symbolic("nn.functional.softmin")
def softmin(g: GraphBuilder, out, input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    g.bind(out, g.op("Softmax", g.op("Neg", _x(g, out, input)),
                     axis=_softmax_axis(dim, input.ndim)))


# ---------------------------------------------------------------------------- padding
@symbolic("nn.functional.pad", "ops.pad")
def pad(g: GraphBuilder, out, input, pad, mode="constant", value=None):  # noqa: A002
    """``F.pad``'s amounts run from the last dimension backwards, (left, right) per dimension;
    ONNX's ``pads`` are all the beginnings, then all the ends, first dimension first."""
    ndim = input.ndim
    begins, ends = [0] * ndim, [0] * ndim
    for i in range(len(pad) // 2):
        begins[ndim - 1 - i], ends[ndim - 1 - i] = int(pad[2 * i]), int(pad[2 * i + 1])
    x = _x(g, out, input)
    if mode == "constant":
        fill = g.value(0.0 if value is None else value, out.dtype)
        g.bind(out, g.op("Pad", x, g.ints(begins + ends), fill, mode="constant"))
    elif mode in ("reflect", "replicate"):
        g.bind(out, g.op("Pad", x, g.ints(begins + ends),
                         mode="reflect" if mode == "reflect" else "edge"))
    elif mode == "circular":
        g.bind(out, _circular_pad(g, x, begins, ends))
    else:
        raise UnsupportedOperatorError("nn.functional.pad", g.opset, f"mode={mode!r}")


def _circular_pad(g: GraphBuilder, x: str, begins: list[int], ends: list[int]) -> str:
    """Wrap-around padding as slices and a Concat per dimension (ONNX's ``wrap`` mode needs opset
    19, and this works in every opset)."""
    for axis, (before, after) in enumerate(zip(begins, ends)):
        if before < 0 or after < 0:
            raise UnsupportedOperatorError("nn.functional.pad", g.opset,
                                           "negative circular padding")
        if not before and not after:
            continue
        parts = []
        if before:
            parts.append(g.op("Slice", x, g.ints([-before]), g.ints([INT64_MAX]), g.ints([axis])))
        parts.append(x)
        if after:
            parts.append(g.op("Slice", x, g.ints([0]), g.ints([after]), g.ints([axis])))
        x = g.op("Concat", *parts, axis=axis)
    return x


# ---------------------------------------------------------------------------- resizing
@symbolic("nn.functional.interpolate", "nn.functional.upsample")
def interpolate(g: GraphBuilder, out, input, size=None, scale_factor=None, mode="nearest",  # noqa: A002
                align_corners=None, recompute_scale_factor=None, antialias=False):
    """``Resize``. With ``scale_factor`` (and no ``recompute_scale_factor``) the scales are
    written, which is what PyTorch's sampling uses; with ``size`` the output size is: the batch
    and channel sizes come from the input's shape at run time, so the batch may vary."""
    if antialias:
        raise UnsupportedOperatorError("nn.functional.interpolate", g.opset, "antialias=True")
    if mode == "area":  # adaptive average pooling to the output size
        _adaptive(g, out, input, tuple(out.shape[2:]), "GlobalAveragePool", "AveragePool",
                  "nn.functional.interpolate")
        return
    if mode == "nearest":
        attributes = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                      "nearest_mode": "floor"}
    elif mode == "nearest-exact":  # floor((o + 0.5) / scale), as half_pixel rounded up at .5
        attributes = {"mode": "nearest", "coordinate_transformation_mode": "half_pixel",
                      "nearest_mode": "round_prefer_ceil"}
    elif mode in ("linear", "bilinear", "trilinear"):
        attributes = {"mode": "linear", "coordinate_transformation_mode":
                      "align_corners" if align_corners else "pytorch_half_pixel"}
    elif mode == "bicubic":
        attributes = {"mode": "cubic", "cubic_coeff_a": -0.75, "coordinate_transformation_mode":
                      "align_corners" if align_corners else "pytorch_half_pixel"}
    else:
        raise UnsupportedOperatorError("nn.functional.interpolate", g.opset, f"mode={mode!r}")
    x = _x(g, out, input)
    spatial = input.ndim - 2
    if scale_factor is not None and not recompute_scale_factor:
        factors = list(scale_factor) if isinstance(scale_factor, Iterable) else [scale_factor] * spatial
        scales = g.constant(np.asarray([1.0, 1.0] + [float(f) for f in factors], dtype=np.float32))
        g.bind(out, g.op("Resize", x, "", scales, **attributes))
        return
    batch_and_channels = g.op("Slice", g.op("Shape", x), g.ints([0]), g.ints([2]))
    sizes = g.op("Concat", batch_and_channels, g.ints(out.shape[2:]), axis=0)
    g.bind(out, g.op("Resize", x, "", "", sizes, **attributes))


@symbolic("nn.functional.upsample_nearest")
def upsample_nearest(g: GraphBuilder, out, input, size=None, scale_factor=None):  # noqa: A002
    interpolate(g, out, input, size, scale_factor, "nearest")


@symbolic("nn.functional.upsample_bilinear")
def upsample_bilinear(g: GraphBuilder, out, input, size=None, scale_factor=None):  # noqa: A002
    interpolate(g, out, input, size, scale_factor, "bilinear", align_corners=True)

