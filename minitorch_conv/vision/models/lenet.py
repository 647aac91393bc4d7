"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998: "Gradient-based learning applied to document
recognition"): two convolution + subsampling stages and three fully connected layers, with tanh.

The paper's C5 is a 5x5 convolution over a 5x5 map, i.e. a fully connected layer over the
flattened 16x5x5 features; it is written as a Linear here. The input is 32x32; for MNIST's 28x28
digits the first convolution pads by 2 (``padding=2``), which gives the same 28x28 C1 maps.
torchvision has no LeNet: the names (``features``, ``classifier``) follow its other models.
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...tensor import Tensor
from ._utils import no_weights

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """LeNet-5: C1 6@5x5, S2 avg-pool 2, C3 16@5x5, S4 avg-pool 2, C5 120, F6 84, output.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.models import LeNet5
    >>> LeNet5(num_classes=10, padding=2)(mt.randn(2, 1, 28, 28)).shape
    minitorch_conv.Size([2, 10])
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, padding: int = 0):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=padding),
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


def lenet5(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> LeNet5:
    """LeNet-5 (see :class:`LeNet5`; ``padding=2`` for 28x28 inputs).

    >>> from minitorch_conv.vision.models import lenet5
    >>> sum(p.numel() for p in lenet5().parameters())
    61706
    """
    no_weights(weights, "lenet5")
    return LeNet5(**kwargs)
