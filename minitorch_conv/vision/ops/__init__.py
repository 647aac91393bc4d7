"""Building blocks that torchvision's models share (``torchvision.ops``)."""

from . import misc  # noqa: F401
from .misc import Conv2dNormActivation  # noqa: F401

__all__ = ["Conv2dNormActivation", "misc"]
