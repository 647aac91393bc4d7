"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012: "ImageNet classification with deep
convolutional neural networks"), as torchvision builds it (the single-GPU variant of "One weird
trick", with torchvision's state_dict keys), and a small AlexNet for 32x32 images.
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...ops.shape import flatten
from ...tensor import Tensor
from ._utils import no_weights

__all__ = ["AlexNet", "alexnet", "alexnet_small"]


class AlexNet(nn.Module):
    """Five convolutions (11x11 stride 4, 5x5, three 3x3) with max-pooling, an adaptive average
    pool to 6x6, and three fully connected layers with dropout; torchvision's layout and keys.

    ``features``, ``avgpool`` and ``classifier`` may be given (``alexnet_small`` does).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.models import alexnet_small
    >>> alexnet_small(num_classes=10)(mt.randn(2, 3, 32, 32)).shape
    minitorch_conv.Size([2, 10])
    """

    def __init__(
        self,
        num_classes: int = 1000,
        dropout: float = 0.5,
        *,
        features: nn.Module | None = None,
        pool_size: int = 6,
        hidden: int = 4096,
    ) -> None:
        super().__init__()
        self.features = (
            features
            if features is not None
            else nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(64, 192, kernel_size=5, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(192, 384, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            )
        )
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * pool_size * pool_size, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        return self.classifier(x)


def alexnet(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """torchvision's AlexNet (for 224x224 inputs; 61 million parameters).

    >>> from minitorch_conv.vision.models import alexnet
    >>> alexnet(num_classes=10).classifier[-1].out_features
    10"""
    no_weights(weights, "alexnet")
    return AlexNet(**kwargs)


def alexnet_small(
    *, weights: Any = None, progress: bool = True, num_classes: int = 10, dropout: float = 0.5
) -> AlexNet:
    """AlexNet's shape for 32x32 images (CIFAR): the same five convolutions with 3x3 / 5x5
    kernels at stride 1 and three 2x2 max-pools (32 -> 4), then 256*2*2 -> 1024 -> 1024 -> classes.
    About 4 million parameters; the same module names as :class:`AlexNet`.

    >>> from minitorch_conv.vision.models import alexnet_small
    >>> sum(p.numel() for p in alexnet_small().parameters())
    4560714"""
    no_weights(weights, "alexnet_small")
    features = nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=5, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=2, stride=2),
    )
    return AlexNet(num_classes, dropout, features=features, pool_size=2, hidden=1024)
