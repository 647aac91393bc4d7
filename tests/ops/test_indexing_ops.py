"""gather / scatter / index_select / index_add / masked_select / nonzero and sort / topk: values
against NumPy, gradients against central differences (float64, random upstream gradient), double
backward with gradgradcheck, and all of it against PyTorch where installed."""

from __future__ import annotations

import doctest
from dataclasses import dataclass, field

import numpy as np
import pytest
from helpers import check_grad, check_torch, on, raises_like_torch, to_numpy

import minitorch_conv as mt
from minitorch_conv.ops import indexing, sorting

# indices with repeats, so that gradients have to accumulate
GATHER_INDEX = np.array([[2, 0, 2], [1, 1, 0], [0, 3, 3]])  # into a (3, 4) input along dim 1
ROWS = np.array([2, 0, 2, 1])  # positions along dim 0 of a (3, 4) input
MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])


def np_gather(x, dim, index):
    return np.take_along_axis(x[tuple(slice(0, n) for n in index.shape[:dim])], index, axis=dim)


def np_scatter_add(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        out[tuple(target)] += src[pos]
    return out


def np_scatter(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        out[tuple(target)] = src[pos] if np.ndim(src) else src
    return out


def np_index_add(x, dim, index, source, alpha=1.0):
    out = np.moveaxis(x.copy(), dim, 0)
    moved = np.moveaxis(source, dim, 0)
    for k, i in enumerate(index):
        out[i] += alpha * moved[k]
    return np.moveaxis(out, 0, dim)


def distinct(rng, shape):
    """Values with no ties (a permutation, spread out), so that sorting has one right answer."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) - 5.0) * 0.37


@dataclass
class Case:
    """``fn(lib, *inputs)`` runs on minitorch_conv and on torch alike; ``ref`` is NumPy's answer."""

    name: str
    fn: object
    ref: object
    shapes: tuple
    domain: object = field(default=lambda rng, shape: rng.standard_normal(shape))

    def arrays(self, rng):
        return [self.domain(rng, s) for s in self.shapes]


SCATTER_INDEX = np.array([[3, 0], [1, 1], [0, 2]])  # into (3, 4) along dim 1, from a (3, 2) block
SRC_BIG = (4, 3)  # scatter sources may be larger than the index: only the leading block is used

CASES = [
    Case("gather_dim1", lambda l, x: l.gather(x, 1, on(l, GATHER_INDEX, x)),
         lambda x: np_gather(x, 1, GATHER_INDEX), ((3, 4),)),
    Case("gather_dim0_smaller_index", lambda l, x: x.gather(0, on(l, [[2, 0], [1, 2]], x)),
         lambda x: np_gather(x[:, :2], 0, np.array([[2, 0], [1, 2]])), ((3, 4),)),
    Case("gather_negative_dim", lambda l, x: l.gather(x, -1, on(l, GATHER_INDEX[:2, :2], x)),
         lambda x: np_gather(x[:2], 1, GATHER_INDEX[:2, :2]), ((3, 4),)),
    Case("scatter_add", lambda l, x, s: l.scatter_add(x, 1, on(l, SCATTER_INDEX, x), s),
         lambda x, s: np_scatter_add(x, 1, SCATTER_INDEX, s), ((3, 4), (3, 2))),
    Case("scatter_add_larger_src", lambda l, x, s: l.scatter_add(x, 1, on(l, SCATTER_INDEX, x), s),
         lambda x, s: np_scatter_add(x, 1, SCATTER_INDEX, s[:3, :2]), ((3, 4), SRC_BIG)),
    Case("scatter_add_repeats_dim0", lambda l, x, s: x.scatter_add(0, on(l, [[0, 0, 2, 1]], x), s),
         lambda x, s: np_scatter_add(x, 0, np.array([[0, 0, 2, 1]]), s), ((3, 4), (1, 4))),
    Case("scatter_src", lambda l, x, s: l.scatter(x, 1, on(l, SCATTER_INDEX[:, :1], x), s),
         lambda x, s: np_scatter(x, 1, SCATTER_INDEX[:, :1], s[:3, :1]), ((3, 4), SRC_BIG)),
    Case("scatter_value", lambda l, x: x.scatter(0, on(l, [[2, 0, 1, 1]], x), 2.5),
         lambda x: np_scatter(x, 0, np.array([[2, 0, 1, 1]]), 2.5), ((3, 4),)),
    Case("index_select_dim0", lambda l, x: l.index_select(x, 0, on(l, ROWS, x)), lambda x: x[ROWS],
         ((3, 4),)),
    Case("index_select_dim1", lambda l, x: x.index_select(-1, on(l, [3, 3, 0], x)),
         lambda x: x[:, [3, 3, 0]], ((3, 4),)),
    Case("index_add", lambda l, x, s: l.index_add(x, 0, on(l, ROWS, x), s),
         lambda x, s: np_index_add(x, 0, ROWS, s), ((3, 4), (4, 4))),
    Case("index_add_alpha_dim1", lambda l, x, s: x.index_add(1, on(l, [1, 1], x), s, alpha=-2.5),
         lambda x, s: np_index_add(x, 1, [1, 1], s, -2.5), ((3, 4), (3, 2))),
    Case("masked_select", lambda l, x: l.masked_select(x, on(l, MASK, x)), lambda x: x[MASK], ((3, 4),)),
    Case("masked_select_broadcast", lambda l, x: x.masked_select(on(l, MASK, x)),
         lambda x: np.broadcast_to(x, MASK.shape)[MASK], ((3, 1),)),
    Case("take_along_dim", lambda l, x: l.take_along_dim(x, on(l, [[0], [3], [-1]], x), 1),
         lambda x: np.take_along_axis(x, np.array([[0], [3], [3]]), 1), ((3, 4),)),
    Case("sort", lambda l, x: l.sort(x, 1).values, lambda x: np.sort(x, 1), ((3, 4),), distinct),
    Case("sort_descending_dim0", lambda l, x: x.sort(0, descending=True)[0], lambda x: -np.sort(-x, 0),
         ((3, 4),), distinct),
    Case("msort", lambda l, x: l.msort(x), lambda x: np.sort(x, 0), ((3, 4),), distinct),
    Case("topk", lambda l, x: l.topk(x, 2).values, lambda x: -np.sort(-x, 1)[:, :2], ((3, 4),), distinct),
    Case("topk_smallest_dim0", lambda l, x: x.topk(2, dim=0, largest=False)[0], lambda x: np.sort(x, 0)[:2],
         ((3, 4),), distinct),
]
ids = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_forward_matches_numpy(case, rng, device):
    arrays = case.arrays(rng)
    out = case.fn(mt, *[mt.tensor(a, device=device) for a in arrays])
    want = case.ref(*arrays)
    assert tuple(out.shape) == np.shape(want)
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_gradient_matches_finite_differences(case, rng, device):
    check_grad(lambda *xs: case.fn(mt, *xs), case.arrays(rng), rng, device=device)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_double_backward(case, rng):
    inputs = tuple(mt.tensor(a, requires_grad=True) for a in case.arrays(rng))
    assert mt.autograd.gradgradcheck(lambda *xs: case.fn(mt, *xs), inputs)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_float32_stays_float32(case, rng):
    inputs = [mt.tensor(a.astype(np.float32), requires_grad=True) for a in case.arrays(rng)]
    out = case.fn(mt, *inputs)
    assert out.dtype == mt.float32
    (out * out).sum().backward()
    assert all(x.grad.dtype == mt.float32 and x.grad.shape == x.shape for x in inputs)


# PyTorch 2.13's own backward refuses a source larger than the index ("invalid gradient ... got
# [3, 2] but expected shape compatible with [4, 3]"): only the values are compared for these
TORCH_BACKWARD_REFUSES = {"scatter_add_larger_src", "scatter_src"}


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_matches_torch(case, rng):
    torch = pytest.importorskip("torch")
    if case.name in TORCH_BACKWARD_REFUSES:
        arrays = case.arrays(rng)
        ours = case.fn(mt, *[mt.tensor(a) for a in arrays])
        theirs = case.fn(torch, *[torch.tensor(a) for a in arrays])
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        return
    check_torch(torch, case.fn, case.arrays(rng), rng)


# ---------------------------------------------------------------------------- indices and orders
def test_sort_and_topk_indices_follow_pytorch_order(device):
    x = mt.tensor([3.0, float("nan"), 1.0, 3.0, 2.0], device=device)
    values, indices = mt.sort(x)
    assert to_numpy(indices).tolist() == [2, 4, 0, 3, 1]  # NaN last, ties in input order
    assert np.isnan(to_numpy(values)[-1])
    values, indices = x.sort(descending=True)
    assert to_numpy(indices).tolist() == [1, 0, 3, 4, 2]  # NaN first, ties still in input order
    assert to_numpy(mt.argsort(x, descending=True)).tolist() == [1, 0, 3, 4, 2]
    assert indices.dtype == mt.int64 and indices.requires_grad is False
    top = mt.tensor([[1.0, 5.0, 3.0, 4.0]], device=device).topk(3, largest=True)
    assert to_numpy(top.values).tolist() == [[5.0, 4.0, 3.0]]
    assert to_numpy(top.indices).tolist() == [[1, 3, 2]]


def test_sort_of_integers_bools_and_0d():
    values, indices = mt.sort(mt.tensor([3, 1, 2]), descending=True)
    assert values.tolist() == [3, 2, 1] and values.dtype == mt.int64 and indices.tolist() == [0, 2, 1]
    assert mt.sort(mt.tensor([True, False])).values.tolist() == [False, True]
    values, indices = mt.sort(mt.tensor(5.0))
    assert values.item() == 5.0 and indices.item() == 0 and indices.shape == ()
    values, indices = mt.topk(mt.tensor(5.0), 1)
    assert values.item() == 5.0 and indices.item() == 0


def test_sort_against_torch_on_ties_and_nan():
    torch = pytest.importorskip("torch")
    row = [2.0, 1.0, 2.0, float("nan"), 1.0, 0.0, 2.0]
    for descending in (False, True):
        ours = mt.sort(mt.tensor(row), descending=descending, stable=True)
        theirs = torch.sort(torch.tensor(row), descending=descending, stable=True)
        assert ours.indices.tolist() == theirs.indices.tolist()
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())


def test_nonzero_and_where_single_argument(device):
    x = mt.tensor([[0.0, 1.5], [2.0, 0.0], [0.0, -3.0]], device=device)
    assert to_numpy(mt.nonzero(x)).tolist() == [[0, 1], [1, 0], [2, 1]]
    rows, cols = x.nonzero(as_tuple=True)
    assert to_numpy(rows).tolist() == [0, 1, 2] and to_numpy(cols).tolist() == [1, 0, 1]
    assert [to_numpy(t).tolist() for t in mt.where(x != 0)] == [[0, 1, 2], [1, 0, 1]]
    assert to_numpy(x[x.nonzero(as_tuple=True)]).tolist() == [1.5, 2.0, -3.0]
    assert mt.nonzero(mt.tensor(5.0)).shape == (1, 0)
    assert [t.tolist() for t in mt.nonzero(mt.tensor(0.0), as_tuple=True)] == [[]]
    assert mt.argwhere(mt.tensor([0, 3])).tolist() == [[1]]


def test_nonzero_matches_torch():
    torch = pytest.importorskip("torch")
    for value in ([[0.0, 1.0], [2.0, 0.0]], 5.0, 0.0, [[[0, 1], [1, 1]]]):
        for as_tuple in (False, True):
            ours = mt.nonzero(mt.tensor(value), as_tuple=as_tuple)
            theirs = torch.nonzero(torch.tensor(value), as_tuple=as_tuple)
            if as_tuple:
                assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
            else:
                assert ours.tolist() == theirs.tolist() and tuple(ours.shape) == tuple(theirs.shape)


def test_scatter_with_repeated_indices_passes_no_gradient_to_overwritten_elements():
    x = mt.zeros(4, dtype=mt.float64, requires_grad=True)
    src = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    out = x.scatter(0, mt.tensor([1, 1, 3]), src)
    out.backward(mt.tensor([10.0, 20.0, 30.0, 40.0], dtype=mt.float64))
    assert x.grad.tolist() == [10.0, 0.0, 30.0, 0.0]
    assert src.grad.tolist() == [20.0, 20.0, 40.0]  # PyTorch's rule: each source gathers its target


def test_gather_and_scatter_on_0d_tensors_and_empty_indices():
    x = mt.tensor(5.0, requires_grad=True)
    assert mt.gather(x, 0, mt.tensor(0)).shape == () and mt.gather(x, 0, mt.tensor([0])).shape == (1,)
    assert mt.scatter(x, 0, mt.tensor(0), 2.5).item() == 2.5
    assert mt.index_select(x, 0, mt.tensor([0])).shape == ()
    y = mt.arange(5.0)
    assert mt.gather(y, 0, mt.zeros(0, dtype=mt.uint8)).shape == (0,)  # empty indices of any dtype
    assert mt.index_select(y, 0, mt.tensor([], dtype=mt.int64)).shape == (0,)


def test_in_place_scatter_and_index_add_update_the_tensor_and_its_graph():
    base = mt.zeros(2, 3, dtype=mt.float64, requires_grad=True)
    src = mt.ones(2, 1, dtype=mt.float64, requires_grad=True)
    x = base * 1
    version = x._version
    returned = x.scatter_add_(1, mt.tensor([[2], [2]]), src)
    assert returned is x and x._version == version + 1
    x.index_add_(0, mt.tensor([1]), mt.full((1, 3), 2.0, dtype=mt.float64))
    x.scatter_(1, mt.tensor([[0], [0]]), 7.0)
    assert x.tolist() == [[7.0, 0.0, 1.0], [7.0, 2.0, 3.0]]
    x.sum().backward()
    assert base.grad.tolist() == [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]] and src.grad.tolist() == [[1.0], [1.0]]
    counts = mt.zeros(3, dtype=mt.int64)
    counts.scatter_add_(0, mt.tensor([0, 2, 2]), mt.ones(3, dtype=mt.int64))
    assert counts.tolist() == [1, 0, 2]


BAD_CALLS = [
    (lambda l: l.gather(l.ones(2, 3), 1, l.tensor([[3]])), RuntimeError, "index 3 is out of bounds"),
    (lambda l: l.gather(l.ones(2, 3), 1, l.tensor([[-1]])), RuntimeError, "index -1 is out of bounds"),
    (lambda l: l.gather(l.ones(2, 3), 1, l.tensor([[0.0]])), RuntimeError, "Expected dtype int32/int64"),
    (lambda l: l.gather(l.ones(2, 3), 1, l.tensor([0])), RuntimeError, "same number of dimensions"),
    (lambda l: l.gather(l.ones(2, 3), 1, l.tensor([[0], [1], [1]])), RuntimeError, "Size does not match"),
    (lambda l: l.gather(l.ones(2, 3), 2, l.tensor([[0]])), IndexError, "Dimension out of range"),
    (lambda l: l.scatter(l.ones(2, 3), 1, l.tensor([[0]]), l.ones(1, 1, dtype=l.int64)), RuntimeError,
     "Expected self.dtype to be equal to src.dtype"),
    (lambda l: l.scatter(l.ones(2, 3), 1, l.tensor([[0, 1]]), l.ones(1, 1)), RuntimeError,
     "to be no larger size than src"),
    (lambda l: l.scatter_add(l.ones(2, 3), 1, l.tensor([[0]]), 1.0), TypeError, "must be Tensor"),
    (lambda l: l.index_select(l.ones(2, 3), 1, l.tensor([[0]])), IndexError,
     "Index is supposed to be a vector"),
    (lambda l: l.index_select(l.ones(2, 3), 1, l.tensor([3])), RuntimeError, "out of DATA bounds"),
    (lambda l: l.index_select(l.ones(2, 3), 1, l.tensor([0], dtype=l.int16)), RuntimeError,
     "Expected dtype int32 or int64"),
    (lambda l: l.index_add(l.ones(2, 3), 1, l.tensor([0, 0]), l.ones(2, 3)), RuntimeError,
     "Number of indices"),
    (lambda l: l.index_add(l.ones(2, 3), 1, l.tensor([0]), l.ones(2, 1, dtype=l.int64)), RuntimeError,
     "must have the same scalar type"),
    (lambda l: l.index_add(l.ones(2, 3), 1, l.tensor([-1]), l.ones(2, 1)), RuntimeError,
     "index -1 is out of bounds"),
    (lambda l: l.masked_select(l.ones(3), l.tensor([1, 0, 1])), RuntimeError, "expected BoolTensor"),
    (lambda l: l.topk(l.ones(3), 4), RuntimeError, "selected index k out of range"),
    (lambda l: l.sort(l.ones(2, 2), 2), IndexError, "Dimension out of range"),
]


@pytest.mark.parametrize("case", range(len(BAD_CALLS)))
def test_bad_arguments_raise_like_pytorch(case):
    call, error, match = BAD_CALLS[case]
    raises_like_torch(call, error, match)


def test_docstring_examples_run():
    for module in (indexing, sorting):
        assert doctest.testmod(module).failed == 0
