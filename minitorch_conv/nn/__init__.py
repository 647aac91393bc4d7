"""Neural-network building blocks: ``Module``, ``Parameter``, layers, losses, ``init``, ``functional``.

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> net(mt.randn(2, 4)).shape
minitorch_conv.Size([2, 3])
"""

from __future__ import annotations

from . import functional, init, parallel, utils  # noqa: F401
from .activation import (  # noqa: F401
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .conv import Conv2d, ConvTranspose2d  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .loss import (  # noqa: F401
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential  # noqa: F401
from .normalization import BatchNorm1d, BatchNorm2d  # noqa: F401
from .parallel import DataParallel  # noqa: F401
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d  # noqa: F401
