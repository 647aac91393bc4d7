"""The functional forms of the layers: ``F.linear``, ``F.relu``, ``F.cross_entropy``, ...

Everything here is built from differentiable tensor operations (or a Function whose backward is
itself written with tensor operations), so gradients of gradients work.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> logits = mt.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, mt.tensor([0]))
>>> loss.backward()
>>> round(loss.item(), 4)
0.2413
"""

from __future__ import annotations

import math

from .. import backends
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..ops import elementwise as _ew
from ..ops import reduction as _rd
from ..ops.conv import col2im, conv2d, conv_transpose2d, fold, im2col, unfold  # noqa: F401
from ..ops.pad import pad  # noqa: F401
from ..tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.linear(mt.ones(2, 3), mt.ones(4, 3), mt.zeros(4))[0]
    tensor([3., 3., 3., 3.])
    """
    if input.ndim > 2:  # one 2-D GEMM over all leading dimensions (the GEMM TF32 reaches on GPUs)
        flat = input.reshape(-1, input.shape[-1]).matmul(weight.t())
        out = flat.reshape(*input.shape[:-1], weight.shape[0])
    else:
        out = input.matmul(weight.t())
    return out if bias is None else out + bias


def _maybe_inplace(input: Tensor, inplace: bool, compute) -> Tensor:  # noqa: A002
    """``compute(input)``, written back into ``input`` when ``inplace`` (PyTorch's ``inplace=True``:
    the same tensor returned, its history rewritten, its version counter moved)."""
    return input._inplace(compute) if inplace else compute(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``; with ``inplace=True`` written into ``input`` itself."""
    return _maybe_inplace(input, inplace, _ew.relu)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, ``negative_slope * input`` elsewhere."""
    return _maybe_inplace(input, inplace, lambda t: _ew.where(t > 0, t, t * negative_slope))


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """``tanh(input)``."""
    return _ew.tanh(input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / (1 + exp(-input))``."""
    return _ew.sigmoid(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """``x * Phi(x)``, Phi the standard normal CDF; ``approximate='tanh'`` uses the tanh formula.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.gelu(mt.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate == "none":
        return input * 0.5 * (1 + _ew.erf(input * (1 / math.sqrt(2))))
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1 + inner.tanh())
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * sigmoid(x)`` (also called swish).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.silu(mt.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """
    return _maybe_inplace(input, inplace, lambda t: t * _ew.sigmoid(t))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.elu(mt.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    def compute(t: Tensor) -> Tensor:
        # exp of the non-positive part only: no overflow, and no inf times a zero gradient
        negative = (_ew.clamp(t, max=0.0).exp() - 1) * alpha
        return _ew.where(t > 0, t, negative)

    return _maybe_inplace(input, inplace, compute)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.softplus(mt.tensor([-1.0, 0.0, 30.0]))
    tensor([ 0.3133,  0.6931, 30.0000])
    """
    scaled = input * beta
    smooth = _ew.softplus(scaled) if beta == 1 else _ew.softplus(scaled) / beta
    return _ew.where(scaled > threshold, input, smooth)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor with a trailing dimension of ``num_classes``: 1 at each index, 0 elsewhere.

    ``num_classes=-1`` takes one more than the largest index.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.one_hot(mt.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp, t = tensor.xp, tensor._array
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size:
        if int(t.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(t.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.expand_dims(t, -1) == xp.arange(num_classes)
    return tensor._new(out.astype(xp.int64))


def _softmax_dim(ndim: int) -> int:
    return 0 if ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """``exp(x) / exp(x).sum(dim)``, computed stably."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    return _rd.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """``x - logsumexp(x, dim)``, computed stably."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    return _rd.log_softmax(input, dim, dtype=dtype)


# ---------------------------------------------------------------------------- losses
_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _class_targets(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int):  # noqa: A002
    """One-hot (as ``input``'s dtype) of ``target`` along dim 1, and the per-element weights.

    ``input`` is (N, C, d1, ...) or (C,); ``target`` holds class indices, (N, d1, ...) or ().
    Ignored targets get an all-zero row and weight 0.
    """
    if target.dtype.is_floating_point:
        raise RuntimeError(
            f"expected scalar type Long but found {target.dtype.name} (class-index targets must "
            "be integers; pass probabilities with the same shape as the input instead)"
        )
    batched = input.dim() >= 2
    expected = (input.shape[0],) + tuple(input.shape[2:]) if batched else ()
    if tuple(target.shape) != expected:
        raise ValueError(
            f"Expected target of shape {list(expected)} for input of shape {list(input.shape)}, "
            f"got {list(target.shape)}"
        )
    xp = input.xp
    n_classes = input.shape[1] if batched else input.shape[0]
    t = target._array
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bool(bad.any()):
        raise IndexError(
            f"Target {int(t[bad].reshape(-1)[0])} is out of bounds for {n_classes} classes."
        )
    safe = xp.where(valid, t, 0)
    classes = xp.arange(n_classes).reshape((1, n_classes) + (1,) * (input.dim() - 2)) if batched \
        else xp.arange(n_classes)
    onehot = (xp.expand_dims(safe, 1) if batched else safe) == classes
    onehot = onehot & (xp.expand_dims(valid, 1) if batched else valid)
    dtype = input._array.dtype
    if weight is None:
        w = valid.astype(dtype)
    else:
        if tuple(weight.shape) != (n_classes,):
            raise RuntimeError(
                f"weight tensor should be defined either for all {n_classes} classes or no "
                f"classes but got weight tensor of shape: {list(weight.shape)}"
            )
        w = xp.where(valid, weight._array[safe], 0).astype(dtype)
    return input._new(onehot.astype(dtype)), input._new(w), input._new(valid)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes, given log-probabilities ``input``.

    ``input`` (N, C) or (N, C, d1, ...) or (C,); ``target`` the class indices. With ``weight``,
    each element counts ``weight[target]``, and ``'mean'`` divides by the sum of those weights.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.nll_loss(mt.tensor([[-0.5, -1.0], [-2.0, -0.1]]), mt.tensor([0, 1]))
    tensor(0.3000)
    """
    _check_reduction(reduction)
    onehot, w, _ = _class_targets(input, target, weight, ignore_index)
    dim = 1 if input.dim() >= 2 else 0
    loss = -(input * onehot).sum(dim) * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)``, with PyTorch's options.

    ``target`` holds class indices, or class probabilities of ``input``'s shape. ``label_smoothing``
    mixes the target with the uniform distribution over the C classes.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.cross_entropy(mt.tensor([[1.0, 2.0, 3.0]]), mt.tensor([2]))
    tensor(0.4076)
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    dim = 1 if input.dim() >= 2 else 0
    logp = log_softmax(input, dim)
    n_classes = input.shape[dim]
    if target.dtype.is_floating_point:  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(
                f"Expected input batch_size and target batch_size to match: input "
                f"{list(input.shape)}, target {list(target.shape)} (probability targets need the "
                "input's shape)"
            )
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        if weight is not None:
            logp = logp * weight.reshape((n_classes,) + (1,) * (input.dim() - dim - 1))
        loss = -(logp * target).sum(dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // n_classes) if input.numel() else loss.sum()
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    _, w, valid = _class_targets(input, target, weight, ignore_index)
    lp = logp if weight is None else logp * weight.reshape(
        (n_classes,) + (1,) * (input.dim() - dim - 1))
    smooth = -lp.sum(dim) * valid.to(input.dtype)
    if reduction == "mean":
        smooth = smooth.sum() / w.sum()
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean (or sum) of the squared differences ``(input - target) ** 2``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.mse_loss(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 4.0]))
    tensor(2.)
    """
    _check_reduction(reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is not supported: it would broadcast silently. Make the shapes match."
        )
    diff = input - target
    return _reduce(diff * diff, reduction)


def _check_same_size(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is not supported: it would broadcast silently. Make the shapes match."
        )


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean (or sum) of the absolute differences ``|input - target|``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.l1_loss(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 4.0]))
    tensor(1.)
    """
    _check_reduction(reduction)
    _check_same_size(input, target)
    return _reduce((input - target).abs(), reduction)


class _ClampedLog(Function):
    """``max(log(x), -100)`` for x in [0, 1]: PyTorch's BCE keeps ``log(0)`` finite this way."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, a = x.xp, x._array
        tiny = xp.finfo(a.dtype).smallest_subnormal  # log(0) would warn and give -inf
        return xp.maximum(xp.log(xp.maximum(a, tiny)), a.dtype.type(-100))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = x._array >= math.exp(-100)
        safe = _ew.where(x._new(inside), x, x.new_ones(()))
        return _ew.where(x._new(inside), grad / safe, grad.new_zeros(()))


class _BinaryCrossEntropy(Function):
    """``-(t log x + (1 - t) log(1 - x))`` element-wise, each log clamped at -100, with PyTorch's
    gradient ``(x - t) / max(x (1 - x), 1e-12)`` (finite at x = 0 and x = 1). The target's
    gradient is that of the clamped loss, +-100 at x = 0 or 1 where PyTorch gives +-inf."""

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        with no_grad():
            return -(t * _ClampedLog.apply(x) + (1 - t) * _ClampedLog.apply(1 - x))

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - t) / _ew.clamp(x * (1 - x), min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_t = grad * (_ClampedLog.apply(1 - x) - _ClampedLog.apply(x))
        return grad_x, grad_t


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target`` (same shape).

    Each log is clamped at -100, as in PyTorch, so a confident wrong answer costs 100, not inf.
    ``weight`` multiplies each element's loss (broadcasting). For logits, prefer
    :func:`binary_cross_entropy_with_logits`, which is numerically stable.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.binary_cross_entropy(mt.tensor([0.8, 0.4]), mt.tensor([1.0, 0.0]))
    tensor(0.3670)
    """
    _check_reduction(reduction)
    _check_same_size(input, target)
    values = input._array
    if values.size and bool(((values < 0) | (values > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = _BinaryCrossEntropy.apply(input, target.to(input.dtype))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)``, computed stably from the logits.

    ``loss = (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``; ``pos_weight`` (broadcast along
    the last dimension, one per class) weighs the positive examples, ``weight`` every element.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(mt.tensor([100.0, -2.0]), mt.tensor([1.0, 0.0]))
    tensor(0.0635)
    """
    _check_reduction(reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    target = target.to(input.dtype)
    log_one_plus = _ew.softplus(-input)  # -log(sigmoid(x)), without overflow
    if pos_weight is None:
        loss = (1 - target) * input + log_one_plus
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * log_one_plus
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- pooling
# Notation (shared by the pooling kernels below):
#   N  batch     C  channels     H, W  input height, width      kh, kw  window
#   sh, sw  stride   ph, pw  padding   dh, dw  dilation   Ho, Wo  output height, width
#   xpad  (N, C, Hp, Wp): the input with ph/pw on each side (and, in ceil mode, enough extra on
#         the bottom/right for the last window); window offset (i, j) of every output position is
#         the strided slice  xpad[:, :, i*dh : i*dh + sh*(Ho-1) + 1 : sh, j*dw : ... : sw]
# A pooling pass is kh*kw vectorised slice operations, never a Python loop over pixels.


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = (value[0], value[0])
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a tuple of two ints, got {value}")
        return int(value[0]), int(value[1])
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or a tuple of two ints, got {type(value).__name__}")
    return value, value


def _pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


class _PoolGeometry:
    """Where every pooling window sits; see the notation block above."""

    def __init__(self, shape, kernel_size, stride, padding, dilation, ceil_mode, name):
        if len(shape) not in (3, 4):
            raise RuntimeError(
                f"{name}: Expected 3D or 4D (batch mode) tensor for input, but got input of size "
                f"{list(shape)}"
            )
        self.kh, self.kw = _pair(kernel_size, "kernel_size")
        self.sh, self.sw = _pair(kernel_size if stride is None or stride == () or stride == []
                                 else stride, "stride")
        self.ph, self.pw = _pair(padding, "padding")
        self.dh, self.dw = _pair(dilation, "dilation")
        if min(self.kh, self.kw) <= 0:
            raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                               f"{(self.kh, self.kw)}")
        if min(self.sh, self.sw) <= 0:
            raise RuntimeError(f"{name}: stride must be greater than zero, but got "
                               f"{(self.sh, self.sw)}")
        if min(self.dh, self.dw) <= 0:
            raise RuntimeError(f"{name}: dilation must be greater than zero, but got "
                               f"{(self.dh, self.dw)}")
        if min(self.ph, self.pw) < 0 or self.ph > self.kh // 2 or self.pw > self.kw // 2:
            raise RuntimeError(
                f"{name}: pad should be at most half of effective kernel size, but got "
                f"pad={(self.ph, self.pw)}, kernel_size={(self.kh, self.kw)}"
            )
        self.H, self.W = shape[-2:]
        self.Ho = _pool_out_size(self.H, self.kh, self.sh, self.ph, self.dh, ceil_mode)
        self.Wo = _pool_out_size(self.W, self.kw, self.sw, self.pw, self.dw, ceil_mode)
        if self.Ho <= 0 or self.Wo <= 0:
            raise RuntimeError(
                f"{name}: Given input size: ({', '.join(map(str, shape[-3:]))}). Calculated output "
                f"size: ({shape[-3]}x{self.Ho}x{self.Wo}). Output size is too small"
            )
        # the padded extent the windows reach (ceil mode may reach past the right padding)
        self.Hp = max(self.H + 2 * self.ph, (self.Ho - 1) * self.sh + self.dh * (self.kh - 1) + 1)
        self.Wp = max(self.W + 2 * self.pw, (self.Wo - 1) * self.sw + self.dw * (self.kw - 1) + 1)

    def windows(self):
        """``(k, index)`` for each window offset k = i*kw + j: the slice of xpad it reads."""
        for i in range(self.kh):
            for j in range(self.kw):
                hs, ws = i * self.dh, j * self.dw
                yield i * self.kw + j, (..., slice(hs, hs + self.sh * (self.Ho - 1) + 1, self.sh),
                                        slice(ws, ws + self.sw * (self.Wo - 1) + 1, self.sw))

    def pad(self, x, value):
        xp = _array_module(x)
        if (self.Hp, self.Wp) == (self.H, self.W):
            return x
        out = xp.full(x.shape[:-2] + (self.Hp, self.Wp), value, dtype=x.dtype)
        out[..., self.ph:self.ph + self.H, self.pw:self.pw + self.W] = x
        return out

    def crop(self, xpad):
        return xpad[..., self.ph:self.ph + self.H, self.pw:self.pw + self.W]

    def output_shape(self, shape):
        return tuple(shape[:-2]) + (self.Ho, self.Wo)

    def divisor(self, xp, dtype, count_include_pad: bool, divisor_override):
        """Each output position's averaging divisor (Ho, Wo), as PyTorch computes it."""
        if divisor_override:
            return xp.asarray(divisor_override, dtype=dtype)

        def counts(n_out, size, k, s, p):
            start = xp.arange(n_out) * s - p
            end = xp.minimum(start + k, size + p)
            full = end - start
            clipped = xp.minimum(end, size) - xp.maximum(start, 0)
            return full if count_include_pad else clipped

        ch = counts(self.Ho, self.H, self.kh, self.sh, self.ph)
        cw = counts(self.Wo, self.W, self.kw, self.sw, self.pw)
        return (ch[:, None] * cw[None, :]).astype(dtype)


def _array_module(array):
    return backends.backend_of_array(array).xp


class _WindowSum(Function):
    """out[..., y, x] = sum of the window at (y, x). Linear; its adjoint is _WindowScatter."""

    @staticmethod
    def forward(ctx, x, geom):
        ctx.geom = geom
        xpad = geom.pad(x._array, 0)
        out = x.xp.zeros(geom.output_shape(x.shape), dtype=x._array.dtype)
        for _, window in geom.windows():
            out += xpad[window]
        return out

    @staticmethod
    def backward(ctx, grad):
        return _WindowScatter.apply(grad, ctx.geom), None


class _WindowScatter(Function):
    """Add each output-position value back onto every input element of its window."""

    @staticmethod
    def forward(ctx, grad, geom):
        ctx.geom = geom
        shape = tuple(grad.shape[:-2]) + (geom.Hp, geom.Wp)
        out = grad.xp.zeros(shape, dtype=grad._array.dtype)
        for _, window in geom.windows():
            out[window] += grad._array
        return grad.xp.ascontiguousarray(geom.crop(out))

    @staticmethod
    def backward(ctx, grad):
        return _WindowSum.apply(grad, ctx.geom), None


def _max_windows(arr, geom: _PoolGeometry, backend):
    """(max of each window, offset k of the first maximum); NaN wins, as in PyTorch.

    The backend's kernel where it has one (Numba on the CPU: one pass, 5x faster); else:

    One pass over the windows, each a strided view: compare, keep the larger in place, and record
    where it came from. NaN handling costs extra passes, so it runs only when a NaN is present.
    Masked writes (``copyto(..., where=)``, ``idx[mask] = k``) cost 5x an arithmetic pass here, so
    the maximum is ``maximum(out=)`` (which lets NaN win) and the offset ``idx += better*(k - idx)``.
    """
    xp = _array_module(arr)
    low = -xp.inf if arr.dtype.kind == "f" else xp.iinfo(arr.dtype).min
    xpad = geom.pad(arr, low)
    fast = backend.max_pool_windows(xpad, (geom.kh, geom.kw), (geom.sh, geom.sw), (geom.dh, geom.dw),
                                    (geom.Ho, geom.Wo))
    if fast is not None:
        return fast
    nan_present = arr.dtype.kind == "f" and bool(xp.isnan(arr).any())
    best = idx = None
    for k, window in geom.windows():
        values = xpad[window]
        if best is None:
            best, idx = values.copy(), xp.zeros(values.shape, dtype=xp.int32)
            continue
        better = values > best
        if nan_present:
            better |= xp.isnan(values) & ~xp.isnan(best)
        xp.maximum(best, values, out=best)  # where values == best the stored value is the same
        idx += better * (k - idx)
    return best, idx


class _MaxPool2d(Function):
    """The largest element of each window; the gradient goes to the window's (first) argmax."""

    @staticmethod
    def forward(ctx, x, geom):
        best, idx = _max_windows(x._array, geom, x.backend)
        ctx.geom, ctx.idx = geom, idx
        return best

    @staticmethod
    def backward(ctx, grad):
        return _ArgScatter.apply(grad, ctx.geom, ctx.idx), None


class _ArgScatter(Function):
    """Send each output position's value to the input element its window picked (idx)."""

    @staticmethod
    def forward(ctx, grad, geom, idx):
        ctx.geom, ctx.idx = geom, idx
        xp, g = grad.xp, grad._array
        out = grad.backend.max_pool_scatter(g, idx, (geom.kh, geom.kw), (geom.sh, geom.sw),
                                            (geom.dh, geom.dw), (geom.Hp, geom.Wp))
        if out is not None:
            return xp.ascontiguousarray(geom.crop(out))
        out = xp.zeros(tuple(grad.shape[:-2]) + (geom.Hp, geom.Wp), dtype=g.dtype)
        picked = xp.empty(g.shape, dtype=g.dtype)
        for k, window in geom.windows():
            xp.multiply(g, idx == k, out=picked)
            out[window] += picked
        return xp.ascontiguousarray(geom.crop(out))

    @staticmethod
    def backward(ctx, grad):
        return _ArgGather.apply(grad, ctx.geom, ctx.idx), None, None


class _ArgGather(Function):
    """Read, for each output position, the input element its window picked (idx)."""

    @staticmethod
    def forward(ctx, x, geom, idx):
        ctx.geom, ctx.idx = geom, idx
        xp = x.xp
        xpad = geom.pad(x._array, 0)
        out = xp.zeros(idx.shape, dtype=x._array.dtype)
        for k, window in geom.windows():
            out = xp.where(idx == k, xpad[window], out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return _ArgScatter.apply(grad, ctx.geom, ctx.idx), None, None


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """The maximum over each ``kernel_size`` window; the gradient goes to each window's argmax.

    ``input`` is (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``; padding counts
    as -inf. With ``return_indices=True`` also returns each maximum's flat index into H*W.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    geom = _PoolGeometry(tuple(input.shape), kernel_size, stride, padding, dilation, ceil_mode,
                         "max_pool2d")
    out = _MaxPool2d.apply(input, geom)
    if not return_indices:
        return out
    if out.grad_fn is not None:
        idx = out.grad_fn.ctx.idx
    else:
        idx = _max_windows(input._array, geom, input.backend)[1]
    xp = input.xp
    i, j = idx // geom.kw, idx % geom.kw
    rows = xp.arange(geom.Ho)[:, None] * geom.sh - geom.ph + i * geom.dh
    cols = xp.arange(geom.Wo)[None, :] * geom.sw - geom.pw + j * geom.dw
    return out, input._new((rows * geom.W + cols).astype(xp.int64))


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean over each ``kernel_size`` window (zero padding; PyTorch's divisor rules).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.avg_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    geom = _PoolGeometry(tuple(input.shape), kernel_size, stride, padding, 1, ceil_mode,
                         "avg_pool2d")
    if divisor_override is not None and divisor_override <= 0:
        raise RuntimeError("divisor must be not zero")
    div = geom.divisor(input.xp, input._array.dtype, count_include_pad, divisor_override)
    return _WindowSum.apply(input, geom) / input._new(div)


def _adaptive_matrix(xp, size: int, out: int, dtype):
    """(out, size) averaging matrix: row i averages input[floor(i*size/out) : ceil((i+1)*size/out)]."""
    m = xp.zeros((out, size), dtype=dtype)
    for i in range(out):  # a loop over output rows only (tiny), never over pixels
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average pooling to a fixed ``output_size`` (PyTorch's windows), as two small matmuls.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_avg_pool2d(mt.ones(2, 3, 5, 7), 1).shape
    minitorch_conv.Size([2, 3, 1, 1])
    """
    if input.dim() not in (3, 4):
        raise RuntimeError(
            "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got " + str(list(input.shape))
        )
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    H, W = input.shape[-2:]
    oh = H if output_size[0] is None else int(output_size[0])
    ow = W if output_size[1] is None else int(output_size[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"adaptive_avg_pool2d(): output_size must be positive, got {output_size}")
    dtype = input._array.dtype
    ph = input._new(_adaptive_matrix(input.xp, H, oh, dtype))
    pw = input._new(_adaptive_matrix(input.xp, W, ow, dtype))
    return ph.matmul(input).matmul(pw.t())


# ---------------------------------------------------------------------------- regularisation
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training
    only). The mask is drawn from the global generator of ``input``'s device.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.ones(1000)
    >>> y = F.dropout(x, 0.5)
    >>> sorted(set(y.tolist())), F.dropout(x, 0.5, training=False) is x
    ([0.0, 2.0], True)
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda t: t * 0)
    rng = input.backend.rng
    draw_dtype = "float64" if input.dtype.name == "float64" else "float32"
    with input.backend.device_context():  # a GPU generator's state lives on its own device
        keep = rng.random(tuple(input.shape), dtype=draw_dtype) >= p
        mask = keep.astype(input._array.dtype) * input._array.dtype.type(1.0 / (1.0 - p))
    return _maybe_inplace(input, inplace, lambda t: t * input._new(mask))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by its batch statistics (training) or running ones.

    In training, ``running_mean`` / ``running_var`` (if given) are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` with the unbiased batch variance.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> y = F.batch_norm(mt.randn(8, 3, 4, 4), None, None, training=True)
    >>> bool(y.mean((0, 2, 3)).abs().max() < 1e-5)
    True
    """
    if input.dim() < 2:
        raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")
    C = input.shape[1]
    dims = (0,) + tuple(range(2, input.dim()))
    shape = (1, C) + (1,) * (input.dim() - 2)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise RuntimeError(
                f"{name} should contain {C} elements not {t.numel()}"
            )
    if training:
        count = input.numel() // C
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{list(input.shape)}"
            )
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        if running_mean is not None and running_var is not None:
            with no_grad():
                batch_mean = mean.detach().reshape(C)
                batch_var = var.detach().reshape(C) * (count / (count - 1))
                running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
                running_var.mul_(1 - momentum).add_(batch_var * momentum)
        out = centred / (var + eps).sqrt()
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        out = (input - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
