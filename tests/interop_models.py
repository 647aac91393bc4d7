"""Models written once and built with either ``torch.nn`` or ``minitorch_conv.nn`` (the APIs are the
same), for the weight-exchange and export tests: the same class names, attribute names and so the
same ``state_dict`` keys in both frameworks.

- ``small_cnn``: conv, BatchNorm, ReLU, max-pool, linear (the shape of the example CNN);
- ``resnet18``: torchvision's ResNet-18 layout (BasicBlock, ``out += identity``, in-place ReLU,
  ``downsample``), with its state_dict keys;
- ``mobilenet_block``: an inverted residual block: 1x1 expansion, 3x3 depthwise, 1x1 projection.
"""

from __future__ import annotations

import numpy as np


def small_cnn(nn, num_classes: int = 10, in_channels: int = 1):
    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(in_channels, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 2 * 2, num_classes))

        def forward(self, x):
            return self.classifier(self.features(x))

    return SmallCNN()


def resnet18(nn, num_classes: int = 1000, width: int = 64):
    """torchvision's ``resnet18()`` (``width=64``), or a narrower one with the same layout."""

    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inplanes = width
            self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1 = self._make_layer(width, 1)
            self.layer2 = self._make_layer(2 * width, 2)
            self.layer3 = self._make_layer(4 * width, 2)
            self.layer4 = self._make_layer(8 * width, 2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8 * width, num_classes)

        def _make_layer(self, planes, stride):
            downsample = None
            if stride != 1 or self.inplanes != planes:
                downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                                           nn.BatchNorm2d(planes))
            blocks = [BasicBlock(self.inplanes, planes, stride, downsample), BasicBlock(planes, planes)]
            self.inplanes = planes
            return nn.Sequential(*blocks)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet()


def mobilenet_block(nn, channels: int = 8, expansion: int = 4, stride: int = 1):
    class InvertedResidual(nn.Module):
        def __init__(self):
            super().__init__()
            hidden = channels * expansion
            self.expand = nn.Sequential(nn.Conv2d(channels, hidden, 1, bias=False),
                                        nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True))
            self.depthwise = nn.Sequential(
                nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True))
            self.project = nn.Sequential(nn.Conv2d(hidden, channels, 1, bias=False),
                                         nn.BatchNorm2d(channels))
            self.use_residual = stride == 1

        def forward(self, x):
            out = self.project(self.depthwise(self.expand(x)))
            return x + out if self.use_residual else out

    return InvertedResidual()


def randomize_batchnorm(model, framework, seed: int = 0) -> None:
    """Give every BatchNorm of ``model`` (built with ``framework``, torch or minitorch_conv)
    non-trivial running statistics and affine parameters, so that a comparison exercises them."""
    rng = np.random.default_rng(seed)
    for module in model.modules():
        if type(module).__name__ == "BatchNorm2d":
            for name, low, high in (("running_mean", -0.5, 0.5), ("running_var", 0.5, 2.0),
                                    ("weight", 0.5, 1.5), ("bias", -0.5, 0.5)):
                values = rng.uniform(low, high, module.num_features).astype(np.float32)
                with framework.no_grad():
                    getattr(module, name).copy_(framework.tensor(values))
