"""VGG-11 (Simonyan and Zisserman, 2014: "Very deep convolutional networks for large-scale image
recognition", configuration A), with batch normalisation as torchvision's ``vgg11_bn``, and
torchvision's layout and state_dict keys."""

from __future__ import annotations

from typing import Any

from ... import nn
from ...ops.shape import flatten
from ...tensor import Tensor
from ._utils import no_weights

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn"]

cfgs: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
}
"""Layer plans: a number is a 3x3 convolution with that many channels, "M" a 2x2 max-pool."""


class VGG(nn.Module):
    """``features`` (from :func:`make_layers`), an adaptive average pool to 7x7, and three fully
    connected layers (4096, 4096, classes) with dropout.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.models import VGG, make_layers
    >>> net = VGG(make_layers([8, "M", 16, "M"], batch_norm=True), num_classes=3)
    >>> list(net.state_dict())[:3]
    ['features.0.weight', 'features.0.bias', 'features.1.weight']
    """

    def __init__(
        self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5
    ) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        last = [m for m in features.modules() if isinstance(m, nn.Conv2d)][-1].out_channels
        self.classifier = nn.Sequential(
            nn.Linear(last * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        return self.classifier(x)


def make_layers(cfg: list[int | str], batch_norm: bool = False) -> nn.Sequential:
    """The convolutional part of a VGG from a plan (see ``cfgs``): 3x3 convolutions (padding 1),
    each followed by BatchNorm (if ``batch_norm``) and ReLU; "M" is a 2x2 max-pool.

    >>> from minitorch_conv.vision.models import make_layers
    >>> make_layers([8, "M"], batch_norm=True)
    Sequential(
      (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
      (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
      (2): ReLU(inplace=True)
      (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    )"""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        conv2d = nn.Conv2d(in_channels, int(v), kernel_size=3, padding=1)
        if batch_norm:
            layers += [conv2d, nn.BatchNorm2d(int(v)), nn.ReLU(inplace=True)]
        else:
            layers += [conv2d, nn.ReLU(inplace=True)]
        in_channels = int(v)
    return nn.Sequential(*layers)


def vgg11(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration A), without batch normalisation.

    >>> from minitorch_conv.vision.models.vgg import cfgs
    >>> len([v for v in cfgs["A"] if v != "M"])  # convolutions, then three fully connected layers
    8"""
    no_weights(weights, "vgg11")
    return VGG(make_layers(cfgs["A"], batch_norm=False), **kwargs)


def vgg11_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 with batch normalisation after each convolution (torchvision's ``vgg11_bn``).

    >>> from minitorch_conv.vision.models import make_layers
    >>> from minitorch_conv.vision.models.vgg import cfgs
    >>> len(make_layers(cfgs["A"], batch_norm=True))  # 8 x (conv, BatchNorm, ReLU) + 5 max-pools
    29"""
    no_weights(weights, "vgg11_bn")
    return VGG(make_layers(cfgs["A"], batch_norm=True), **kwargs)
