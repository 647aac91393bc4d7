"""Loss modules: ``CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``, ``L1Loss``, ``BCELoss``,
``BCEWithLogitsLoss`` (see ``functional``)."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss"]


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        F._check_reduction(reduction)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy between logits (N, C, ...) and class indices or probabilities.

    >>> import minitorch_conv as mt
    >>> loss_fn = mt.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> logits = mt.randn(4, 10, requires_grad=True)
    >>> loss = loss_fn(logits, mt.tensor([1, 0, 4, 9]))
    >>> loss.backward()
    >>> logits.grad.shape
    minitorch_conv.Size([4, 10])
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of the target classes given log-probabilities (N, C, ...)."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """Mean squared error (``reduction='sum'`` or ``'none'`` for the other reductions).

    >>> import minitorch_conv as mt
    >>> mt.nn.MSELoss()(mt.tensor([0.0, 2.0]), mt.tensor([1.0, 1.0]))
    tensor(1.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error (``reduction='sum'`` or ``'none'`` for the other reductions).

    >>> import minitorch_conv as mt
    >>> mt.nn.L1Loss()(mt.tensor([0.0, 2.0]), mt.tensor([1.0, 1.0]))
    tensor(1.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities and targets in [0, 1].

    >>> import minitorch_conv as mt
    >>> mt.nn.BCELoss()(mt.tensor([0.8, 0.4]), mt.tensor([1.0, 0.0]))
    tensor(0.3670)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """``BCELoss`` on ``sigmoid(input)``, computed stably from the logits; ``pos_weight`` weighs
    the positive examples of each class.

    >>> import minitorch_conv as mt
    >>> loss_fn = mt.nn.BCEWithLogitsLoss(pos_weight=mt.tensor([2.0]))
    >>> loss_fn(mt.tensor([0.0, 0.0]), mt.tensor([1.0, 0.0]))
    tensor(1.0397)
    """

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)
