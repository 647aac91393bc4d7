"""``ReduceOp``: how a reduction combines the ranks' values, with PyTorch's names.

>>> import minitorch_conv.distributed as dist
>>> dist.ReduceOp.SUM, dist.ReduceOp.MAX
(<RedOpType.SUM: 0>, <RedOpType.MAX: 4>)
"""

from __future__ import annotations

import enum

__all__ = ["ReduceOp", "RedOpType"]


class RedOpType(enum.Enum):
    """The reduction operations; ``ReduceOp.SUM`` and the others are its members, as in PyTorch.

    >>> from minitorch_conv.distributed import ReduceOp
    >>> ReduceOp.AVG is ReduceOp.RedOpType.AVG
    True
    """

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


class ReduceOp:
    """The reduction of ``all_reduce``, ``reduce`` and ``reduce_scatter``: ``SUM``, ``AVG``,
    ``PRODUCT``, ``MIN``, ``MAX``, and the bitwise ``BAND``, ``BOR``, ``BXOR`` (integer and bool
    tensors). ``AVG`` is the sum divided by the number of ranks (integer tensors: truncated).

    >>> import minitorch_conv.distributed as dist
    >>> dist.ReduceOp.PRODUCT
    <RedOpType.PRODUCT: 2>
    >>> dist.ReduceOp(dist.ReduceOp.MIN).op
    <RedOpType.MIN: 3>
    """

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM

    def __init__(self, op: RedOpType = RedOpType.SUM):
        self.op = as_red_op_type(op)

    def __eq__(self, other) -> bool:
        if isinstance(other, ReduceOp):
            return self.op is other.op
        return self.op is other

    def __hash__(self) -> int:
        return hash(self.op)

    def __repr__(self) -> str:
        return repr(self.op)


def as_red_op_type(op) -> RedOpType:
    """``op`` (a ``ReduceOp`` member or instance) as a :class:`RedOpType`; a TypeError otherwise."""
    if isinstance(op, RedOpType):
        if op is RedOpType.PREMUL_SUM:
            raise ValueError("ReduceOp.PREMUL_SUM is NCCL's scaled sum, made by a private PyTorch "
                             "function; minitorch_conv.distributed does not offer it")
        return op
    if isinstance(op, ReduceOp):
        return op.op
    raise TypeError(f"op must be a ReduceOp (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.PRODUCT, ReduceOp.MIN, "
                    f"ReduceOp.MAX, ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR), got {op!r}")
