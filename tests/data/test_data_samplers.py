"""Samplers, dataset helpers (Subset, ConcatDataset, ChainDataset, random_split), Generator, and
default_collate / default_convert against PyTorch's behaviour (PyTorch itself where installed)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)


def gen(seed: int = 0) -> mt.Generator:
    return mt.Generator().manual_seed(seed)


# ---------------------------------------------------------------------------- samplers
def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3] and len(SequentialSampler("abc")) == 3
    order = list(RandomSampler(range(10), generator=gen(1)))
    assert sorted(order) == list(range(10)) and order == list(RandomSampler(range(10), generator=gen(1)))
    sampler = RandomSampler(range(10), generator=gen(1))
    assert list(sampler) != list(sampler)  # a new order each epoch
    long = list(RandomSampler(range(4), num_samples=10, generator=gen(2)))
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]  # repeated, cut
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=gen(3)))
    assert len(drawn) == 300 and set(drawn) == {0, 1, 2}
    mt.manual_seed(4)
    a = list(RandomSampler(range(8)))
    mt.manual_seed(4)
    assert list(RandomSampler(range(8))) == a  # no generator: the global one, re-seeded
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got replacement=1"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_sampl"):
        RandomSampler(range(3), num_samples=0)


def test_subset_and_weighted_samplers():
    picked = list(SubsetRandomSampler([10, 20, 30, 40], generator=gen()))
    assert sorted(picked) == [10, 20, 30, 40] and len(SubsetRandomSampler([1, 2])) == 2
    draws = list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=gen(5)))
    counts = collections.Counter(draws)
    assert counts[0] == 0 and 0.70 < counts[2] / 4000 < 0.80  # 3/4 expected
    weights = mt.tensor([1.0, 1.0, 5.0, 0.5])
    unique = list(WeightedRandomSampler(weights, 4, replacement=False, generator=gen()))
    assert sorted(unique) == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size\\(-1\\) samples"):
        list(WeightedRandomSampler([1.0, 0.0], 2, replacement=False))
    with pytest.raises(ValueError, match="weights should be a 1d sequence but given weights have shape"):
        WeightedRandomSampler([[1.0]], 1)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        WeightedRandomSampler([1.0], 1, replacement="yes")


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_si"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got drop_last=1"):
        BatchSampler(range(3), 1, 1)
    loader = DataLoader(TensorDataset(mt.arange(6)), sampler=[5, 4, 3, 2, 1, 0], batch_size=4)
    assert [b[0].tolist() for b in loader] == [[5, 4, 3, 2], [1, 0]]


# ---------------------------------------------------------------------------- dataset helpers
def test_subset_concat_chain():
    sub = Subset(TensorDataset(mt.arange(10) * 2), [7, 1, 3])
    assert len(sub) == 3 and sub[0][0].item() == 14
    assert [b[0].tolist() for b in DataLoader(sub, batch_size=2)] == [[14, 2], [6]]
    both = ConcatDataset([range(3), range(10, 12)])
    assert len(both) == 5 and [both[i] for i in range(5)] == [0, 1, 2, 10, 11] and both[-2] == 10
    assert both.cumulative_sizes == [3, 5]
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        both[-6]
    plus = TensorDataset(mt.arange(2)) + TensorDataset(mt.arange(3))
    assert isinstance(plus, ConcatDataset) and len(plus) == 5

    class Letters(IterableDataset):
        def __init__(self, text):
            self.text = text

        def __iter__(self):
            return iter(self.text)

        def __len__(self):
            return len(self.text)

    chained = Letters("ab") + Letters("cde")
    assert isinstance(chained, ChainDataset) and list(chained) == list("abcde") and len(chained) == 5
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([Letters("a")])


def test_random_split_lengths_and_fractions():
    parts = random_split(range(10), [3, 7], generator=gen(0))
    assert [len(p) for p in parts] == [3, 7] and sorted(i for p in parts for i in p) == list(range(10))
    again = random_split(range(10), [3, 7], generator=gen(0))
    assert list(parts[0]) == list(again[0])
    fractions = random_split(range(11), [0.5, 0.3, 0.2], generator=gen(1))
    assert [len(p) for p in fractions] == [6, 3, 2]  # floor 5, 3, 2, and the leftover to the first
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input"):
        random_split(range(10), [3, 3])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [1.0, 0.0])


def test_random_split_sizes_match_pytorch():
    torch = pytest.importorskip("torch")
    for n, fractions in [(11, [0.5, 0.3, 0.2]), (7, [0.34, 0.33, 0.33]), (5, [0.1, 0.9])]:
        theirs = torch.utils.data.random_split(range(n), fractions)
        ours = random_split(range(n), fractions)
        assert [len(p) for p in ours] == [len(p) for p in theirs]


# ---------------------------------------------------------------------------- Generator
def test_generator_api():
    g = mt.Generator()
    assert g.initial_seed() == 67280421310721 and str(g.device) == "cpu"
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    state = g.get_state()
    assert state.dtype == mt.uint8 and state.ndim == 1
    first = g.rng.random(3).tolist()
    assert g.set_state(state) is g and g.rng.random(3).tolist() == first
    seed = g.seed()
    assert g.initial_seed() == seed and 0 <= seed < 2**63
    assert mt.Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    assert mt.Generator(42).initial_seed() == 42  # an int where PyTorch takes a device: the old seed argument
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        g.manual_seed(2**64)
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        g.set_state(mt.zeros(48))
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 48 but found"):
        g.set_state(mt.zeros(3, dtype=mt.uint8))
    x = mt.empty(4).uniform_(generator=mt.Generator().manual_seed(3))
    assert x.tolist() == mt.empty(4).uniform_(generator=mt.Generator().manual_seed(3)).tolist()


def test_default_generator_is_the_global_one():
    mt.default_generator.manual_seed(9)
    a = mt.rand(3).tolist()
    mt.manual_seed(9)
    assert mt.rand(3).tolist() == a and mt.default_generator.initial_seed() == 9
    state = mt.default_generator.get_state()
    b = mt.rand(2).tolist()
    mt.default_generator.set_state(state)
    assert mt.rand(2).tolist() == b


# ---------------------------------------------------------------------------- collate
Point = collections.namedtuple("Point", "x y")


def test_default_collate_rules():
    ints, floats = default_collate([(1, 2.5), (3, 4.5)])
    assert ints.dtype == mt.int64 and floats.dtype == mt.float64 and ints.tolist() == [1, 3]
    assert isinstance(default_collate([(1, 2), (3, 4)]), list)  # tuples of fields: a list
    assert default_collate([True, False]).dtype == mt.bool
    assert default_collate([np.float32(1), np.float32(2)]).dtype == mt.float32
    assert default_collate([np.zeros((2, 2)), np.ones((2, 2))]).shape == mt.Size([2, 2, 2])
    point = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(point, Point) and point.x.tolist() == [1, 3]
    assert default_collate(["a", "b"]) == ["a", "b"]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        default_collate([object()])
    converted = default_convert({"a": np.arange(2), "b": [np.zeros(1), "s"], "c": (np.ones(1), 3)})
    assert isinstance(converted["a"], mt.Tensor) and isinstance(converted["b"][0], mt.Tensor)
    assert converted["b"][1] == "s" and isinstance(converted["c"], list)


def test_default_collate_matches_pytorch():
    torch = pytest.importorskip("torch")
    samples = [
        [(1, 2.5, "a"), (3, 4.5, "b")],
        [{"x": np.arange(3, dtype=np.int16), "y": np.float32(0.5)}, {"x": np.arange(3, dtype=np.int16),
                                                                      "y": np.float32(1.5)}],
        [[np.float64(1.0), True], [np.float64(2.0), False]],
        [Point(np.zeros(2, np.float32), 1), Point(np.ones(2, np.float32), 2)],
    ]

    def describe(obj):
        if isinstance(obj, (mt.Tensor, torch.Tensor)):
            return ("tensor", str(obj.dtype).split(".")[-1], tuple(obj.shape), obj.tolist())
        if isinstance(obj, dict):
            return {k: describe(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return (type(obj).__name__, [describe(v) for v in obj])
        return obj

    for batch in samples:
        assert describe(default_collate(batch)) == describe(torch.utils.data.default_collate(batch))
