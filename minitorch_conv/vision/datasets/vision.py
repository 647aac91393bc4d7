"""``VisionDataset``: what every dataset here shares (a root folder, and its transforms)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ...utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]


class StandardTransform:
    """Apply ``transform`` to the image and ``target_transform`` to the target of a sample.

    >>> from minitorch_conv.vision.datasets.vision import StandardTransform
    >>> StandardTransform(str, lambda y: y + 1)(5, 1)
    ('5', 2)"""

    def __init__(self, transform: Callable | None = None, target_transform: Callable | None = None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input: Any, target: Any) -> tuple[Any, Any]:
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    def __repr__(self) -> str:
        body = [self.__class__.__name__]
        if self.transform is not None:
            body.append(f"Transform: {self.transform!r}".replace("\n", "\n" + " " * 4))
        if self.target_transform is not None:
            body.append(f"Target transform: {self.target_transform!r}".replace("\n", "\n" + " " * 4))
        return "\n".join(body)


class VisionDataset(Dataset):
    """A dataset under a ``root`` folder whose samples pass through ``transform`` (the image) and
    ``target_transform`` (the label), or through ``transforms`` (both at once).

    >>> from minitorch_conv.vision.datasets import VisionDataset
    >>> class Two(VisionDataset):
    ...     def __getitem__(self, i):
    ...         return self.transforms(i, i % 2) if self.transforms else (i, i % 2)
    ...     def __len__(self):
    ...         return 2
    >>> Two("data", transform=lambda x: x * 10)[1]
    (10, 1)
    """

    _repr_indent = 4

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        transforms: Callable | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ):
        if isinstance(root, (str, os.PathLike)):
            root = os.path.expanduser(root)
        self.root = root
        has_transforms = transforms is not None
        has_separate = transform is not None or target_transform is not None
        if has_transforms and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """Lines that a subclass adds to the repr (e.g. ``Split: Train``)."""
        return ""

    def __repr__(self) -> str:
        head = "Dataset " + self.__class__.__name__
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if hasattr(self, "transforms") and self.transforms is not None:
            body += [repr(self.transforms)]
        lines = [head] + [" " * self._repr_indent + line for line in body]
        return "\n".join(lines)
