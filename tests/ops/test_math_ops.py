"""The element-wise, linear-algebra and reduction ops PyTorch programs reach for (log1p, lerp,
addcmul, clamp with tensors, addmm, einsum, var's overloads, ...): values against NumPy, gradients
against central differences (float64, random upstream gradient), double backward, and PyTorch
where installed; then their PyTorch behaviours one by one (dtypes, errors, edge cases)."""

from __future__ import annotations

import doctest
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from helpers import check_grad, check_torch, raises_like_torch, to_numpy

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv.ops import contraction, conversion, elementwise, linalg, reduction, shape


def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def off_multiples_of(step):
    """Values whose quotient by ``step`` stays 0.1 away from an integer (rounding's jumps)."""

    def draw(rng, shape):
        q = rng.uniform(-4.0, 4.0, shape)
        q = np.floor(q) + rng.uniform(0.1, 0.9, shape)
        return q * step

    return draw


@dataclass
class Case:
    """``fn(lib, *inputs)`` runs on minitorch_conv and on torch alike; ``ref`` is NumPy's answer."""

    name: str
    fn: object
    ref: object
    shapes: tuple
    domain: object = field(default=normal)

    def arrays(self, rng):
        return [self.domain(rng, s) for s in self.shapes]


def clamp_operands(rng, shape):
    """``x`` kept 0.1 away from the bounds ``lo`` and ``hi``, which cross in some places."""
    return rng.choice([-1.5, -0.5, 0.5, 1.5], size=shape) + rng.uniform(-0.3, 0.3, shape)


def np_var(x, axis=None, ddof=1, keepdims=False):
    return x.var(axis=axis, ddof=ddof, keepdims=keepdims)


S = (3, 4)
CASES = [
    # unary math
    Case("log1p", lambda l, x: l.log1p(x), np.log1p, (S,), positive),
    Case("expm1", lambda l, x: x.expm1(), np.expm1, (S,)),
    Case("log2", lambda l, x: l.log2(x), np.log2, (S,), positive),
    Case("log10", lambda l, x: x.log10(), np.log10, (S,), positive),
    Case("exp2", lambda l, x: l.exp2(x), np.exp2, (S,)),
    Case("sign_times_x", lambda l, x: l.sign(x) * x, lambda x: np.sign(x) * x, (S,), off_multiples_of(1.0)),
    # division with rounding: the rounded quotient times x, so that the gradient is not all zero
    Case("div_trunc", lambda l, x: l.div(x, 0.7, rounding_mode="trunc") * x,
         lambda x: np.trunc(x / 0.7) * x, (S,), off_multiples_of(0.7)),
    Case("div_floor_tensor", lambda l, x, y: x.div(y, rounding_mode="floor") + y,
         lambda x, y: np.floor_divide(x, y) + y, (S, (4,)), positive),
    # blends and fused multiply-adds
    Case("lerp_scalar", lambda l, a, b: l.lerp(a, b, 0.3), lambda a, b: a + 0.3 * (b - a), (S, (4,))),
    Case("lerp_tensor_weight", lambda l, a, b, w: a.lerp(b, w), lambda a, b, w: a + w * (b - a),
         ((4,), S, (3, 1))),
    Case("lerp_large_weight", lambda l, a, b: l.lerp(a, b, 0.8), lambda a, b: b - (b - a) * 0.2, (S, S)),
    Case("addcmul", lambda l, x, a, b: l.addcmul(x, a, b, value=-0.5), lambda x, a, b: x - 0.5 * a * b,
         (S, (3, 1), (4,))),
    Case("addcdiv", lambda l, x, a, b: x.addcdiv(a, b, value=2), lambda x, a, b: x + 2 * a / b, (S, S, S),
         positive),
    Case("clamp_tensors", lambda l, x, lo, hi: l.clamp(x, lo, hi),
         lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), (S, S, S), clamp_operands),
    Case("clamp_tensor_min_broadcast", lambda l, x, lo: x.clamp(min=lo), np.maximum, (S, (4,)),
         clamp_operands),
    Case("clamp_tensor_max", lambda l, x, hi: l.clamp(x, max=hi), np.minimum, (S, S), clamp_operands),
    Case("where_number", lambda l, x: l.where(x > 0, x, 0.5), lambda x: np.where(x > 0, x, 0.5), (S,)),
    Case("where_number_first", lambda l, x: l.where(x > 0, -2, x), lambda x: np.where(x > 0, -2.0, x), (S,)),
    # linear algebra
    Case("addmm", lambda l, c, a, b: l.addmm(c, a, b, beta=0.5, alpha=-2),
         lambda c, a, b: 0.5 * c - 2 * a @ b, ((4,), (3, 2), (2, 4))),
    Case("addmm_beta0", lambda l, c, a, b: c.addmm(a, b, beta=0), lambda c, a, b: a @ b, (S, (3, 2), (2, 4))),
    Case("addmv", lambda l, c, a, v: l.addmv(c, a, v, alpha=3), lambda c, a, v: c + 3 * a @ v,
         ((3,), S, (4,))),
    Case("baddbmm", lambda l, c, a, b: l.baddbmm(c, a, b, beta=2), lambda c, a, b: 2 * c + a @ b,
         ((1, 4), (2, 3, 2), (2, 2, 4))),
    Case("addbmm", lambda l, c, a, b: l.addbmm(c, a, b), lambda c, a, b: c + (a @ b).sum(0),
         (S, (2, 3, 2), (2, 2, 4))),
    Case("outer", lambda l, a, b: l.outer(a, b), np.outer, ((3,), (4,))),
    Case("dot", lambda l, a, b: a.dot(b), np.dot, ((4,), (4,))),
    Case("mv", lambda l, a, v: l.mv(a, v), lambda a, v: a @ v, (S, (4,))),
    Case("einsum_matmul", lambda l, a, b: l.einsum("ij,jk->ik", a, b), lambda a, b: a @ b, ((3, 2), (2, 4))),
    Case("einsum_batched_list", lambda l, a, b: l.einsum("bij,bjk->bik", [a, b]), np.matmul,
         ((2, 3, 2), (2, 2, 4))),
    Case("einsum_implicit_outer", lambda l, a, b: l.einsum("j,i", a, b), lambda a, b: np.outer(b, a),
         ((3,), (4,))),
    Case("einsum_trace_and_diagonal", lambda l, a: l.einsum("ii", a) * l.einsum("ii->i", a),
         lambda a: np.trace(a) * np.diag(a), ((3, 3),)),
    Case("einsum_repeated_in_3d", lambda l, a: l.einsum("iji->j", a), lambda a: np.einsum("iji->j", a),
         ((3, 2, 3),)),
    Case("einsum_summed_inside_one", lambda l, a, b: l.einsum("ij,k->i", a, b),
         lambda a, b: a.sum(1) * b.sum(), (S, (2,))),
    Case("einsum_ellipsis_broadcast", lambda l, a, b: l.einsum("...ij,...j->...i", a, b),
         lambda a, b: np.einsum("...ij,...j->...i", a, b), ((2, 3, 4), (1, 4))),
    Case("einsum_size1_broadcast", lambda l, a, b: l.einsum("ij,ij->ij", a, b), lambda a, b: a * b,
         ((1, 4), S)),
    Case("einsum_sublists", lambda l, a, b: l.einsum(a, [0, 1], b, [1, 2], [2, 0]), lambda a, b: (a @ b).T,
         ((3, 2), (2, 4))),
    Case("einsum_three_operands", lambda l, a, b, c: l.einsum("ij,jk,kl->il", a, b, c),
         lambda a, b, c: a @ b @ c, ((2, 3), (3, 4), (4, 2))),
    # reductions
    Case("var_positional_unbiased_false", lambda l, x: l.var(x, False), lambda x: np_var(x, ddof=0), (S,)),
    Case("std_dim_unbiased_false_keepdim", lambda l, x: x.std(1, False, True),
         lambda x: np.sqrt(np_var(x, 1, 0, True)), (S,)),
    Case("var_correction", lambda l, x: l.var(x, dim=(0, 1), correction=2), lambda x: x.var(ddof=2), (S,)),
    Case("std_method_positional_flag", lambda l, x: x.std(False), lambda x: x.std(), (S,)),
    Case("norm_p0_times_x", lambda l, x: x.norm(0) * x, lambda x: np.count_nonzero(x) * x, (S,)),
    Case("logsumexp_dims", lambda l, x: l.logsumexp(x, (0, 1)),
         lambda x: np.log(np.exp(x).sum()), (S,)),
]
ids = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_forward_matches_numpy(case, rng, device):
    arrays = case.arrays(rng)
    out = case.fn(mt, *[mt.tensor(a, device=device) for a in arrays])
    want = case.ref(*arrays)
    assert tuple(out.shape) == np.shape(want)
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-10, atol=1e-12)


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


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_matches_torch(case, rng):
    torch = pytest.importorskip("torch")
    check_torch(torch, case.fn, case.arrays(rng), rng)


# ---------------------------------------------------------------------------- behaviours
def test_clamp_with_tensor_bounds_routes_gradients_as_pytorch():
    x = mt.tensor([-2.0, 0.0, 2.0, 0.5], dtype=mt.float64, requires_grad=True)
    lo = mt.tensor([-1.0, -1.0, -1.0, 1.0], dtype=mt.float64, requires_grad=True)
    hi = mt.tensor([1.0, 1.0, 1.0, 0.0], dtype=mt.float64, requires_grad=True)  # crossed at the end
    out = mt.clamp(x, lo, hi)
    assert out.tolist() == [-1.0, 0.0, 1.0, 0.0]  # where lo > hi the result is hi
    out.backward(mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64))
    assert x.grad.tolist() == [0.0, 2.0, 0.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0, 0.0] and hi.grad.tolist() == [0.0, 0.0, 3.0, 4.0]
    assert mt.clamp(mt.tensor([1, 5]), mt.tensor([2.5]), None).tolist() == [2.5, 5.0]


def test_div_rounding_modes_follow_pytorch_dtypes_and_signs():
    a, b = mt.tensor([7, -7, 7, -7]), mt.tensor([2, 2, -2, -2])
    assert mt.div(a, b, rounding_mode="trunc").tolist() == [3, -3, -3, 3]
    assert mt.div(a, b, rounding_mode="floor").tolist() == [3, -4, -4, 3]
    assert mt.div(a, b, rounding_mode="floor").dtype == mt.int64 and (a / b).dtype == mt.float32
    x = mt.tensor([7.0, -7.0, 0.0])
    assert mt.div(x, 0.0, rounding_mode="floor").tolist()[:2] == [float("inf"), float("-inf")]
    assert np.isnan(mt.div(x, 0.0, rounding_mode="trunc")[2].item())
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mt.div(a, 0, rounding_mode="floor")
    assert mt.divide(mt.tensor([1.0]), 4).tolist() == [0.25]


def test_where_with_numbers_takes_pytorchs_dtypes():
    c = mt.tensor([True, False])
    assert mt.where(c, 1, 0).dtype == mt.int64 and mt.where(c, 1.0, 0).dtype == mt.float32
    assert mt.where(c, True, False).dtype == mt.bool
    assert mt.where(c, mt.tensor(2), 2.5).tolist() == [2.0, 2.5]
    with pytest.warns(UserWarning, match="uint8 condition"):
        assert mt.where(mt.tensor([1, 0], dtype=mt.uint8), 1.0, 0.0).tolist() == [1.0, 0.0]
    raises_like_torch(lambda l: l.where(l.tensor([1, 0]), l.ones(2), 0.0), RuntimeError,
                      "where expected condition to be a boolean tensor, but got a tensor with dtype Long")


def test_where_matches_torch_dtypes():
    torch = pytest.importorskip("torch")
    for a, b in ((1, 0), (1.0, 0), (True, False), (True, 2)):
        ours = mt.where(mt.tensor([True, False]), a, b)
        theirs = torch.where(torch.tensor([True, False]), a, b)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.tolist() == theirs.tolist()


def test_isclose_and_allclose_agree_with_numpy_and_pytorch():
    a = np.array([1.0, 2.0, np.inf, -np.inf, np.nan, 1e-9, 0.0])
    b = np.array([1.0 + 1e-9, 2.1, np.inf, np.inf, np.nan, 0.0, 1e-12])
    for kwargs in ({}, {"rtol": 0.0, "atol": 1e-8}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.0}):
        got = mt.isclose(mt.tensor(a, dtype=mt.float64), mt.tensor(b, dtype=mt.float64), **kwargs)
        np.testing.assert_array_equal(got.numpy(), np.isclose(a, b, **kwargs))
    assert mt.isclose(mt.tensor([1, 2]), mt.tensor([1, 3])).tolist() == [True, False]
    assert mt.allclose(mt.ones(3), mt.ones(3) + 1e-7) is True
    assert mt.ones(2).allclose(mt.zeros(2)) is False
    torch = pytest.importorskip("torch")
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.0}):
        theirs = torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs)
        ours = mt.isclose(mt.tensor(a), mt.tensor(b), **kwargs)
        assert ours.tolist() == theirs.tolist()


def test_bitwise_operators_on_integers_and_bools():
    a, b = mt.tensor([12, 10]), mt.tensor([10, 6])
    assert (a & b).tolist() == [8, 2] and (a | b).tolist() == [14, 14] and (a ^ b).tolist() == [6, 12]
    assert (3 & a).tolist() == [0, 2] and (1 | a).tolist() == [13, 11]
    assert (True ^ mt.tensor([True])).tolist() == [False]
    assert (~a).tolist() == [-13, -11] and (~mt.tensor([True, False])).tolist() == [False, True]
    m = mt.tensor([True, False])
    assert (m & True).dtype == mt.bool and (m | mt.tensor([False, False])).tolist() == [True, False]
    assert mt.logical_xor(mt.tensor([1, 0]), mt.tensor([1, 1])).tolist() == [False, True]


BAD_CALLS = [
    (lambda l: l.eq(2, l.tensor([1, 2])), TypeError, "eq\\(\\) received an invalid combination"),
    (lambda l: l.maximum(l.tensor([1.0]), 2), TypeError, "argument 'other' \\(position 2\\) must be Tensor"),
    (lambda l: l.minimum(2, l.tensor([1.0])), TypeError, "argument 'input' \\(position 1\\) must be Tensor"),
    (lambda l: l.logical_and(l.tensor([True]), True), TypeError, "must be Tensor"),
    (lambda l: l.clamp(2, l.tensor([1])), TypeError, "clamp\\(\\) received an invalid combination"),
    (lambda l: -l.tensor([True]), RuntimeError, "Negation, the `-` operator, on a bool tensor"),
    (lambda l: l.tensor([1.0]) & 3, NotImplementedError, "\"bitwise_and_cpu\" not implemented for 'Float'"),
    (lambda l: ~l.tensor([1.0]), TypeError, "only implemented on integer and Boolean-type tensors"),
    (lambda l: l.div(l.ones(2), 2, rounding_mode="round"), RuntimeError, "expected rounding_mode"),
    (lambda l: l.lerp(l.ones(2), l.ones(2, dtype=l.float64), 0.5), RuntimeError,
     "expected dtype float for `end` but got dtype double"),
    (lambda l: l.lerp(l.ones(2, dtype=l.int64), l.ones(2, dtype=l.int64), 0.5), NotImplementedError,
     "lerp_kernel_scalar"),
    (lambda l: l.addcdiv(l.ones(2), l.ones(2, dtype=l.int64), l.ones(2, dtype=l.int64)), RuntimeError,
     "Integer division with addcdiv is no longer supported"),
    (lambda l: l.isclose(l.ones(2), l.ones(2, dtype=l.int64)), RuntimeError, "Float did not match Long"),
    (lambda l: l.isclose(l.ones(2), l.ones(2), rtol=-1), RuntimeError, "rtol must be greater than or equal"),
    (lambda l: l.ones(2).masked_fill(l.tensor([True, False]), 1j), RuntimeError,
     "value cannot be converted to type float without overflow"),
    (lambda l: l.addmm(l.ones(1), l.ones(2), l.ones(2, 2)), RuntimeError, "mat1 must be a matrix, got 1-D"),
    (lambda l: l.addmm(l.ones(3), l.ones(2, 2), l.ones(2, 2)), RuntimeError,
     "The expanded size of the tensor"),
    (lambda l: l.addmm(l.ones(1, dtype=l.float64), l.ones(2, 2), l.ones(2, 2)), RuntimeError,
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda l: l.addmv(l.ones(3), l.ones(2, 3), l.ones(3)), RuntimeError, "size mismatch, got input \\(3\\)"),
    (lambda l: l.mv(l.ones(2, 3), l.ones(2, 3)), RuntimeError, "vector \\+ matrix @ vector expected"),
    (lambda l: l.baddbmm(l.ones(1), l.ones(1, 2, 3), l.ones(2, 3, 2)), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: \\[1, 3\\] but got: \\[2, 3\\]"),
    (lambda l: l.outer(l.ones(2), l.ones(1, 2)), RuntimeError,
     "outer: Expected 1-D argument vec2, but got 2-D"),
    (lambda l: l.dot(l.ones(2), l.ones(3)), RuntimeError, "inconsistent tensor size"),
    (lambda l: l.dot(l.ones(2), l.ones(2, dtype=l.int64)), RuntimeError,
     "expected both vectors to have same dtype"),
    (lambda l: l.einsum("ij,jk->ik", l.ones(2, 3), l.ones(4, 2)), RuntimeError,
     "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"),
    (lambda l: l.einsum("ij->ik", l.ones(2, 3)), RuntimeError, "output subscript k does not appear"),
    (lambda l: l.einsum("ij,jk->ik", l.ones(2, 3)), RuntimeError, "fewer operands were provided"),
    (lambda l: l.einsum("ijk->ik", l.ones(2, 3)), RuntimeError,
     "number of subscripts in the equation \\(3\\)"),
    (lambda l: l.einsum("ij->ii", l.ones(2, 3)), RuntimeError, "output subscript i appears more than once"),
    (lambda l: l.einsum("ii->i", l.ones(2, 3)), RuntimeError, "subscript i is repeated for operand 0"),
    (lambda l: l.einsum("ij,jk", l.ones(2, 3), l.ones(3, 2, dtype=l.float64)), RuntimeError,
     "expected scalar type Float but found Double"),
    (lambda l: l.amax(l.ones(2, 3), (0, -2)), RuntimeError,
     "dim 0 appears multiple times in the list of dims"),
    (lambda l: l.sum(l.ones(2, 3), (1, 1)), RuntimeError, "dim 1 appears multiple times"),
    (lambda l: l.amax(l.ones(5, 0, 5), 1), IndexError,
     "amax\\(\\): Expected reduction dim 1 to have non-zero size"),
    (lambda l: l.argmax(l.ones(5, 0), 1), IndexError, "Expected reduction dim 1 to have non-zero size"),
    (lambda l: l.ones(2).mean(dtype=l.int32), RuntimeError, "Optional dtype must be either a floating point"),
    (lambda l: l.ones(2, dtype=l.int64).mean(), RuntimeError, "Input dtype must be .* Got: Long"),
    (lambda l: l.cat([l.tensor(1.0), l.tensor(2.0)]), RuntimeError,
     "zero-dimensional tensor \\(at position 0\\) cannot be concatenated"),
    (lambda l: l.cat([l.ones(2), None]), TypeError,
     "expected Tensor as element 1 in argument 0, but got NoneType"),
    (lambda l: l.cat([l.ones(2, 2), l.ones(2, 2, 1)]), RuntimeError,
     "Tensors must have same number of dimensions"),
    (lambda l: l.movedim(l.ones(2, 3, 4), (0, 1), (1, 1)), RuntimeError,
     "movedim: repeated dim in `destination`"),
    (lambda l: l.narrow(l.ones(2, 3), 0, l.tensor([0, 1]), 1), RuntimeError,
     "start must be an 0-dim integral Tensor"),
    (lambda l: l.zeros(0).reshape(0, -1), RuntimeError, "cannot reshape tensor of 0 elements"),
    (lambda l: l.eye(-1), RuntimeError, "n must be greater or equal to 0, got -1"),
    (lambda l: l.eye(2, -3), RuntimeError, "m must be greater or equal to 0, got -3"),
    (lambda l: l.linspace(0, 3, -1), RuntimeError, "number of steps must be non-negative"),
    (lambda l: l.linspace(l.ones(2), l.ones(2), 3), RuntimeError,
     "only supports 0-dimensional start and end"),
    (lambda l: l.arange(0, float("inf")), RuntimeError, "unsupported range: 0 -> inf"),
    (lambda l: l.ones(2).type("float64"), ValueError, "invalid type: 'float64'"),
]


@pytest.mark.parametrize("case", range(len(BAD_CALLS)))
def test_bad_arguments_raise_like_pytorch(case):
    call, error, match = BAD_CALLS[case]
    raises_like_torch(call, error, match)


def test_var_and_std_overloads_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    for call in (lambda l, t: l.var(t, False), lambda l, t: t.var(1, False),
                 lambda l, t: t.std(0, True, True), lambda l, t: l.std(t, dim=1, correction=0, keepdim=True),
                 lambda l, t: t.var(unbiased=False), lambda l, t: l.var(t, (0, 1))):
        np.testing.assert_allclose(call(mt, mt.tensor(x)).numpy(), call(torch, torch.tensor(x)).numpy(),
                                   rtol=1e-12)


def test_var_with_no_degrees_of_freedom_warns_and_gives_nan_or_inf():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert np.isnan(mt.var(mt.tensor([1.0])).item())
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert mt.var(mt.tensor([1.0, 2.0]), correction=3).item() == float("inf")


def test_softmax_and_log_softmax_of_empty_inputs_are_empty_with_a_gradient():
    for size, dim in (((5, 0, 0), -1), ((0, 3), 1), ((0, 3), 0)):
        x = mt.zeros(*size, requires_grad=True)
        for fn in (mt.softmax, mt.log_softmax, F.softmax, F.log_softmax):
            out = fn(x, dim)
            assert out.shape == size and out.grad_fn is not None
            out.sum().backward()
            assert x.grad.shape == size


def test_logsumexp_of_minus_infinity_and_of_empty_rows_is_minus_infinity():
    x = mt.tensor([[float("-inf"), float("-inf")], [1000.0, 1000.0]], dtype=mt.float64)
    np.testing.assert_allclose(mt.logsumexp(x, 1).numpy(), [-np.inf, 1000.0 + np.log(2.0)])
    empty = mt.zeros(0, 3, requires_grad=True)
    out = mt.logsumexp(empty, 0)
    assert out.tolist() == [float("-inf")] * 3
    out.sum().backward()
    assert empty.grad.shape == (0, 3)


def test_cat_skips_1d_empty_tensors_like_pytorch():
    x = mt.ones(2, 2, dtype=mt.int64, requires_grad=False)
    out = mt.cat([mt.zeros(0, dtype=mt.float64), x], 1)
    assert out.shape == (2, 2) and out.dtype == mt.float64  # the empty one still promotes
    assert mt.cat([mt.zeros(0), mt.zeros(0)], dim=3).shape == (0,)
    a = mt.zeros(0, requires_grad=True)
    assert mt.cat([a, a]).grad_fn is not None
    b = mt.ones(1, 2, requires_grad=True)
    mt.cat([a, b, mt.zeros(0)]).sum().backward()
    assert b.grad.tolist() == [[1.0, 1.0]] and a.grad.shape == (0,)
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.cat([mt.ones(2, 2), mt.zeros(0)], 5)


def test_flip_takes_dims_by_keyword():
    x = mt.tensor([[1, 2], [3, 4]])
    assert mt.flip(x, dims=(0, 1)).tolist() == [[4, 3], [2, 1]]
    assert x.flip(dims=[1]).tolist() == [[2, 1], [4, 3]] and x.flip(0).tolist() == [[3, 4], [1, 2]]


def test_batch_norm_of_an_empty_input_and_avg_pool_with_a_negative_divisor():
    for size in ((0,), (0, 3), (2, 0)):
        x = mt.zeros(*size, requires_grad=True)
        out = F.batch_norm(x, None, None, training=True)
        assert out.shape == size and out.grad_fn is not None
    w = mt.ones(3, requires_grad=True)
    F.batch_norm(mt.zeros(0, 3), mt.zeros(3), mt.ones(3), w, None).sum().backward()
    assert w.grad.tolist() == [0.0, 0.0, 0.0]
    x = mt.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_allclose(F.avg_pool2d(x, 2, divisor_override=-2).numpy(),
                               (F.avg_pool2d(x, 2) * 4 / -2).numpy())
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(x, 2, divisor_override=0)


def test_tensor_type_and_device_flags():
    x = mt.ones(2)
    assert x.type() == "torch.FloatTensor" and mt.ones(2, dtype=mt.int8).type() == "torch.CharTensor"
    assert x.type(mt.float32) is x and x.type(mt.float64).dtype == mt.float64
    assert x.type("torch.LongTensor").tolist() == [1, 1]
    assert x.type(dtype="torch.DoubleTensor").dtype == mt.float64
    assert x.is_cpu and not (x.is_cuda or x.is_mps or x.is_xpu or x.is_meta or x.is_sparse or x.is_complex())
    y = x.new_zeros(2, 3, device="cpu", dtype=mt.float64)
    assert y.shape == (2, 3) and y.dtype == mt.float64 and x.new_ones((1, 2)).shape == (1, 2)
    assert x.new_full((2,), 3.0, device="cpu").tolist() == [3.0, 3.0] and x.new_empty(4).shape == (4,)


def test_tensor_type_matches_torch():
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        theirs = torch.ones(1, dtype=getattr(torch, dtype)).type()
        assert mt.ones(1, dtype=getattr(mt, dtype)).type() == theirs
    for flag in ("is_cpu", "is_cuda", "is_mps", "is_xpu", "is_meta", "is_sparse", "is_quantized"):
        assert getattr(mt.ones(1), flag) == getattr(torch.ones(1), flag)


def test_in_place_variants_of_the_new_unary_ops():
    x = mt.tensor([1.0, 3.0])
    assert x.log2_() is x and x.tolist() == [0.0, pytest.approx(np.log2(3.0), rel=1e-6)]
    y = mt.tensor([0.0, 1.0]).exp2_()
    assert y.tolist() == [1.0, 2.0]


def test_docstring_examples_run():
    for module in (elementwise, reduction, linalg, contraction, shape, conversion):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert doctest.testmod(module).failed == 0, module.__name__


def test_sign_of_nan_is_zero_and_its_gradient_is_zeros_like_pytorchs():
    torch = pytest.importorskip("torch")
    values = [float("nan"), -0.0, 2.0, -3.0, float("-inf")]
    expected = torch.sign(torch.tensor(values)).numpy()
    np.testing.assert_array_equal(mt.sign(mt.tensor(values)).numpy(), expected)
    x = mt.tensor([1.0, float("nan")], requires_grad=True)
    x.sign().backward(mt.tensor([float("inf"), 1.0]))
    assert x.grad.tolist() == [0.0, 0.0]


def test_softmax_of_a_row_of_minus_inf_is_nan_without_a_warning_like_pytorch():
    torch = pytest.importorskip("torch")
    rows = [[float("-inf")] * 3, [1.0, 2.0, 3.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = [mt.tensor(rows).softmax(1), mt.tensor(rows).log_softmax(1)]
    theirs = [torch.tensor(rows).softmax(1), torch.tensor(rows).log_softmax(1)]
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-6, equal_nan=True)
