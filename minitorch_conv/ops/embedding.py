"""The embedding lookup's autograd Functions, the nodes behind ``F.embedding`` (``nn/functional.py``
checks the arguments and renormalises ``max_norm`` rows, then calls :class:`EmbeddingFunction`).

===========================  =======================================  ================================
Function                     forward                                  backward
===========================  =======================================  ================================
EmbeddingFunction(weight)    out = weight[indices]: one row per       dweight = EmbeddingGradient-
                             index                                    Function(dout)
EmbeddingGradientFunction    rows of dout (scaled) summed into their  the lookup again (padding_idx's
(dout)                       rows of a (num_rows, dim) array          rows zeroed)
===========================  =======================================  ================================

Notation: ``weight`` (num_rows, dim); ``indices`` an integer array of any shape S; ``out`` and
``dout`` (*S, dim). ``padding_idx``'s row gets no gradient; with ``scale_grad_by_freq`` each row's
gradient is divided by how often its index occurs in ``indices``.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> weight = mt.ones(3, 2, requires_grad=True)
>>> F.embedding(mt.tensor([0, 2, 0]), weight).sum().backward()
>>> weight.grad
tensor([[2., 2.],
        [0., 0.],
        [1., 1.]])
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backends import alert_not_deterministic

__all__ = ["EmbeddingFunction", "EmbeddingGradientFunction"]


class EmbeddingFunction(Function):
    """``weight[indices]``: one row per index. The backward adds each output row's gradient onto
    its row of ``weight`` (``padding_idx``'s row gets none; with ``scale_grad_by_freq`` each is
    divided by how often its index occurs).

    >>> import minitorch_conv as mt
    >>> EmbeddingFunction.apply(mt.eye(3), mt.tensor([[2, 0]])._array, None, False)
    tensor([[[0., 0., 1.],
             [1., 0., 0.]]])
    """

    node_name = "EmbeddingBackward0"  # PyTorch's node

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.indices, ctx.num_rows = indices, weight.shape[0]
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return weight._array[indices]

    @staticmethod
    def backward(ctx, grad):
        return (EmbeddingGradientFunction.apply(grad, ctx.indices, ctx.num_rows, ctx.padding_idx,
                                                ctx.scale_grad_by_freq), None, None, None)


def _row_scale(xp, indices, num_rows: int, padding_idx: int | None, by_freq: bool, dtype):
    """Each looked-up row's gradient factor: 0 at padding_idx, 1 / count with by_freq, else 1."""
    scale = xp.ones(indices.shape, dtype=dtype)
    if by_freq:
        counts = xp.bincount(indices.reshape(-1), minlength=num_rows)
        scale = scale / counts[indices].astype(dtype)
    if padding_idx is not None:
        scale = xp.where(indices == padding_idx, dtype.type(0), scale)
    return scale


class EmbeddingGradientFunction(Function):
    """The adjoint of the lookup: rows of ``grad`` (scaled) summed into a (num_rows, dim) array.
    Its backward is PyTorch's double backward of embedding: the lookup, with padding_idx's rows
    zeroed (not divided by the counts, even with ``scale_grad_by_freq``).

    >>> import minitorch_conv as mt
    >>> EmbeddingGradientFunction.apply(mt.ones(3, 2), mt.tensor([0, 2, 0])._array, 3, None, False)
    tensor([[2., 2.],
            [0., 0.],
            [1., 1.]])
    """

    @staticmethod
    def forward(ctx, grad, indices, num_rows, padding_idx, scale_grad_by_freq):
        ctx.indices, ctx.padding_idx, ctx.scale_grad_by_freq = indices, padding_idx, scale_grad_by_freq
        ctx.num_rows = num_rows
        xp, g = grad.xp, grad._array
        alert_not_deterministic("embedding_backward (scatter-add)", grad.device)
        scale = _row_scale(xp, indices, num_rows, padding_idx, scale_grad_by_freq, g.dtype)
        out = xp.zeros((num_rows, g.shape[-1]), dtype=g.dtype)
        xp.add.at(out, indices.reshape(-1), (g * scale[..., None]).reshape(-1, g.shape[-1]))
        return out

    @staticmethod
    def backward(ctx, grad_grad):
        scale = _row_scale(grad_grad.xp, ctx.indices, ctx.num_rows, ctx.padding_idx, False,
                           grad_grad._array.dtype)
        lookup = EmbeddingFunction.apply(grad_grad, ctx.indices, None, False)
        return lookup * grad_grad._new(scale[..., None]), None, None, None, None
