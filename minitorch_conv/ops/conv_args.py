"""The convolution's argument value checks: PyTorch's rules and messages, in PyTorch's order.

The argument types are checked before these run, by the ``@parse_args`` declaration on each
public function in ``ops/conv.py`` (``minitorch_conv/_arguments.py``: PyTorch's TypeError, the
two signatures conv2d lists, the ValueError for an int out of int64's range). Each ``int[2]``
argument arrives here as the parser leaves it, an int or a tuple of ints, and a bare int counts
twice, as in PyTorch. ``ops/conv.py`` and ``ops/conv1d.py`` then call one function here per
public entry point, before any arithmetic:

=========================  ==================================================================
checker                    returns
=========================  ==================================================================
conv2d_arguments           (x as a batch, whether it was unbatched, the ConvParams)
conv_transpose2d_arguments (x as a batch, whether it was unbatched, the ConvParams, (Hout, Wout))
conv1d_arguments           conv2d_arguments' answer on the (N, C, 1, L) view, and the weight's view
conv_transpose1d_arguments conv_transpose2d_arguments' answer on the view, and the weight's view
conv3d_arguments           (x as a batch, whether it was unbatched, the 3-D ConvParams, weight)
conv_transpose3d_arguments (x as a batch, unbatched, 3-D ConvParams, (Dout, Hout, Wout), weight)
im2col_arguments           (x as a batch, whether it was batched, kernel size, the ConvParams)
col2im_arguments           (cols as a batch, whether it was batched, (H, W), kernel size, params)
=========================  ==================================================================

Each raises PyTorch's RuntimeError, with its words: a list of the wrong length, negative
padding, non-positive stride, a kernel larger than the padded input, channel counts that do not
match the groups, mixed devices or dtypes, ... tests/ops/test_conv.py compares every message with
PyTorch's.

>>> import minitorch_conv as mt
>>> x, unbatched, params = conv2d_arguments(mt.ones(3, 5, 5), mt.ones(2, 3, 3, 3), None, 1, "same", 1, 1)
>>> tuple(x.shape), unbatched, params.padding
((1, 3, 5, 5), True, (1, 1, 1, 1))
"""

from __future__ import annotations

from ..backends import CPP_NAMES, SCALAR_NAMES
from ..tensor import Tensor
from .window import ConvParams, conv_output_size


def _ints(value) -> tuple:
    """An ``int[2]`` argument as a tuple: a bare int twice (PyTorch's rule), a tuple as given."""
    return (value, value) if value.__class__ is int else tuple(value)


def _expand_param(value: tuple, name: str, spatial_dims: int) -> tuple:
    """A 1-element list broadcasts; otherwise it must have one value per spatial dimension."""
    if len(value) == 1:
        return value * spatial_dims
    if len(value) != spatial_dims:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {spatial_dims} values to "
            f"match the convolution dimensions, but got {name}={list(value)}"
        )
    return value


def _batchify(input: Tensor, fn: str, spatial_dims: int = 2):  # noqa: A002
    """An unbatched (C, H, W) input (or (C, L) for a 1-D convolution) as a batch of one; other
    ranks are refused."""
    if input.ndim not in (spatial_dims + 1, spatial_dims + 2):
        raise RuntimeError(
            f"Expected {spatial_dims + 1}D (unbatched) or {spatial_dims + 2}D (batched) input to {fn}, "
            f"but got input of size: {list(input.shape)}"
        )
    return (input.unsqueeze(0), True) if input.ndim == spatial_dims + 1 else (input, False)


def _check_same_device(input: Tensor, other: Tensor, what: str) -> None:  # noqa: A002
    if other.device != input.device:
        raise RuntimeError(
            f"Input type ({input.type_name()}) and {what} type ({other.type_name()}) should be the "
            f"same (input on {input.device}, {what} on {other.device})"
        )


def transposed_bias(x: Tensor, bias: Tensor | None) -> Tensor | None:
    """A transposed convolution's bias in the input's dtype: PyTorch adds a bias of any dtype
    (float64, float16, even int64) to a transposed convolution's output, cast to the output's
    dtype (an ordinary convolution refuses it). The cast is differentiable: the bias's gradient
    comes back in its own dtype."""
    return bias if bias is None or bias.dtype is x.dtype else bias.to(x.dtype)


def _check_same_type(input: Tensor, other: Tensor, what: str) -> None:  # noqa: A002
    """Device, then dtype, of ``other`` (weight or bias) against the input's."""
    _check_same_device(input, other, what)
    if other.dtype is not input.dtype:
        raise RuntimeError(
            f"expected scalar type {SCALAR_NAMES.get(input.dtype.name, input.dtype.name)} but found "
            f"{SCALAR_NAMES.get(other.dtype.name, other.dtype.name)}"
        )


def _check_bias_dtype(input: Tensor, bias: Tensor | None) -> None:  # noqa: A002
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type ({CPP_NAMES.get(input.dtype.name, input.dtype.name)}) and bias type "
            f"({CPP_NAMES.get(bias.dtype.name, bias.dtype.name)}) should be the same"
        )


def _check_shape_forward(x: Tensor, weight: Tensor, bias, stride, padding, dilation, groups,
                         output_padding=None) -> None:
    """PyTorch's ``_convolution`` and ``check_shape_forward`` checks, in PyTorch's order, on the
    shapes the caller gave (1-D or 2-D); :func:`_check_kernel_2d` follows, on the 2-D view.

    ``padding`` is (before, after) per spatial dimension, e.g. (top, bottom, left, right);
    ``output_padding`` is None for a convolution.
    """
    transposed = output_padding is not None
    weight_shape = list(weight.shape)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if transposed and any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if weight.ndim != x.ndim:
        raise RuntimeError(
            f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
            f"{weight_shape}, but got {x.ndim}-dimensional input of size {list(x.shape)} instead"
        )
    if weight.shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
            f"weight of size {weight_shape} instead"
        )
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [{weight_shape}] instead"
        )
    if not transposed:
        channels, bias_size, prefix = weight.shape[1] * groups, weight.shape[0], f"Given groups={groups}, "
    else:
        channels, bias_size, prefix = weight.shape[0], weight.shape[1] * groups, "Given transposed=1, "
    if x.shape[1] != channels:
        raise RuntimeError(
            f"{prefix}weight of size {weight_shape}, expected input{list(x.shape)} to have {channels} "
            f"channels, but got {x.shape[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != bias_size):
        prefix = "Given transposed=1, " if transposed else "Given "
        raise RuntimeError(
            f"{prefix}weight of size {weight_shape}, expected bias to be 1-dimensional with "
            f"{bias_size} elements, but got bias of size {list(bias.shape)} instead"
        )
    if not transposed:
        padded = [n + padding[2 * i] + padding[2 * i + 1] for i, n in enumerate(x.shape[2:])]
        dilated = [d * (k - 1) + 1 for d, k in zip(dilation, weight.shape[2:])]
        if any(p < k for p, k in zip(padded, dilated)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                f"size: ({' x '.join(map(str, dilated))}). Kernel size can't be greater than actual "
                "input size"
            )


def _check_kernel_3d(x: Tensor, weight: Tensor, dilation) -> None:
    """The checks PyTorch's 3-D kernels make (``slow_conv3d``'s words)."""
    if 0 in dilation:
        if 0 in weight.shape[2:]:
            raise RuntimeError(f"kernel size should be greater than zero, but got {list(weight.shape[2:])}")
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if any(k <= 0 for k in weight.shape[2:]):
        raise RuntimeError("kernel size should be greater than zero, but got: "
                           f"{' x '.join(map(str, weight.shape[2:]))} (TxHxW)")
    if x.numel() == 0 and x.shape[0] and x.shape[1]:
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{list(x.shape)}"
        )


def _check_kernel_3d_transposed(x: Tensor, weight: Tensor, dilation, stride, output_padding) -> None:
    """The checks PyTorch's 3-D transposed kernel makes (``slow_conv_transpose3d``'s words)."""
    if weight.numel() == 0:
        raise RuntimeError("non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x "
                           f"kernel_width) tensor expected for weight, but got: {list(weight.shape)}")
    if x.numel() == 0 and x.shape[0] and x.shape[1]:
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{list(x.shape)}"
        )
    axes = ("depth", "height", "width")
    if min(dilation) <= 0:
        raise RuntimeError("dilation should be greater than zero, but got "
                           + ", ".join(f"dilation_{a}: {d}" for a, d in zip(axes, dilation)))
    if not all(op < s or op < d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(f"output_padding_{a}: {v}" for a, v in zip(axes, output_padding)) + " "
            + " ".join(f"stride_{a}: {v}" for a, v in zip(axes, stride)) + " "
            + " ".join(f"dilation_{a}: {v}" for a, v in zip(axes, dilation)))


def _check_kernel_2d(x: Tensor, weight: Tensor, dilation, stride, output_padding=None) -> None:
    """The checks PyTorch's 2-D kernels make, on 2-D shapes (a 1-D convolution's (N, C, 1, L) view,
    whose messages therefore name a height of 1)."""
    transposed = output_padding is not None
    (kh, kw), (dh, dw) = weight.shape[2:], dilation
    if not transposed:
        if 0 in dilation:
            if 0 in (kh, kw):
                raise RuntimeError(f"kernel size should be greater than zero, but got {[kh, kw]}")
            raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if kh <= 0 or kw <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_height: {kh} kernel_width: {kw}"
        )
    empty_input = x.shape[0] == 0 or x.shape[1] == 0
    if x.numel() == 0 and not empty_input:
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{list(x.shape)}"
        )
    if transposed:
        if dh <= 0 or dw <= 0:
            raise RuntimeError(
                f"dilation should be greater than zero, but got dilation_height: {dh}, "
                f"dilation_width: {dw}"
            )
        (oph, opw), (sh, sw) = output_padding, stride
        if not ((opw < sw or opw < dw) and (oph < sh or oph < dh)):
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                f"output_padding_height: {oph} output_padding_width: {opw} stride_height: {sh} "
                f"stride_width: {sw} dilation_height: {dh} dilation_width: {dw}"
            )
        if weight.numel() == 0:
            raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {list(weight.shape)}")


def _pairs(names_values):
    """kernel_size, dilation, ... each as a pair: PyTorch's length check, in the arguments' order."""
    pairs = []
    for name, value in names_values:
        value = _ints(value)
        if len(value) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
        pairs.append(value)
    return pairs


def _check_positive(kind: str, pair) -> None:
    first, second = {"kernel size": ("kernel_height", "kernel_width"),
                     "dilation": ("dilation_height", "dilation_width"),
                     "stride": ("stride_height", "stride_width"),
                     "padding": ("pad_height", "pad_width")}[kind]
    bad = pair[0] < 0 or pair[1] < 0 if kind == "padding" else pair[0] <= 0 or pair[1] <= 0
    if bad:
        need = "be non-negative" if kind == "padding" else "be greater than zero"
        raise RuntimeError(f"{kind} should {need}, but got {first}: {pair[0]} {second}: {pair[1]}")


# ---------------------------------------------------------------------------- one checker per entry point
def conv2d_arguments(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    """``F.conv2d``'s argument values checked: ``(x, unbatched, params)``, x always (N, C, H, W)."""
    return _conv_arguments(input, weight, bias, stride, padding, dilation, groups, "conv2d", 2)[:3]


def conv1d_arguments(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    """``F.conv1d``'s argument values checked: ``(x, weight, unbatched, params)``.

    PyTorch checks the 1-D shapes (its messages name them), then runs the 2-D kernels on a
    (N, C, 1, L) view: x and weight come back as those views, and ``params`` as their 2-D geometry
    (stride, dilation 1 and no padding along the height of 1).
    """
    return _conv_arguments(input, weight, bias, stride, padding, dilation, groups, "conv1d", 1)


def _ints1(value) -> tuple:
    """An ``int[1]`` argument as a tuple: a bare int once."""
    return (value,) if value.__class__ is int else tuple(value)


def _ints3(value) -> tuple:
    """An ``int[3]`` argument as a tuple: a bare int three times."""
    return (value,) * 3 if value.__class__ is int else tuple(value)


_INTS = {1: _ints1, 2: _ints, 3: _ints3}


def conv3d_arguments(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    """``F.conv3d``'s argument values checked: ``(x, unbatched, params, weight)``, x always
    (N, C, D, H, W); ``params`` is a ConvParams of 3-D geometry (stride and dilation triples,
    padding as (front, back, top, bottom, left, right))."""
    return _conv_arguments(input, weight, bias, stride, padding, dilation, groups, "conv3d", 3)


def _as_2d(stride, padding, dilation, output_padding=None):
    """1-D geometry as its (N, C, 1, L) view's: height stride/dilation 1, padding/output padding 0."""
    out = ((1, *stride), (0, 0, *padding), (1, *dilation))
    return out if output_padding is None else out + ((0, *output_padding),)


def _conv_arguments(input, weight, bias, stride, padding, dilation, groups, fn, dims):  # noqa: A002
    """conv1d's, conv2d's and conv3d's checks: ``(x, unbatched, params[, weight])``, on 2-D (views)
    for the first two."""
    ints = _INTS[dims]
    string_padding = padding.__class__ is str
    stride, dilation = ints(stride), ints(dilation)
    if not string_padding:
        _check_bias_dtype(input, bias)
    x, unbatched = _batchify(input, fn, dims)
    if string_padding and padding not in ("same", "valid"):
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    if weight.ndim <= 2:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    spatial_dims = weight.ndim - 2
    if padding == "same":
        if weight.ndim != x.ndim:
            raise RuntimeError(
                f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight"
                f"{list(weight.shape)}, but got {x.ndim}-dimensional input of size {list(x.shape)} "
                "instead"
            )
        for name, value in (("stride", stride), ("dilation", dilation)):
            if len(value) not in (1, spatial_dims):
                raise RuntimeError(f"{name} cannot broadcast to {spatial_dims} dimensions")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        stride = _expand_param(stride, "stride", dims)
        dilation = _expand_param(dilation, "dilation", dims)
        pads = []
        for d, k in zip(dilation, weight.shape[2:]):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]  # the smaller half first (top, left)
        pads = tuple(pads)
    else:
        stride = _expand_param(stride, "stride", spatial_dims)
        pair = _expand_param((0,) * dims if string_padding else ints(padding), "padding", spatial_dims)
        dilation = _expand_param(dilation, "dilation", spatial_dims)
        pads = tuple(p for p in pair for _ in range(2))  # (ph, ph, pw, pw)
    _check_shape_forward(x, weight, bias, stride, pads, dilation, groups)
    if dims == 1:
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        stride, pads, dilation = _as_2d(stride, pads, dilation)
    if dims == 3:
        _check_kernel_3d(x, weight, dilation)
    else:
        _check_kernel_2d(x, weight, dilation, stride)
    if x.shape[0] and x.shape[1]:
        _check_same_type(x, weight, "weight")
        if bias is not None:
            _check_bias_dtype(x, bias)
    return x, unbatched, ConvParams(tuple(stride), pads, tuple(dilation), groups), weight


def conv_transpose2d_arguments(input, weight, bias, stride, padding, output_padding, groups,  # noqa: A002
                               dilation):
    """``F.conv_transpose2d``'s argument values checked: ``(x, unbatched, params, (Hout, Wout))``."""
    return _conv_transpose_arguments(input, weight, bias, stride, padding, output_padding, groups,
                                     dilation, "conv_transpose2d", 2)[:4]


def conv_transpose1d_arguments(input, weight, bias, stride, padding, output_padding, groups,  # noqa: A002
                               dilation):
    """``F.conv_transpose1d``'s argument values checked: ``(x, unbatched, params, (1, Lout), weight)``,
    x and weight as (N, C, 1, L) views (see :func:`conv1d_arguments`)."""
    return _conv_transpose_arguments(input, weight, bias, stride, padding, output_padding, groups,
                                     dilation, "conv_transpose1d", 1)


def conv_transpose3d_arguments(input, weight, bias, stride, padding, output_padding, groups,  # noqa: A002
                               dilation):
    """``F.conv_transpose3d``'s argument values checked: ``(x, unbatched, params, (Dout, Hout, Wout),
    weight)`` (see :func:`conv3d_arguments` for ``params``)."""
    return _conv_transpose_arguments(input, weight, bias, stride, padding, output_padding, groups,
                                     dilation, "conv_transpose3d", 3)


def _conv_transpose_arguments(input, weight, bias, stride, padding, output_padding, groups,  # noqa: A002
                              dilation, fn, dims):
    """conv_transpose1d's, conv_transpose2d's and conv_transpose3d's checks, on 2-D (views) for the
    first two."""
    ints = _INTS[dims]
    stride, padding, output_padding, dilation = (ints(v) for v in (stride, padding, output_padding,
                                                                    dilation))
    x, unbatched = _batchify(input, fn, dims)
    if weight.ndim <= 2:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    spatial_dims = weight.ndim - 2
    stride = _expand_param(stride, "stride", spatial_dims)
    padding = _expand_param(padding, "padding", spatial_dims)
    dilation = _expand_param(dilation, "dilation", spatial_dims)
    output_padding = _expand_param(output_padding, "output_padding", spatial_dims)
    pads = tuple(p for p in padding for _ in range(2))
    _check_shape_forward(x, weight, bias, stride, pads, dilation, groups, output_padding)
    if dims == 1:
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        stride, pads, dilation, output_padding = _as_2d(stride, pads, dilation, output_padding)
        padding = (0, *padding)
    if dims == 3:
        _check_kernel_3d_transposed(x, weight, dilation, stride, output_padding)
    else:
        _check_kernel_2d(x, weight, dilation, stride, output_padding)
    sizes = x.shape[2:]
    output_size = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
                        zip(sizes, stride, padding, dilation, weight.shape[2:], output_padding))
    if min(output_size) < 1:
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output size per "
            f"channel: ({' x '.join(map(str, output_size))}). Output size is too small"
        )
    if x.shape[0] and x.shape[1]:
        _check_same_type(x, weight, "weight")
        if bias is not None and dims == 3:  # PyTorch's 3-D transposed convolution checks its dtype
            _check_same_type(x, bias, "bias")
        elif bias is not None:  # 1-D and 2-D: any dtype, cast to the output's (transposed_bias)
            _check_same_device(x, bias, "bias")
    return x, unbatched, ConvParams(tuple(stride), pads, tuple(dilation), groups), output_size, weight


def im2col_arguments(input, kernel_size, dilation, padding, stride):  # noqa: A002
    """``im2col``'s (``F.unfold``'s) argument values checked: ``(x, batched, kernel_size, params)``."""
    kernel_size, dilation, padding, stride = _pairs(
        (("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding), ("stride", stride)))
    _check_positive("kernel size", kernel_size)
    _check_positive("dilation", dilation)
    _check_positive("padding", padding)
    _check_positive("stride", stride)
    if input.ndim < 3:
        rank = max(input.ndim, 1)  # PyTorch reads input.size(rank) before checking the rank
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                         f"but got {rank})")
    batched = input.ndim == 4
    if input.ndim not in (3, 4) or 0 in input.shape[1 if batched else 0:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {list(input.shape)}"
        )
    x = input if batched else input.unsqueeze(0)
    params = ConvParams(tuple(stride), tuple(p for p in padding for _ in range(2)), tuple(dilation))
    Ho, Wo = conv_output_size(x.shape[2:], kernel_size, params)
    if Ho < 1 or Wo < 1:
        raise RuntimeError(
            f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size="
            f"({kernel_size[0]}, {kernel_size[1]}), dilation=({dilation[0]}, {dilation[1]}), padding="
            f"({padding[0]}, {padding[1]}), calculated shape of the array of sliding blocks as "
            f"({Ho}, {Wo}), but its components must be at least one."
        )
    return x, batched, tuple(kernel_size), params


def col2im_arguments(input, output_size, kernel_size, dilation, padding, stride):  # noqa: A002
    """``col2im``'s (``F.fold``'s) argument values checked: ``(cols, batched, (H, W), (kh, kw), params)``."""
    output_size, kernel_size, dilation, padding, stride = _pairs(
        (("output_size", output_size), ("kernel_size", kernel_size), ("dilation", dilation),
         ("padding", padding), ("stride", stride)))
    _check_positive("kernel size", kernel_size)
    _check_positive("stride", stride)
    _check_positive("dilation", dilation)
    _check_positive("padding", padding)
    batched = input.ndim == 3
    if input.ndim not in (2, 3) or 0 in input.shape[1 if batched else 0:]:
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
            f"dimensions for input, but got: {list(input.shape)}"
        )
    cols = input if batched else input.unsqueeze(0)
    (kh, kw), (H, W) = kernel_size, output_size
    if cols.shape[1] % (kh * kw):
        dim = 1 if batched else 0
        raise RuntimeError(
            f"Expected size of input's dimension {dim} to be divisible by the product of kernel_size, "
            f"but got input.size({dim})={cols.shape[1]} and kernel_size=({kh}, {kw})."
        )
    params = ConvParams(tuple(stride), tuple(p for p in padding for _ in range(2)), tuple(dilation))
    Ho, Wo = conv_output_size((H, W), (kh, kw), params)
    if cols.shape[2] != Ho * Wo:
        dim = 2 if batched else 1
        raise RuntimeError(
            f"Given output_size=({H}, {W}), kernel_size=({kh}, {kw}), dilation=({dilation[0]}, "
            f"{dilation[1]}), padding=({padding[0]}, {padding[1]}), stride=({stride[0]}, {stride[1]}), "
            f"expected size of input's dimension {dim} to match the calculated number of sliding "
            f"blocks {Ho} * {Wo} = {Ho * Wo}, but got input.size({dim})={cols.shape[2]}."
        )
    if Ho < 1 or Wo < 1:
        raise RuntimeError(
            f"Given output_size=({H}, {W}), kernel_size=({kh}, {kw}), dilation=({dilation[0]}, "
            f"{dilation[1]}), padding=({padding[0]}, {padding[1]}), stride=({stride[0]}, {stride[1]}), "
            f"calculated shape of the array of sliding blocks as ({Ho}, {Wo}), which is invalid."
        )
    return cols, batched, (H, W), (kh, kw), params
