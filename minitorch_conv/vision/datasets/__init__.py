"""Datasets in their official file formats, with checked downloads (``torchvision.datasets``),
and the bundled 8x8 digits.

>>> from minitorch_conv.vision import datasets
>>> ds = datasets.FakeData(size=3, image_size=(1, 4, 4))
>>> len(ds)
3
"""

from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .digits import DIGITS_TEST_EVERY, load_digits  # noqa: F401
from .fakedata import FakeData  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .mnist import KMNIST, MNIST, FashionMNIST, load_mnist, read_idx  # noqa: F401
from .vision import VisionDataset  # noqa: F401

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "DatasetFolder",
    "FakeData",
    "FashionMNIST",
    "ImageFolder",
    "KMNIST",
    "MNIST",
    "VisionDataset",
    "load_digits",
    "load_mnist",
    "read_idx",
    "DIGITS_TEST_EVERY",
]
