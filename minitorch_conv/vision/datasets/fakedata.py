"""``FakeData``: random images, the same ones for the same index, for trying a pipeline out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np  # the images are drawn on the host

from .._pil import as_sample
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` random images of ``image_size`` (C, H, W) with random labels below
    ``num_classes``. Sample ``i`` is drawn from a generator seeded with ``i + random_offset``: the
    same every time, and the global generator is left alone. Images are PIL images where Pillow is
    installed (as in torchvision), else (H, W, C) uint8 arrays.

    >>> from minitorch_conv.vision.datasets import FakeData
    >>> from minitorch_conv.vision import transforms
    >>> ds = FakeData(size=4, image_size=(3, 8, 8), transform=transforms.ToTensor())
    >>> x, y = ds[0]
    >>> tuple(x.shape), 0 <= y < 10, bool((ds[0][0] == x).all())
    ((3, 8, 8), True, True)
    """

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, ...] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        random_offset: int = 0,
    ):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = tuple(image_size)
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, int]:
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng = np.random.Generator(np.random.PCG64(index + self.random_offset))
        channels, height, width = self.image_size
        image = rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        img = as_sample(image[:, :, 0] if channels == 1 else image)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return self.size
