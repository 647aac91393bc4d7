"""The losses' autograd Functions: the nodes behind ``F.nll_loss``, ``F.cross_entropy`` and
``F.binary_cross_entropy`` (``nn/functional.py`` checks the arguments, PyTorch's way, and calls them).

==============================  ========================================  ==============================
Function                        forward                                   backward
==============================  ========================================  ==============================
NllLossFunction(logp)           -w[t] * logp[t] per element, reduced      -w[t] (/ total weight) at the
                                                                          target class, 0 elsewhere
CrossEntropyFunction(x)         log_softmax and nll_loss (label           p * sum(q) - q, times the
                                smoothing, class weights) in one node     upstream gradient
BinaryCrossEntropyFunction(x,   -(t log x + (1 - t) log(1 - x)), each     (x - t) / max(x (1 - x), 1e-12)
t)                              log clamped at -100
ClampedLogFunction(x)           max(log x, -100)                          1 / x where log x > -100
DivideByTotalFunction(x)        x / total, 0 / 0 quietly NaN              grad / total
LogSoftmaxAsLogitsFunction(x,   logp (for CrossEntropyFunction's          the gradient, unchanged
logp)                           double backward)
==============================  ========================================  ==============================

Notation (class losses): ``x`` the logits, or ``logp`` log-probabilities, (N, C, d1, ...) or (C,),
the classes along ``class_dim`` (1, or 0 for a (C,) input); ``safe`` the class index of every element
(ignored ones replaced by class 0), ``valid`` the mask of the counted elements, ``w`` each element's
weight (``weight[t]``, 0 where ignored): ``nn/functional.py``'s ``_class_targets`` makes these three
arrays. ``'mean'`` divides by ``sum(w)``, as PyTorch does.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> x = mt.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
>>> F.cross_entropy(x, mt.tensor([2])).backward()
>>> x.grad
tensor([[ 0.0900,  0.2447, -0.3348]])
"""

from __future__ import annotations

import math

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled, no_grad
from . import elementwise as _ew
from . import reduction as _rd
from .elementwise import quiet

__all__ = ["NllLossFunction", "CrossEntropyFunction", "BinaryCrossEntropyFunction", "ClampedLogFunction",
           "DivideByTotalFunction", "LogSoftmaxAsLogitsFunction"]


def _quiet_divide(xp, a, b):
    """``a / b`` as an array, 0 / 0 giving NaN without NumPy's warning (PyTorch gives none)."""
    with quiet(xp):
        return xp.asarray(a / b)


class DivideByTotalFunction(Function):
    """``x / total`` for a constant ``total`` (a sum of weights): 0 / 0 gives NaN quietly, as in
    PyTorch, where NumPy would warn. The backward divides the gradient by the same total.

    >>> import minitorch_conv as mt
    >>> DivideByTotalFunction.apply(mt.tensor(0.0), 0.0)
    tensor(nan)
    """

    @staticmethod
    def forward(ctx, x, total):
        ctx.total = total
        with quiet(x.xp):
            return x._array / total

    @staticmethod
    def backward(ctx, grad):
        return DivideByTotalFunction.apply(grad, ctx.total), None


class NllLossFunction(Function):
    """``-w[t] * logp[t]`` for each element (reduced), PyTorch's fused nll_loss: the gradient is
    ``-w[t]`` (over the total weight for ``'mean'``) at each target class, 0 elsewhere and 0 for
    ignored elements, so it stays finite where ``logp`` holds ``-inf`` at other classes.

    ``logp`` (N, C, d1, ...) or (C,); ``safe``, ``valid``, ``w`` (N, d1, ...) or () arrays (see the
    module's notation); ``reduction`` ``'none'`` (the (N, d1, ...) losses), ``'sum'`` or ``'mean'``.

    >>> import minitorch_conv as mt
    >>> logp = mt.tensor([[-0.5, -1.0], [-2.0, -0.1]], requires_grad=True)
    >>> safe, valid = mt.tensor([0, 1])._array, mt.tensor([True, True])._array
    >>> loss = NllLossFunction.apply(logp, safe, valid, valid.astype(logp._array.dtype), "mean")
    >>> loss, loss.grad_fn.name()
    (tensor(0.3000, grad_fn=<NllLossBackward0>), 'NllLossBackward0')
    """

    node_name = "NllLossBackward0"  # PyTorch's node

    @staticmethod
    def forward(ctx, logp, safe, valid, w, reduction):
        xp, class_dim = logp.xp, (1 if logp.dim() >= 2 else 0)
        picked = xp.take_along_axis(logp._array, xp.expand_dims(safe, class_dim),
                                    class_dim).squeeze(class_dim)
        losses = xp.where(valid, -picked * w, 0).astype(logp._array.dtype)
        total = w.sum()
        if reduction == "mean":
            coeff = xp.where(valid, _quiet_divide(xp, -w, total), 0)
        else:
            coeff = xp.where(valid, -w, 0)
        classes = xp.arange(logp.shape[class_dim]).reshape(
            (-1,) + (1,) * (logp.dim() - class_dim - 1))
        onehot = xp.expand_dims(safe, class_dim) == classes
        ctx.scatter = logp._new((onehot * xp.expand_dims(coeff, class_dim)).astype(logp._array.dtype))
        ctx.class_dim, ctx.reduction = class_dim, reduction
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        return _quiet_divide(xp, losses.sum(), total)

    @staticmethod
    def backward(ctx, grad):
        if ctx.reduction == "none":
            grad = grad.unsqueeze(ctx.class_dim)
        return grad * ctx.scatter, None, None, None, None


class LogSoftmaxAsLogitsFunction(Function):
    """The log-probabilities :class:`CrossEntropyFunction` kept from its forward, put in the graph
    as if they were its logits ``x``: they differ from ``x`` by one constant per element (the
    log-sum-exp), which softmax cannot see, so softmax of this tensor is softmax of ``x``, with the
    same derivatives to every order. The gradient passes to ``x`` unchanged.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([0.0, 0.0], requires_grad=True)
    >>> LogSoftmaxAsLogitsFunction.apply(x, x.log_softmax(0).detach()._array).softmax(0)
    tensor([0.5000, 0.5000], grad_fn=<SoftmaxBackward0>)
    """

    @staticmethod
    def forward(ctx, logits, log_probabilities):
        return log_probabilities

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _target_distribution(xp, safe, valid, w, weight, label_smoothing: float, shape, class_dim: int, dtype):
    """``q``, the distribution each element's loss ``-sum_c q_c log p_c`` weighs the classes with,
    and its total ``sum_c q_c`` (kept as a class axis of size 1). ``q`` is ``(1 - ls) * w[t]`` at
    the target class ``t`` plus ``ls / C * weight_c`` at every class (``weight_c`` 1 without class
    weights), and 0 for an ignored element (where ``w`` is 0 and ``valid`` False)."""
    n_classes = shape[class_dim]
    class_shape = (n_classes,) + (1,) * (len(shape) - class_dim - 1)
    onehot = xp.expand_dims(safe, class_dim) == xp.arange(n_classes).reshape(class_shape)
    at_target = w * (1 - label_smoothing)
    q = onehot * xp.expand_dims(at_target, class_dim)
    mass = at_target
    if label_smoothing != 0:
        class_weight = xp.ones(n_classes, dtype=dtype) if weight is None else weight
        spread = class_weight * (label_smoothing / n_classes)
        q = q + xp.expand_dims(valid, class_dim) * spread.reshape(class_shape)
        mass = mass + valid * spread.sum()
    return q.astype(dtype, copy=False), xp.expand_dims(mass, class_dim).astype(dtype, copy=False)


class CrossEntropyFunction(Function):
    """``cross_entropy`` with class-index targets as one node: PyTorch's ``log_softmax`` and
    ``nll_loss`` (with label smoothing and class weights) in one forward and one backward.

    Notation: ``x`` the logits (N, C, d1, ...) or (C,), the classes along ``class_dim``;
    ``p = softmax(x)``; ``q`` the target distribution of :func:`_target_distribution`. Each
    element's loss is ``-sum_c q_c log p_c``; ``'mean'`` divides the sum by ``sum w[t]`` over the
    counted elements, as PyTorch does. The gradient of an element's loss is
    ``p * sum_c q_c - q`` (``p - onehot(t)`` without weights or smoothing), times the upstream
    gradient (over the total weight for ``'mean'``). ``weight`` is the (C,) array of class weights,
    or None.

    The backward works on the arrays; with ``create_graph=True`` it is written with differentiable
    operations instead (softmax of :class:`LogSoftmaxAsLogitsFunction`), so gradients of gradients
    are right.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> safe, valid = mt.tensor([2])._array, mt.tensor([True])._array
    >>> CrossEntropyFunction.apply(x, safe, valid, valid.astype(x._array.dtype), None, "mean", 0.0)
    tensor(0.4076, grad_fn=<NllLossBackward0>)
    """

    node_name = "NllLossBackward0"  # the node PyTorch's cross_entropy ends in

    @staticmethod
    def forward(ctx, input, safe, valid, w, weight, reduction, label_smoothing):  # noqa: A002
        xp, x = input.xp, input._array
        class_dim = 1 if x.ndim >= 2 else 0
        shifted = x - x.max(axis=class_dim, keepdims=True)
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=class_dim, keepdims=True))
        picked = xp.take_along_axis(logp, xp.expand_dims(safe, class_dim), class_dim).squeeze(class_dim)
        losses = xp.where(valid, -picked * w, 0).astype(x.dtype, copy=False)
        if label_smoothing != 0:
            n_classes = x.shape[class_dim]
            class_shape = (n_classes,) + (1,) * (x.ndim - class_dim - 1)
            weighted = logp if weight is None else logp * weight.reshape(class_shape)
            smooth = xp.where(valid, -weighted.sum(axis=class_dim), 0).astype(x.dtype, copy=False)
            losses = losses * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)
        total = w.sum()
        ctx.input, ctx.logp, ctx.class_dim = input, logp, class_dim
        ctx.targets = (safe, valid, w, weight, label_smoothing)
        ctx.scale = _quiet_divide(xp, 1, total) if reduction == "mean" else 1
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        return _quiet_divide(xp, losses.sum(), total)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None, None, None
        input, logp, class_dim = ctx.input, ctx.logp, ctx.class_dim  # noqa: A001
        xp, valid = input.xp, ctx.targets[1]
        q, mass = _target_distribution(xp, *ctx.targets, logp.shape, class_dim, logp.dtype)
        with quiet(xp):  # 'mean' of no counted element: 0 / 0
            if is_grad_enabled():  # create_graph=True: differentiable in the logits and in grad
                probs = _rd.softmax(LogSoftmaxAsLogitsFunction.apply(input, logp), class_dim)
                coef = _ew.where(input._new(valid), grad * ctx.scale, 0.0).unsqueeze(class_dim)
                grad_input = probs * (coef * input._new(mass)) - coef * input._new(q)
            else:
                coef = xp.expand_dims(xp.where(valid, grad._array * ctx.scale, 0), class_dim)
                grad_input = input._new((xp.exp(logp) * (coef * mass) - coef * q).astype(logp.dtype,
                                                                                         copy=False))
        return grad_input, None, None, None, None, None, None


class ClampedLogFunction(Function):
    """``max(log(x), -100)`` for x in [0, 1]: PyTorch's BCE keeps ``log(0)`` finite this way. The
    gradient is ``1 / x`` where the log is above the clamp, 0 below it.

    >>> import minitorch_conv as mt
    >>> ClampedLogFunction.apply(mt.tensor([0.0, 1.0]))
    tensor([-100.,    0.])
    """

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


class BinaryCrossEntropyFunction(Function):
    """``-(t log x + (1 - t) log(1 - x))`` element-wise, each log clamped at -100, with PyTorch's
    gradient ``(x - t) / max(x (1 - x), 1e-12)`` (finite at x = 0 and x = 1). The target's
    gradient is that of the clamped loss, +-100 at x = 0 or 1 where PyTorch gives +-inf.

    ``x`` the probabilities and ``t`` the targets, of one shape; the result has that shape too
    (``F.binary_cross_entropy`` weighs and reduces it).

    >>> import minitorch_conv as mt
    >>> BinaryCrossEntropyFunction.apply(mt.tensor([0.8, 0.4]), mt.tensor([1.0, 0.0]))
    tensor([0.2231, 0.5108])
    """

    node_name = "BinaryCrossEntropyBackward0"  # PyTorch's node

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        with no_grad():
            return -(t * ClampedLogFunction.apply(x) + (1 - t) * ClampedLogFunction.apply(1 - x))

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - t) / _ew.clamp(x * (1 - x), min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_t = grad * (ClampedLogFunction.apply(1 - x) - ClampedLogFunction.apply(x))
        return grad_x, grad_t
