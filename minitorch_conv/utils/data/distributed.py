"""``DistributedSampler``: each rank's share of a dataset, with PyTorch's partitioning.

Every rank shuffles the same way (a permutation seeded by ``seed + epoch``, the same on all ranks),
pads the list of indices with its own beginning until it divides evenly among the ranks (or, with
``drop_last=True``, drops the tail), and keeps every ``num_replicas``-th index starting at its
rank. The permutation is the one ``torch.randperm(n, generator=torch.Generator().manual_seed(s))``
gives: PyTorch's CPU generator is a Mersenne Twister (MT19937, seeded with the low 32 bits of the
seed), and ``randperm`` swaps each position ``i`` with ``i + (next 32-bit draw) % (n - i)``. NumPy's
``RandomState`` is the same Mersenne Twister, so given the same arguments the ranks get exactly the
indices PyTorch's sampler gives them.

>>> from minitorch_conv.utils.data import DistributedSampler
>>> [list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False)) for r in range(3)]
[[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np  # the permutation is drawn on the host

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def torch_randperm(n: int, seed: int) -> list[int]:
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()`` on the CPU.

    >>> from minitorch_conv.utils.data.distributed import torch_randperm
    >>> torch_randperm(6, 0)
    [2, 5, 3, 0, 1, 4]
    """
    if n >= 2**32 // 20:
        raise ValueError(f"torch_randperm: n={n} is past the range of PyTorch's small-n algorithm")
    draws = np.random.RandomState(seed & 0xFFFFFFFF).randint(0, 2**32, size=max(n - 1, 0), dtype=np.uint64)
    offsets = (draws % np.arange(n, 1, -1, dtype=np.uint64)).tolist()  # in [0, n - i)
    perm = list(range(n))
    for i, z in enumerate(offsets):
        j = i + z
        perm[i], perm[j] = perm[j], perm[i]
    return perm


class DistributedSampler(Sampler):
    """The indices of ``dataset`` for rank ``rank`` of ``num_replicas`` (by default those of the
    process group): ``ceil(len(dataset) / num_replicas)`` of them, or
    ``floor(len(dataset) / num_replicas)`` with ``drop_last=True``.

    Call ``set_epoch(epoch)`` at the start of each epoch, before iterating, for a new shuffle each
    epoch (the same on every rank).

    >>> from minitorch_conv.utils.data import DistributedSampler
    >>> sampler = DistributedSampler(range(8), num_replicas=2, rank=1, seed=0)
    >>> sampler.set_epoch(3)
    >>> len(sampler), list(sampler)
    (4, [4, 5, 0, 7])
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # the nearest length that divides evenly: every rank gets the same number of samples
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if not self.drop_last:  # pad with the beginning (repeated, if it is shorter than the gap)
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[: self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(
                f"Number of indices ({len(indices)}) does not match total_size ({self.total_size})"
            )
        indices = indices[self.rank : self.total_size : self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(
                f"Number of subsampled indices ({len(indices)}) does not match "
                f"num_samples ({self.num_samples})"
            )
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Shuffle for ``epoch`` next time (every rank must pass the same epoch)."""
        self.epoch = epoch
