"""Optimizers and ``lr_scheduler``, with PyTorch's names, options, update rules and state dicts.

One module per optimizer, as in PyTorch: ``sgd``, ``adam``, ``adamw``, ``adadelta``, ``adagrad``,
``rmsprop``, ``adamax``, ``nadam``, ``radam``; the base class in ``optimizer``.

>>> import minitorch_conv as mt
>>> model = mt.nn.Linear(3, 1)
>>> opt = mt.optim.Adam(model.parameters(), lr=1e-2)
>>> loss = model(mt.randn(8, 3)).pow(2).mean()
>>> opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

from . import lr_scheduler  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "NAdam", "Optimizer", "RAdam", "RMSprop",
           "SGD", "lr_scheduler"]
