"""Optimizers (``SGD``, ``Adam``, ``AdamW``) and ``lr_scheduler``, with PyTorch's update rules.

>>> import minitorch_conv as mt
>>> model = mt.nn.Linear(3, 1)
>>> opt = mt.optim.Adam(model.parameters(), lr=1e-2)
>>> loss = model(mt.randn(8, 3)).pow(2).mean()
>>> opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

from . import lr_scheduler  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
