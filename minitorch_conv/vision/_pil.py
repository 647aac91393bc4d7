"""Pillow, where installed: images as PIL images, as torchvision has them; else NumPy arrays.

Pillow is imported the first time an image is made or checked, not when minitorch_conv loads.
"""

from __future__ import annotations

import functools
import sys

import numpy as np  # images are NumPy arrays on the host


@functools.cache
def pil_image_module():
    """``PIL.Image``, or None where Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:  # Pillow is optional: pip install 'minitorch_conv[vision]'
        return None
    return Image


def is_pil_image(obj) -> bool:
    """True for a PIL image (without importing Pillow when no PIL image can exist)."""
    if "PIL.Image" not in sys.modules:
        return False
    return isinstance(obj, sys.modules["PIL.Image"].Image)


def require_pil(what: str):
    """The ``PIL.Image`` module, or an ImportError saying that ``what`` needs Pillow."""
    image_module = pil_image_module()
    if image_module is None:
        raise ImportError(f"{what} needs Pillow: pip install 'minitorch_conv[vision]' (or pillow)")
    return image_module


def as_sample(image: np.ndarray):
    """A dataset's image: a PIL image where Pillow is installed (as torchvision gives), else the
    (H, W) or (H, W, C) uint8 array itself. Every transform takes either."""
    image_module = pil_image_module()
    if image_module is None:
        return image
    return image_module.fromarray(image)
