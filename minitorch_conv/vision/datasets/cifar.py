"""CIFAR-10 and CIFAR-100 from the official *binary* version (fixed-size records; no pickle is
ever loaded).

CIFAR-10's archive unpacks to ``cifar-10-batches-bin/``: ``data_batch_1.bin`` ... ``_5.bin``
(training) and ``test_batch.bin``, 10,000 records each of 1 label byte and 3,072 pixel bytes (the
1,024 red, then green, then blue values of a 32x32 image, row by row), and ``batches.meta.txt``
(the class names). CIFAR-100's unpacks to ``cifar-100-binary/``: ``train.bin`` (50,000 records)
and ``test.bin`` (10,000), each record a coarse label byte, a fine label byte and 3,072 pixel
bytes, with ``fine_label_names.txt`` and ``coarse_label_names.txt``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np  # the records are read on the host

from .._pil import as_sample
from .utils import download_resources
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]

PIXELS = 3 * 32 * 32


class CIFAR10(VisionDataset):
    """CIFAR-10: 32x32 colour images in 10 classes, 50,000 to train and 10,000 to test.

    torchvision's arguments (``root``, ``train``, ``transform``, ``target_transform``,
    ``download``); the files are under ``root/cifar-10-batches-bin``. A sample is
    ``(image, label)``: a PIL image where Pillow is installed (as in torchvision), else a
    (32, 32, 3) uint8 array; the label an int. ``data`` is the (N, 32, 32, 3) uint8 array and
    ``targets`` the list of labels, as in torchvision. ``mirrors`` and ``resources`` (class
    attributes) say where and what to fetch.

    >>> from minitorch_conv.vision.datasets import CIFAR10
    >>> CIFAR10.resources[0][0]
    'cifar-10-binary.tar.gz'
    """

    base_folder = "cifar-10-batches-bin"
    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    resources = [("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")]
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    meta_file = "batches.meta.txt"
    label_bytes = 1
    records_per_file = {name: 10000 for name in train_list + test_list}

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(
                "Dataset not found or corrupted. You can use download=True to download it "
                f"(or unpack {self.resources[0][0]} in {self.root})"
            )
        images, labels = [], []
        for name in self.train_list if train else self.test_list:
            records = self._read_records(name)
            labels.append(records[:, self.label_bytes - 1])
            images.append(records[:, self.label_bytes :])
        self.data = np.concatenate(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
        self.targets = np.concatenate(labels).astype(np.int64).tolist()
        self.classes = self._read_classes()

    @property
    def folder(self) -> str:
        return os.path.join(self.root, self.base_folder)

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name to label."""
        return {name: i for i, name in enumerate(self.classes)}

    def _read_records(self, name: str) -> np.ndarray:
        path = os.path.join(self.folder, name)
        raw = np.fromfile(path, dtype=np.uint8)
        width = self.label_bytes + PIXELS
        if raw.size % width or raw.size // width != self.records_per_file[name]:
            raise RuntimeError(
                f"{path}: {raw.size} bytes is not {self.records_per_file[name]} records of "
                f"{width} bytes: the file is truncated or not a CIFAR binary file"
            )
        return raw.reshape(-1, width)

    def _read_classes(self) -> list[str]:
        with open(os.path.join(self.folder, self.meta_file), encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]

    def _check_exists(self) -> bool:
        names = self.train_list + self.test_list + [self.meta_file]
        return all(os.path.isfile(os.path.join(self.folder, name)) for name in names)

    def download(self) -> None:
        """Fetch the archive, check its MD5 and unpack it (nothing if the files are there)."""
        if self._check_exists():
            print("Files already downloaded and verified")
            return
        download_resources(self.mirrors, self.resources, self.root)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        img, target = as_sample(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: 32x32 colour images in 100 classes (the fine labels; ``coarse_targets`` holds
    the 20 superclasses), files under ``root/cifar-100-binary``.

    >>> from minitorch_conv.vision.datasets import CIFAR100
    >>> CIFAR100.base_folder
    'cifar-100-binary'
    """

    base_folder = "cifar-100-binary"
    resources = [("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8")]
    train_list = ["train.bin"]
    test_list = ["test.bin"]
    meta_file = "fine_label_names.txt"
    label_bytes = 2
    records_per_file = {"train.bin": 50000, "test.bin": 10000}

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ):
        super().__init__(root, train, transform, target_transform, download)
        name = self.train_list[0] if train else self.test_list[0]
        self.coarse_targets = self._read_records(name)[:, 0].astype(np.int64).tolist()
