"""Datasets and batching: ``TensorDataset``, ``DataLoader``, the bundled 8x8 digits, and MNIST-style
IDX files already on disk. Nothing is ever downloaded.

>>> import minitorch_conv as mt
>>> from minitorch_conv.data import DataLoader, TensorDataset
>>> ds = TensorDataset(mt.arange(10.0).reshape(5, 2), mt.tensor([0, 1, 0, 1, 1]))
>>> loader = DataLoader(ds, batch_size=2, shuffle=True, generator=mt.data.Generator(0))
>>> [tuple(y.shape) for _, y in loader]
[(2,), (2,), (1,)]

The host-side formats (IDX files, scikit-learn's arrays) are NumPy arrays; they become tensors at
the end.
"""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np  # host-side data: file formats and index permutations are NumPy's

from . import backends
from .ops.shape import stack
from .tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "DataLoader", "Generator", "default_collate",
           "load_digits", "read_idx", "load_mnist", "DIGITS_TEST_EVERY"]


class Generator:
    """A random generator of its own for shuffling (and for ``Tensor.uniform_(generator=...)``).

    >>> import minitorch_conv as mt
    >>> g = mt.data.Generator().manual_seed(42)
    >>> int(g.rng.integers(100)) == int(mt.data.Generator(42).rng.integers(100))
    True
    """

    def __init__(self, seed: int | None = None):
        self.manual_seed(0 if seed is None else seed)

    def manual_seed(self, seed: int) -> Generator:
        """Re-seed; returns self (as PyTorch's ``Generator.manual_seed`` does)."""
        self.rng = np.random.Generator(np.random.PCG64(int(seed)))
        return self


class Dataset:
    """A map-style dataset: ``__getitem__(index)`` gives one sample, ``__len__`` how many."""

    def __getitem__(self, index: int):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of each tensor (all must share their first dimension).

    >>> import minitorch_conv as mt
    >>> ds = mt.data.TensorDataset(mt.zeros(4, 3), mt.arange(4))
    >>> len(ds), ds[2][1]
    (4, tensor(2))
    """

    def __init__(self, *tensors: Tensor):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0] if tensors[0].ndim else None
        if n is None or any(t.ndim == 0 or t.shape[0] != n for t in tensors):
            raise ValueError(
                "Size mismatch between tensors: " + ", ".join(str(list(t.shape)) for t in tensors)
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: Sequence[int]) -> tuple[Tensor, ...]:
        """A whole batch at once: one gather per tensor instead of one index per sample."""
        out = []
        for t in self.tensors:
            idx = t.xp.asarray(np.asarray(indices, dtype=np.int64))
            out.append(t._new(t._array[idx]))
        return tuple(out)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch: tensors and arrays are stacked, numbers become a
    tensor, and tuples, lists and dicts are collated field by field.

    >>> import minitorch_conv as mt
    >>> xs, ys = mt.data.default_collate([(mt.zeros(2), 1), (mt.ones(2), 0)])
    >>> xs.shape, ys
    (minitorch_conv.Size([2, 2]), tensor([1, 0]))
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch))
    if isinstance(first, np.ndarray):
        return Tensor(np.stack(batch))
    if isinstance(first, (bool, int, float, np.generic)):
        from .creation import tensor

        return tensor(list(batch))
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return type(first)(default_collate(list(field)) for field in zip(*batch)) \
            if isinstance(first, tuple) else [default_collate(list(f)) for f in zip(*batch)]
    if isinstance(first, str):
        return list(batch)
    raise TypeError(f"default_collate: batch must contain tensors, arrays, numbers, dicts or "
                    f"lists; found {type(first).__name__}")


class DataLoader:
    """Batches of a dataset, optionally shuffled, once per ``for`` loop (an epoch).

    ``shuffle=True`` draws a new permutation each epoch from ``generator`` (a
    :class:`Generator`), or from the global CPU generator that ``mt.manual_seed`` seeds.
    ``drop_last`` drops a final incomplete batch. Datasets with ``__getitems__`` (such as
    :class:`TensorDataset`) are fetched a batch at a time when no ``collate_fn`` is given.

    >>> import minitorch_conv as mt
    >>> ds = mt.data.TensorDataset(mt.arange(7))
    >>> [b[0].tolist() for b in mt.data.DataLoader(ds, batch_size=3)]
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> len(mt.data.DataLoader(ds, batch_size=3, drop_last=True))
    2
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 *, drop_last: bool = False, collate_fn: Callable[[list], Any] | None = None,
                 generator: Generator | np.random.Generator | None = None):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        if self.generator is None:
            rng = backends.get_backend("cpu").rng
        else:  # a Generator, or a NumPy Generator itself
            rng = getattr(self.generator, "rng", self.generator)
        return rng.permutation(n)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator:
        order = self._order()
        if self.batch_size is None:  # no batching: samples one by one
            for i in order:
                yield self.dataset[int(i)]
            return
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size].tolist()
            if self.drop_last and len(indices) < self.batch_size:
                return
            if self.collate_fn is None and hasattr(self.dataset, "__getitems__"):
                yield self.dataset.__getitems__(indices)
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[i] for i in indices])


# ---------------------------------------------------------------------------- the 8x8 digits
DIGITS_TEST_EVERY = 5
"""The digits' held-out test set is every 5th sample (index % 5 == 4): 359 of 1797 images."""


def load_digits(train: bool = True, device=None) -> TensorDataset:
    """scikit-learn's 8x8 handwritten digits (1797 images, 10 classes) as a TensorDataset.

    Images are (N, 1, 8, 8) float32 in [0, 1] (the 0..16 pixel counts divided by 16); labels are
    int64. The split is fixed and independent of any seed: the test set is every fifth sample
    (``index % 5 == 4``, 359 images), the training set the other 1438. Needs scikit-learn (in the
    ``examples`` extra), which ships the data: nothing is downloaded.

    >>> import minitorch_conv as mt
    >>> train, test = mt.data.load_digits(True), mt.data.load_digits(False)
    >>> len(train), len(test), tuple(test[0][0].shape)
    (1438, 359, (1, 8, 8))
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError as exc:
        raise ImportError(
            "the digits dataset ships with scikit-learn: pip install 'minitorch_conv[examples]'"
        ) from exc
    bunch = sk_load_digits()
    images = (bunch.images.astype(np.float32) / np.float32(16.0))[:, None]
    labels = bunch.target.astype(np.int64)
    test = np.arange(len(labels)) % DIGITS_TEST_EVERY == DIGITS_TEST_EVERY - 1
    keep = ~test if train else test
    return _to_dataset(images[keep], labels[keep], device)


def _to_dataset(images: np.ndarray, labels: np.ndarray, device) -> TensorDataset:
    backend = backends.get_backend(device)
    with backend.device_context():
        x = Tensor(backend.asarray(np.ascontiguousarray(images)), backend=backend)
        y = Tensor(backend.asarray(np.ascontiguousarray(labels)), backend=backend)
    return TensorDataset(x, y)


# ---------------------------------------------------------------------------- IDX files (MNIST)
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST / Fashion-MNIST format), gzipped or not, into a NumPy array.

    The header is two zero bytes, a type code (0x08 unsigned byte ... 0x0E float64), the number of
    dimensions, and each dimension as a big-endian int32; the data follows. A wrong magic number,
    a truncated file or trailing bytes raise ``ValueError`` naming the file.

    >>> import gzip, os, tempfile
    >>> import numpy as np
    >>> import minitorch_conv as mt
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> mt.data.read_idx(path)
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
        raise ValueError(f"{path}: truncated IDX file: the header needs {header} bytes, "
                         f"the file has {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize
    found = len(raw) - header
    if found < expected:
        raise ValueError(f"{path}: truncated IDX file: shape {shape} needs {expected} bytes of "
                         f"data, found {found}")
    if found > expected:
        raise ValueError(f"{path}: {found - expected} unexpected bytes after the data of shape "
                         f"{shape}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(root: str, stem: str) -> str:
    candidates = [os.path.join(d, stem + ext) for d in (root, os.path.join(root, "raw"))
                  for ext in ("", ".gz")]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"no {stem}[.gz] in {root} (looked for: {', '.join(candidates)}). minitorch_conv never "
        "downloads data: put the MNIST or Fashion-MNIST IDX files there."
    )


def load_mnist(root: str | os.PathLike, train: bool = True, device=None) -> TensorDataset:
    """MNIST or Fashion-MNIST from IDX files under ``root`` (or ``root/raw``), gzipped or not.

    Expects ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte`` (``t10k-...`` for the test
    set), the names both datasets use. Images are (N, 1, 28, 28) float32 in [0, 1]; labels int64.
    """
    root = os.fspath(root)
    prefix = "train" if train else "t10k"
    images = read_idx(_find(root, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(root, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{root}: images of shape {images.shape} and labels of shape {labels.shape} do not "
            "form a dataset (expected (N, H, W) and (N,))"
        )
    x = (images.astype(np.float32) / np.float32(255.0))[:, None]
    return _to_dataset(x, labels.astype(np.int64), device)
