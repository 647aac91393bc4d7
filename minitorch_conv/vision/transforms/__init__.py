"""Image transforms (``torchvision.transforms``): on tensors, PIL images and NumPy arrays.

>>> import numpy as np
>>> from minitorch_conv.vision import transforms as T
>>> to_input = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
>>> to_input(np.zeros((28, 28), dtype=np.uint8)).shape
minitorch_conv.Size([1, 28, 28])
"""

from . import functional  # noqa: F401
from .functional import InterpolationMode  # noqa: F401
from .transforms import (  # noqa: F401
    CenterCrop,
    ColorJitter,
    Compose,
    ConvertImageDtype,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomCrop,
    RandomErasing,
    RandomHorizontalFlip,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    ToPILImage,
    ToTensor,
)

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "ConvertImageDtype",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "Pad",
    "RandomCrop",
    "RandomErasing",
    "RandomHorizontalFlip",
    "RandomRotation",
    "RandomVerticalFlip",
    "Resize",
    "ToPILImage",
    "ToTensor",
    "functional",
]
