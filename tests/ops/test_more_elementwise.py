"""Trigonometry, special functions and more element-wise arithmetic, compared with PyTorch.

``tests/ops/test_opinfo.py`` runs PyTorch's OpInfo samples for these ops, but only in float64 and,
for one-input ops, on a handful of samples. Here: every dtype, the edge values (0, -0, +-inf, NaN,
the poles, outside the domain), numbers as operands, the errors, float64 gradient checks, Tensor
methods and in-place variants, and the CPU kernels used where SciPy is missing.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.backends import special_kernels
from minitorch_conv.ops import special as special_ops

torch = pytest.importorskip("torch")

DTYPES = ("bool", "uint8", "int64", "float32", "float64")
EDGES = [0.0, -0.0, 0.25, -0.5, 0.999, -1.0, 1.0, 1.5, -2.5, 3.0, 10.0, -30.0, 1e-8, 1e17, float("inf"),
         -float("inf"), float("nan")]


def _pair(values, dtype):
    array = np.array(values if dtype != "bool" else [v != 0 for v in values])
    if dtype in ("uint8", "int64"):
        array = np.clip(np.abs(np.nan_to_num(array, posinf=7, neginf=-7)), 0, 99).astype(dtype) % 50
    array = array.astype(dtype)
    return mt.tensor(array), torch.tensor(array)


def _same(ours, theirs, rtol=None, atol=None):
    """Shape, dtype and values (NaN where PyTorch has NaN) equal to PyTorch's."""
    assert isinstance(ours, mt.Tensor), type(ours)
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1], (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    got, want = ours.detach().numpy(), theirs.detach().numpy()
    if rtol is None:
        rtol = 1e-5 if got.dtype == np.float32 else 1e-12
    if got.dtype.kind == "f":
        atol = rtol * 1e-3 if atol is None else atol
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


UNARY = ["acos", "asin", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "deg2rad", "rad2deg", "sinc",
         "erfc", "erfinv", "lgamma", "digamma", "logit", "sgn", "signbit", "isposinf", "isneginf",
         "isreal", "arccos", "arcsin", "arctan", "arcsinh", "arccosh", "arctanh"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_values_and_dtypes_match_pytorch(name, dtype):
    ours, theirs = _pair(EDGES, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy warning escapes, even outside the domain
        got = getattr(mt, name)(ours)
    _same(got, getattr(torch, name)(theirs))


def test_unary_ops_on_float32_agree_with_pytorch_on_a_range():
    x = np.linspace(-4, 4, 801, dtype=np.float32)
    for name in ("atan", "sinh", "cosh", "asinh", "sinc", "erfc", "lgamma", "digamma"):
        # PyTorch computes in float32; near a root (digamma at 1.46) only the absolute error is small
        _same(getattr(mt, name)(mt.tensor(x)), getattr(torch, name)(torch.tensor(x)), rtol=2e-5, atol=1e-6)
    y = np.linspace(-0.999, 0.999, 801)
    for name in ("acos", "asin", "atanh", "erfinv"):
        _same(getattr(mt, name)(mt.tensor(y)), getattr(torch, name)(torch.tensor(y)))


@pytest.mark.parametrize("eps", [None, 0.1, -0.1, 0.6])
def test_logit_eps_values_and_gradients(eps):
    values = [-0.5, 0.0, 0.05, 0.3, 0.95, 1.0, 1.05, float("nan")]
    x = mt.tensor(values, dtype=mt.float64, requires_grad=True)
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y, w = mt.logit(x, eps), torch.logit(t, eps)
    _same(y, w)
    y.backward(mt.ones_like(y))
    w.backward(torch.ones_like(w))
    _same(x.grad, t.grad)
    assert y.grad_fn.name() == "LogitBackward0"


def test_digamma_and_polygamma_follow_pytorchs_algorithms_at_the_edges():
    values = [0.0, -0.0, -1.0, -2.5, 1e-300, -1e-300, float("inf"), -float("inf"), float("nan"), 1e20,
              -1e3 + 0.5, 0.5, 9.999, 10.0, 10.001, 1e17, 2e17]
    x, t = mt.tensor(values, dtype=mt.float64), torch.tensor(values, dtype=torch.float64)
    _same(mt.digamma(x), torch.digamma(t), rtol=1e-14)
    for n in range(6):
        _same(mt.polygamma(n, x), torch.polygamma(n, t), rtol=1e-12)
        _same(x.polygamma(n), t.polygamma(n), rtol=1e-12)
    with pytest.raises(RuntimeError, match="negative n"):
        mt.polygamma(-1, x)


def test_lgamma_poles_and_infinities():
    values = [0.0, -0.0, -1.0, -2.0, -2.5, float("inf"), -float("inf"), float("nan"), 1e308, 0.5]
    x, t = mt.tensor(values, dtype=mt.float64), torch.tensor(values, dtype=torch.float64)
    _same(mt.lgamma(x), torch.lgamma(t))
    _same(mt.special.gammaln(x), torch.special.gammaln(t))


# ---------------------------------------------------------------------------- the SciPy-free kernels
def test_cpu_kernels_without_scipy_agree_with_pytorch():
    y = np.concatenate([np.linspace(-1, 1, 2001), 1 - np.logspace(-16, -1, 50), -1 + np.logspace(-16, -1, 50),
                        np.logspace(-300, -1, 20), [0.0, -0.0, 1.5, -1.5, np.nan]])
    got, want = special_kernels.erfinv(y), torch.erfinv(torch.tensor(y)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, equal_nan=True)
    assert np.signbit(special_kernels.erfinv(np.array([-0.0])))[0]
    assert special_kernels.erfinv(np.array([0.5], dtype=np.float32)).dtype == np.float32
    x = np.array([0.0, -0.0, -1.0, -2.5, 1e-300, np.inf, -np.inf, np.nan, 1e20, 0.5, 7.25, 1e308])
    np.testing.assert_allclose(special_kernels.lgamma(x), torch.lgamma(torch.tensor(x)).numpy(), rtol=1e-13,
                               equal_nan=True)
    z = np.array([-30.0, -1.0, 0.0, 0.5, 5.0, 27.0, np.inf, -np.inf, np.nan])
    np.testing.assert_allclose(special_kernels.erfc(z), torch.erfc(torch.tensor(z)).numpy(), rtol=1e-14,
                               equal_nan=True)


# ---------------------------------------------------------------------------- two operands
BINARY = ["atan2", "arctan2", "hypot", "copysign", "logaddexp", "logaddexp2", "fmax", "fmin", "heaviside",
          "float_power", "true_divide", "rsub", "xlogy", "ldexp", "nextafter", "gcd", "lcm",
          "bitwise_left_shift", "bitwise_right_shift"]
PAIRS = [("int64", "int64"), ("bool", "bool"), ("int64", "float32"), ("float32", "float64"),
         ("uint8", "int64"), ("float64", "float64"), ("float32", "float32")]
A_VALUES = [3.0, -2.0, 0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1.5, 40.0]
B_VALUES = [1.0, 0.0, -1.0, 2.0, float("inf"), -float("inf"), 0.5, float("nan"), 70.0]


def _call(lib, name, a, b):
    try:
        return getattr(lib, name)(a, b), None
    except Exception as error:  # noqa: BLE001 - compared by class below
        return None, type(error)


@pytest.mark.parametrize("dtypes", PAIRS, ids=lambda p: f"{p[0]}-{p[1]}")
@pytest.mark.parametrize("name", BINARY)
def test_binary_values_dtypes_and_errors_match_pytorch(name, dtypes):
    (a, ta), (b, tb) = _pair(A_VALUES, dtypes[0]), _pair(B_VALUES, dtypes[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours, our_error = _call(mt, name, a, b)
    theirs, their_error = _call(torch, name, ta, tb)
    if their_error is not None:
        assert our_error is their_error or (our_error and issubclass(our_error, their_error)), (our_error,
                                                                                             their_error)
        return
    assert our_error is None, our_error
    _same(ours, theirs)


@pytest.mark.parametrize("scalar", [2, 2.5, True, -1])
@pytest.mark.parametrize("name", ["copysign", "float_power", "true_divide", "rsub", "xlogy",
                                  "bitwise_left_shift", "bitwise_right_shift", "atan2", "fmax", "gcd"])
def test_numbers_as_operands(name, scalar):
    for dtype in ("int64", "float32", "bool"):
        a, ta = _pair([3.0, 0.0, -2.0], dtype)
        ours, our_error = _call(mt, name, a, scalar)
        theirs, their_error = _call(torch, name, ta, scalar)
        assert (our_error is None) == (their_error is None), (dtype, our_error, their_error)
        if their_error is not None:
            assert issubclass(our_error, their_error)
        else:
            _same(ours, theirs)


def test_number_first_operands():
    x, t = mt.tensor([1.0, 0.5, 2.0]), torch.tensor([1.0, 0.5, 2.0])
    _same(mt.xlogy(2, x), torch.xlogy(2, t))
    _same(mt.float_power(2, x), torch.float_power(2, t))
    _same(mt.special.xlog1py(3, x), torch.special.xlog1py(3, t))
    _same(mt.bitwise_left_shift(3, mt.tensor([1, 2])), torch.bitwise_left_shift(3, torch.tensor([1, 2])))
    _same(2 << mt.tensor([1, 3]), 2 << torch.tensor([1, 3]))
    _same(64 >> mt.tensor([1, 3]), 64 >> torch.tensor([1, 3]))


def test_broadcasting_and_shape_errors():
    a, b = mt.randn(3, 1, dtype=mt.float64), mt.randn(1, 4, dtype=mt.float64)
    ta, tb = torch.tensor(a.numpy()), torch.tensor(b.numpy())
    for name in ("atan2", "hypot", "logaddexp", "fmax", "copysign", "xlogy", "ldexp"):
        _same(getattr(mt, name)(a, b), getattr(torch, name)(ta, tb))
    with pytest.raises(RuntimeError, match="must match the size"):
        mt.atan2(mt.ones(3), mt.ones(4))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_shifts_past_the_width(dtype):
    x = np.array([1, 5, -8, 127, 0], dtype=np.int64).astype(dtype)
    for counts in ([0, 3, 70, -1, 8], [7, 9, 31, 63, 64]):
        n = np.array(counts).astype(dtype) if dtype != "uint8" else np.abs(np.array(counts)).astype(dtype)
        a, b, ta, tb = mt.tensor(x), mt.tensor(n), torch.tensor(x), torch.tensor(n)
        _same(a << b, ta << tb)
        _same(a >> b, ta >> tb)
    with pytest.raises(NotImplementedError, match="lshift"):
        mt.tensor([1.5]) << 2
    with pytest.raises(TypeError):
        mt.tensor([1]) << None


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_gcd_and_lcm_wrap_as_pytorch_does(dtype):
    x = np.array([1, 5, -8, 127, 0, 3, -128, 12]).astype(dtype)
    n = np.array([0, 3, 70, 1, 8, 200, 0, -18]).astype(dtype)
    for name in ("gcd", "lcm"):
        ours = getattr(mt, name)(mt.tensor(x), mt.tensor(n))
        _same(ours, getattr(torch, name)(torch.tensor(x), torch.tensor(n)))


def test_errors_are_pytorchs_classes():
    f = mt.tensor([1.0])
    with pytest.raises(TypeError, match="must be Tensor"):
        mt.atan2(f, 2.0)
    with pytest.raises(TypeError):
        mt.hypot(f, 1)
    with pytest.raises(NotImplementedError, match="hypot_cpu.*Long"):
        mt.hypot(mt.tensor([3]), mt.tensor([4]))
    with pytest.raises(NotImplementedError, match="logaddexp_cpu.*Short"):
        mt.logaddexp(mt.tensor([3], dtype=mt.uint8), mt.tensor([4], dtype=mt.int8))
    with pytest.raises(RuntimeError, match="different dtypes"):
        mt.heaviside(f, mt.tensor([1.0], dtype=mt.float64))
    with pytest.raises(RuntimeError, match="with two bool tensors"):
        mt.rsub(mt.tensor([True]), mt.tensor([False]))
    with pytest.raises(RuntimeError, match="must not be a floating point"):
        mt.rsub(mt.tensor([1]), 2, alpha=0.5)
    with pytest.raises(RuntimeError, match="on a bool tensor"):
        mt.positive(mt.tensor([True]))
    with pytest.raises(RuntimeError, match="float_power_ has dtype Float"):
        mt.tensor([2.0]).float_power_(2)
    with pytest.raises(RuntimeError, match="can't be cast"):
        mt.tensor([1, 2]).acos_()
    with pytest.raises(NotImplementedError, match="gcd_cpu.*Float"):
        mt.gcd(f, f)


# ---------------------------------------------------------------------------- gradients
def _t(values, requires_grad=True):
    return mt.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


RNG = np.random.default_rng(0)
INSIDE = RNG.uniform(-0.9, 0.9, (3, 4))
POSITIVE = RNG.uniform(0.2, 3.0, (3, 4))
WIDE = RNG.uniform(-3, 3, (3, 4))
GRADCHECKS = {
    "acos": (mt.acos, [INSIDE]), "asin": (mt.asin, [INSIDE]), "atan": (mt.atan, [WIDE]),
    "sinh": (mt.sinh, [WIDE]), "cosh": (mt.cosh, [WIDE]), "asinh": (mt.asinh, [WIDE]),
    "acosh": (mt.acosh, [POSITIVE + 1.1]), "atanh": (mt.atanh, [INSIDE]),
    "deg2rad": (mt.deg2rad, [WIDE]), "rad2deg": (mt.rad2deg, [WIDE]), "sinc": (mt.sinc, [WIDE]),
    "atan2": (mt.atan2, [WIDE, POSITIVE[:1]]), "hypot": (mt.hypot, [WIDE, WIDE.T.reshape(3, 4)]),
    "erfc": (mt.erfc, [WIDE]), "erfinv": (mt.erfinv, [INSIDE]), "lgamma": (mt.lgamma, [WIDE + 0.05]),
    "digamma": (mt.digamma, [WIDE + 0.05]), "polygamma2": (lambda x: mt.polygamma(2, x), [POSITIVE]),
    "logit": (mt.logit, [POSITIVE / 4]), "logit_eps": (lambda x: mt.logit(x, 0.2), [POSITIVE / 4]),
    "xlogy": (mt.xlogy, [WIDE, POSITIVE]), "xlog1py": (mt.special.xlog1py, [WIDE, POSITIVE]),
    "entr": (mt.special.entr, [POSITIVE]), "ndtr": (mt.special.ndtr, [WIDE]),
    "multigammaln": (lambda x: mt.special.multigammaln(x, 3), [POSITIVE + 1.5]),
    "copysign": (mt.copysign, [WIDE, WIDE[::-1].copy()]), "logaddexp": (mt.logaddexp, [WIDE, POSITIVE]),
    "logaddexp2": (mt.logaddexp2, [WIDE, POSITIVE]), "fmax": (mt.fmax, [WIDE, POSITIVE]),
    "fmin": (mt.fmin, [WIDE, POSITIVE]), "float_power": (mt.float_power, [POSITIVE, WIDE]),
    "rsub": (lambda a, b: mt.rsub(a, b, alpha=3), [WIDE, POSITIVE]), "ldexp": (mt.ldexp, [WIDE, WIDE]),
    "nextafter": (mt.nextafter, [WIDE, POSITIVE]), "true_divide": (mt.true_divide, [WIDE, POSITIVE]),
}


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck_float64(name):
    fn, arrays = GRADCHECKS[name]
    assert mt.autograd.gradcheck(fn, tuple(_t(a) for a in arrays))


@pytest.mark.parametrize("name", ["atan2", "acos", "lgamma", "digamma", "erfinv", "logit", "xlogy",
                                  "logaddexp", "sinc", "hypot", "copysign"])
def test_gradgradcheck_float64(name):
    fn, arrays = GRADCHECKS[name]
    assert mt.autograd.gradgradcheck(fn, tuple(_t(a) for a in arrays))


@pytest.mark.parametrize("name", ["acos", "asin", "atanh", "acosh", "logit", "xlogy", "atan2", "hypot",
                                  "copysign", "logaddexp", "fmax", "sinc", "lgamma", "digamma", "erfinv"])
def test_gradients_at_the_edges_match_pytorch(name):
    """Outside the domain, at 0 and at infinities: PyTorch's NaN, inf or 0, without a warning."""
    values = [0.0, -0.0, 1.0, -1.0, 2.0, -3.0, float("inf"), float("nan"), 0.5]
    others = [0.0, 1.0, -0.0, 0.0, float("inf"), float("nan"), 2.0, 1.0, -0.5]
    binary = name in ("xlogy", "atan2", "hypot", "copysign", "logaddexp", "fmax")
    x = mt.tensor(values, dtype=mt.float64, requires_grad=True)
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ours, theirs = [x], [t]
    if binary:
        ours.append(mt.tensor(others, dtype=mt.float64, requires_grad=True))
        theirs.append(torch.tensor(others, dtype=torch.float64, requires_grad=True))
    upstream = RNG.standard_normal(len(values))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(mt, name)(*ours)
        got = mt.autograd.grad(y, ours, mt.tensor(upstream))
    w = getattr(torch, name)(*theirs)
    want = torch.autograd.grad(w, theirs, torch.tensor(upstream))
    _same(y, w)
    for g, e in zip(got, want):
        _same(g, e)
    assert y.grad_fn.name() == w.grad_fn.name()


def test_node_names_are_pytorchs():
    x, t = _t([0.5, 2.0]), torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    calls = [lambda lib, v: lib.rsub(v, 1.0), lambda lib, v: lib.rsub(v, v),
             lambda lib, v: lib.copysign(v, -1.0), lambda lib, v: lib.ldexp(v, v),
             lambda lib, v: lib.sgn(v), lambda lib, v: lib.deg2rad(v),
             lambda lib, v: lib.special.xlog1py(v, v), lambda lib, v: lib.special.entr(v),
             lambda lib, v: lib.polygamma(2, v), lambda lib, v: lib.nextafter(v, v),
             lambda lib, v: lib.logaddexp2(v, v), lambda lib, v: lib.true_divide(v, 2)]
    for call in calls:
        assert call(mt, x).grad_fn.name() == call(torch, t).grad_fn.name()


def test_heaviside_is_not_differentiable():
    x = _t([1.0, 0.0, -1.0])
    y = mt.heaviside(x, mt.tensor([0.5], dtype=mt.float64))
    _same(y, torch.heaviside(torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64), torch.tensor([0.5],
                                                                                               dtype=torch.float64)))
    with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
        y.sum().backward()


# ---------------------------------------------------------------------------- methods, in place, names
def test_tensor_methods_and_inplace_variants():
    values = [0.1, 0.5, 0.9]
    for name in ("acos", "asin", "atan", "sinh", "cosh", "asinh", "atanh", "arccos", "deg2rad", "rad2deg",
                 "sinc", "erfc", "erfinv", "lgamma", "digamma", "logit", "sgn"):
        x, t = mt.tensor(values), torch.tensor(values)
        _same(getattr(x, name)(), getattr(t, name)())
        y = x.clone()
        assert getattr(y, name + "_")() is y
        _same(y, getattr(t.clone(), name + "_")())
    a, b = [3.0, -1.0, 0.5], [1.0, 2.0, -4.0]
    for name in ("atan2", "arctan2", "hypot", "copysign", "xlogy", "ldexp", "nextafter", "true_divide",
                 "heaviside"):
        x = mt.tensor(a)
        t = torch.tensor(a)
        _same(getattr(x, name)(mt.tensor(b)), getattr(t, name)(torch.tensor(b)))
        assert getattr(x, name + "_")(mt.tensor(b)) is x
        _same(x, getattr(t, name + "_")(torch.tensor(b)))
    x, t = mt.tensor([12, 5]), torch.tensor([12, 5])
    for name in ("gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift"):
        _same(getattr(x, name)(mt.tensor([8, 2])), getattr(t, name)(torch.tensor([8, 2])))
    y, u = mt.tensor([1, 2]), torch.tensor([1, 2])
    y <<= 3
    u <<= 3
    _same(y, u)
    y >>= 1
    u >>= 1
    _same(y, u)
    x = mt.tensor([2.0], dtype=mt.float64)
    assert x.float_power_(3) is x and x.item() == 8.0
    assert mt.tensor([2.0]).rsub(5.0).item() == 3.0
    assert mt.tensor([2.0, 1.0]).fmax(mt.tensor([1.0, float("nan")])).tolist() == [2.0, 1.0]
    assert mt.tensor([-0.0]).signbit().item() is True
    x = mt.tensor([2.5])
    assert x.positive() is x and mt.positive(x) is x


def test_inplace_records_the_op_for_backward():
    leaf = _t([0.2, 0.4])
    y = leaf * 1
    y.atan_()
    y.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), 1 / (1 + np.array([0.2, 0.4]) ** 2))


def test_special_namespace():
    x = np.array([0.1, 0.5, 2.0])
    t = torch.tensor(x)
    x = mt.tensor(x)
    for name in ("erf", "erfc", "erfinv", "expit", "logit", "log1p", "expm1", "exp2", "gammaln", "digamma",
                 "psi", "sinc", "entr", "ndtr", "round"):
        _same(getattr(mt.special, name)(x), getattr(torch.special, name)(t))
    _same(mt.special.xlogy(x, x), torch.special.xlogy(t, t))
    _same(mt.special.xlog1py(x, x), torch.special.xlog1py(t, t))
    _same(mt.special.polygamma(3, x), torch.special.polygamma(3, t))
    _same(mt.special.multigammaln(x + 2, 3), torch.special.multigammaln(t + 2, 3))
    _same(mt.mvlgamma(x + 2, 2), torch.mvlgamma(t + 2, 2))
    _same(mt.special.softmax(x, 0), torch.special.softmax(t, 0))
    _same(mt.special.log_softmax(x, 0), torch.special.log_softmax(t, 0))
    _same(mt.special.logsumexp(x, 0), torch.special.logsumexp(t, 0))
    _same(mt.special.entr(mt.tensor([-1.0, 0.0, float("nan"), float("inf")])),
          torch.special.entr(torch.tensor([-1.0, 0.0, float("nan"), float("inf")])))
    _same(mt.special.ndtr(mt.tensor([1, -2])), torch.special.ndtr(torch.tensor([1, -2])))
    with pytest.raises(RuntimeError, match="greater than or equal to 1"):
        mt.special.multigammaln(x, 0)


def test_zeta_gives_nan_rather_than_summing_without_end():
    q = np.array([-2.0 * special_ops.ZETA_MAX_TERMS - 0.5, 2.0])
    out = special_ops.zeta_kernel(np, 3.0, q)
    assert math.isnan(out[0]) and out[1] == pytest.approx(0.2020569031595943, rel=1e-14)  # zeta(3) - 1
