"""``F.bilinear``: y = x1^T A x2 + b for every output feature, PyTorch's bilinear layer.

Notation: x1 (*, I), x2 (*, J) with the same leading (batch) shape, weight A (O, I, J), bias (O,);
y (*, O) with ``y[..., o] = sum_ij x1[..., i] A[o, i, j] x2[..., j] + b[o]``: one einsum, whose
backward gives the three gradients.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.bilinear(mt.tensor([[1.0, 2.0]]), mt.tensor([[3.0]]), mt.ones(1, 2, 1))
tensor([[9.]])
"""

from __future__ import annotations

from .._arguments import parse_args
from ..tensor import Tensor
from ._util import scalar_type_name
from .contraction import einsum

__all__ = ["bilinear"]


def _c_name(t: Tensor) -> str:
    return {"Float": "float", "Double": "double", "Half": "c10::Half", "Long": "long int", "Int": "int",
            "Short": "short int", "Char": "signed char", "Byte": "unsigned char",
            "Bool": "bool"}.get(scalar_type_name(t.dtype), scalar_type_name(t.dtype))


@parse_args("Tensor input1, Tensor input2, Tensor weight, Tensor? bias")
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input1^T weight[o] input2 + bias[o]`` for each output feature o, PyTorch's ``F.bilinear``.

    Shapes: input1 (*, I), input2 (*, J) (the same *), weight (O, I, J), bias (O,) or None;
    output (*, O).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.bilinear(mt.ones(5, 2), mt.ones(5, 3), mt.ones(4, 2, 3), mt.zeros(4)).shape
    minitorch_conv.Size([5, 4])
    """
    tensors = [("input1", input1), ("input2", input2), ("weight", weight)] + (
        [("bias", bias)] if bias is not None else [])
    if any(t.dtype is not input1.dtype for _, t in tensors):
        listed = ", ".join(f"{name}: {_c_name(t)}" for name, t in tensors)
        raise RuntimeError(f"All tensors must have the same dtype, got {listed}")
    if input1.dim() != input2.dim():
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    if input1.dim() == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    for position, (name, t) in enumerate((("input1", input1), ("input2", input2)), start=1):
        if weight.dim() <= position:
            rank = max(weight.dim(), 1)
            raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                             f"but got {position})")
        if t.shape[-1] != weight.shape[position]:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {t.shape[-1]} but "
                               f"expected {weight.shape[position]}")
    if bias is not None and (bias.dim() == 0 or bias.shape[0] != weight.shape[0]):
        got = bias.shape[0] if bias.dim() else "[]"
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {got} but expected "
                           f"{weight.shape[0]}")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
