"""``PairwiseDistance`` and ``CosineSimilarity``: Modules over ``F.pairwise_distance`` and
``F.cosine_similarity``.

>>> import minitorch_conv as mt
>>> x1, x2 = mt.tensor([[1.0, 0.0]]), mt.tensor([[0.0, 1.0]])
>>> mt.nn.CosineSimilarity()(x1, x2), mt.nn.PairwiseDistance(eps=0.0)(x1, x2)
(tensor([0.]), tensor([1.4142]))
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dim.

    >>> import minitorch_conv as mt
    >>> mt.nn.PairwiseDistance(p=1.0, eps=0.0)(mt.tensor([[0.0, 0.0]]), mt.tensor([[3.0, 4.0]]))
    tensor([7.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``.

    >>> import minitorch_conv as mt
    >>> mt.nn.CosineSimilarity(dim=0)(mt.tensor([1.0, 1.0]), mt.tensor([2.0, 2.0]))
    tensor(1.0000)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
