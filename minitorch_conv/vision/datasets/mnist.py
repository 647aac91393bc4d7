"""MNIST and its family (Fashion-MNIST, Kuzushiji-MNIST) from their official gzipped IDX files,
and ``read_idx`` / ``load_mnist`` for IDX files already on disk.

The files live where torchvision keeps them, ``root/<ClassName>/raw/``, gzipped or not; with
``download=True`` they are fetched from the class's ``mirrors``, checked against the MD5s in its
``resources`` and unpacked (see ``utils.py``).
"""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np  # the IDX format is read on the host

from ... import backends
from ...tensor import Tensor
from ...utils.data import TensorDataset
from .._pil import as_sample
from .utils import download_resources
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "read_idx", "load_mnist"]

_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST / Fashion-MNIST format), gzipped or not, into a NumPy array.

    The header is two zero bytes, a type code (0x08 unsigned byte ... 0x0E float64), the number of
    dimensions, and each dimension as a big-endian int32; the data follows. A wrong magic number,
    a truncated file or trailing bytes raise ``ValueError`` naming the file.

    >>> import gzip, os, tempfile
    >>> from minitorch_conv.vision.datasets import read_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # gzip magic, whatever the file is called
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, gzip.BadGzipFile) as exc:
            raise ValueError(f"{path}: truncated or corrupted gzip data ({exc})") from None
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated IDX file: {len(raw)} bytes, not even a header")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(
            f"{path}: not an IDX file: wrong magic number 0x{raw[:4].hex()} (expected 0x0000TTNN "
            "with type TT in 08, 09, 0B, 0C, 0D, 0E)"
        )
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: truncated IDX file: the header needs {header} bytes, the file has {len(raw)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize
    found = len(raw) - header
    if found < expected:
        raise ValueError(
            f"{path}: truncated IDX file: shape {shape} needs {expected} bytes of data, found {found}"
        )
    if found > expected:
        raise ValueError(f"{path}: {found - expected} unexpected bytes after the data of shape {shape}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folders: list[str], stem: str) -> str | None:
    for folder in folders:
        for ext in ("", ".gz"):
            path = os.path.join(folder, stem + ext)
            if os.path.isfile(path):
                return path
    return None


def _read_images_and_labels(folders: list[str], train: bool, where: str) -> tuple[np.ndarray, np.ndarray]:
    prefix = "train" if train else "t10k"
    paths = {}
    for kind, stem in (("images", f"{prefix}-images-idx3-ubyte"), ("labels", f"{prefix}-labels-idx1-ubyte")):
        paths[kind] = _find(folders, stem)
        if paths[kind] is None:
            looked = ", ".join(os.path.join(f, stem + ext) for f in folders for ext in ("", ".gz"))
            raise FileNotFoundError(f"no {stem}[.gz] in {where} (looked for: {looked})")
    images, labels = read_idx(paths["images"]), read_idx(paths["labels"])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{where}: images of shape {images.shape} and labels of shape {labels.shape} "
            "do not form a dataset (expected (N, H, W) and (N,))"
        )
    return images, labels


class MNIST(VisionDataset):
    """MNIST: 28x28 grey handwritten digits, 60,000 to train and 10,000 to test.

    torchvision's arguments: ``root`` (the files are in ``root/MNIST/raw``), ``train``,
    ``transform`` (applied to the image), ``target_transform`` (to the label), ``download``
    (fetch the files if they are not there; nothing happens otherwise). A sample is
    ``(image, label)``: the image a PIL image where Pillow is installed (as in torchvision), else
    a (28, 28) uint8 array; the label an int. ``data`` (N, 28, 28) uint8 and ``targets`` (N,) int64
    are tensors.

    The class attributes ``mirrors`` (base URLs, tried in turn) and ``resources`` (file name, MD5)
    say where and what to fetch; set them to fetch from elsewhere.

    >>> import os, tempfile
    >>> from minitorch_conv.vision.datasets import MNIST
    >>> try:
    ...     MNIST(tempfile.mkdtemp())
    ... except RuntimeError as e:
    ...     print(str(e)[:60])
    Dataset not found. You can use download=True to download it
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

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
            wanted = ", ".join(name for name, _ in self.resources)
            raise RuntimeError(
                "Dataset not found. You can use download=True to download it "
                f"(or place {wanted} in {self.raw_folder})"
            )
        images, labels = _read_images_and_labels([self.raw_folder], train, self.raw_folder)
        self._images = np.ascontiguousarray(images, dtype=np.uint8)
        self.data = Tensor(self._images)
        self.targets = Tensor(labels.astype(np.int64))
        self._labels = labels.astype(np.int64)

    @property
    def raw_folder(self) -> str:
        """Where the IDX files are: ``root/<ClassName>/raw``."""
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name to label."""
        return {name: i for i, name in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        stems = [name[: -len(".gz")] if name.endswith(".gz") else name for name, _ in self.resources]
        return all(_find([self.raw_folder], stem) is not None for stem in stems)

    def download(self) -> None:
        """Fetch, check and unpack the files that are not there yet."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        download_resources(self.mirrors, self.resources, self.raw_folder)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        img, target = as_sample(self._images[index]), int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._images)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST: 28x28 grey images of clothes in 10 classes, MNIST's format and sizes
    (files in ``root/FashionMNIST/raw``).

    >>> from minitorch_conv.vision.datasets import FashionMNIST
    >>> FashionMNIST.classes[:3]
    ['T-shirt/top', 'Trouser', 'Pullover']
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 grey cursive Japanese characters in 10 classes, MNIST's format
    (files in ``root/KMNIST/raw``).

    >>> from minitorch_conv.vision.datasets import KMNIST
    >>> len(KMNIST.classes)
    10
    """

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


def to_tensor_dataset(images: np.ndarray, labels: np.ndarray, device=None) -> TensorDataset:
    """A TensorDataset of ``images`` and ``labels`` on ``device`` (NumPy arrays in)."""
    backend = backends.get_backend(device)
    with backend.device_context():
        x = Tensor(backend.asarray(np.ascontiguousarray(images)), backend=backend)
        y = Tensor(backend.asarray(np.ascontiguousarray(labels)), backend=backend)
    return TensorDataset(x, y)


def load_mnist(root: str | os.PathLike, train: bool = True, device=None) -> TensorDataset:
    """MNIST or Fashion-MNIST from IDX files under ``root`` (or ``root/raw``), gzipped or not, as
    one TensorDataset: the whole set as two tensors, for fast training without transforms.

    Expects ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte`` (``t10k-...`` for the test
    set), the names both datasets use. Images are (N, 1, 28, 28) float32 in [0, 1]; labels int64.
    Nothing is downloaded: :class:`MNIST` (``download=True``) fetches the files.

    >>> import gzip, os, struct, tempfile
    >>> from minitorch_conv.vision.datasets import load_mnist
    >>> root = tempfile.mkdtemp()
    >>> for name, shape in (("t10k-images-idx3-ubyte", (2, 28, 28)), ("t10k-labels-idx1-ubyte", (2,))):
    ...     header = bytes([0, 0, 8, len(shape)]) + b"".join(struct.pack(">i", d) for d in shape)
    ...     with gzip.open(os.path.join(root, name + ".gz"), "wb") as f:
    ...         _ = f.write(header + bytes(2 * (784 if len(shape) == 3 else 1)))
    >>> x, y = load_mnist(root, train=False).tensors
    >>> x.shape, y.dtype
    (minitorch_conv.Size([2, 1, 28, 28]), minitorch_conv.int64)
    """
    root = os.fspath(root)
    images, labels = _read_images_and_labels([root, os.path.join(root, "raw")], train, root)
    x = (images.astype(np.float32) / np.float32(255.0))[:, None]
    return to_tensor_dataset(x, labels.astype(np.int64), device)
