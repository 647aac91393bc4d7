"""An alias kept from earlier versions: the data API now lives at PyTorch's paths.

- datasets, samplers, ``DataLoader``, ``default_collate``: :mod:`minitorch_conv.utils.data`
  (``torch.utils.data``);
- ``Generator``: ``minitorch_conv.Generator`` (``torch.Generator``);
- ``load_digits``, ``read_idx``, ``load_mnist`` and the torchvision-style datasets:
  :mod:`minitorch_conv.vision.datasets`.

``mt.data.X`` is the same object as at its new home.

>>> import minitorch_conv as mt
>>> mt.data.DataLoader is mt.utils.data.DataLoader, mt.data.Generator is mt.Generator
(True, True)
"""

from .generator import Generator  # noqa: F401
from .utils.data import *  # noqa: F401,F403
from .utils.data import __all__ as _data_names
from .vision.datasets import DIGITS_TEST_EVERY, load_digits, load_mnist, read_idx  # noqa: F401

__all__ = [*_data_names, "Generator", "load_digits", "read_idx", "load_mnist", "DIGITS_TEST_EVERY"]
