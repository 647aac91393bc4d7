"""The CIFAR ResNets of He, Zhang, Ren and Sun (2015), section 4.2: 6n + 2 layers for 32x32
images. A 3x3 convolution with 16 filters, then three stages of n basic blocks with 16, 32 and
64 filters (the second and third start with stride 2), a global average pool and a fully
connected layer. Shortcuts are the paper's option A: identity, and where the shape changes the
input subsampled by 2 and zero-padded with the new channels (no parameters). n = 3 gives
ResNet-20 (0.27 million parameters), n = 9 ResNet-56 (0.85 million).

torchvision has no CIFAR ResNets: the names follow its ResNet (``conv1``, ``bn1``, ``layer1`` ...,
``fc``; blocks ``conv1``, ``bn1``, ``conv2``, ``bn2``).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...nn import functional as F
from ...ops.shape import flatten
from ...tensor import Tensor
from ._utils import no_weights
from .resnet import conv3x3

__all__ = ["CifarResNet", "CifarBasicBlock", "resnet20", "resnet56"]


class _PadShortcut(nn.Module):
    """Option A: every other pixel, and zero channels added half before, half after."""

    def __init__(self, extra_channels: int):
        super().__init__()
        self.extra_channels = extra_channels

    def forward(self, x: Tensor) -> Tensor:
        half = self.extra_channels // 2
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, half, self.extra_channels - half))


class CifarBasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and ReLU, plus the (option A) shortcut.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.models import CifarBasicBlock
    >>> CifarBasicBlock(16, 32, stride=2)(mt.randn(2, 16, 8, 8)).shape
    minitorch_conv.Size([2, 32, 4, 4])"""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = conv3x3(in_planes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = _PadShortcut(planes - in_planes) if stride != 1 or in_planes != planes else None

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class CifarResNet(nn.Module):
    """A 6n + 2 layer CIFAR ResNet (``depth`` = 6n + 2).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.models import resnet20
    >>> net = resnet20()
    >>> net(mt.randn(2, 3, 32, 32)).shape, sum(p.numel() for p in net.parameters())
    (minitorch_conv.Size([2, 10]), 269722)
    """

    def __init__(self, depth: int = 20, num_classes: int = 10):
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"depth should be 6n + 2 (20, 32, 44, 56, 110), got {depth}")
        n = (depth - 2) // 6
        self.conv1 = conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.in_planes = 16
        self.layer1 = self._make_layer(16, n, stride=1)
        self.layer2 = self._make_layer(32, n, stride=2)
        self.layer3 = self._make_layer(64, n, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        layers = []
        for block_stride in [stride] + [1] * (blocks - 1):
            layers.append(CifarBasicBlock(self.in_planes, planes, block_stride))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(flatten(self.avgpool(x), 1))


def resnet20(*, weights: Any = None, progress: bool = True, num_classes: int = 10) -> CifarResNet:
    """ResNet-20 for CIFAR (n = 3).

    >>> from minitorch_conv.vision.models import resnet20
    >>> len(resnet20().layer1)
    3"""
    no_weights(weights, "resnet20")
    return CifarResNet(20, num_classes)


def resnet56(*, weights: Any = None, progress: bool = True, num_classes: int = 10) -> CifarResNet:
    """ResNet-56 for CIFAR (n = 9).

    >>> from minitorch_conv.vision.models import resnet56
    >>> sum(p.numel() for p in resnet56().parameters())
    853018"""
    no_weights(weights, "resnet56")
    return CifarResNet(56, num_classes)
