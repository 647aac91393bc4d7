"""Datasets, as ``torch.utils.data`` has them: map-style (``Dataset``: ``__getitem__`` and
``__len__``) and iterable-style (``IterableDataset``: ``__iter__``), and the helpers that combine
them: ``TensorDataset``, ``Subset``, ``ConcatDataset``, ``ChainDataset``, ``random_split``.

>>> import minitorch_conv as mt
>>> from minitorch_conv.utils.data import TensorDataset, random_split
>>> ds = TensorDataset(mt.arange(10))
>>> train, val = random_split(ds, [0.8, 0.2], generator=mt.Generator().manual_seed(0))
>>> len(train), len(val)
(8, 2)
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence

import numpy as np  # index arithmetic on the host

from ...generator import rng_of
from ...tensor import Tensor

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "ChainDataset",
    "random_split",
]


class Dataset:
    """A map-style dataset: ``dataset[index]`` is one sample; subclasses define ``__getitem__``
    (and usually ``__len__``). ``a + b`` concatenates two datasets.

    A subclass may also define ``__getitems__(indices)``, returning the list of samples at
    ``indices`` in one call; the DataLoader uses it to fetch a batch at once.

    >>> from minitorch_conv.utils.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> both = Squares() + Squares()
    >>> len(both), both[5]
    (8, 1)
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """An iterable-style dataset: ``__iter__`` yields the samples (a stream, a file read in order).

    With ``num_workers > 0`` every worker holds its own copy and iterates it in full: use
    :func:`~minitorch_conv.utils.data.get_worker_info` in ``__iter__`` to give each worker its own
    shard, or each sample comes ``num_workers`` times.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.utils.data import DataLoader, IterableDataset, get_worker_info
    >>> class Range(IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         info = get_worker_info()
    ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
    ...         return iter(range(start, self.n, step))
    >>> [b.tolist() for b in DataLoader(Range(7), batch_size=3)]
    [[0, 1, 2], [3, 4, 5], [6]]
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of each tensor (all share their first dimension).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.utils.data import TensorDataset
    >>> ds = TensorDataset(mt.zeros(4, 3), mt.arange(4))
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

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _gather(self, indices: Sequence[int]) -> tuple[Tensor, ...]:
        """The batch at ``indices``, one gather per tensor: what ``default_collate`` makes of the
        samples, without indexing them one by one (the DataLoader's fast path)."""
        out = []
        for t in self.tensors:
            idx = t.xp.asarray(np.asarray(indices, dtype=np.int64))
            out.append(t._new(t._array[idx]))
        return tuple(out)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    >>> from minitorch_conv.utils.data import Subset
    >>> sub = Subset(list("abcdef"), [5, 0, 2])
    >>> len(sub), sub[0], sub.__getitems__([1, 2])
    (3, 'f', ['a', 'c'])
    """

    def __init__(self, dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        """The samples at ``indices`` (through ``dataset.__getitems__`` where it has one)."""
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after another: index ``len(a)`` is ``b[0]``.

    >>> from minitorch_conv.utils.data import ConcatDataset
    >>> ds = ConcatDataset([[10, 11], [20], [30, 31, 32]])
    >>> len(ds), ds[2], ds[-1], ds.cumulative_sizes
    (6, 20, 32, [2, 3, 6])
    """

    @staticmethod
    def cumsum(sequence: Iterable) -> list[int]:
        """The running totals of the datasets' lengths."""
        totals, total = [], 0
        for dataset in sequence:
            total += len(dataset)
            totals.append(total)
        return totals

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another.

    >>> from minitorch_conv.utils.data import ChainDataset, IterableDataset
    >>> class Letters(IterableDataset):
    ...     def __init__(self, text):
    ...         self.text = text
    ...     def __iter__(self):
    ...         return iter(self.text)
    >>> list(ChainDataset([Letters("ab"), Letters("c")]))
    ['a', 'b', 'c']
    """

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given ``lengths``.

    ``lengths`` are sizes that add up to ``len(dataset)``, or fractions that add up to 1: each
    fraction gives ``floor(fraction * len(dataset))`` samples, and the samples left over go one
    each to the subsets in turn, from the first. The permutation comes from ``generator`` (default:
    the global generator that ``mt.manual_seed`` seeds).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.utils.data import random_split
    >>> parts = random_split(range(10), [0.34, 0.33, 0.33], generator=mt.Generator().manual_seed(1))
    >>> [len(p) for p in parts]
    [4, 3, 3]
    >>> sorted(i for p in parts for i in p)
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths: list[int] = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(int(math.floor(len(dataset) * frac)))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = rng_of(generator).permutation(sum(lengths)).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, indices[offset : offset + length]))
        offset += length
    return out

