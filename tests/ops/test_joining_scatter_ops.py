"""Splitting and joining (ops/joining.py), writing by index (ops/scattering.py) and products
(ops/products.py): values and gradients against PyTorch, float64 gradient checks with
``mt.autograd.gradcheck`` (and ``gradgradcheck`` where the backward is itself differentiable),
PyTorch's errors, and how the writes meet views, in-place updates and version counters."""

from __future__ import annotations

import doctest
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from helpers import check_torch, raises_like_torch, to_numpy

import minitorch_conv as mt
from minitorch_conv.ops import joining, products, scattering


def idx(lib, values, like):
    return lib.tensor(values, device=like.device)


@dataclass
class Case:
    """``fn(lib, *inputs)`` runs on minitorch_conv and on torch alike."""

    name: str
    fn: object
    shapes: tuple

    def arrays(self, rng):
        return [rng.standard_normal(s) for s in self.shapes]


MASK = [[True, False, True, False], [False, False, True, True], [True, True, False, False]]

CASES = [
    # joining
    Case("atleast_2d_vector", lambda l, x: l.atleast_2d(x) * 1, ((3,),)),
    Case("atleast_3d_matrix", lambda l, x: l.atleast_3d(x) * 1, ((2, 3),)),
    Case("atleast_1d_many", lambda l, x, y: l.atleast_1d(x, y), ((), (2,))),
    Case("fliplr", lambda l, x: l.fliplr(x), ((2, 3, 2),)),
    Case("flipud", lambda l, x: x.flipud(), ((3, 2),)),
    Case("tensor_split_sections", lambda l, x: l.tensor_split(x, 3, dim=1), ((2, 7),)),
    Case("tensor_split_indices", lambda l, x: x.tensor_split([1, -2, 4], 0), ((5, 2),)),
    Case("tensor_split_past_the_end", lambda l, x: x.tensor_split([1, 9], 0), ((5, 2),)),  # an empty piece
    Case("tensor_split_tensor", lambda l, x: l.tensor_split(x, l.tensor([2, 3])), ((5,),)),
    Case("hsplit", lambda l, x: l.hsplit(x, 2), ((3, 4),)),
    Case("vsplit_indices", lambda l, x: x.vsplit([1]), ((3, 4),)),
    Case("dsplit", lambda l, x: l.dsplit(x, 2), ((2, 1, 4),)),
    Case("split_with_sizes", lambda l, x: l.split_with_sizes(x, [1, 3], dim=-1), ((2, 4),)),
    Case("unsafe_split", lambda l, x: l.unsafe_split(x, 2, 1), ((2, 5),)),
    Case("unsafe_chunk", lambda l, x: x.unsafe_chunk(3), ((7,),)),
    Case("diag_embed", lambda l, x: l.diag_embed(x, 1, 0, 2), ((2, 3),)),
    Case("diag_embed_negative_offset", lambda l, x: x.diag_embed(-2), ((3,),)),
    Case("diagflat", lambda l, x: l.diagflat(x, -1), ((2, 2),)),
    Case("block_diag", lambda l, x, y, z: l.block_diag(x, y, z), ((2, 3), (), (4,))),
    Case("kron", lambda l, x, y: l.kron(x, y), ((2, 3), (3, 1, 2))),
    Case("kron_0d", lambda l, x, y: x.kron(y), ((), (2, 2))),
    Case("cartesian_prod", lambda l, x, y, z: l.cartesian_prod(x, y, z), ((2,), (3,), (2,))),
    Case("combinations", lambda l, x: l.combinations(x, 3), ((5,),)),
    Case("combinations_with_replacement", lambda l, x: l.combinations(x, 2, with_replacement=True), ((3,),)),
    # writing by index
    Case("take", lambda l, x: l.take(x, idx(l, [[0, -1], [5, 0]], x)), ((2, 3),)),
    Case("index_fill", lambda l, x: l.index_fill(x, 1, idx(l, [0, -1, 0], x), -2.0), ((2, 3),)),
    Case("index_fill_tensor_value", lambda l, x, v: x.index_fill(0, idx(l, [1], x), v), ((3, 2), ())),
    Case("index_copy", lambda l, x, s: l.index_copy(x, 1, idx(l, [2, 0], x), s), ((2, 4), (2, 2))),
    Case("select_scatter", lambda l, x, s: l.select_scatter(x, s, 1, -1), ((2, 3), (2,))),
    Case("slice_scatter", lambda l, x, s: l.slice_scatter(x, s, 1, 1, None, 2), ((2, 5), (2, 2))),
    Case("diagonal_scatter", lambda l, x, s: l.diagonal_scatter(x, s, -1, 2, 0), ((3, 2, 4), (2, 3))),
    Case("masked_scatter", lambda l, x, s: l.masked_scatter(x, idx(l, MASK, x), s), ((3, 4), (9,))),
    Case("masked_scatter_broadcast", lambda l, x, s: x.masked_scatter(idx(l, MASK, x), s), ((1, 4), (3, 3))),
    Case("index_put", lambda l, x, v: l.index_put(x, (idx(l, [0, 2], x), idx(l, [1, 1], x)), v),
         ((3, 2), (2,))),
    Case("index_put_accumulate", lambda l, x, v: x.index_put((idx(l, [0, 0, 2], x),), v, accumulate=True),
         ((3, 2), (2,))),
    Case("index_put_mask", lambda l, x, v: l.index_put(x, (idx(l, MASK, x),), v), ((3, 4), ())),
    # products
    Case("cross", lambda l, x, y: l.cross(x, y, dim=0), ((3, 2), (3, 1))),
    Case("linalg_cross_broadcast", lambda l, x, y: x.cross(y, dim=-1), ((2, 1, 3), (1, 4, 3))),
    Case("inner", lambda l, x, y: l.inner(x, y), ((2, 3), (4, 3))),
    Case("inner_0d", lambda l, x, y: x.inner(y), ((), (2, 3))),
    Case("tensordot_int", lambda l, x, y: l.tensordot(x, y, 2), ((2, 3, 4), (3, 4, 5))),
    Case("tensordot_lists", lambda l, x, y: l.tensordot(x, y, ([0, 2], [2, 0])), ((2, 3, 4), (4, 5, 2))),
    Case("tensordot_broadcast_1", lambda l, x, y: l.tensordot(x, y, ([1], [0])), ((2, 1), (3, 4))),
    Case("tensordot_0", lambda l, x, y: l.tensordot(x, y, 0), ((2,), (3,))),
    Case("vdot", lambda l, x, y: l.vdot(x, y), ((4,), (4,))),
]
REDUCTIONS = [(r, s) for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)]
SCATTER_INDEX = [[0, 2, 0, 3, 0], [1, 1, 1, 1, 2]]  # repeats, and a position nothing is written to
CASES += [Case(f"scatter_reduce_{r}_{'self' if s else 'noself'}",
               lambda l, x, src, r=r, s=s: l.scatter_reduce(x, 1, idx(l, SCATTER_INDEX, x), src, r,
                                                            include_self=s), ((2, 4), (2, 5)))
          for r, s in REDUCTIONS]
ids = [c.name for c in CASES]

# double backward not checked: gradgradcheck refuses an empty output's gradient as an input (it
# reports a stride of 0 for the (0, 2) piece)
NO_GRADGRAD = {"tensor_split_past_the_end"}


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_matches_torch(case, rng, device):
    """On each device (CUDA where there is one) against PyTorch on the CPU."""
    torch = pytest.importorskip("torch")
    check_torch(torch, case.fn, case.arrays(rng), rng, device=device)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_gradcheck(case, rng):
    inputs = tuple(mt.tensor(a, requires_grad=True) for a in case.arrays(rng))

    def fn(*xs):
        return case.fn(mt, *xs)

    assert mt.autograd.gradcheck(fn, inputs)
    if case.name not in NO_GRADGRAD:
        assert mt.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_float32_stays_float32(case, rng):
    inputs = [mt.tensor(a.astype(np.float32), requires_grad=True) for a in case.arrays(rng)]
    outs = case.fn(mt, *inputs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    assert all(o.dtype == mt.float32 for o in outs)
    sum((o * o).sum() for o in outs).backward()
    assert all(x.grad.dtype == mt.float32 and x.grad.shape == x.shape for x in inputs)


def test_scatter_reduce_ties_and_zeros_against_torch(rng):
    """Gradients where several elements tie for the max, or several zeros meet in a product."""
    torch = pytest.importorskip("torch")
    for _ in range(40):
        x = rng.integers(-2, 3, size=(3, 4)).astype(float)
        src = rng.integers(-2, 3, size=(3, 5)).astype(float)
        index = rng.integers(0, 4, size=(3, 5))
        for reduce, include_self in REDUCTIONS:
            def fn(l, a, s, index=index, reduce=reduce, include_self=include_self):
                return l.scatter_reduce(a, 1, l.tensor(index), s, reduce, include_self=include_self)

            check_torch(torch, fn, [x, src], rng)


def test_scatter_reduce_integers_nan_and_bool():
    torch = pytest.importorskip("torch")
    index = [0, 1, 0, 1, 2, 1]
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            for lib_values in ([-1, -2, 3, 4], [1.0, float("nan"), 3.0, 4.0]):
                src_values = [-1, -2, -3, 4, 5, 6] if isinstance(lib_values[0], int) else \
                    [float("nan"), 2.0, 5.0, 1.0, 0.5, -1.0]
                ours = mt.scatter_reduce(mt.tensor(lib_values), 0, mt.tensor(index), mt.tensor(src_values),
                                         reduce, include_self=include_self)
                theirs = torch.scatter_reduce(torch.tensor(lib_values), 0, torch.tensor(index),
                                              torch.tensor(src_values), reduce, include_self=include_self)
                assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
                np.testing.assert_array_equal(ours.numpy(), theirs.numpy())  # integer means round down
    for reduce in ("sum", "prod", "amax"):
        ours = mt.scatter_reduce(mt.tensor([True, False]), 0, mt.tensor([0, 1]), mt.tensor([False, True]),
                                 reduce)
        theirs = torch.scatter_reduce(torch.tensor([True, False]), 0, torch.tensor([0, 1]),
                                      torch.tensor([False, True]), reduce)
        assert ours.tolist() == theirs.tolist()


def test_scatter_reduce_accepts_max_min_and_refuses_others():
    x = mt.tensor([1.0, 2.0])
    out = x.scatter_reduce(0, mt.tensor([0, 0]), mt.tensor([5.0, 7.0]), "max")
    assert out.tolist() == [7.0, 2.0]
    raises_like_torch(lambda l: l.ones(2).scatter_reduce(0, l.tensor([0]), l.ones(1), "median"), RuntimeError,
                      "reduce argument must be either sum, prod, mean, amax or amin, got median")
    raises_like_torch(lambda l: l.ones(2).scatter_reduce(0, l.tensor([0]), l.ones(1).double(), "sum"),
                      RuntimeError, "Expected self.dtype to be equal to src.dtype")


# ---------------------------------------------------------------------------- shapes and identities
def test_atleast_returns_like_pytorch():
    x = mt.ones(2, 3)
    assert mt.atleast_1d(x) is x and mt.atleast_2d(x) is x
    out = mt.atleast_1d([mt.tensor(1.0), x])
    assert isinstance(out, tuple) and [t.shape for t in out] == [(1,), (2, 3)]
    assert mt.atleast_1d() == ()
    assert mt.atleast_3d(mt.tensor([1.0, 2.0])).shape == (1, 2, 1)
    assert mt.atleast_3d(mt.tensor(2.0)).shape == (1, 1, 1)
    raises_like_torch(lambda l: l.atleast_2d([l.ones(1), 3]), TypeError, "expected Tensor as element 1")


def test_tensor_split_pieces_are_views_that_can_be_written(rng):
    torch = pytest.importorskip("torch")
    values, weight = rng.standard_normal((2, 6)), rng.standard_normal((2, 2))
    grads = []
    for lib in (mt, torch):
        x = lib.tensor(values, requires_grad=True)
        w = lib.tensor(weight, requires_grad=True)
        a = x * 2
        piece = a.tensor_split(3, dim=1)[1]
        assert piece._base is a
        piece.mul_(w)  # rewrites a's history (CopySlices)
        (a * a).sum().backward()
        grads.append((to_numpy(x.grad) if lib is mt else x.grad.numpy(),
                      to_numpy(w.grad) if lib is mt else w.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_split_with_sizes_pieces_refuse_inplace_like_split():
    x = mt.ones(4, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="Output 0 of SplitWithSizes is a view"):
        mt.split_with_sizes(x, [1, 3])[0].add_(1)


def test_unsafe_split_shares_memory_without_being_a_view():
    x = mt.arange(6.0, requires_grad=True) * 1
    first, second = mt.unsafe_split(x, 3)
    assert first._base is None and first.grad_fn.name() == "UnsafeSplitBackward0"
    first.add_(1)  # allowed (a view would be refused as an output of a multi-output function)
    assert x.tolist()[:3] == [1.0, 2.0, 3.0]  # the memory is shared
    leaf = mt.arange(4.0, requires_grad=True)
    mt.unsafe_chunk(leaf, 2)[1].mul_(2)  # no "view of a leaf Variable" refusal either
    (second * 3).sum().backward()
    assert leaf.grad is None


def test_diag_embed_is_the_adjoint_of_diagonal(rng):
    x = mt.tensor(rng.standard_normal((2, 3)))
    out = mt.diag_embed(x, 1, -1, 0)
    assert out.shape == (4, 2, 4)
    np.testing.assert_array_equal(to_numpy(out.diagonal(1, -1, 0)), to_numpy(x))
    assert mt.diag_embed(x.requires_grad_()).grad_fn.name() == "DiagEmbedBackward0"
    raises_like_torch(lambda l: l.diag_embed(l.ones(2, 3), 0, -1, 2), RuntimeError,
                      "diagonal dimensions cannot be identical -1, 2")


def test_block_diag_dtypes_and_empty():
    torch = pytest.importorskip("torch")
    for make in (lambda l: l.block_diag(),
                 lambda l: l.block_diag(l.zeros(0, 3), l.ones(2, 0), l.zeros(0)),
                 lambda l: l.block_diag(l.tensor([1, 2]), l.tensor(True), l.ones(1, 1, dtype=l.float64))):
        ours, theirs = make(mt), make(torch)
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype.name == str(theirs.dtype)[6:]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    raises_like_torch(lambda l: l.block_diag(l.zeros(1, 1, 1)), RuntimeError,
                      "must have 2 or fewer dimensions")


def test_kron_of_integers_and_bools():
    torch = pytest.importorskip("torch")
    pairs = (([1, 2], [[1.0, 10.0]]), ([True, False], [True, True]), ([[1, 2], [3, 4]], [[0, 1], [1, 0]]))
    for a, b in pairs:
        ours, theirs = mt.kron(mt.tensor(a), mt.tensor(b)), torch.kron(torch.tensor(a), torch.tensor(b))
        assert ours.dtype.name == str(theirs.dtype)[6:]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("row,col,offset",
                         [(3, 4, 1), (4, 3, -2), (0, 3, 0), (3, 3, 100), (3, 3, -100), (1, 5, 2)])
def test_tril_triu_indices_match_torch(row, col, offset):
    torch = pytest.importorskip("torch")
    for name in ("tril_indices", "triu_indices"):
        ours = getattr(mt, name)(row, col, offset)
        theirs = getattr(torch, name)(row, col, offset)
        assert ours.dtype == mt.int64 and tuple(ours.shape) == tuple(theirs.shape)
        assert ours.tolist() == theirs.tolist()
    assert mt.tril_indices(3, 3, dtype=mt.int32).dtype == mt.int32
    raises_like_torch(lambda l: l.tril_indices(3, 3, dtype=l.float32), NotImplementedError, "not implemented")
    raises_like_torch(lambda l: l.triu_indices(-1, 3), RuntimeError, "row must be non-negative")


def test_combinations_and_cartesian_prod_edges():
    torch = pytest.importorskip("torch")
    for make in (lambda l: l.combinations(l.arange(3.0), 4), lambda l: l.combinations(l.arange(3.0), 0),
                 lambda l: l.combinations(l.zeros(0), 2), lambda l: l.combinations(l.arange(4), 1),
                 lambda l: l.cartesian_prod(l.zeros(0), l.arange(2.0))):
        ours, theirs = make(mt), make(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.tolist() == theirs.tolist()
    v = mt.arange(3.0)
    assert mt.cartesian_prod(v) is v
    raises_like_torch(lambda l: l.cartesian_prod(l.arange(2.0), l.arange(2)), RuntimeError, "same dtype")
    raises_like_torch(lambda l: l.combinations(l.ones(2, 2)), RuntimeError,
                      r"Expect a 1D vector, but got shape \[2, 2\]")


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,match", [
    (lambda l: l.tensor_split(l.ones(5), 0), RuntimeError, "number of sections must be larger than 0, got 0"),
    (lambda l: l.tensor_split(l.tensor(1.0), 2), RuntimeError, "at least a 1-dimensional tensor"),
    (lambda l: l.tensor_split(l.ones(5), l.tensor([1.0])),
     RuntimeError, "to have dtype of long, but got Float"),
    (lambda l: l.tensor_split(l.ones(5), 2.0), TypeError, "tensor_split"),
    (lambda l: l.hsplit(l.ones(2, 3), 2), RuntimeError, "not divisible by the split_size 2"),
    (lambda l: l.vsplit(l.ones(3), 1),
     RuntimeError, "at least 2 dimension, but got a tensor with 1 dimensions"),
    (lambda l: l.dsplit(l.ones(2, 2), [1]), RuntimeError, "at least 3 dimension"),
    (lambda l: l.split_with_sizes(l.ones(5), [2, 2]),
     RuntimeError, "expects split_sizes to sum exactly to 5"),
    (lambda l: l.fliplr(l.ones(3)), RuntimeError, "Input must be >= 2-d."),
    (lambda l: l.take(l.ones(2, 3), l.tensor([6])), IndexError, "out of range: tried to access index 6"),
    (lambda l: l.take(l.ones(2), l.tensor([0], dtype=l.int32)), RuntimeError, "Expected a long tensor"),
    (lambda l: l.index_fill(l.ones(2, 3), 1, l.tensor([3]), 0.0), IndexError, "index 3 is out of bounds"),
    (lambda l: l.index_fill(l.ones(2, 3), 1, l.tensor([1]), l.ones(1)), RuntimeError, "0-dimensional value"),
    (lambda l: l.index_fill(l.ones(2, 3), 1, l.tensor([[1]]), 0.0),
     RuntimeError, "Index has to be a vector/scalar"),
    (lambda l: l.index_copy(l.ones(2, 3), 1, l.tensor([0, 1]), l.ones(2, 3)),
     IndexError, "Number of indices"),
    (lambda l: l.index_copy(l.ones(2, 3), 1, l.tensor([0, 1]), l.ones(3, 2)),
     RuntimeError, "same slice shapes"),
    (lambda l: l.index_copy(l.ones(3), 0, l.tensor([-1]), l.ones(1)),
     IndexError, "index -1 is out of bounds"),
    (lambda l: l.index_copy(l.ones(3), 0, l.tensor([1]), l.ones(1).double()), RuntimeError, "same dtype"),
    (lambda l: l.select_scatter(l.ones(2, 3), l.ones(2), 0, 1),
     RuntimeError, r"src size = \[2\], slice size = \[3\]"),
    (lambda l: l.select_scatter(l.ones(2, 3), l.ones(3), 0, 2), IndexError, "out of range"),
    (lambda l: l.slice_scatter(l.ones(2, 3), l.ones(2, 3), 1, step=0),
     RuntimeError, "slice step must be positive"),
    (lambda l: l.diagonal_scatter(l.ones(2, 3), l.ones(3)),
     RuntimeError, "expected src to have a size equal"),
    (lambda l: l.masked_scatter(l.ones(2), l.tensor([True, True]), l.ones(1)),
     RuntimeError, "Number of elements"),
    (lambda l: l.masked_scatter(l.ones(2), l.tensor([1, 0], dtype=l.uint8), l.ones(2)),
     RuntimeError, "boolean masks"),
    (lambda l: l.index_put(l.ones(2), (l.tensor([2]),), l.tensor(1.0)),
     IndexError, "index 2 is out of bounds"),
    (lambda l: l.index_put(l.ones(2), (l.tensor([1.0]),), l.tensor(1.0)),
     IndexError, "must be long, int, byte"),
    (lambda l: l.index_put(l.ones(2, 3), (l.tensor([1]),), l.ones(2)), RuntimeError, "shape mismatch"),
    (lambda l: l.index_put(l.ones(2), (l.tensor([1]),), l.ones(1).double()), RuntimeError, "dtypes match"),
    (lambda l: l.cross(l.ones(2, 4), l.ones(2, 4)), RuntimeError, "no dimension of size 3 in input"),
    (lambda l: l.cross(l.ones(3, 2), l.ones(3, 2), dim=1), RuntimeError, "dimension 1 must have length 3"),
    (lambda l: l.cross(l.ones(3, 3), l.ones(3), dim=1), RuntimeError, "same number of dimensions"),
    (lambda l: l.inner(l.ones(4), l.ones(2, 3)), RuntimeError, "the last dimension must match"),
    (lambda l: l.tensordot(l.ones(2, 3), l.ones(2, 3), 3), RuntimeError, "dims < ndim_a or ndim_b"),
    (lambda l: l.tensordot(l.ones(2, 3), l.ones(2, 3), -1), RuntimeError, "dims >= 0"),
    (lambda l: l.tensordot(l.ones(2, 3), l.ones(2, 3), ([1], [0])),
     RuntimeError, "contracted dimensions need"),
    (lambda l: l.tensordot(l.ones(2, 3), l.ones(2, 3).double(), 1), RuntimeError, "same dtype"),
    (lambda l: l.vdot(l.ones(3), l.ones(4)), RuntimeError, "inconsistent tensor size"),
])
@pytest.mark.filterwarnings("ignore::UserWarning")  # torch.cross without dim; uint8 masks
def test_errors_match_torch(call, error, match):
    raises_like_torch(call, error, match)


def test_cross_without_dim_warns_and_uses_the_first_size_3_dimension():
    a, b = mt.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), mt.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        out = mt.cross(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert out.tolist() == mt.cross(a, b, dim=0).tolist() == [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]


def test_tensordot_accepts_pytorchs_dims_forms():
    a, b = mt.arange(24.0).reshape(2, 3, 4), mt.arange(12.0).reshape(4, 3)
    want = np.tensordot(a.numpy(), b.numpy(), ([1, 2], [1, 0]))
    for dims in (([1, 2], [1, 0]), [[1, 2], [1, 0]], mt.tensor([[1, 2], [1, 0]])):
        np.testing.assert_allclose(mt.tensordot(a, b, dims=dims).numpy(), want)
    assert mt.tensordot(mt.ones(2, 3), mt.ones(3, 4), mt.tensor(1)).shape == (2, 4)
    assert mt.tensordot(mt.arange(4).reshape(2, 2), mt.arange(4).reshape(2, 2), 1).dtype == mt.int64


# ---------------------------------------------------------------------------- in place and views
@pytest.mark.parametrize("write", [
    lambda l, t, v: t.index_fill_(0, l.tensor([1]), v.sum()),
    lambda l, t, v: t.index_copy_(0, l.tensor([2, 0]), v.reshape(2, 1).expand(2, 2) * 1),
    lambda l, t, v: t.masked_scatter_(l.tensor([[True, False], [False, False], [True, True]]), v.repeat(2)),
    lambda l, t, v: t.scatter_reduce_(0, l.tensor([[0, 2]]), v.reshape(1, 2), "prod", include_self=False),
    lambda l, t, v: t.index_put_((l.tensor([0, 0]), l.tensor([1, 1])), v, accumulate=True),
], ids=["index_fill_", "index_copy_", "masked_scatter_", "scatter_reduce_", "index_put_"])
def test_inplace_writes_through_a_view_rewrite_the_base_like_torch(write, rng):
    """A write through a view of ``a`` (a non-leaf) changes ``a``, and gradients reach both the
    values written and ``a``'s own inputs, as PyTorch's CopySlices routes them."""
    torch = pytest.importorskip("torch")
    x_values, v_values = rng.standard_normal((3, 4)), rng.standard_normal(2)
    results = []
    for lib in (mt, torch):
        x = lib.tensor(x_values, requires_grad=True)
        v = lib.tensor(v_values, requires_grad=True)
        a = x * 3
        view = a[:, 1:3]
        version = view._version
        write(lib, view, v)
        assert view._version == version + 1 and a._version == view._version
        (a.sin()).sum().backward()
        results.append([np.asarray(t.detach().numpy()) for t in (a, x.grad, v.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_inplace_write_invalidates_saved_tensors():
    x = mt.tensor([0.1, 0.2, 0.3], requires_grad=True)
    a = x * 1
    y = a.sin()  # saves a
    a.index_fill_(0, mt.tensor([1]), 0.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    x = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.index_copy_(0, mt.tensor([0]), mt.zeros(1))


def test_out_of_place_writes_leave_the_input_alone():
    x = mt.arange(6.0).reshape(2, 3)
    before = x.tolist()
    mt.index_fill(x, 1, mt.tensor([0]), 9.0)
    mt.index_copy(x, 0, mt.tensor([1]), mt.ones(1, 3))
    mt.select_scatter(x, mt.ones(3), 0, 0)
    mt.slice_scatter(x, mt.ones(2, 1), 1, 2)
    mt.diagonal_scatter(x, mt.ones(2))
    mt.masked_scatter(x, x > 2, mt.zeros(6))
    mt.scatter_reduce(x, 1, mt.tensor([[0, 0]]), mt.ones(1, 2), "sum")
    mt.index_put(x, (mt.tensor([0]),), mt.tensor(5.0), accumulate=True)
    assert x.tolist() == before and x._version == 0


def test_node_names_follow_pytorch():
    x = mt.ones(2, 3, requires_grad=True)
    names = {
        "TakeBackward0": mt.take(x, mt.tensor([0])),
        "IndexFillBackward0": x.index_fill(1, mt.tensor([0]), 1.0),
        "IndexFillBackward1": x.index_fill(1, mt.tensor([0]), mt.tensor(1.0, requires_grad=True)),
        "IndexCopyBackward0": x.index_copy(0, mt.tensor([1]), mt.ones(1, 3)),
        "SelectScatterBackward0": x.select_scatter(mt.ones(3), 0, 0),
        "SliceScatterBackward0": x.slice_scatter(mt.ones(2, 1), 1, 2),
        "DiagonalScatterBackward0": x.diagonal_scatter(mt.ones(2)),
        "MaskedScatterBackward0": x.masked_scatter(mt.ones(2, 3, dtype=mt.bool), mt.ones(6)),
        "ScatterReduceBackward0": x.scatter_reduce(1, mt.tensor([[0]]), mt.ones(1, 1), "amax"),
        "IndexPutBackward0": x.index_put((mt.tensor([0]),), mt.tensor(1.0)),
        "LinalgCrossBackward0": x.cross(mt.ones(2, 3), dim=1),
        "VdotBackward0": mt.vdot(x[0], x[1]),
        "BlockDiagBackward0": mt.block_diag(x, x),
        "DiagEmbedBackward0": mt.diagflat(x),
    }
    for name, out in names.items():
        assert out.grad_fn.name() == name


@pytest.mark.parametrize("module", [joining, scattering, products], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
