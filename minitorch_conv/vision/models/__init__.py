"""Models written from their papers, with torchvision's builder names and state_dict keys where
torchvision has the model (``torchvision.models``). No pretrained weights are shipped:
``weights`` must be None.

>>> import minitorch_conv as mt
>>> from minitorch_conv.vision import models
>>> net = models.resnet20(num_classes=10)
>>> net(mt.randn(1, 3, 32, 32)).shape
minitorch_conv.Size([1, 10])
"""

from .alexnet import AlexNet, alexnet, alexnet_small  # noqa: F401
from .cifar_resnet import CifarBasicBlock, CifarResNet, resnet20, resnet56  # noqa: F401
from .lenet import LeNet5, lenet5  # noqa: F401
from .mobilenetv2 import InvertedResidual, MobileNetV2, mobilenet_v2  # noqa: F401
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50  # noqa: F401
from .vgg import VGG, make_layers, vgg11, vgg11_bn  # noqa: F401

__all__ = [
    "AlexNet",
    "BasicBlock",
    "Bottleneck",
    "CifarBasicBlock",
    "CifarResNet",
    "InvertedResidual",
    "LeNet5",
    "MobileNetV2",
    "ResNet",
    "VGG",
    "alexnet",
    "alexnet_small",
    "lenet5",
    "make_layers",
    "mobilenet_v2",
    "resnet18",
    "resnet20",
    "resnet34",
    "resnet50",
    "resnet56",
    "vgg11",
    "vgg11_bn",
]
