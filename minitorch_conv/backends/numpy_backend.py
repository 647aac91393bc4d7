"""The CPU backend: NumPy arrays, NumPy's PCG64 generator."""

from __future__ import annotations

import os

import numpy as np

from . import numba_kernels, special_kernels
from .base import Backend

DIRECT_MAX_TAPS = 576
"""With Numba, stride-1 convolutions whose outputs each read at most this many inputs
(C/groups*kh*kw; 576 is a 3x3 kernel over 64 channels) run the direct kernels instead of im2col and
GEMMs."""
DIRECT_MIN_PLANE = 17
"""... and whose output planes hold at least this many positions (Ho*Wo): on 4x4 planes and smaller
the direct kernels' runs are too short to vectorise, and im2col with one GEMM is faster."""
NUMBA_ELEMENTWISE_MIN = 1 << 16
"""Arrays from which the element-wise Numba kernels (ReLU) run instead of NumPy: calling a Numba
kernel costs about 10 us, NumPy's two passes cost less than that below ~64K elements."""

_NUMBA_WANTED = os.environ.get("MINITORCH_CONV_NUMBA", "1").lower() not in ("0", "false", "no", "off")


PRINT_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
"""What ``mt.set_printoptions`` sets: PyTorch's defaults."""


def format_array(arr, floating: bool) -> str:
    """The body of a tensor's repr, as PyTorch prints it: ``[[1., 2.],\n        [3., 4.]]``."""
    if arr.size == 0:
        return "[]"
    printing = PRINT_OPTIONS
    options = dict(separator=", ", prefix="tensor(", threshold=printing["threshold"],
                   edgeitems=printing["edgeitems"], max_line_width=printing["linewidth"] + 1)
    if floating and printing["sci_mode"] is not None:
        options.update(precision=printing["precision"], floatmode="fixed",
                       suppress_small=not printing["sci_mode"])
        if printing["sci_mode"]:
            options["formatter"] = {"float_kind": lambda v: f"{v:.{printing['precision']}e}"}
        return np.array2string(arr, **options).replace(", ...,", ",  ...,")
    if floating:
        # PyTorch's rule: whole numbers print as "2.", unless their range calls for scientific
        # notation; everything else prints with 4 decimals (NumPy switches to scientific itself).
        finite = np.abs(arr[np.isfinite(arr) & (arr != 0)]).astype(np.float64)
        integral = bool(np.all(finite == np.round(finite)))
        wide = finite.size > 0 and (finite.max() > 1e8 or finite.max() / finite.min() > 1000)
        if integral and not wide:
            options.update(floatmode="unique")
        else:
            options.update(precision=printing["precision"], floatmode="fixed")
    if arr.dtype == np.bool_ and not (~arr).any():  # all True: no "False" to pad " True" to
        options["formatter"] = {"bool": str}
    # PyTorch writes an elided run of elements as " ..." (one more space than NumPy)
    return np.array2string(arr, **options).replace(", ...,", ",  ...,")


class NumpyBackend(Backend):
    """NumPy arrays on the CPU; Numba-compiled direct convolution kernels where Numba is installed.

    ``use_numba`` chooses the kernels: True where Numba imports (set ``MINITORCH_CONV_NUMBA=0`` to
    start with the pure-NumPy ones); assign it to switch. Both give the same results.
    """

    name = "numpy"
    xp = np

    def __init__(self, device):
        super().__init__(device)
        self.use_numba = numba_kernels.AVAILABLE and _NUMBA_WANTED

    def _numba_runs(self, dtype) -> bool:
        """Whether the Numba kernels take arrays of ``dtype`` (float32 and float64; not float16)."""
        return self.use_numba and dtype in (np.float32, np.float64)

    def use_direct(self, in_channels: int, groups: int, kernel_size, stride, dtype, out_size) -> bool:
        """Depthwise convolutions, and with Numba every stride-1 one whose outputs read few inputs.

        Up to :data:`DIRECT_MAX_TAPS` input values per output (C/groups*kh*kw), on output planes of
        at least :data:`DIRECT_MIN_PLANE` positions, the direct Numba kernels match or beat
        building columns for GEMMs; 1x1 and strided convolutions, and tiny planes, are faster as
        GEMMs (docs/performance.md has the measurements).
        """
        return self.explain_direct(in_channels, groups, kernel_size, stride, dtype, out_size)[0]

    def explain_direct(self, in_channels: int, groups: int, kernel_size, stride, dtype, out_size):
        """(whether :meth:`use_direct` says yes, why in words) (``mt.backends.explain``)."""
        if super().use_direct(in_channels, groups, kernel_size, stride, dtype, out_size):
            return super().explain_direct(in_channels, groups, kernel_size, stride, dtype, out_size)
        if not self.use_numba:
            return False, "not depthwise, and Numba is not in use"
        if not self._numba_runs(dtype):
            return False, f"not depthwise, and Numba's kernels take no {dtype}"
        taps = in_channels // groups * kernel_size[0] * kernel_size[1]
        plane = out_size[0] * out_size[1]
        if tuple(stride) != (1, 1):
            return False, f"stride {tuple(stride)}; Numba's direct kernels are for stride 1"
        if tuple(kernel_size) == (1, 1):
            return False, "a 1x1 kernel is faster as a GEMM"
        if taps > DIRECT_MAX_TAPS:
            return False, f"{taps} inputs per output (C/groups*kh*kw) > {DIRECT_MAX_TAPS}"
        if plane < DIRECT_MIN_PLANE:
            return False, f"{plane} positions per output plane < {DIRECT_MIN_PLANE}: runs too short"
        return True, f"Numba, stride 1, {taps} inputs per output (C/groups*kh*kw <= {DIRECT_MAX_TAPS})"

    def direct_conv(self, image, weight, groups, stride, padding, dilation, out_size, bias=None):
        if not self._numba_runs(image.dtype):
            return super().direct_conv(image, weight, groups, stride, padding, dilation, out_size, bias)
        pt, _, pl, _ = padding
        if bias is None:
            bias = np.zeros(weight.shape[0], dtype=image.dtype)
        return numba_kernels.direct_conv(np.ascontiguousarray(image), np.ascontiguousarray(weight),
                                         np.ascontiguousarray(bias), groups, *stride, pt, pl, *dilation,
                                         *out_size)

    def direct_conv_transpose(self, grad_output, weight, groups, image_size, stride, padding_top_left,
                              dilation):
        if not self._numba_runs(grad_output.dtype):
            return super().direct_conv_transpose(grad_output, weight, groups, image_size, stride,
                                                 padding_top_left, dilation)
        channels = groups * weight.shape[1]
        return numba_kernels.direct_conv_transpose(
            np.ascontiguousarray(grad_output), np.ascontiguousarray(weight), groups, channels,
            *image_size, *stride, *padding_top_left, *dilation)

    def direct_weight_grad(self, image, grad_output, groups, kernel_size, stride, padding, dilation):
        if not self._numba_runs(image.dtype):
            return super().direct_weight_grad(image, grad_output, groups, kernel_size, stride, padding,
                                              dilation)
        pt, _, pl, _ = padding
        return numba_kernels.direct_weight_grad(
            np.ascontiguousarray(image), np.ascontiguousarray(grad_output), groups, *kernel_size,
            *stride, pt, pl, *dilation)

    def relu(self, x):
        """max(x, 0) in one pass (Numba, every core on a large array; NumPy's maximum allocates
        and runs on one)."""
        if not (self._numba_runs(x.dtype) and x.size >= NUMBA_ELEMENTWISE_MIN and x.flags.c_contiguous):
            return super().relu(x)
        return numba_kernels.relu(x)

    def relu_grad(self, grad, out):
        """One pass, where NumPy makes a mask and multiplies (0.5 vs 1.6 ms on 1.6M floats)."""
        if not (self._numba_runs(grad.dtype) and grad.size >= NUMBA_ELEMENTWISE_MIN
                and grad.dtype == out.dtype and grad.shape == out.shape
                and grad.flags.c_contiguous and out.flags.c_contiguous):
            return super().relu_grad(grad, out)
        return numba_kernels.relu_grad(grad, out)

    def col2im_gemm(self, cols, image_size, stride, padding_top_left, dilation):
        """With Numba, one pass per image plane instead of kh*kw strided adds over the batch:
        1.3-3.7x faster (docs/performance.md)."""
        if not self._numba_runs(cols.dtype):
            return super().col2im_gemm(cols, image_size, stride, padding_top_left, dilation)
        return numba_kernels.col2im_gemm(cols, image_size, stride, padding_top_left, dilation)

    def max_pool_windows(self, xpad, kernel_size, stride, dilation, out_size):
        if not self._numba_runs(xpad.dtype):
            return None
        planes = np.ascontiguousarray(xpad).reshape(-1, *xpad.shape[-2:])
        best, idx = numba_kernels.max_pool(planes, kernel_size, stride, dilation, out_size)
        return best.reshape(*xpad.shape[:-2], *out_size), idx.reshape(*xpad.shape[:-2], *out_size)

    def max_pool_scatter(self, grad, idx, kernel_size, stride, dilation, padded_size):
        if not self._numba_runs(grad.dtype):
            return None
        out = numba_kernels.max_pool_scatter(
            np.ascontiguousarray(grad).reshape(-1, *grad.shape[-2:]),
            np.ascontiguousarray(idx).reshape(-1, *idx.shape[-2:]), kernel_size, stride, dilation,
            padded_size)
        return out.reshape(*grad.shape[:-2], *padded_size)

    def to_numpy(self, array):
        return array

    def seed(self, seed: int) -> None:
        self.rng = np.random.Generator(np.random.PCG64(seed))

    def from_dlpack(self, obj):
        return np.from_dlpack(obj)

    def erf(self, array):
        """The error function (NumPy has none): SciPy's where installed, else ``math.erf``."""
        try:
            from scipy.special import erf
        except ImportError:  # one Python call per element: slow, but exact
            import math

            return np.vectorize(math.erf, otypes=[array.dtype])(array)
        return erf(array).astype(array.dtype, copy=False)

    def erfc(self, array):
        """SciPy's ``erfc`` where installed, else ``math.erfc`` (``backends/special_kernels.py``)."""
        try:
            from scipy.special import erfc
        except ImportError:
            return special_kernels.erfc(array)
        return erfc(array).astype(array.dtype, copy=False)

    def erfinv(self, array):
        """SciPy's ``erfinv`` where installed, else a first guess and Newton steps (special_kernels)."""
        try:
            from scipy.special import erfinv
        except ImportError:
            return special_kernels.erfinv(array)
        return erfinv(array).astype(array.dtype, copy=False)

    def lgamma(self, array):
        """SciPy's ``gammaln`` where installed (with PyTorch's ``lgamma(-inf) = inf``), else
        ``math.lgamma`` per element (special_kernels)."""
        try:
            from scipy.special import gammaln
        except ImportError:
            return special_kernels.lgamma(array)
        return np.where(np.isneginf(array), np.inf, gammaln(array)).astype(array.dtype, copy=False)
