"""What torchvision holds: ``datasets`` (official file formats, checked downloads), ``transforms``,
``models`` and ``utils`` (``make_grid``, ``save_image``). ``python -m minitorch_conv.as_torch``
serves this package as ``torchvision``. Each sub-package is imported when first used.

>>> from minitorch_conv.vision import datasets, transforms
>>> ds = datasets.FakeData(size=2, image_size=(3, 4, 4), transform=transforms.ToTensor())
>>> tuple(ds[0][0].shape)
(3, 4, 4)
"""

import importlib

__version__ = "0.1.0"
__all__ = ["datasets", "models", "ops", "transforms", "utils"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
