"""Every differentiable operation: values against NumPy, gradients against central differences
(float64, random upstream gradient, broadcasting included), and both against PyTorch."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from helpers import FAST, check_grad, check_torch, on, raises_like_torch, to_numpy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import minitorch_conv as mt


# ---------------------------------------------------------------------------- input domains
def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_kinks(rng, shape):
    """Values at least 0.05 away from 0 and from the clamp bounds used below (+-0.5, 0.2)."""
    x = rng.uniform(-2.0, 2.0, shape)
    for kink in (0.0, 0.5, -0.5, 0.2):
        close = np.abs(x - kink) < 0.05
        x[close] = kink + 0.1 * np.sign(x[close] - kink + 1e-12)
    return x


def with_zeros(rng, shape):
    """Normal values with zeros: row 0 holds one, row 1 two, the last row none (for prod)."""
    x = rng.standard_normal(shape)
    flat = x.reshape(shape[0], -1)
    flat[0, 1] = 0.0
    if shape[0] > 2:
        flat[1, 0] = flat[1, -1] = 0.0
    return flat.reshape(shape)


def off_halves(rng, shape):
    """Values at least 0.05 away from the integers and the half-integers (rounding's jumps)."""
    x = rng.uniform(-3.0, 3.0, shape)
    frac = np.abs(x * 2 - np.round(x * 2))
    return np.where(frac < 0.1, x + 0.12, x)


@dataclass
class Op:
    """``fn(lib, *inputs)`` runs on minitorch_conv and on torch alike; ``ref`` is NumPy's answer."""

    name: str
    fn: object
    ref: object
    shapes: tuple
    domain: object = normal

    def arrays(self, rng):
        return [self.domain(rng, s) for s in self.shapes]


MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
COND = np.array([[True], [False], [True]])


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _logsumexp(x, axis, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


S = (3, 4)
UNARY = [
    # arithmetic with Python numbers
    Op("neg", lambda l, x: -x, lambda x: -x, (S,)),
    Op("add_scalar", lambda l, x: x + 2.5, lambda x: x + 2.5, (S,)),
    Op("radd_scalar", lambda l, x: 2.5 + x, lambda x: 2.5 + x, (S,)),
    Op("rsub_scalar", lambda l, x: 2.5 - x, lambda x: 2.5 - x, (S,)),
    Op("mul_scalar", lambda l, x: x * -3, lambda x: x * -3, (S,)),
    Op("div_scalar", lambda l, x: x / 4, lambda x: x / 4, (S,)),
    Op("rdiv_scalar", lambda l, x: 1.5 / x, lambda x: 1.5 / x, (S,), positive),
    Op("pow2", lambda l, x: x**2, lambda x: x**2, (S,)),
    Op("pow3", lambda l, x: x.pow(3), lambda x: x**3, (S,)),
    Op("pow_half", lambda l, x: x**0.5, np.sqrt, (S,), positive),
    Op("pow_neg", lambda l, x: x**-1.5, lambda x: x**-1.5, (S,), positive),
    Op("rpow", lambda l, x: 2**x, lambda x: 2.0**x, (S,)),
    # unary math
    Op("exp", lambda l, x: x.exp(), np.exp, (S,)),
    Op("log", lambda l, x: x.log(), np.log, (S,), positive),
    Op("sqrt", lambda l, x: l.sqrt(x), np.sqrt, (S,), positive),
    Op("abs", lambda l, x: x.abs(), np.abs, (S,), away_from_kinks),
    Op("builtin_abs", lambda l, x: abs(x), np.abs, (S,), away_from_kinks),
    Op("tanh", lambda l, x: x.tanh(), np.tanh, (S,)),
    Op("sigmoid", lambda l, x: l.sigmoid(x), lambda x: 1 / (1 + np.exp(-x)), (S,)),
    Op("sigmoid_large", lambda l, x: (x * 30).sigmoid(), lambda x: 1 / (1 + np.exp(-30 * x)), (S,)),
    Op("relu", lambda l, x: x.relu(), lambda x: np.maximum(x, 0), (S,), away_from_kinks),
    Op("clamp", lambda l, x: x.clamp(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), (S,), away_from_kinks),
    Op("clamp_min", lambda l, x: l.clamp(x, min=0.2), lambda x: np.maximum(x, 0.2), (S,), away_from_kinks),
    Op("clamp_max", lambda l, x: x.clamp(max=0.2), lambda x: np.minimum(x, 0.2), (S,), away_from_kinks),
    Op("sin", lambda l, x: x.sin(), np.sin, (S,)),
    Op("cos", lambda l, x: l.cos(x), np.cos, (S,)),
    Op("reciprocal", lambda l, x: x.reciprocal(), lambda x: 1 / x, (S,), positive),
    Op("reciprocal_fn", lambda l, x: l.reciprocal(-x), lambda x: -1 / x, (S,), positive),
    Op("rsqrt", lambda l, x: l.rsqrt(x), lambda x: 1 / np.sqrt(x), (S,), positive),
    Op("erf", lambda l, x: x.erf(), lambda x: np.vectorize(math.erf)(x), (S,)),
    Op("floor", lambda l, x: x.floor() * x, lambda x: np.floor(x) * x, (S,), off_halves),
    Op("ceil", lambda l, x: l.ceil(x) + x, lambda x: np.ceil(x) + x, (S,), off_halves),
    Op("round", lambda l, x: x.round() * x, lambda x: np.round(x) * x, (S,), off_halves),
    Op("round_decimals", lambda l, x: l.round(x, decimals=1), lambda x: np.round(x, 1), (S,), off_halves),
    Op("trunc", lambda l, x: l.trunc(x) - x, lambda x: np.trunc(x) - x, (S,), off_halves),
    Op("remainder_scalar", lambda l, x: x % 0.7, lambda x: np.remainder(x, 0.7), (S,), off_halves),
    Op("remainder_negative", lambda l, x: l.remainder(x, -0.7), lambda x: np.remainder(x, -0.7), (S,),
       off_halves),
    Op("rmod_0d", lambda l, x: l.tensor(2.5, dtype=x.dtype) % x, lambda x: np.remainder(2.5, x), (S,),
       positive),  # (torch has no derivative for a Python number % tensor; a 0-d tensor is fine)
    # reductions
    Op("prod", lambda l, x: x.prod(), np.prod, (S,)),
    Op("prod_dim", lambda l, x: x.prod(1), lambda x: x.prod(1), (S,)),
    Op("prod_keepdim", lambda l, x: l.prod(x, 0, keepdim=True), lambda x: x.prod(0, keepdims=True), (S,)),
    Op("prod_zeros_dim", lambda l, x: x.prod(-1), lambda x: x.prod(-1), (S,), with_zeros),
    Op("prod_zeros_dim0", lambda l, x: x.prod(0), lambda x: x.prod(0), ((4, 3),), with_zeros),
    Op("prod_one_zero", lambda l, x: x[0].prod(), lambda x: x[0].prod(), (S,), with_zeros),
    Op("prod_zeros_all", lambda l, x: x.prod(), np.prod, (S,), with_zeros),
    Op("cumsum", lambda l, x: x.cumsum(1), lambda x: x.cumsum(1), (S,)),
    Op("cumsum_fn", lambda l, x: l.cumsum(x, dim=-3), lambda x: x.cumsum(0), ((2, 3, 4),)),
    Op("norm", lambda l, x: x.norm(), np.linalg.norm, (S,)),
    Op("norm_fro_dims", lambda l, x: l.norm(x, "fro", dim=(0, 2)),
       lambda x: np.sqrt((x * x).sum((0, 2))), ((2, 3, 4),)),
    Op("norm_2_keepdim", lambda l, x: x.norm(2, dim=1, keepdim=True),
       lambda x: np.linalg.norm(x, axis=1, keepdims=True), (S,)),
    Op("norm_1", lambda l, x: x.norm(p=1, dim=0), lambda x: np.abs(x).sum(0), (S,), away_from_kinks),
    Op("norm_inf", lambda l, x: x.norm(float("inf"), dim=1), lambda x: np.abs(x).max(1), (S,)),
    Op("norm_neg_inf", lambda l, x: l.norm(x, float("-inf")), lambda x: np.abs(x).min(), (S,)),
    Op("norm_3", lambda l, x: x.norm(3, dim=-1), lambda x: (np.abs(x) ** 3).sum(-1) ** (1 / 3), (S,)),
    Op("sum", lambda l, x: x.sum(), np.sum, (S,)),
    Op("sum_dim", lambda l, x: x.sum(0), lambda x: x.sum(0), (S,)),
    Op("sum_keepdim", lambda l, x: x.sum(-1, keepdim=True), lambda x: x.sum(-1, keepdims=True), (S,)),
    Op("sum_dims", lambda l, x: l.sum(x, (0, 2)), lambda x: x.sum((0, 2)), ((2, 3, 4),)),
    Op("mean", lambda l, x: x.mean(), np.mean, (S,)),
    Op("mean_dim", lambda l, x: x.mean(1), lambda x: x.mean(1), (S,)),
    Op("mean_dims_keep", lambda l, x: x.mean((1, 2), keepdim=True),
       lambda x: x.mean((1, 2), keepdims=True), ((2, 3, 4),)),
    Op("amax", lambda l, x: x.amax(), np.max, (S,)),
    Op("amax_dim", lambda l, x: l.amax(x, 1), lambda x: x.max(1), (S,)),
    Op("amax_dims", lambda l, x: x.amax((0, 2), keepdim=True),
       lambda x: x.max((0, 2), keepdims=True), ((2, 3, 4),)),
    Op("amin_dim", lambda l, x: x.amin(0), lambda x: x.min(0), (S,)),
    Op("max_all", lambda l, x: x.max(), np.max, (S,)),
    Op("min_all", lambda l, x: l.min(x), np.min, (S,)),
    Op("max_dim", lambda l, x: x.max(1)[0], lambda x: x.max(1), (S,)),
    Op("max_dim_values", lambda l, x: l.max(x, dim=0).values, lambda x: x.max(0), (S,)),
    Op("min_dim_keep", lambda l, x: x.min(-1, keepdim=True).values,
       lambda x: x.min(-1, keepdims=True), (S,)),
    Op("var", lambda l, x: x.var(), lambda x: x.var(ddof=1), (S,)),
    Op("var_dim", lambda l, x: x.var(1), lambda x: x.var(1, ddof=1), (S,)),
    Op("var_keep_biased", lambda l, x: x.var(0, unbiased=False, keepdim=True),
       lambda x: x.var(0, keepdims=True), (S,)),
    Op("var_correction0", lambda l, x: l.var(x, (0, 1), correction=0), lambda x: x.var((0, 1)), ((2, 3, 4),)),
    Op("std", lambda l, x: x.std(), lambda x: x.std(ddof=1), (S,)),
    Op("std_dim", lambda l, x: x.std(0), lambda x: x.std(0, ddof=1), (S,)),
    Op("logsumexp", lambda l, x: x.logsumexp(1), lambda x: _logsumexp(x, 1), (S,)),
    Op("logsumexp_dims_keep", lambda l, x: l.logsumexp(x, (0, 1), keepdim=True),
       lambda x: _logsumexp(x, (0, 1), True), (S,)),
    Op("logsumexp_large", lambda l, x: (x * 300).logsumexp(0),
       lambda x: _logsumexp(300 * x, 0), (S,)),
    Op("softmax", lambda l, x: x.softmax(1), lambda x: _softmax(x, 1), (S,)),
    Op("softmax_dim0", lambda l, x: l.softmax(x, 0), lambda x: _softmax(x, 0), (S,)),
    Op("log_softmax", lambda l, x: x.log_softmax(-1), lambda x: np.log(_softmax(x, -1)), (S,)),
    Op("log_softmax_large", lambda l, x: l.log_softmax(x * 300, 0),
       lambda x: 300 * x - _logsumexp(300 * x, 0, True), (S,)),
    # shapes
    Op("reshape", lambda l, x: x.reshape(4, 3), lambda x: x.reshape(4, 3), (S,)),
    Op("reshape_infer", lambda l, x: x.reshape(2, -1), lambda x: x.reshape(2, -1), (S,)),
    Op("view", lambda l, x: x.view(-1), lambda x: x.reshape(-1), (S,)),
    Op("flatten", lambda l, x: x.flatten(), lambda x: x.reshape(-1), ((2, 3, 4),)),
    Op("flatten_from1", lambda l, x: l.flatten(x, 1), lambda x: x.reshape(2, -1), ((2, 3, 4),)),
    Op("permute", lambda l, x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1), ((2, 3, 4),)),
    Op("transpose", lambda l, x: x.transpose(0, -1), lambda x: np.swapaxes(x, 0, -1), ((2, 3, 4),)),
    Op("T", lambda l, x: x.T, lambda x: x.T, (S,)),
    Op("t", lambda l, x: x.t(), lambda x: x.T, (S,)),
    Op("mT", lambda l, x: x.mT, lambda x: np.swapaxes(x, -1, -2), ((2, 3, 4),)),
    Op("unsqueeze", lambda l, x: x.unsqueeze(1), lambda x: x[:, None], (S,)),
    Op("unsqueeze_neg", lambda l, x: l.unsqueeze(x, -1), lambda x: x[..., None], (S,)),
    Op("squeeze", lambda l, x: x.squeeze(), lambda x: x.squeeze(), ((3, 1, 4, 1),)),
    Op("squeeze_dim", lambda l, x: x.squeeze(1), lambda x: x.squeeze(1), ((3, 1, 4, 1),)),
    Op("expand", lambda l, x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)),
    Op("expand_keep", lambda l, x: x.expand(-1, 4), lambda x: np.broadcast_to(x, (3, 4)), ((3, 1),)),
    Op("contiguous", lambda l, x: x.T.contiguous(), lambda x: x.T, (S,)),
    Op("repeat", lambda l, x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)), (S,)),
    Op("repeat_same_rank", lambda l, x: x.repeat(1, 2), lambda x: np.tile(x, (1, 2)), (S,)),
    Op("flip", lambda l, x: x.flip(0), lambda x: x[::-1], (S,)),
    Op("flip_dims", lambda l, x: l.flip(x, (0, -1)), lambda x: x[::-1, :, ::-1], ((2, 3, 4),)),
    # indexing (values are picked, gradients scattered back, repeated indices accumulate)
    Op("index_int", lambda l, x: x[1], lambda x: x[1], (S,)),
    Op("index_scalar", lambda l, x: x[1, 2], lambda x: x[1, 2], (S,)),
    Op("index_slices", lambda l, x: x[1:, ::2], lambda x: x[1:, ::2], (S,)),
    Op("index_ellipsis_none", lambda l, x: x[..., None, 1:3], lambda x: x[..., None, 1:3], ((2, 3, 4),)),
    Op("index_negative", lambda l, x: x[-1, -3:], lambda x: x[-1, -3:], (S,)),
    Op("index_list_repeat", lambda l, x: x[[0, 2, 0, 0]], lambda x: x[[0, 2, 0, 0]], (S,)),
    Op("index_tensor_repeat", lambda l, x: x[l.tensor([3, 1, 3])], lambda x: x[[3, 1, 3]], ((5,),)),
    Op("index_columns_repeat", lambda l, x: x[:, [1, 1, 3]], lambda x: x[:, [1, 1, 3]], (S,)),
    Op("index_pairs", lambda l, x: x[[0, 2, 0], [1, 1, 1]], lambda x: x[[0, 2, 0], [1, 1, 1]], (S,)),
    Op("index_2d_tensor", lambda l, x: x[l.tensor([[0, 1], [1, 1]])],
       lambda x: x[np.array([[0, 1], [1, 1]])], (S,)),
    Op("index_bool_mask", lambda l, x: x[l.tensor(MASK)], lambda x: x[MASK], (S,)),
    Op("index_bool_rows", lambda l, x: x[l.tensor([True, False, True])],
       lambda x: x[[True, False, True]], (S,)),
]

BINARY = [
    Op("add", lambda l, a, b: a + b, np.add, (S, S)),
    Op("add_fn", lambda l, a, b: l.add(a, b), np.add, (S, (4,))),
    Op("add_bcast", lambda l, a, b: a + b, np.add, ((3, 1), (1, 4))),
    Op("add_0d", lambda l, a, b: a + b, np.add, ((), S)),
    Op("sub", lambda l, a, b: a - b, np.subtract, (S, (4,))),
    Op("sub_bcast", lambda l, a, b: l.sub(a, b), np.subtract, ((2, 1, 4), (3, 1))),
    Op("mul", lambda l, a, b: a * b, np.multiply, (S, S)),
    Op("mul_bcast", lambda l, a, b: l.mul(a, b), np.multiply, ((2, 3, 1), (4,))),
    Op("div", lambda l, a, b: a / b, np.divide, (S, S), positive),
    Op("div_bcast", lambda l, a, b: l.div(a, b), np.divide, ((3, 1), (1, 4)), positive),
    Op("pow_tensors", lambda l, a, b: a**b, np.power, (S, S), positive),
    Op("pow_bcast", lambda l, a, b: l.pow(a, b), np.power, ((3, 1), (4,)), positive),
    Op("maximum", lambda l, a, b: l.maximum(a, b), np.maximum, (S, S)),
    Op("maximum_bcast", lambda l, a, b: a.maximum(b), np.maximum, ((3, 1), (4,))),
    Op("minimum", lambda l, a, b: l.minimum(a, b), np.minimum, (S, (1, 4))),
    Op("where", lambda l, a, b: l.where(on(l, MASK, a), a, b), lambda a, b: np.where(MASK, a, b), (S, S)),
    Op("where_bcast", lambda l, a, b: l.where(on(l, COND, a), a, b),
       lambda a, b: np.where(COND, a, b), ((1, 4), (3, 1))),
    Op("where_method", lambda l, a, b: a.where(on(l, MASK, a), b), lambda a, b: np.where(MASK, a, b),
       (S, (4,))),
    Op("where_scalar", lambda l, a, b: l.where(on(l, MASK, a), a, 0.0) * b,
       lambda a, b: np.where(MASK, a, 0.0) * b, (S, S)),
    # matrix products, 1-D operands and broadcast batches included
    Op("matmul", lambda l, a, b: a @ b, np.matmul, ((3, 4), (4, 5))),
    Op("matmul_fn", lambda l, a, b: l.matmul(a, b), np.matmul, ((3, 4), (4, 5))),
    Op("matmul_dot", lambda l, a, b: a @ b, np.matmul, ((4,), (4,))),
    Op("matmul_vec_mat", lambda l, a, b: a @ b, np.matmul, ((4,), (4, 5))),
    Op("matmul_mat_vec", lambda l, a, b: a @ b, np.matmul, ((3, 4), (4,))),
    Op("matmul_batched", lambda l, a, b: a @ b, np.matmul, ((2, 3, 4), (2, 4, 5))),
    Op("matmul_batch_bcast", lambda l, a, b: a @ b, np.matmul, ((2, 3, 4), (4, 5))),
    Op("matmul_batch_bcast2", lambda l, a, b: a @ b, np.matmul, ((2, 1, 3, 4), (3, 4, 2))),
    Op("matmul_vec_batch", lambda l, a, b: a @ b, np.matmul, ((4,), (2, 4, 5))),
    Op("matmul_batch_vec", lambda l, a, b: a @ b, np.matmul, ((2, 3, 4), (4,))),
    Op("mm", lambda l, a, b: l.mm(a, b), np.matmul, ((3, 4), (4, 5))),
    Op("mm_method", lambda l, a, b: a.mm(b.T), lambda a, b: a @ b.T, ((3, 4), (5, 4))),
    Op("bmm", lambda l, a, b: l.bmm(a, b), np.matmul, ((2, 3, 4), (2, 4, 5))),
    Op("bmm_method", lambda l, a, b: a.bmm(b), np.matmul, ((1, 2, 3), (1, 3, 1))),
    Op("remainder", lambda l, a, b: a % b, np.remainder, (S, S)),
    Op("remainder_bcast", lambda l, a, b: l.remainder(a, b), np.remainder, ((3, 1), (4,))),
    # several inputs
    Op("cat", lambda l, a, b: l.cat([a, b], 1), lambda a, b: np.concatenate([a, b], 1), ((3, 2), S)),
    Op("cat_neg_dim", lambda l, a, b: l.cat((a, b, a), -3), lambda a, b: np.concatenate([a, b, a], -3),
       ((1, 3, 4), (2, 3, 4))),
    Op("stack", lambda l, a, b: l.stack([a, b]), lambda a, b: np.stack([a, b]), (S, S)),
    Op("stack_last", lambda l, a, b: l.stack([a, b, a], -1), lambda a, b: np.stack([a, b, a], -1), (S, S)),
]

MULTI_OUTPUT = [
    Op("split", lambda l, x: x.split(2, dim=1), lambda x: np.split(x, [2], 1), (S,)),
    Op("split_uneven", lambda l, x: l.split(x, 2), lambda x: np.split(x, [2, 4], 0), ((5, 2),)),
    Op("split_sizes", lambda l, x: x.split([1, 3], -1), lambda x: np.split(x, [1], -1), (S,)),
    Op("chunk", lambda l, x: x.chunk(3, 1), lambda x: np.split(x, [2, 4], 1), ((2, 5),)),
    Op("chunk_fn", lambda l, x: l.chunk(x, 2), lambda x: np.split(x, [2], 0), ((4, 3),)),
    Op("unbind", lambda l, x: x.unbind(1), lambda x: tuple(x[:, i] for i in range(4)), (S,)),
    Op("unbind_fn", lambda l, x: l.unbind(x, -3), lambda x: tuple(x), ((2, 3, 4),)),
    Op("max_dim_pair", lambda l, x: x.max(0), lambda x: (x.max(0), x.argmax(0)), (S,)),
    Op("min_dim_pair", lambda l, x: l.min(x, 1, keepdim=True),
       lambda x: (x.min(1, keepdims=True), x.argmin(1)[:, None]), (S,)),
]

ALL = UNARY + BINARY + MULTI_OUTPUT
ids = [op.name for op in ALL]


def _differentiable(outs):
    return tuple(o for o in outs if o.dtype.is_floating_point)


@pytest.mark.parametrize("op", ALL, ids=ids)
def test_forward_matches_numpy(op, rng, device):
    arrays = op.arrays(rng)
    out = op.fn(mt, *[mt.tensor(a, device=device) for a in arrays])
    want = op.ref(*arrays)
    outs = out if isinstance(out, tuple) else (out,)
    wants = want if isinstance(want, (tuple, list)) else (want,)
    assert len(outs) == len(wants)
    for o, w in zip(outs, wants):
        assert isinstance(o, mt.Tensor)
        assert tuple(o.shape) == np.shape(w)
        np.testing.assert_allclose(to_numpy(o), w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", ALL, ids=ids)
def test_gradient_matches_finite_differences(op, rng, device):
    def fn(*xs):
        return _differentiable(op.fn(mt, *xs)) if op in MULTI_OUTPUT else op.fn(mt, *xs)

    check_grad(fn, op.arrays(rng), rng, device=device)


@pytest.mark.parametrize("op", ALL, ids=ids)
def test_float32_stays_float32(op, rng, device):
    """Python numbers never widen a float32 computation, in the forward or the backward pass."""
    inputs = [mt.tensor(a.astype(np.float32), device=device, requires_grad=True) for a in op.arrays(rng)]
    outs = _differentiable(op.fn(mt, *inputs) if op in MULTI_OUTPUT else (op.fn(mt, *inputs),))
    assert all(o.dtype == mt.float32 for o in outs)
    sum((o * o).sum() for o in outs).backward()
    for x in inputs:
        assert x.grad is not None and x.grad.dtype == mt.float32 and x.grad.shape == x.shape


@pytest.mark.parametrize("op", ALL, ids=ids)
def test_matches_torch(op, rng, device):
    torch = pytest.importorskip("torch")
    check_torch(torch, op.fn, op.arrays(rng), rng, device=device)


# ---------------------------------------------------------------------------- broadcasting, drawn
BROADCASTING = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5)),
    "maximum": (mt.maximum, np.maximum),
    "where": (lambda a, b: mt.where(a > b, a * 2, b), lambda a, b: np.where(a > b, a * 2, b)),
}


@FAST
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BROADCASTING)), seed=st.integers(0, 2**16))
def test_broadcasting_binary_ops(shapes, name, seed):
    """Gradients of broadcast operands are summed back to each operand's own shape."""
    rng = np.random.default_rng(seed)
    fn, ref = BROADCASTING[name]
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes]
    np.testing.assert_allclose(to_numpy(fn(*[mt.tensor(a) for a in arrays])), ref(*arrays), rtol=1e-12)
    out = check_grad(fn, arrays, rng)[0]
    assert tuple(out.shape) == shapes.result_shape


@FAST
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data())
def test_reductions_over_drawn_dims(shape, data):
    ndim = len(shape)
    dims = tuple(data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                                    unique_by=lambda d: d % ndim)))
    keepdim = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.standard_normal(shape)
    for name, ref in [("sum", np.sum), ("mean", np.mean), ("amax", np.max), ("amin", np.min)]:
        fn = lambda t, name=name: getattr(t, name)(dims, keepdim=keepdim)  # noqa: E731
        out = check_grad(fn, [x], rng)[0]
        np.testing.assert_allclose(to_numpy(out), ref(x, axis=dims, keepdims=keepdim), rtol=1e-12)


@FAST
@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
def test_permute_and_reshape_drawn(shape, data):
    order = data.draw(st.permutations(range(len(shape))))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.standard_normal(shape)
    out = check_grad(lambda t: t.permute(*order).reshape(-1)[::2], [x], rng)[0]
    np.testing.assert_array_equal(to_numpy(out), x.transpose(order).reshape(-1)[::2])


# ---------------------------------------------------------------------------- op-specific rules
def test_ops_on_non_contiguous_inputs(rng, device):
    a = rng.standard_normal((4, 3))
    x = mt.tensor(a, device=device).T  # a transposed, non-contiguous view
    assert not x.is_contiguous()
    np.testing.assert_allclose(to_numpy((x * 2).sum(0)), (a.T * 2).sum(0))
    np.testing.assert_allclose(to_numpy(x @ x.T), a.T @ a)
    check_grad(lambda t: (t.T.exp() @ t).softmax(0), [a], rng, device=device)


def test_comparisons_return_bool_without_grad(device):
    x = mt.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    y = mt.tensor([3.0, 2.0, 1.0], device=device)
    results = {
        "==": (x == y, [False, True, False]), "!=": (x != y, [True, False, True]),
        "<": (x < y, [True, False, False]), "<=": (x <= 2, [True, True, False]),
        ">": (x > 2.5, [False, False, True]), ">=": (x >= y, [False, True, True]),
        "eq": (x.eq(y), [False, True, False]), "gt": (mt.gt(x, y), [False, False, True]),
        "int": (mt.tensor([1, 2, 3], device=device) == 2, [False, True, False]),
    }
    for name, (got, want) in results.items():
        assert got.dtype == mt.bool, name
        assert not got.requires_grad and got.grad_fn is None, name
        assert to_numpy(got).tolist() == want, name
    assert (x == None) is False  # noqa: E711  (as in PyTorch: no element-wise comparison with None)


def test_abs_and_relu_gradient_at_zero_is_zero():
    x = mt.tensor([0.0, 0.0], dtype=mt.float64, requires_grad=True)
    (x.abs().sum() + x.relu().sum()).backward()
    assert x.grad.tolist() == [0.0, 0.0]  # PyTorch's subgradient choice


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_backward_keeps_the_dtype_and_is_differentiable(rng, dtype):
    """ReLU's backward multiplies by a boolean mask; the result keeps grad's dtype and values, and
    the product is itself differentiable (d/d grad is the same mask)."""
    x = mt.tensor(rng.standard_normal((4, 5)), dtype=getattr(mt, dtype), requires_grad=True)
    upstream = mt.tensor(rng.standard_normal((4, 5)), dtype=getattr(mt, dtype), requires_grad=True)
    (grad_x,) = mt.autograd.grad(x.relu(), x, upstream, create_graph=True)
    assert grad_x.dtype == x.dtype
    keep = x.detach().numpy() > 0
    np.testing.assert_array_equal(grad_x.detach().numpy(), np.where(keep, upstream.detach().numpy(), 0))
    weights = rng.standard_normal((4, 5))
    (grad_x * mt.tensor(weights, dtype=getattr(mt, dtype))).sum().backward()
    np.testing.assert_array_equal(upstream.grad.numpy(), np.where(keep, weights, 0).astype(dtype))


def test_maximum_ties_split_the_gradient():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([1.0, 3.0], requires_grad=True)
    mt.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0] and b.grad.tolist() == [0.5, 1.0]


def test_amax_ties_share_max_dim_picks_one():
    x = mt.tensor([[2.0, 5.0, 5.0]], requires_grad=True)
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5]]
    x.grad = None
    values, indices = x.max(1)
    values.sum().backward()
    assert indices.dtype == mt.int64 and not indices.requires_grad
    assert x.grad.tolist()[0][indices.item()] == 1.0 and x.grad.sum().item() == 1.0


def test_max_min_with_dim_return_values_and_indices(device):
    x = mt.tensor([[1.0, 7.0, 3.0], [9.0, 2.0, 4.0]], device=device)
    values, indices = x.max(dim=1)
    assert to_numpy(values).tolist() == [7.0, 9.0] and to_numpy(indices).tolist() == [1, 0]
    result = mt.min(x, 0, keepdim=True)
    assert to_numpy(result.values).tolist() == [[1.0, 2.0, 3.0]]
    assert to_numpy(result.indices).tolist() == [[0, 1, 0]]
    assert to_numpy(x.argmax()).item() == 3 and to_numpy(x.argmin(1)).tolist() == [0, 1]
    assert to_numpy(x.max(mt.tensor(5.0, device=device))).tolist() == [[5.0, 7.0, 5.0], [9.0, 5.0, 5.0]]


def test_reductions_of_0d_tensors_accept_dim_0():
    x = mt.tensor(2.5, requires_grad=True)
    for out in (x.sum(0), x.mean(-1), x.amax(0), x.sum(0, keepdim=True), x.logsumexp(0)):
        assert out.shape == ()
    (x.sum(0) * 3).backward()
    assert x.grad.item() == 3.0


def test_sum_of_integers_and_bools_is_int64():
    assert mt.tensor([1, 2], dtype=mt.int32).sum().dtype == mt.int64
    assert mt.tensor([True, True, False]).sum().item() == 2
    with pytest.raises(RuntimeError, match="mean"):
        mt.tensor([1, 2]).mean()


def test_integer_division_and_int_float_promotion():
    i = mt.tensor([1, 2, 3])
    assert (i / 2).dtype == mt.float32 and (i / 2).tolist() == [0.5, 1.0, 1.5]
    assert (i * 2).dtype == mt.int64 and (i * 1.5).dtype == mt.float32
    assert (i + mt.tensor([0.5], dtype=mt.float64)).dtype == mt.float64
    assert (mt.ones(2) + mt.tensor(1.0, dtype=mt.float64)).dtype == mt.float32  # 0-d gives way
    assert (mt.tensor(1.0) + mt.tensor(1.0, dtype=mt.float64)).dtype == mt.float64


def test_softmax_rows_sum_to_one_and_handle_large_inputs():
    x = mt.tensor([[1000.0, 0.0, -1000.0], [1.0, 1.0, 1.0]])
    y = x.softmax(-1)
    np.testing.assert_allclose(y.sum(-1).numpy(), [1.0, 1.0], rtol=1e-6)
    assert np.isfinite(x.log_softmax(1).numpy()).all() and np.isfinite(x.logsumexp(1).numpy()).all()


def test_var_std_defaults_are_unbiased():
    x = mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64)
    assert x.var().item() == pytest.approx(np.var([1, 2, 3, 4], ddof=1))
    assert x.std(unbiased=False).item() == pytest.approx(np.std([1, 2, 3, 4]))
    assert x.var(correction=2).item() == pytest.approx(5.0 / 2)


def test_split_and_chunk_sizes_match_torch_rules():
    x = mt.arange(10)
    assert [t.shape[0] for t in x.split(3)] == [3, 3, 3, 1]
    assert [t.shape[0] for t in x.chunk(4)] == [3, 3, 3, 1]
    assert [t.shape[0] for t in mt.arange(6).chunk(4)] == [2, 2, 2]
    assert [t.tolist() for t in x.split([2, 8])] == [[0, 1], list(range(2, 10))]
    with pytest.raises(RuntimeError, match="sum exactly to 10"):
        x.split([2, 3])


def test_cat_promotes_dtypes_and_stack_adds_a_dim():
    a, b = mt.ones(2, dtype=mt.float32), mt.zeros(3, dtype=mt.float64)
    assert mt.cat([a, b]).dtype == mt.float64 and mt.cat([a, b]).tolist() == [1, 1, 0, 0, 0]
    assert mt.stack([a, a, a], dim=1).shape == (2, 3)


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.ones(2, 3) @ mt.ones(2, 3), RuntimeError, r"cannot be multiplied \(2x3 and 2x3\)"),
    (lambda: mt.ones(3) @ mt.tensor(2.0), RuntimeError, "at least 1D"),
    (lambda: mt.ones(2, 3) + mt.ones(4), RuntimeError,
     r"size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1"),
    (lambda: mt.maximum(mt.ones(2, 1, 3), mt.ones(4, 2)), RuntimeError, "non-singleton dimension 2"),
    (lambda: mt.where(mt.ones(3) > 0, mt.ones(2), 0.0), RuntimeError, "must match the size"),
    (lambda: mt.ones(3) < mt.ones(2), RuntimeError, "must match the size"),
    (lambda: mt.ones(2, 3, 4) @ mt.ones(3, 4, 5), RuntimeError, "non-singleton dimension 0"),
    (lambda: mt.ones(2, 3).reshape(4, 2), RuntimeError, r"shape '\[4, 2\]' is invalid for input of size 6"),
    (lambda: mt.ones(2, 3).reshape(-1, -1), RuntimeError, "only one dimension can be inferred"),
    (lambda: mt.ones(2, 3).permute(0, 0), RuntimeError, "duplicate dims"),
    (lambda: mt.ones(2, 3).permute(0), RuntimeError, "number of dimensions"),
    (lambda: mt.ones(2, 3).expand(4, 3), RuntimeError, r"expanded size of the tensor \(4\) must match"),
    (lambda: mt.ones(2, 3).sum(2), IndexError, "Dimension out of range"),
    (lambda: mt.ones(2, 3).unsqueeze(3), IndexError, "Dimension out of range"),
    (lambda: mt.ones(2)[5], IndexError, "out of bounds"),
    (lambda: mt.cat([mt.ones(2, 3), mt.ones(2, 4)]), RuntimeError, "Sizes of tensors must match"),
    (lambda: mt.cat([]), ValueError, "non-empty"),  # torch 2.13 raises ValueError here
    (lambda: mt.stack([mt.ones(2), mt.ones(3)]), RuntimeError, "entry 0 and .* at entry 1"),
    (lambda: mt.ones(2).clamp(), RuntimeError, "At least one of 'min' or 'max'"),
    (lambda: mt.ones(0).max(), RuntimeError, "numel\\(\\) == 0"),
    (lambda: mt.ones(2) + None, TypeError, "unsupported operand"),
    (lambda: mt.ones(2) - "a", TypeError, "unsupported operand"),
    (lambda: mt.add(mt.ones(2), None), TypeError,
     r"add\(\): argument 'other' \(position 2\) must be Tensor, not NoneType"),
    (lambda: mt.where(True, 1.0, 2.0), TypeError, "where\\(\\) received an invalid combination of arguments"),
    (lambda: mt.ones(3).masked_fill(mt.tensor([1, 0, 1]), 0.0), RuntimeError,  # PyTorch's C++ type name
     "^masked_fill_ only supports boolean masks, but got mask with dtype long int$"),
])
def test_bad_arguments_raise_pytorch_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_square_is_x_times_x_with_its_gradient():
    x = mt.tensor([-1.5, 0.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = x.square()
    np.testing.assert_array_equal(y.detach().numpy(), np.array([2.25, 0.0, 4.0]))
    y.backward(mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64))
    np.testing.assert_array_equal(x.grad.numpy(), np.array([-3.0, 0.0, 12.0]))


def test_matmul_of_two_dtypes_raises_like_torch():
    torch = pytest.importorskip("torch")
    for lib in (mt, torch):
        with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
            lib.ones(2, 3, dtype=lib.float64) @ lib.ones(3, 2)
        with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
            lib.ones(2, 3, dtype=lib.int64) @ lib.ones(3, 2)
        assert (lib.ones(2, 3) @ lib.ones(3, 2)).dtype == lib.float32


# ---------------------------------------------------------------------------- added PyTorch API
NEW_OP_ERRORS = [
    (lambda l: l.mm(l.ones(2, 3), l.ones(4, 5)), RuntimeError, r"cannot be multiplied \(2x3 and 4x5\)"),
    (lambda l: l.mm(l.ones(3), l.ones(3, 5)), RuntimeError, "self must be a matrix"),
    (lambda l: l.mm(l.ones(2, 3), l.ones(3)), RuntimeError, "mat2 must be a matrix"),
    (lambda l: l.mm(l.ones(2, 3), l.ones(3, 2, dtype=l.float64)), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda l: l.bmm(l.ones(2, 3), l.ones(2, 3, 5)), RuntimeError, "batch1 must be a 3D tensor"),
    (lambda l: l.bmm(l.ones(2, 2, 3), l.ones(2, 3)), RuntimeError, "batch2 must be a 3D tensor"),
    (lambda l: l.bmm(l.ones(2, 2, 3), l.ones(3, 3, 5)), RuntimeError,
     r"batch2 tensor to be: \[2, 3\] but got: \[3, 3\]"),
    (lambda l: l.bmm(l.ones(2, 2, 3), l.ones(2, 3, 5, dtype=l.float64)), RuntimeError,
     "expected scalar type Float but found Double"),
    (lambda l: l.ones(2, 3).repeat(2), RuntimeError, "can not be smaller than number of dimensions"),
    (lambda l: l.ones(2, 3).flip(0, 0), RuntimeError, "dim 0 appears multiple times"),
    (lambda l: l.ones(2, 3).flip(2), IndexError, "Dimension out of range"),
    (lambda l: l.ones(2, 3).unbind(2), IndexError, "Dimension out of range"),
    (lambda l: l.ones(2, 3).cumsum(2), IndexError, "Dimension out of range"),
    (lambda l: l.ones(2, 3).prod(2), IndexError, "Dimension out of range"),
    (lambda l: l.tensor([1, 2]).norm(), RuntimeError, "Expected a floating point .* Got Long"),
    (lambda l: l.tensor([5, -5]) // 0, RuntimeError, "ZeroDivisionError"),
    (lambda l: l.tensor([5, -5]) % 0, RuntimeError, "ZeroDivisionError"),
    (lambda l: (l.ones(2, requires_grad=True) // 2).sum().backward(), RuntimeError,
     "derivative for aten::floor_divide is not implemented"),
]


@pytest.mark.parametrize("case", range(len(NEW_OP_ERRORS)))
def test_added_ops_raise_like_torch(case):
    raises_like_torch(*NEW_OP_ERRORS[case])


def test_floor_divide_and_remainder_follow_python_signs():
    a, b = [7, -7, 7, -7], [2, 2, -2, -2]
    ta, tb = mt.tensor(a), mt.tensor(b)
    assert (ta // tb).tolist() == [x // y for x, y in zip(a, b)] and (ta // tb).dtype == mt.int64
    assert (ta % tb).tolist() == [x % y for x, y in zip(a, b)]
    assert (7 // mt.tensor([2, -2])).tolist() == [3, -4] and (7 % mt.tensor([2, -2])).tolist() == [1, -1]
    assert (mt.tensor([7.5]) // 2).dtype == mt.float32 and (mt.tensor([7]) // 2.5).tolist() == [2.0]
    x = mt.tensor([1.5, -2.5], requires_grad=True)
    y = mt.tensor([1.0, 2.0], requires_grad=True)
    (x % y).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0] and y.grad.tolist() == [-1.0, 2.0]


def test_integer_inputs_of_added_ops_follow_torch_dtypes():
    i = mt.tensor([1, 2, 3], dtype=mt.int32)
    assert i.prod().dtype == mt.int64 and i.prod().item() == 6
    assert i.cumsum(0).dtype == mt.int64 and i.cumsum(0).tolist() == [1, 3, 6]
    assert mt.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert i.floor().dtype == mt.int32 and i.round().tolist() == [1, 2, 3]
    assert i.sin().dtype == mt.float32 and i.reciprocal().dtype == mt.float32
    assert i.repeat(2).tolist() == [1, 2, 3, 1, 2, 3] and i.flip(0).tolist() == [3, 2, 1]
    assert mt.tensor(2.5).flip(0).item() == 2.5 and mt.tensor(4.0).norm().item() == 4.0


def test_flip_is_a_copy_and_round_halves_to_even():
    x = mt.tensor([1.0, 2.0, 3.0])
    y = x.flip(0)
    y.add_(1.0)
    assert x.tolist() == [1.0, 2.0, 3.0] and y.tolist() == [4.0, 3.0, 2.0]
    assert mt.tensor([0.5, 1.5, 2.5, -0.5, -1.5]).round().tolist() == [0.0, 2.0, 2.0, -0.0, -2.0]


def test_norm_and_prod_gradients_at_zero_match_torch():
    torch = pytest.importorskip("torch")
    for p in (2, "fro", 1, 3, float("inf")):
        x, t = mt.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
        x.norm(p).backward()
        t.norm(p).backward()
        assert x.grad.tolist() == t.grad.tolist(), p
    data = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    x, t = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    x.prod(1).sum().backward()
    t.prod(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("row", [[2.0, 0.0, 3.0, -1.5], [1.5, -2.0, 3.0, 0.5]])
def test_prod_second_derivative_matches_torch(rng, row):
    """Second derivatives of prod: with no zero, and with one zero in the slice."""
    torch = pytest.importorskip("torch")
    u = rng.standard_normal(4)
    x = mt.tensor(row, dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(x.prod(), x, create_graph=True)
    (g * mt.tensor(u)).sum().backward()
    t = torch.tensor(row, dtype=torch.float64, requires_grad=True)
    (gt,) = torch.autograd.grad(t.prod(), t, create_graph=True)
    (gt * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_second_derivatives_of_added_ops(rng):
    """Each backward is written with tensor ops, so gradgradcheck passes."""
    cases = [
        (lambda x: x.sin() * x.cos(), (3,)), (lambda x: (x * x + 1).rsqrt(), (3,)),
        (lambda x: (x * x + 1).reciprocal(), (3,)), (lambda x: x.cumsum(0) ** 2, (4,)),
        (lambda x: x.norm(dim=1), (2, 3)), (lambda x: x.erf(), (3,)),
        (lambda x: x.flip(0).repeat(2) ** 2, (3,)),
    ]
    for fn, shape in cases:
        x = mt.tensor(rng.standard_normal(shape), requires_grad=True)
        assert mt.autograd.gradgradcheck(fn, (x,))


def test_broadcast_error_names_the_last_mismatching_dimension_like_pytorch():
    with pytest.raises(RuntimeError, match=r"tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 1"):
        mt.ones(2, 3) + mt.ones(3, 2)


def test_index_out_of_range_says_dimension():
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        mt.ones(2)[5]


# ---------------------------------------------------------------------------- bad arguments, edge values
_SUB_BOOL = r"Subtraction, the `-` operator, with a bool tensor is not supported"
_SUB_BOOLS = r"Subtraction, the `-` operator, with two bool tensors is not supported"
BAD_ARGUMENTS = {  # call(lib) -> PyTorch's exception class and message
    "chunk_0d": (lambda lib: lib.tensor(1.0).chunk(2), RuntimeError, "chunk expects at least a 1-dim"),
    "split_0d": (lambda lib: lib.tensor(1.0).split([1]), RuntimeError, "split expects at least a 1-dim"),
    "split_negative": (lambda lib: lib.arange(6.0).split(-1, 5), RuntimeError,
                       "split expects split_size be non-negative, but got split_size=-1"),
    "split_bool": (lambda lib: lib.arange(6.0).split(True), TypeError, "split"),
    "split_sizes_negative": (lambda lib: lib.arange(6.0).split([-1, 7]), RuntimeError,
                             r"split_with_sizes expects split_sizes have only non-negative entries"),
    "chunk_bool": (lambda lib: lib.arange(6.0).chunk(True), TypeError, "must be int, not bool"),
    "expand_below_minus_one": (lambda lib: lib.zeros(2, 1).expand(2, -2), RuntimeError,
                               "numel: integer multiplication overflow"),
    "expand_minus_one_leading": (lambda lib: lib.zeros(2, 3).expand(-1, 2, 3), RuntimeError,
                                 r"size of the tensor \(-1\) isn't allowed in a leading, non-existing "
                                 r"dimension 0"),
    "index_select_float": (lambda lib: lib.zeros(2, 3).index_select(0, lib.tensor([0.0])), RuntimeError,
                           "index_select\\(\\): Expected dtype int32 or int64 for index"),
    "index_select_empty_float": (lambda lib: lib.zeros(2, 3).index_select(0, lib.zeros(0)), RuntimeError,
                                 "Expected dtype int32 or int64 for index"),
    "index_select_out_of_range": (lambda lib: lib.zeros(2, 3).index_select(0, lib.tensor([2])), IndexError,
                                  "index out of range in self"),
    "index_select_out_of_range_dim1": (lambda lib: lib.zeros(2, 3).index_select(1, lib.tensor([-1])),
                                       RuntimeError, "INDICES element is out of DATA bounds, id=-1 axis_dim"),
    "norm_bad_string": (lambda lib: lib.ones(2, 2).norm("abc", 5), RuntimeError,
                        "linalg.matrix_norm: Order abc not supported."),
    "norm_tuple": (lambda lib: lib.ones(2).norm((1, 2)), TypeError, "must be Number, not tuple"),
    "norm_integer_before_dim": (lambda lib: lib.ones(2, dtype=lib.int64).norm(2, 5), RuntimeError,
                                "Expected a floating point or complex tensor as input. Got Long"),
    "norm_empty_inf": (lambda lib: lib.zeros(0, 2).norm(float("inf")), RuntimeError,
                       "cannot compute the inf norm on an empty tensor"),
    "norm_empty_dim_inf": (lambda lib: lib.zeros(0, 2).norm(float("-inf"), 0), RuntimeError,
                           "cannot compute the -inf norm on the dimension 0because this dimension is empty"),
    "std_integer_first": (lambda lib: lib.arange(6).std(5), RuntimeError,
                          "std and var only support floating point and complex dtypes"),
    "std_bool_dim_with_keepdim": (lambda lib: lib.ones(3).std(True, keepdim=True), TypeError, "std"),
    "std_keepdim_none": (lambda lib: lib.ones(3).std(dim=0, keepdim=None), TypeError, "std"),
    "mean_dim_true": (lambda lib: lib.ones(3).mean(dim=True), TypeError, "mean"),
    "argmax_bool": (lambda lib: lib.tensor([True, False]).argmax(1), RuntimeError,
                    r"argmax\(\): does not support bool input"),
    "argmin_bool": (lambda lib: lib.tensor([True, False]).argmin(), RuntimeError,
                    r"argmin\(\): does not support bool input"),
    "pow_bool_tensors": (lambda lib: lib.tensor([True]) ** lib.tensor([True]), NotImplementedError,
                         "\"pow\" not implemented for 'Bool'"),
    "pow_past_uint64": (lambda lib: lib.ones(2) ** 2**64, OverflowError, "int too big to convert"),
    "pow_below_int64": (lambda lib: lib.ones(2).pow(-2**63 - 1), OverflowError,
                        "can't convert negative int to unsigned"),
    "pow_integer_past_int64": (lambda lib: lib.ones(2, dtype=lib.int64).pow(2**63), RuntimeError,
                               "value cannot be converted to type int64_t without overflow"),
    "pow_integer_negative": (lambda lib: lib.tensor([True]) ** -1, RuntimeError,
                             "Integers to negative integer powers are not allowed."),
    "sub_bool_tensors": (lambda lib: lib.tensor([True]) - lib.tensor([False]), RuntimeError, _SUB_BOOLS),
    "sub_bool_number": (lambda lib: lib.tensor([True]) - 1, RuntimeError, _SUB_BOOL),
    "rsub_bool": (lambda lib: 1 - lib.tensor([True]), RuntimeError, _SUB_BOOL),
    "sub_python_bool": (lambda lib: lib.ones(2) - True, RuntimeError, _SUB_BOOL),
    "sub_float_bool_mismatched_shapes": (lambda lib: lib.ones(2, 3) - lib.tensor([True, False]), RuntimeError,
                                         _SUB_BOOL),
    "isub_bool": (lambda lib: lib.ones(2).sub_(lib.tensor([True, False])), RuntimeError, _SUB_BOOL),
    "neg_bool": (lambda lib: -lib.tensor([True]), RuntimeError, "Negation, the `-` operator, on a bool"),
    "abs_bool": (lambda lib: lib.tensor([True]).abs(), NotImplementedError,
                 "\"abs_cpu\" not implemented for 'Bool'"),
    "compare_past_uint64": (lambda lib: lib.tensor([1], dtype=lib.uint8) != 2**70, OverflowError,
                            "int too big to convert"),
    "squeeze_none": (lambda lib: lib.ones(2, 1).squeeze(None), TypeError, "squeeze"),
    "max_none": (lambda lib: lib.ones(2).max(None), TypeError, "max"),
    "min_none": (lambda lib: lib.min(lib.ones(2), None), TypeError, "min"),
    "softmax_integer": (lambda lib: lib.arange(6).reshape(2, 3).softmax(0), NotImplementedError,
                        "\"softmax_kernel_impl\" not implemented for 'Long'"),
    "log_softmax_bool_last_dim": (lambda lib: lib.tensor([True]).log_softmax(0), NotImplementedError,
                                  "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Bool'"),
    "softmax_integer_dtype": (lambda lib: lib.ones(2).softmax(0, dtype=lib.int32), NotImplementedError,
                              "not implemented for 'Int'"),
    "to_a_dtype_name": (lambda lib: lib.ones(2).to("float32"), RuntimeError, "float32"),
    "to_negative_index": (lambda lib: lib.ones(2).to(-1), RuntimeError, "Device index must not be negative"),
    "to_past_int64": (lambda lib: lib.ones(2).to(-2**63 - 1), ValueError, "Overflow when unpacking long"),
    "to_float_and_dtype": (lambda lib: lib.ones(2).to(0.5, dtype=lib.int64), TypeError, "to"),
    "type_a_number": (lambda lib: lib.ones(2).type(0), TypeError, "dtype must be a type, str, or dtype"),
    "type_python_type": (lambda lib: lib.ones(2).type(float), ValueError, "invalid type: 'float'"),
    "matmul_empty_mismatch": (lambda lib: lib.zeros(2, 3, 0) @ lib.zeros(2, 2), RuntimeError,
                              r"mat1 and mat2 shapes cannot be multiplied \(6x0 and 2x2\)"),
    "clamp_integer_past_int64": (lambda lib: lib.ones(2, dtype=lib.int64).clamp(2**63), RuntimeError,
                                 "value cannot be converted to type int64_t without overflow"),
    "clamp_past_uint64": (lambda lib: lib.ones(2).clamp(max=2**64), OverflowError, "int too big to convert"),
    "clamp_uint8_range": (lambda lib: lib.ones(2, dtype=lib.uint8).clamp(300), RuntimeError,
                          "value cannot be converted to type uint8_t without overflow"),
    "sum_integer_dtype_with_grad": (lambda lib: lib.ones(2, requires_grad=True).sum(dtype=lib.int64),
                                    RuntimeError, "Autograd not support dtype: Long"),
    "split_size_read_before_dim": (lambda lib: lib.ones(2).split("a", 2**63), TypeError, "split"),
    "std_dim_read_before_dtype": (lambda lib: lib.arange(3).std(""), TypeError, "std"),
    "narrow_start_at_size": (lambda lib: lib.zeros(2, 3).narrow(1, 3, 1), RuntimeError,
                             r"start \(3\) \+ length \(1\) exceeds dimension size \(3\)\."),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_arguments_raise_like_torch(case):
    call, error, match = BAD_ARGUMENTS[case]
    raises_like_torch(call, error, match)


def _values(t):
    return t.dtype.name if isinstance(t.dtype, mt.dtype) else str(t.dtype).split(".")[-1], t.tolist()


EDGE_VALUES = {  # call(lib) -> the expected (dtype name, values), derived by hand
    "chunk_of_an_empty_dim": (lambda lib: [tuple(p.shape) for p in lib.zeros(0, 3).chunk(3)],
                              [(0, 3)] * 3),
    "split_zero_of_an_empty_dim": (lambda lib: [tuple(p.shape) for p in lib.zeros(0, 3).split(0)], [(0, 3)]),
    "mean_over_no_dims_reduces_all": (lambda lib: _values(lib.tensor([[1.0, 2.0], [3.0, 6.0]]).mean(())),
                                      ("float32", 3.0)),
    "sum_over_no_dims_reduces_all": (lambda lib: _values(lib.tensor([[1.0, 2.0], [3.0, 6.0]]).sum([])),
                                     ("float32", 12.0)),
    "std_over_no_dims_reduces_all": (lambda lib: _values(lib.tensor([1.0, 2.0, 3.0]).std(dim=())),
                                     ("float32", 1.0)),
    "std_of_1e30_in_float32": (lambda lib: _values(lib.tensor([1e30, 0.0]).std(unbiased=False)),
                               ("float32", pytest.approx(5e29, rel=1e-6))),
    "std_nan_correction_is_inf": (lambda lib: _values(lib.tensor([0.0, 2.0]).std(correction=float("nan"))),
                                  ("float32", math.inf)),
    "pow_bool_int": (lambda lib: _values(lib.tensor([True, False]) ** 2), ("int64", [1, 0])),
    "pow_bool_bool": (lambda lib: _values(lib.tensor([True, False]).pow(False)), ("bool", [True, True])),
    "pow_uint8_wraps": (lambda lib: _values(lib.tensor([2, 3], dtype=lib.uint8) ** 9), ("uint8", [0, 227])),
    "uint8_not_minus_one": (lambda lib: _values(lib.tensor([1, 255], dtype=lib.uint8) != -1),
                            ("bool", [True, False])),  # -1 becomes 255, as a C cast
    "uint8_plus_300_wraps": (lambda lib: _values(lib.tensor([1, 2], dtype=lib.uint8) + 300),
                             ("uint8", [45, 46])),
    "bool_not_minus_one": (lambda lib: _values(lib.tensor([True, False]) != -1), ("bool", [True, True])),
    "norm_none_is_two_norm": (lambda lib: _values(lib.tensor([3.0, 4.0]).norm(None)), ("float32", 5.0)),
    "norm_over_no_dims": (lambda lib: _values(lib.tensor([[3.0], [4.0]]).norm(1, dim=())), ("float32", 7.0)),
    "norm_nan_p_of_one_element": (lambda lib: _values(lib.tensor([[-0.5], [0.25]]).norm(float("nan"), 1)),
                                  ("float32", [0.5, 0.25])),
    "norm_nuclear": (lambda lib: _values(lib.tensor([[3.0, 0.0], [0.0, -4.0]]).norm("nuc")),
                     ("float32", 7.0)),
    "softmax_of_an_empty_integer_tensor": (lambda lib: _values(lib.zeros(0, dtype=lib.int64).softmax(0)),
                                           ("int64", [])),
    "to_a_float_is_float64": (lambda lib: _values(lib.ones(1).to(0.5)), ("float64", [1.0])),
    "to_a_bool_is_bool": (lambda lib: _values(lib.ones(1).to(True)), ("bool", [True])),
    "clamp_uint8_minus_one_wraps": (lambda lib: _values(lib.tensor([1, 2], dtype=lib.uint8).clamp(-1)),
                                    ("uint8", [255, 255])),
}


@pytest.mark.filterwarnings("ignore::UserWarning")  # var()'s degrees-of-freedom warning
@pytest.mark.parametrize("case", sorted(EDGE_VALUES))
def test_edge_values_match_torch(case):
    call, expected = EDGE_VALUES[case]
    assert call(mt) == expected
    try:
        import torch
    except ImportError:
        return
    assert call(torch) == expected


def test_nuclear_norm_gradient(rng):
    x = rng.standard_normal((2, 3, 4))
    check_grad(lambda t: t.norm("nuc", dim=(0, 2), keepdim=True), [x], rng)
    torch = pytest.importorskip("torch")
    check_torch(torch, lambda lib, t: t.norm("nuc", dim=(2, 0)), [x], rng)
