"""Special functions NumPy lacks (``erfc``, ``erfinv``, ``lgamma``), for the CPU backend where SciPy
is not installed. Each is exact to float64 rounding, or close to it (``erfinv``: a rational first
guess refined by Newton steps on ``erf``/``erfc``); each keeps its input's dtype.

Notation: ``y`` the input array, ``x`` the answer being refined; ``tail`` marks ``|y| > 0.7``,
where the first guess comes from ``sqrt(-log((1 - |y|) / 2))`` and Newton works on ``erfc``
(``1 - |y|`` is exact there, ``erf(x) - y`` would cancel).
"""

from __future__ import annotations

import math

import numpy as np

_SQRT_PI_2 = math.sqrt(math.pi) / 2


def _vectorised(scalar_fn):
    """``scalar_fn`` applied to every element of a float array (a Python call per element)."""
    ufunc = np.frompyfunc(scalar_fn, 1, 1)

    def apply(array):
        with np.errstate(all="ignore"):  # overflow to inf is the answer (lgamma(1e308) in float32)
            out = np.asarray(ufunc(array.astype(np.float64, copy=False)), dtype=np.float64)
            return out.astype(array.dtype, copy=False)

    return apply


erf = _vectorised(math.erf)
erfc = _vectorised(math.erfc)


def _lgamma_scalar(x: float) -> float:
    """``log|Gamma(x)|``; the poles (0 and the negative integers) and overflow give ``inf``."""
    try:
        return math.lgamma(x)
    except (ValueError, OverflowError):  # a pole, or a result past float64's range
        return math.inf


lgamma = _vectorised(_lgamma_scalar)
"""``log|Gamma(y)|`` element-wise (``math.lgamma`` per element)."""

# MATLAB's erfinv first guess (Pavlis, 1996): a rational function in y**2 for |y| <= 0.7, and one
# in sqrt(-log((1 - |y|) / 2)) in the tails; relative error ~1e-7, which two Newton steps square.
_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_B = (-2.118377725, 1.442710462, -0.329097515, 0.012229801)
_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_D = (3.543889200, 1.637067800)


def erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse error function: ``erf(erfinv(y)) == y`` on ``[-1, 1]``; +-inf at +-1, NaN outside."""
    dtype = y.dtype
    y = y.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        a = np.abs(y)
        tail = a > 0.7
        z = y * y
        central = y * (((_A[3] * z + _A[2]) * z + _A[1]) * z + _A[0]) / (
            (((_B[3] * z + _B[2]) * z + _B[1]) * z + _B[0]) * z + 1.0)
        w = np.sqrt(-np.log((1.0 - np.where(tail, a, 0.0)) / 2.0))
        outer = ((_C[3] * w + _C[2]) * w + _C[1]) * w + _C[0]
        outer = np.copysign(outer / ((_D[1] * w + _D[0]) * w + 1.0), y)
        x = np.where(tail, outer, central)
        for _ in range(3):  # Newton: central on erf(x) - y, tails on erfc(|x|) - (1 - |y|)
            slope = np.exp(-x * x) / _SQRT_PI_2
            ax = np.abs(x)
            excess = np.where(tail, -(erfc(ax) - (1.0 - a)) * np.sign(y), erf(x) - y)
            step = np.where(slope > 0, excess / slope, 0.0)
            x = x - step
        x = np.where(a == 1.0, np.copysign(np.inf, y), x)
        x = np.where((a > 1.0) | np.isnan(y), np.nan, x)
        x = np.where(y == 0, y, x)  # keeps the sign of zero
    return x.astype(dtype, copy=False)
