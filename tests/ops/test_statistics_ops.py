"""Statistics and scans (ops/statistics.py, ops/scan.py): values, dtypes, indices, NaN and tie
rules and errors against PyTorch where installed; float64 gradients against PyTorch's (random
upstream gradient) and ``gradcheck`` here, including cumprod's gradient at zeros and its own
gradient (``gradgradcheck``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch_conv as mt

RNG = np.random.default_rng(11)
NAN = float("nan")
A = RNG.standard_normal((4, 5))
V = RNG.standard_normal(7)
T3 = RNG.standard_normal((2, 3, 4))
INTS = RNG.integers(0, 4, (3, 6))
WITH_NAN = np.array([[1.0, NAN, 3.0, 4.0, 2.0], [2.0, 1.0, 2.0, 2.0, 0.5], [NAN, NAN, NAN, 1.0, 0.0]])
ALL_NAN = np.array([[NAN, NAN], [1.0, NAN]])
ZEROS = np.array([[2.0, 0.0, 3.0, 0.5, 0.0, 1.5], [1.5, -2.0, 0.0, 4.0, 1.0, 0.5],
                  [0.7, 1.2, -0.4, 2.0, 1.1, 0.9]])
SORTED = np.array([-1.0, 0.0, 0.5, 2.0, 2.0, 7.0])
ROWS = np.array([[3, 2, 3], [1, 2, 1], [3, 2, 3], [0, 5, 0]])

# name -> (function of (library, *tensors), inputs): outputs compared value by value, dtype by dtype
VALUES = {
    "median": (lambda lib, x: lib.median(x), [A]),
    "median_even_count": (lambda lib, x: x.median(), [V[:6]]),
    "median_int": (lambda lib, x: x.median(), [INTS]),
    "median_dim": (lambda lib, x: lib.median(x, 1), [A]),
    "median_dim_keepdim": (lambda lib, x: x.median(0, keepdim=True), [A]),
    "median_dim_int_ties": (lambda lib, x: x.median(dim=1), [np.array([[2, 1, 2, 1], [5, 5, 1, 1]])]),
    "median_nan": (lambda lib, x: x.median(), [WITH_NAN]),
    "median_nan_dim": (lambda lib, x: x.median(1), [WITH_NAN]),
    "median_empty": (lambda lib, x: x.median(), [np.zeros(0)]),
    "median_empty_int": (lambda lib, x: x.median(), [np.zeros(0, dtype=np.int32)]),
    "median_zero_d": (lambda lib, x: x.median(0), [np.array(2.5)]),
    "median_empty_rows": (lambda lib, x: x.median(1), [np.zeros((0, 3))]),
    "nanmedian": (lambda lib, x: x.nanmedian(), [WITH_NAN]),
    "nanmedian_dim": (lambda lib, x: lib.nanmedian(x, 1), [WITH_NAN]),
    "nanmedian_all_nan": (lambda lib, x: x.nanmedian(1), [ALL_NAN]),
    "nanmedian_whole_all_nan": (lambda lib, x: x.nanmedian(), [np.array([NAN, NAN])]),
    "kthvalue": (lambda lib, x: lib.kthvalue(x, 3), [A]),
    "kthvalue_dim0_keepdim": (lambda lib, x: x.kthvalue(2, 0, True), [A]),
    "kthvalue_nan": (lambda lib, x: x.kthvalue(5, 1),
                     [np.array([[1.0, NAN, 3.0, 4.0, 2.0], [NAN, 0.5, 2.0, 1.0, 3.0]])]),
    "kthvalue_int": (lambda lib, x: x.kthvalue(1, 0), [INTS * 100 + np.arange(18).reshape(3, 6)]),
    "mode": (lambda lib, x: lib.mode(x), [INTS]),
    "mode_dim0": (lambda lib, x: x.mode(0), [INTS]),
    "mode_ties": (lambda lib, x: x.mode(),
                  [np.array([[3, 1, 3, 1, 2], [1, 3, 1, 3, 2], [4, 4, 4, 4, 4]])]),
    "mode_float_keepdim": (lambda lib, x: x.mode(1, True), [np.round(A * 2) / 2]),
    "mode_nan": (lambda lib, x: x.mode(), [np.array([[1.0, NAN, NAN, 2.0], [NAN, NAN, NAN, NAN]])]),
    "mode_bool": (lambda lib, x: x.mode(), [np.array([True, False, True])]),
    "quantile": (lambda lib, x: lib.quantile(x, 0.3), [A]),
    "quantile_dim": (lambda lib, x: x.quantile(x.new_tensor([0.0, 0.25, 0.6, 1.0]), dim=1), [A]),
    "quantile_keepdim": (lambda lib, x: x.quantile(x.new_tensor([0.1, 0.5]), dim=0, keepdim=True), [T3]),
    "quantile_whole_keepdim": (lambda lib, x: x.quantile(0.75, keepdim=True), [T3]),
    "quantile_nan": (lambda lib, x: x.quantile(0.5, dim=1), [WITH_NAN]),
    "nanquantile": (lambda lib, x: lib.nanquantile(x, x.new_tensor([0.2, 0.9]), 1), [WITH_NAN]),
    "quantile_float32": (lambda lib, x: x.quantile(0.37, dim=0), [A.astype(np.float32)]),
    "aminmax": (lambda lib, x: lib.aminmax(x), [A]),
    "aminmax_dim": (lambda lib, x: x.aminmax(dim=1, keepdim=True), [INTS]),
    "aminmax_bool": (lambda lib, x: x.aminmax(dim=0), [INTS > 1]),
    "aminmax_nan": (lambda lib, x: x.aminmax(dim=1), [WITH_NAN]),
    "count_nonzero": (lambda lib, x: lib.count_nonzero(x), [INTS]),
    "count_nonzero_dims": (lambda lib, x: x.count_nonzero((0, -1)), [T3 > 0]),
    "count_nonzero_nan": (lambda lib, x: lib.count_nonzero(x, 1), [WITH_NAN]),
    "var_mean": (lambda lib, x: lib.var_mean(x, 1), [A]),
    "var_mean_unbiased": (lambda lib, x: lib.var_mean(x, False), [A]),
    "var_mean_correction": (lambda lib, x: lib.var_mean(x, (0, 2), correction=2, keepdim=True), [T3]),
    "std_mean": (lambda lib, x: lib.std_mean(x), [A.astype(np.float32)]),
    "std_mean_dim": (lambda lib, x: lib.std_mean(x, [1], True, True), [T3]),
    "nansum": (lambda lib, x: lib.nansum(x), [WITH_NAN]),
    "nansum_dim": (lambda lib, x: x.nansum(1, keepdim=True), [WITH_NAN]),
    "nansum_int": (lambda lib, x: x.nansum(0), [INTS.astype(np.int32)]),
    "nansum_dtype": (lambda lib, x: x.nansum(dtype=lib.int64), [WITH_NAN]),
    "nanmean": (lambda lib, x: lib.nanmean(x), [WITH_NAN]),
    "nanmean_dim": (lambda lib, x: x.nanmean(1), [WITH_NAN]),
    "cov": (lambda lib, x: lib.cov(x), [A]),
    "cov_int": (lambda lib, x: lib.cov(x), [INTS]),
    "cov_vector": (lambda lib, x: x.cov(correction=0), [V]),
    "cov_weights": (lambda lib, x, f, w: lib.cov(x, fweights=f, aweights=w),
                    [A, np.array([1, 2, 0, 3, 1]), np.array([0.5, 1.0, 2.0, 0.1, 0.3])]),
    "corrcoef": (lambda lib, x: lib.corrcoef(x), [A]),
    "corrcoef_vector": (lambda lib, x: x.corrcoef(), [V]),
    "histc": (lambda lib, x: lib.histc(x, bins=7), [A.astype(np.float32)]),
    "histc_range": (lambda lib, x: x.histc(4, -1, 1), [V]),
    "histc_constant": (lambda lib, x: x.histc(4), [np.ones(3)]),
    "histc_empty": (lambda lib, x: x.histc(3), [np.zeros(0)]),
    "histc_edges": (lambda lib, x: x.histc(3, 0, 3), [np.array([0.0, 1.0, 2.0, 3.0, 3.5, -0.1])]),
    "bincount": (lambda lib, x: lib.bincount(x), [INTS.reshape(-1)]),
    "bincount_minlength": (lambda lib, x: x.bincount(minlength=9), [INTS.reshape(-1).astype(np.uint8)]),
    "bincount_weights": (lambda lib, x, w: x.bincount(w), [INTS[0], V[:6]]),
    "bincount_weights32": (lambda lib, x, w: x.bincount(w), [INTS[0], V[:6].astype(np.float32)]),
    "bincount_int_weights": (lambda lib, x, w: x.bincount(w), [INTS[0], INTS[1]]),
    "bincount_empty": (lambda lib, x: lib.bincount(x, minlength=3), [np.zeros(0, dtype=np.int64)]),
    "unique": (lambda lib, x: lib.unique(x), [INTS]),
    "unique_all": (lambda lib, x: x.unique(True, True, True), [INTS]),
    "unique_unsorted": (lambda lib, x: lib.unique(x, sorted=False, return_inverse=True),
                        [np.array([3, 2, 1, 2, 5])]),
    "unique_nan": (lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True),
                   [np.array([3.0, NAN, 1.0, NAN, 3.0])]),
    "unique_dim0": (lambda lib, x: lib.unique(x, dim=0, return_inverse=True, return_counts=True), [ROWS]),
    "unique_dim1": (lambda lib, x: lib.unique(x, dim=1, return_inverse=True, return_counts=True), [ROWS]),
    "unique_zero_d": (lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True), [np.array(3)]),
    "unique_empty_dim": (lambda lib, x: lib.unique(x, dim=0, return_inverse=True, return_counts=True),
                         [np.zeros((0, 3))]),
    "unique_bool": (lambda lib, x: lib.unique(x, return_counts=True), [INTS > 1]),
    "unique_consecutive": (lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True),
                           [np.array([1.0, 1.0, NAN, NAN, 2.0, 1.0])]),
    "unique_consecutive_dim": (lambda lib, x: x.unique_consecutive(return_counts=True, dim=0),
                               [np.array([[1, 1], [1, 1], [2, 1], [1, 1]])]),
    "searchsorted": (lambda lib, s, v: lib.searchsorted(s, v),
                     [SORTED, np.array([[2.0, -5.0], [0.25, 9.0]])]),
    "searchsorted_right": (lambda lib, s, v: lib.searchsorted(s, v, right=True), [SORTED, SORTED]),
    "searchsorted_side": (lambda lib, s, v: lib.searchsorted(s, v, side="right", out_int32=True),
                          [SORTED, SORTED]),
    "searchsorted_scalar": (lambda lib, s: lib.searchsorted(s, 2), [SORTED]),
    "searchsorted_float_scalar_int_seq": (lambda lib, s: lib.searchsorted(s, 2.5), [np.array([1, 2, 3])]),
    "searchsorted_nd": (lambda lib, s, v: lib.searchsorted(s, v, right=True),
                        [np.sort(INTS, axis=1).astype(np.float64), np.array([[0, 1.5], [2, 3], [3, 0]])]),
    "searchsorted_sorter": (lambda lib, s, v, o: lib.searchsorted(s, v, sorter=o),
                            [np.array([3.0, 1.0, 2.0]), np.array([1.0, 2.5]), np.array([1, 2, 0])]),
    "searchsorted_nan": (lambda lib, s, v: lib.searchsorted(s, v),
                         [np.array([1.0, 2.0, NAN]), np.array([NAN, 2.0, 5.0])]),
    # where NaN ends the sequence the answer depends on where the binary search probes: PyTorch's
    "searchsorted_nan_probes": (lambda lib, s, v: lib.searchsorted(s, v, right=True),
                                [np.array([1.0, 2.0, NAN, NAN, NAN]), np.array([0.0, 1.0, 2.0, 3.0])]),
    "searchsorted_empty_sequence": (lambda lib, s, v: lib.searchsorted(s, v), [np.zeros((2, 0)), A[:2, :3]]),
    "searchsorted_empty_values": (lambda lib, s, v: lib.searchsorted(s, v), [SORTED, np.zeros((0, 2))]),
    "aminmax_empty_kept": (lambda lib, x: x.aminmax(dim=0), [np.zeros((2, 0))]),
    "searchsorted_mixed": (lambda lib, s, v: lib.searchsorted(s, v),
                           [np.array([1, 2, 3]), np.array([2.5, 2.0])]),
    "bucketize": (lambda lib, v, b: lib.bucketize(v, b),
                  [np.array([[1, 5], [3, 9]]), np.array([1, 3, 5, 7, 9])]),
    "bucketize_right": (lambda lib, v, b: lib.bucketize(v, b, right=True, out_int32=True),
                        [np.array([[1, 5], [3, 9]]), np.array([1, 3, 5, 7, 9])]),
    "bucketize_scalar": (lambda lib, b: lib.bucketize(3, b), [np.array([1, 3, 5, 7, 9])]),
    "isin": (lambda lib, x, t: lib.isin(x, t), [INTS, np.array([1.0, 3.5])]),
    "isin_invert": (lambda lib, x, t: lib.isin(x, t, invert=True), [INTS, np.array([0, 2])]),
    "isin_nan": (lambda lib, x, t: lib.isin(x, t), [np.array([1.0, NAN]), np.array([NAN, 1.0])]),
    "isin_scalar_test": (lambda lib, x: lib.isin(x, 2), [INTS]),
    "isin_scalar_test_float": (lambda lib, x: lib.isin(x, 2.5), [INTS]),
    "isin_scalar_element": (lambda lib, t: lib.isin(2, t), [np.array([2.0, 3.5])]),
    # scans
    "cumprod": (lambda lib, x: lib.cumprod(x, 1), [A]),
    "cumprod_int": (lambda lib, x: x.cumprod(0), [INTS.astype(np.int32)]),
    "cumprod_bool": (lambda lib, x: x.cumprod(1), [INTS > 0]),
    "cumprod_dtype": (lambda lib, x: x.cumprod(1, dtype=lib.float64), [INTS]),
    "cumprod_zero_d": (lambda lib, x: x.cumprod(-1), [np.array(3.0)]),
    "cummax": (lambda lib, x: lib.cummax(x, 1), [A]),
    "cummax_ties": (lambda lib, x: x.cummax(1), [INTS]),
    "cummax_nan": (lambda lib, x: x.cummax(1), [WITH_NAN]),
    "cummax_bool": (lambda lib, x: x.cummax(0), [np.array([True, False, True])]),
    "cummin": (lambda lib, x: lib.cummin(x, 0), [A]),
    "cummin_ties": (lambda lib, x: x.cummin(-1), [INTS]),
    "cummin_nan": (lambda lib, x: x.cummin(1), [WITH_NAN]),
    "cummax_empty": (lambda lib, x: x.cummax(0), [np.zeros(0)]),
    "logcumsumexp": (lambda lib, x: lib.logcumsumexp(x, 1), [A * 30]),
    "logcumsumexp_extremes": (lambda lib, x: x.logcumsumexp(0),
                              [np.array([-1000.0, 0.0, 700.0, -np.inf, 800.0, np.inf, NAN])]),
    "logcumsumexp_minus_inf": (lambda lib, x: x.logcumsumexp(0), [np.array([-np.inf, -np.inf, 1.0])]),
    "logcumsumexp_float32": (lambda lib, x: x.logcumsumexp(0), [T3.astype(np.float32)]),
    "diff": (lambda lib, x: lib.diff(x), [A]),
    "diff_n2_dim0": (lambda lib, x: x.diff(2, 0), [A]),
    "diff_too_many": (lambda lib, x: x.diff(9), [INTS]),
    "diff_bool": (lambda lib, x: x.diff(), [INTS > 1]),
    "diff_prepend_append": (lambda lib, x, p, q: lib.diff(x, 1, 0, p, q), [INTS, INTS[:1] * 1.5, INTS[:2]]),
    "diff_n0": (lambda lib, x, p: lib.diff(x, 0, prepend=p), [A, A[:, :1]]),
    "trapezoid": (lambda lib, y: lib.trapezoid(y), [A]),
    "trapezoid_int": (lambda lib, y: lib.trapezoid(y, dx=2), [INTS]),
    "trapezoid_x": (lambda lib, y, x: lib.trapezoid(y, x, dim=0), [A, np.array([0.0, 1.0, 3.0, 3.5])]),
    "trapezoid_x_nd": (lambda lib, y, x: lib.trapezoid(y, x), [A, np.cumsum(np.abs(A), 1)]),
    "trapezoid_empty": (lambda lib, y: lib.trapezoid(y), [np.zeros((2, 0))]),
    "trapz": (lambda lib, y, x: lib.trapz(y, x), [A, np.arange(5.0) ** 2]),
    "trapz_dx": (lambda lib, y: lib.trapz(y, dx=0.5, dim=0), [A]),
    "cumulative_trapezoid": (lambda lib, y: lib.cumulative_trapezoid(y), [A]),
    "cumulative_trapezoid_x": (lambda lib, y, x: lib.cumulative_trapezoid(y, x, dim=0),
                               [A, np.array([0.0, 1.0, 3.0, 3.5])]),
    "cumulative_trapezoid_int": (lambda lib, y: lib.cumulative_trapezoid(y, dx=0.5), [INTS]),
}


def _tensors(lib, inputs):
    return [lib.tensor(x) if isinstance(x, np.ndarray) else x for x in inputs]


def _flat(out):
    return [x for item in out for x in _flat(item)] if isinstance(out, (tuple, list)) else [out]


@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_and_dtypes_match_pytorch(name):
    torch = pytest.importorskip("torch")
    fn, inputs = VALUES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = fn(mt, *_tensors(mt, inputs)), fn(torch, *_tensors(torch, inputs))
    assert type(ours) is not tuple or type(theirs) is tuple, "PyTorch returns a plain tuple here"
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.dtype.name == str(t.dtype).split(".")[-1], (o.dtype, t.dtype)
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), equal_nan=True,
                                   **({"rtol": 1e-6, "atol": 1e-6} if t.dtype == torch.float32
                                      else {"rtol": 1e-12, "atol": 1e-12}))


def test_named_results_read_like_pytorchs():
    x = mt.tensor([[1.0, 5.0], [3.0, 4.0]])
    values, indices = x.median(1)
    assert x.median(1).values is not None and x.kthvalue(1, 0).indices.tolist() == [0, 1]
    assert values.tolist() == [1.0, 3.0] and indices.tolist() == [0, 0]
    assert x.aminmax().min.item() == 1.0 and x.aminmax().max.item() == 5.0
    assert x.cummax(0).indices.tolist() == [[0, 0], [1, 0]]


# ---------------------------------------------------------------------------------------- gradients
# differentiable cases (float64, no ties where the tie rule is unspecified)
GRADS = {
    "median": lambda lib, x: x.median(),
    "median_dim": lambda lib, x: x.median(1).values,
    "nanmedian_dim": lambda lib, x: lib.nanmedian(x, 0, keepdim=True).values,
    "kthvalue": lambda lib, x: x.kthvalue(2, 0).values,
    "mode": lambda lib, x: lib.mode((x * 2).round() / 2).values,
    "quantile": lambda lib, x: lib.quantile(x, x.new_tensor([0.1, 0.5, 0.93]), dim=1),
    "quantile_midpoint": lambda lib, x: x.quantile(0.4, interpolation="midpoint"),
    "quantile_nearest": lambda lib, x: x.quantile(x.new_tensor([0.3, 0.6]), dim=0, interpolation="nearest"),
    "nanquantile": lambda lib, x: lib.nanquantile(x.where(x > -1, x.new_tensor(NAN)), 0.4, dim=1),
    "aminmax": lambda lib, x: lib.aminmax(x, dim=0).max * 2 + lib.aminmax(x, dim=0).min,
    "var_mean": lambda lib, x: lib.var_mean(x, 1)[0] * 3 + lib.var_mean(x, 1)[1],
    "std_mean": lambda lib, x: lib.std_mean(x, 0, correction=0)[0] - lib.std_mean(x, 0, correction=0)[1] * 2,
    "nansum": lambda lib, x: lib.nansum(x.where(x > 0, x.new_tensor(NAN)), 1),
    "nanmean": lambda lib, x: lib.nanmean(x.where(x > 0, x.new_tensor(NAN)), 0),
    "cov": lambda lib, x: lib.cov(x),
    "cov_aweights": lambda lib, x: lib.cov(x[:3], aweights=x[3].abs()),
    "corrcoef": lambda lib, x: lib.corrcoef(x),
    "cumprod": lambda lib, x: x.cumprod(1),
    "cumprod_zeros": lambda lib, x: (x * (x.abs() > 0.5)).cumprod(1),
    "cummax": lambda lib, x: x.cummax(1).values,
    "cummin": lambda lib, x: lib.cummin(x, 0).values,
    "logcumsumexp": lambda lib, x: lib.logcumsumexp(x * 10, 1),
    "diff": lambda lib, x: lib.diff(x, 2, 0, append=x[:1] * 3),
    "trapezoid": lambda lib, x: lib.trapezoid(x, x[0].cumsum(0)),
    "trapezoid_dx": lambda lib, x: lib.trapezoid(x, dx=0.3, dim=0),
    "cumulative_trapezoid": lambda lib, x: lib.cumulative_trapezoid(x, x[0].abs().cumsum(0)),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    fn = GRADS[name]
    ours_in = mt.tensor(A, requires_grad=True)
    theirs_in = torch.tensor(A, requires_grad=True)
    ours, theirs = fn(mt, ours_in), fn(torch, theirs_in)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradcheck(name):
    fn = GRADS[name]
    x = mt.tensor(A, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: fn(mt, t), (x,))


def test_median_gradient_is_shared_by_ties():
    torch = pytest.importorskip("torch")
    data = np.array([1.0, 2.0, 2.0, 2.0, 3.0, NAN])
    for finite in (data[:5], data):
        ours, theirs = mt.tensor(finite, requires_grad=True), torch.tensor(finite, requires_grad=True)
        ours.median().backward()
        theirs.median().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert mt.tensor(data[:5]).median().item() == 2.0


def test_cumprod_gradient_at_zeros_and_its_own_gradient():
    torch = pytest.importorskip("torch")
    data = np.array([[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, 2.0, -1.0, 0.5], [1.0, 2.0, 3.0, 0.0, 0.0]])
    ours, theirs = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    upstream = RNG.standard_normal(data.shape)
    (g_ours,) = mt.autograd.grad(ours.cumprod(1), ours, mt.tensor(upstream), create_graph=True)
    (g_theirs,) = torch.autograd.grad(theirs.cumprod(1), theirs, torch.tensor(upstream), create_graph=True)
    np.testing.assert_allclose(g_ours.detach().numpy(), g_theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    second = RNG.standard_normal(data.shape)
    (gg_ours,) = mt.autograd.grad(g_ours, ours, mt.tensor(second))
    (gg_theirs,) = torch.autograd.grad(g_theirs, theirs, torch.tensor(second))
    np.testing.assert_allclose(gg_ours.numpy(), gg_theirs.numpy(), rtol=1e-12, atol=1e-12)
    x = mt.tensor(ZEROS, requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: t.cumprod(1), (x,))


def test_logcumsumexp_second_derivative():
    x = mt.tensor(A, requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: mt.logcumsumexp(t, 1), (x,))


def test_cumprod_in_place():
    x = mt.tensor([[1, 2, 3], [2, 2, 2]], dtype=mt.int32)
    assert x.cumprod_(1) is x
    assert x.tolist() == [[1, 2, 6], [2, 4, 8]] and x.dtype == mt.int32


def test_integer_outputs_have_no_gradient():
    x = mt.tensor(A, requires_grad=True)
    assert not mt.unique(x).requires_grad and not x.histc(4).requires_grad
    assert not x.count_nonzero().requires_grad and not mt.searchsorted(x[0].sort().values, x).requires_grad
    values, indices = x.median(1)
    assert values.requires_grad and values.grad_fn.name() == "MedianBackward1" and not indices.requires_grad


# ------------------------------------------------------------------------------------------- errors
ERRORS = {
    "median_bool": lambda lib: lib.tensor([True, False]).median(),
    "median_dim_bool": lambda lib: lib.tensor([True, False]).median(0),
    "median_empty_dim": lambda lib: lib.zeros(0, 3).median(0),
    "median_dim_range": lambda lib: lib.zeros(2, 3).median(2),
    "kthvalue_range": lambda lib: lib.zeros(3).kthvalue(4),
    "kthvalue_zero": lambda lib: lib.zeros(3).kthvalue(0),
    "mode_empty_dim": lambda lib: lib.zeros(2, 0).mode(1),
    "quantile_empty": lambda lib: lib.quantile(lib.zeros(0), 0.5),
    "quantile_q_range": lambda lib: lib.quantile(lib.zeros(3), 1.5),
    "quantile_q_tensor_range": lambda lib: lib.quantile(lib.zeros(3), lib.tensor([0.5, -0.1])),
    "quantile_int": lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5),
    "quantile_q_dtype": lambda lib: lib.quantile(lib.zeros(3), lib.tensor([0.5], dtype=lib.float64)),
    "quantile_q_2d": lambda lib: lib.quantile(lib.zeros(3), lib.zeros(1, 1)),
    "quantile_interpolation": lambda lib: lib.quantile(lib.zeros(3), 0.5, interpolation="cubic"),
    "aminmax_empty": lambda lib: lib.zeros(0).aminmax(),
    "aminmax_empty_dim": lambda lib: lib.zeros(2, 0).aminmax(dim=1),
    "count_nonzero_repeat": lambda lib: lib.count_nonzero(lib.zeros(2, 2), (0, -2)),
    "var_mean_int": lambda lib: lib.var_mean(lib.tensor([1, 2])),
    "std_mean_int": lambda lib: lib.std_mean(lib.tensor([1, 2])),
    "nanmean_int": lambda lib: lib.tensor([1, 2]).nanmean(),
    "cov_3d": lambda lib: lib.cov(lib.zeros(2, 2, 2)),
    "cov_bool": lambda lib: lib.cov(lib.tensor([True, False])),
    "cov_fweights_float": lambda lib: lib.cov(lib.zeros(2, 3), fweights=lib.ones(3)),
    "cov_fweights_negative": lambda lib: lib.cov(lib.zeros(2, 3), fweights=lib.tensor([1, -1, 1])),
    "cov_aweights_size": lambda lib: lib.cov(lib.zeros(2, 3), aweights=lib.ones(2)),
    "cov_weights_zero": lambda lib: lib.cov(lib.zeros(2, 3), fweights=lib.tensor([0, 0, 0])),
    "histc_int": lambda lib: lib.histc(lib.tensor([1, 2])),
    "histc_bins": lambda lib: lib.histc(lib.zeros(3), bins=0),
    "histc_min_max": lambda lib: lib.histc(lib.zeros(3), 4, 3, 1),
    "histc_infinite": lambda lib: lib.histc(lib.tensor([1.0, float("inf")]), 4),
    "bincount_float": lambda lib: lib.bincount(lib.tensor([1.0])),
    "bincount_negative": lambda lib: lib.bincount(lib.tensor([1, -1])),
    "bincount_2d": lambda lib: lib.bincount(lib.tensor([[1]])),
    "bincount_minlength": lambda lib: lib.bincount(lib.tensor([1]), minlength=-1),
    "bincount_weights": lambda lib: lib.bincount(lib.tensor([1, 2]), lib.ones(3)),
    "unique_zero_sized": lambda lib: lib.unique(lib.zeros(2, 0), dim=0),
    "unique_dim_range": lambda lib: lib.unique(lib.zeros(2, 2), dim=2),
    "searchsorted_side": lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2), side="middle"),
    "searchsorted_side_right": lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2), side="left",
                                                            right=True),
    "searchsorted_shapes": lambda lib: lib.searchsorted(lib.zeros(2, 3), lib.zeros(3, 1)),
    "searchsorted_zero_d": lambda lib: lib.searchsorted(lib.tensor(2.0), lib.zeros(2)),
    "searchsorted_sorter_dtype": lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2),
                                                              sorter=lib.tensor([0, 1, 2], dtype=lib.int32)),
    "searchsorted_sorter_range": lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2),
                                                              sorter=lib.tensor([0, 1, 3])),
    "searchsorted_bool": lambda lib: lib.searchsorted(lib.tensor([False, True]), lib.tensor([True])),
    "bucketize_2d": lambda lib: lib.bucketize(lib.zeros(2), lib.zeros(1, 3)),
    "isin_bool": lambda lib: lib.isin(lib.tensor([True]), lib.tensor([1])),
    "logcumsumexp_int": lambda lib: lib.tensor([1, 2]).logcumsumexp(0),
    "cumprod_dim": lambda lib: lib.zeros(2).cumprod(1),
    "cummax_dim": lambda lib: lib.zeros(2).cummax(-2),
    "diff_zero_d": lambda lib: lib.diff(lib.tensor(1.0)),
    "diff_order": lambda lib: lib.diff(lib.zeros(3), -1),
    "diff_prepend_dims": lambda lib: lib.diff(lib.zeros(3), prepend=lib.tensor(1.0)),
    "trapezoid_x_size": lambda lib: lib.trapezoid(lib.zeros(3), lib.zeros(2)),
    "trapezoid_zero_d": lambda lib: lib.trapezoid(lib.tensor(1.0)),
    "trapezoid_bool": lambda lib: lib.trapezoid(lib.tensor([True, False])),
    "median_dim_type": lambda lib: lib.zeros(3).median(1.0),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_raise_pytorchs_class(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    with pytest.raises(theirs.type):
        ERRORS[name](mt)


def test_cov_warns_when_degrees_of_freedom_run_out():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        out = mt.cov(mt.tensor([[1.0, 3.0, 2.0]]), correction=5)
    assert out.item() == float("inf")


# ------------------------------------------------------------------------------------------- CuPy
NEEDS_CUDA = pytest.mark.skipif(not mt.cuda.is_available(), reason="needs a CUDA GPU (CuPy)")


def _on_cuda(values):
    return [v.to("cuda") if isinstance(v, mt.Tensor) else v for v in values]


@NEEDS_CUDA
@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_on_cuda_match_the_cpu(name):
    fn, inputs = VALUES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cpu = _flat(fn(mt, *_tensors(mt, inputs)))
        gpu = _flat(fn(mt, *_on_cuda(_tensors(mt, inputs))))
    for c, g in zip(cpu, gpu):
        assert g.device.type == "cuda" and g.dtype == c.dtype and tuple(g.shape) == tuple(c.shape)
        atol = 1e-6 if c.dtype == mt.float32 else 1e-9  # (float32: a rounding apart near zero)
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=1e-6, atol=atol, equal_nan=True)


@NEEDS_CUDA
@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_on_cuda_match_the_cpu(name):
    fn = GRADS[name]
    upstream = None
    grads = []
    for device in ("cpu", "cuda"):
        x = mt.tensor(A, requires_grad=True) if device == "cpu" else mt.tensor(A).to(device).requires_grad_()
        out = fn(mt, x)
        upstream = RNG.standard_normal(tuple(out.shape)) if upstream is None else upstream
        out.backward(mt.tensor(upstream).to(device))
        grads.append(x.grad.cpu().numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)
