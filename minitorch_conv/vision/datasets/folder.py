"""``ImageFolder`` and ``DatasetFolder``: one sub-folder per class, as torchvision reads them.

``root/dog/xxx.png``, ``root/cat/123.jpg``, ...: the classes are the sub-folders' names, sorted;
the samples are every file with an accepted extension under each (recursively), sorted.
``ImageFolder`` opens images with Pillow (an optional extra: ``pip install 'minitorch_conv[vision]'``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .._pil import require_pil
from .vision import VisionDataset

__all__ = [
    "DatasetFolder",
    "ImageFolder",
    "IMG_EXTENSIONS",
    "default_loader",
    "pil_loader",
    "find_classes",
    "make_dataset",
    "has_file_allowed_extension",
]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions: str | tuple[str, ...]) -> bool:
    """True when ``filename`` ends with one of ``extensions`` (case-insensitive).

    >>> from minitorch_conv.vision.datasets.folder import has_file_allowed_extension
    >>> has_file_allowed_extension("a/B.PNG", (".png", ".jpg"))
    True
    """
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def find_classes(directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
    """The sorted sub-folder names of ``directory``, and each one's index.

    >>> import os, tempfile
    >>> from minitorch_conv.vision.datasets.folder import find_classes
    >>> root = tempfile.mkdtemp()
    >>> for name in ("dog", "cat"):
    ...     os.mkdir(os.path.join(root, name))
    >>> find_classes(root)
    (['cat', 'dog'], {'cat': 0, 'dog': 1})
    """
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(
    directory: str | os.PathLike,
    class_to_idx: dict[str, int] | None = None,
    extensions: str | tuple[str, ...] | None = None,
    is_valid_file: Callable[[str], bool] | None = None,
    allow_empty: bool = False,
) -> list[tuple[str, int]]:
    """``(path, class index)`` for every accepted file under each class folder, sorted.

    >>> import os, tempfile
    >>> from minitorch_conv.vision.datasets.folder import make_dataset
    >>> root = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(root, "cat"))
    >>> open(os.path.join(root, "cat", "a.png"), "w").close()
    >>> [(os.path.basename(p), c) for p, c in make_dataset(root, extensions=(".png",))]
    [('a.png', 0)]"""
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if is_valid_file is None:

        def is_valid_file(path: str) -> bool:
            return has_file_allowed_extension(path, extensions)

    instances, found = [], set()
    for target_class in sorted(class_to_idx):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for folder, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(folder, fname)
                if is_valid_file(path):
                    instances.append((path, class_index))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            names = extensions if isinstance(extensions, str) else ", ".join(extensions)
            msg += f"Supported extensions are: {names}"
        raise FileNotFoundError(msg)
    return instances


def pil_loader(path: str):
    """Open an image file with Pillow, as RGB.

    >>> import os, tempfile
    >>> from PIL import Image
    >>> from minitorch_conv.vision.datasets.folder import pil_loader
    >>> path = os.path.join(tempfile.mkdtemp(), "grey.png")
    >>> Image.new("L", (3, 2)).save(path)
    >>> pil_loader(path).mode, pil_loader(path).size
    ('RGB', (3, 2))"""
    image_module = require_pil("ImageFolder")
    with open(path, "rb") as f:
        img = image_module.open(f)
        return img.convert("RGB")


def default_loader(path: str):
    """How ImageFolder opens a file: :func:`pil_loader`.

    >>> from minitorch_conv.vision.datasets.folder import default_loader, pil_loader
    >>> default_loader.__name__, pil_loader.__name__
    ('default_loader', 'pil_loader')"""
    return pil_loader(path)


class DatasetFolder(VisionDataset):
    """Samples are the files under ``root/<class>/``, opened by ``loader``; the target is the
    class's index. ``extensions`` or ``is_valid_file`` say which files count.

    >>> import os, tempfile
    >>> from minitorch_conv.vision.datasets import DatasetFolder
    >>> root = tempfile.mkdtemp()
    >>> for cls, name in [("b", "1.txt"), ("a", "2.txt"), ("a", "3.txt")]:
    ...     os.makedirs(os.path.join(root, cls), exist_ok=True)
    ...     with open(os.path.join(root, cls, name), "w") as f:
    ...         _ = f.write(name)
    >>> ds = DatasetFolder(root, loader=lambda p: open(p).read(), extensions=(".txt",))
    >>> ds.classes, [ds[i] for i in range(len(ds))]
    (['a', 'b'], [('2.txt', 0), ('3.txt', 0), ('1.txt', 1)])
    """

    def __init__(
        self,
        root: str | os.PathLike,
        loader: Callable[[str], Any],
        extensions: tuple[str, ...] | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ):
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)
        samples = self.make_dataset(self.root, class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]

    @staticmethod
    def make_dataset(
        directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty: bool = False
    ) -> list[tuple[str, int]]:
        """The samples (see :func:`make_dataset`)."""
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory) -> tuple[list[str], dict[str, int]]:
        """The classes (see :func:`find_classes`)."""
        return find_classes(directory)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Images under ``root/<class>/`` (jpg, png, ppm, bmp, pgm, tif, webp), opened with Pillow as
    RGB; ``imgs`` is the list of ``(path, class index)``. Needs Pillow.

    >>> import os, tempfile
    >>> from PIL import Image
    >>> from minitorch_conv.vision.datasets import ImageFolder
    >>> root = tempfile.mkdtemp()
    >>> for cls in ("cat", "dog"):
    ...     os.mkdir(os.path.join(root, cls))
    ...     Image.new("RGB", (4, 4)).save(os.path.join(root, cls, "0.png"))
    >>> ds = ImageFolder(root)
    >>> ds.classes, ds[1][1], ds[1][0].size
    (['cat', 'dog'], 1, (4, 4))
    """

    def __init__(
        self,
        root: str | os.PathLike,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        loader: Callable[[str], Any] = default_loader,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ):
        if loader is default_loader:
            require_pil("ImageFolder")
        super().__init__(
            root,
            loader,
            IMG_EXTENSIONS if is_valid_file is None else None,
            transform=transform,
            target_transform=target_transform,
            is_valid_file=is_valid_file,
            allow_empty=allow_empty,
        )
        self.imgs = self.samples
