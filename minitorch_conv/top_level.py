"""PyTorch's top-level names for operations that live elsewhere here, and its process settings.

``torch.conv2d``, ``torch.max_pool2d``, ``torch.pixel_shuffle``, ``torch.dropout`` are
``nn.functional``'s operations under another roof; ``torch.relu_(x)`` is ``x.relu_()``. Programs
use both spellings, so both exist, each the same operation. Also here: ``compile`` (which returns
its model: there is no compiler, and compiling never changes a model's results),
``set_float32_matmul_precision`` (on a GPU, 'high' and 'medium' switch float32 matrix products to
TF32, as PyTorch's does), ``broadcast_shapes``, ``unravel_index``, ``chain_matmul``.

>>> import minitorch_conv as mt
>>> x = mt.arange(16.0).reshape(1, 4, 2, 2)
>>> mt.pixel_shuffle(x, 2).shape, mt.max_pool2d(x, 2).flatten().tolist()
(minitorch_conv.Size([1, 1, 4, 4]), [3.0, 7.0, 11.0, 15.0])
>>> mt.broadcast_shapes((2, 1), (3,)), mt.compile(mt.nn.ReLU())
(minitorch_conv.Size([2, 3]), ReLU())
"""

from __future__ import annotations

import math
import warnings

from . import nn
from .nn import functional as F
from .tensor import Size, Tensor

# the operations whose top-level signature is nn.functional's
_SAME_SIGNATURE = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                   "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d",
                   "adaptive_avg_pool1d", "adaptive_max_pool1d", "pixel_shuffle", "pixel_unshuffle",
                   "channel_shuffle", "native_channel_shuffle", "cosine_similarity", "pairwise_distance",
                   "pdist", "bilinear", "threshold", "selu", "celu", "prelu", "hardshrink", "rrelu",
                   "layer_norm", "group_norm", "affine_grid_generator")

# Tensor methods PyTorch also offers as torch.<name>(tensor, ...)
_IN_PLACE = ("abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
             "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
             "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_", "expm1_",
             "fill_", "fix_", "floor_", "frac_", "gcd_", "index_put_", "lcm_", "ldexp_", "log10_",
             "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
             "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_",
             "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_", "detach_")
_METHODS = ("detach", "is_complex", "is_inference", "get_device")


def _method_as_function(name: str):
    def function(input: Tensor, *args, **kwargs):  # noqa: A002 - PyTorch's name
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)``, PyTorch's top-level spelling."
    return function


FUNCTIONS = {name: getattr(F, name) for name in _SAME_SIGNATURE if hasattr(F, name)}
FUNCTIONS.update({name: _method_as_function(name) for name in _IN_PLACE + _METHODS if hasattr(Tensor, name)})


def dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.dropout(input, p, train)``: ``F.dropout`` with its arguments required."""
    return F.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002 - PyTorch's name
    return F.dropout(input, p, train, inplace=True)


def batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float,  # noqa: A002
               eps: float, cudnn_enabled: bool = True) -> Tensor:
    """``torch.batch_norm``: ``F.batch_norm`` in PyTorch's top-level argument order."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats: bool,  # noqa: A002
                  momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """``torch.instance_norm``: ``F.instance_norm`` in PyTorch's top-level argument order."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend=None, mode=None,  # noqa: A001
            options=None, disable: bool = False, **kwargs):
    """``torch.compile``: ``model`` itself (or, without one, a decorator that returns what it
    decorates). There is no compiler here; a compiled model computes what the model computes.

    >>> import minitorch_conv as mt
    >>> layer = mt.nn.Linear(2, 2)
    >>> mt.compile(layer) is layer
    True
    """
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError("Invalid model type: compile expects a callable (nn.Module or function)")
    return model


_MATMUL_PRECISION = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """'highest' keeps float32 matrix products in float32; 'high' and 'medium' allow TF32 on a
    GPU (``mt.backends.cuda.matmul.allow_tf32``), as PyTorch's setting does."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision}, expected one of: highest, high, medium")
    from . import backends

    _MATMUL_PRECISION[0] = precision
    backends.cuda.matmul.allow_tf32 = precision != "highest"


def get_float32_matmul_precision() -> str:
    return _MATMUL_PRECISION[0]


def broadcast_shapes(*shapes) -> Size:
    """The shape tensors of ``shapes`` broadcast to, or PyTorch's RuntimeError."""
    result: list[int] = []
    for index, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        so_far = list(reversed(result))
        for i, size in enumerate(reversed(shape)):
            if size < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {size}: {list(shape)}")
            if i == len(result):
                result.append(size)
            elif result[i] == 1:
                result[i] = size
            elif size not in (1, result[i]):
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at {-1 - i}! "
                                   f"Mismatching argument at index {index} had {shape}; but expected shape "
                                   f"should be broadcastable to {so_far}")
    return Size(reversed(result))


def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in ``shape`` of flat ``indices`` (int64), one tensor per dimension."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer dtype, but got {type(indices).__name__}")
    if indices.dtype.is_floating_point or indices.dtype.name == "bool":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    total = math.prod(shape)
    if indices.numel() and (int(indices.min()) < -total or int(indices.max()) >= total):
        raise ValueError(f"'indices' must be in range [-{total}, {total}-1]")
    flat = indices.remainder(total) if total else indices
    coordinates = []
    for size in reversed(shape):
        coordinates.append(flat.remainder(size))
        flat = flat.div(size, rounding_mode="floor")
    return tuple(reversed(coordinates))


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of the matrices, left to right (PyTorch's deprecated ``torch.chain_matmul``)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    result = matrices[0]
    for matrix in matrices[1:]:
        result = result @ matrix
    return result


FUNCTIONS.update({"dropout": dropout, "dropout_": dropout_, "batch_norm": batch_norm,
                  "instance_norm": instance_norm, "compile": compile,
                  "set_float32_matmul_precision": set_float32_matmul_precision,
                  "get_float32_matmul_precision": get_float32_matmul_precision,
                  "broadcast_shapes": broadcast_shapes, "unravel_index": unravel_index,
                  "chain_matmul": chain_matmul, "typename": lambda obj: obj.type() if isinstance(obj, Tensor)
                  else type(obj).__qualname__})
_ = nn  # (nn imported first: F needs the layers' package)
