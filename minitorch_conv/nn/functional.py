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

from ..ops import elementwise as _ew
from ..ops import reduction as _rd
from ..tensor import Tensor

# convolution and padding (ops/conv.py, ops/pad.py) are imported here:


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.linear(mt.ones(2, 3), mt.ones(4, 3), mt.zeros(4))[0]
    tensor([3., 3., 3., 3.])
    """
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``."""
    return _ew.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, ``negative_slope * input`` elsewhere."""
    return _ew.where(input > 0, input, input * negative_slope)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """``tanh(input)``."""
    return _ew.tanh(input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / (1 + exp(-input))``."""
    return _ew.sigmoid(input)


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
