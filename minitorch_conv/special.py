"""``torch.special``: special functions under PyTorch's names (``mt.special.erfc``, ...).

Most are the operations of ``minitorch_conv.ops`` under a second name (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``, ``psi`` is ``digamma``); ``xlog1py``, ``entr``, ``ndtr`` and
``multigammaln`` live in ``minitorch_conv.ops.special``.

>>> import minitorch_conv as mt
>>> mt.special.expit(mt.tensor([0.0])), mt.special.gammaln(mt.tensor([3.0]))
(tensor([0.5000]), tensor([0.6931]))
"""

from __future__ import annotations

from .ops.elementwise import erf, exp2, expm1, log1p, round, sigmoid  # noqa: A004 - PyTorch's names
from .ops.reduction import log_softmax, logsumexp, softmax
from .ops.special import (
    digamma,
    entr,
    erfc,
    erfinv,
    lgamma,
    logit,
    multigammaln,
    ndtr,
    polygamma,
    xlog1py,
    xlogy,
)
from .ops.trigonometric import sinc

expit = sigmoid
gammaln = lgamma
psi = digamma

__all__ = ["digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "log1p",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "polygamma", "psi", "round",
           "sinc", "softmax", "xlog1py", "xlogy"]
