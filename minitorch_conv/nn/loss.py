"""Loss modules, each a thin Module over its function in ``functional`` (same options).

Classification: ``CrossEntropyLoss``, ``NLLLoss``, ``BCELoss``, ``BCEWithLogitsLoss``,
``MultiLabelSoftMarginLoss``, ``SoftMarginLoss``, ``MultiMarginLoss``, ``MultiLabelMarginLoss``.
Regression: ``MSELoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``, ``PoissonNLLLoss``,
``GaussianNLLLoss``. Distributions: ``KLDivLoss``. Embeddings and ranking:
``CosineEmbeddingLoss``, ``MarginRankingLoss``, ``HingeEmbeddingLoss``, ``TripletMarginLoss``,
``TripletMarginWithDistanceLoss``.

``size_average`` and ``reduce`` are PyTorch's deprecated spelling of ``reduction`` (accepted, with
its warning).

>>> import minitorch_conv as mt
>>> loss_fn = mt.nn.SmoothL1Loss(beta=0.5)
>>> loss_fn(mt.tensor([0.0, 2.0]), mt.tensor([0.25, 0.0]))
tensor(0.9062)
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .distance import PairwiseDistance
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss",
           "SmoothL1Loss", "HuberLoss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss",
           "CosineEmbeddingLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
           "MultiMarginLoss", "MultiLabelMarginLoss"]


class _Loss(Module):
    _reductions = F._REDUCTIONS

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F._legacy_reduction(size_average, reduce)
        if reduction not in self._reductions:  # checked here already (PyTorch waits for the call)
            raise ValueError(f"{reduction} is not a valid value for reduction")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
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

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of the target classes given log-probabilities (N, C, ...).

    >>> import minitorch_conv as mt
    >>> loss_fn = mt.nn.NLLLoss(ignore_index=1)
    >>> loss_fn(mt.tensor([[-0.5, -1.0], [-2.0, -0.1]]), mt.tensor([0, 1]))
    tensor(0.5000)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (``reduction='sum'`` or ``'none'`` for the other reductions).

    >>> import minitorch_conv as mt
    >>> mt.nn.MSELoss()(mt.tensor([0.0, 2.0]), mt.tensor([1.0, 1.0]))
    tensor(1.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error (``reduction='sum'`` or ``'none'`` for the other reductions).

    >>> import minitorch_conv as mt
    >>> mt.nn.L1Loss()(mt.tensor([0.0, 2.0]), mt.tensor([1.0, 1.0]))
    tensor(1.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities and targets in [0, 1].

    >>> import minitorch_conv as mt
    >>> mt.nn.BCELoss()(mt.tensor([0.8, 0.4]), mt.tensor([1.0, 0.0]))
    tensor(0.3670)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """``BCELoss`` on ``sigmoid(input)``, computed stably from the logits; ``pos_weight`` weighs
    the positive examples of each class.

    >>> import minitorch_conv as mt
    >>> loss_fn = mt.nn.BCEWithLogitsLoss(pos_weight=mt.tensor([2.0]))
    >>> loss_fn(mt.tensor([0.0, 0.0]), mt.tensor([1.0, 0.0]))
    tensor(1.0397)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None):
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above (see ``F.smooth_l1_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.SmoothL1Loss(reduction="none")(mt.tensor([0.5, 3.0]), mt.zeros(2))
    tensor([0.1250, 2.5000])
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta`` times the absolute error above (see
    ``F.huber_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.HuberLoss(delta=2.0)(mt.tensor([0.5, 3.0]), mt.zeros(2))
    tensor(2.0625)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities ``input`` from ``target`` (see ``F.kl_div``); use
    ``reduction='batchmean'`` for the mathematical definition.

    >>> import minitorch_conv as mt
    >>> loss_fn = mt.nn.KLDivLoss(reduction="batchmean", log_target=True)
    >>> loss_fn(mt.tensor([[0.25, 0.75]]).log(), mt.tensor([[0.5, 0.5]]).log())
    tensor(0.1438)
    """

    _reductions = F._REDUCTIONS + ("batchmean",)

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of counts ``target`` (see ``F.poisson_nll_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.PoissonNLLLoss()(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 2.0]))
    tensor(0.8591)
    """

    def __init__(self, log_input: bool = True, full: bool = False,
                 size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood of ``target`` given a mean and a variance (see
    ``F.gaussian_nll_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.GaussianNLLLoss()(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 1.0]), mt.ones(2))
    tensor(0.2500)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction=reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var) -> Tensor:  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Pull pairs with target 1 to cosine 1; push pairs with target -1 below ``margin``.

    >>> import minitorch_conv as mt
    >>> x1, x2 = mt.tensor([[1.0, 0.0]]), mt.tensor([[0.0, 1.0]])
    >>> mt.nn.CosineEmbeddingLoss()(x1, x2, mt.tensor([1]))
    tensor(1.)
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -target * (input1 - input2) + margin)`` (see ``F.margin_ranking_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.MarginRankingLoss(margin=0.5)(mt.tensor([1.0]), mt.tensor([2.0]), mt.tensor([1.0]))
    tensor(1.5000)
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``input`` for target 1, ``max(0, margin - input)`` for target -1.

    >>> import minitorch_conv as mt
    >>> mt.nn.HingeEmbeddingLoss()(mt.tensor([0.3, 0.3]), mt.tensor([1.0, -1.0]))
    tensor(0.5000)
    """

    def __init__(self, margin: float = 1.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the ``p``-norm distance (see
    ``F.triplet_margin_loss``).

    >>> import minitorch_conv as mt
    >>> loss_fn = mt.nn.TripletMarginLoss(margin=1.0, eps=0.0)
    >>> loss_fn(mt.tensor([[0.0, 0.0]]), mt.tensor([[0.0, 1.0]]), mt.tensor([[3.0, 4.0]]))
    tensor(0.)
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """:class:`TripletMarginLoss` with any ``distance_function`` (default ``PairwiseDistance()``).

    >>> import minitorch_conv as mt
    >>> loss_fn = mt.nn.TripletMarginWithDistanceLoss(
    ...     distance_function=lambda x, y: (x - y).abs().sum(-1), margin=0.5)
    >>> loss_fn(mt.tensor([[0.0, 0.0]]), mt.tensor([[1.0, 1.0]]), mt.tensor([[1.0, 0.0]]))
    tensor(1.5000)
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean"):
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError("TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                             f"got {margin} instead")
        self.distance_function = distance_function if distance_function is not None \
            else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-target * input))`` for ±1 targets.

    >>> import minitorch_conv as mt
    >>> mt.nn.SoftMarginLoss()(mt.tensor([0.0, 2.0]), mt.tensor([1.0, -1.0]))
    tensor(1.4100)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class binary cross-entropy of logits, averaged over the classes (see
    ``F.multilabel_soft_margin_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.MultiLabelSoftMarginLoss()(mt.tensor([[0.0, 2.0]]), mt.tensor([[1.0, 0.0]]))
    tensor(1.4100)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss (see ``F.multi_margin_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.MultiMarginLoss()(mt.tensor([[0.1, 0.2, 0.4, 0.8]]), mt.tensor([3]))
    tensor(0.3250)
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """The multi-label hinge loss (see ``F.multilabel_margin_loss``).

    >>> import minitorch_conv as mt
    >>> mt.nn.MultiLabelMarginLoss()(mt.tensor([[0.1, 0.2, 0.4, 0.8]]), mt.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)
