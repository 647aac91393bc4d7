"""What every backend provides, written once against an array module ``xp``.

A backend is the only code that knows which array library holds a tensor's data. The kernels here
use nothing but slicing and ``xp`` calls, so they run unchanged on NumPy and on CuPy; a backend
overrides one only where its device has a faster way.
"""

from __future__ import annotations

from typing import Any


class Backend:
    """A device's array module, random generator and convolution kernels."""

    name = "base"
    xp: Any = None

    def __init__(self, device):
        self.device = device
        self.rng = None

    # ---------------------------------------------------------------- arrays
    def asarray(self, data, dtype=None):
        return self.xp.asarray(data, dtype=None if dtype is None else dtype.numpy)

    def to_numpy(self, array):
        raise NotImplementedError

    def seed(self, seed: int) -> None:
        raise NotImplementedError

    def device_context(self):
        """A context manager that makes this backend's device current (a no-op on the CPU)."""
        import contextlib

        return contextlib.nullcontext()

    # ---------------------------------------------------------------- convolution kernels
    # Notation (shared by every kernel below):
    #   N  batch           C  channels          Hp, Wp  padded input height, width
    #   kh, kw  kernel     sh, sw  stride       dh, dw  dilation
    #   Ho, Wo  output positions: Ho = (Hp - dh*(kh-1) - 1) // sh + 1
    #   cols    (N, C, kh, kw, Ho, Wo): cols[n, c, i, j, y, x] = xpad[n, c, y*sh + i*dh, x*sw + j*dw]

    def im2col(self, xpad, kernel_size, stride, dilation, out_size):
        """Gather every kernel-sized patch of ``xpad`` (N, C, Hp, Wp) into cols (N, C, kh, kw, Ho, Wo).

        One strided-slice copy per kernel offset (i, j): kh*kw vectorised copies, no Python loop
        over pixels.
        """
        N, C = xpad.shape[:2]
        (kh, kw), (sh, sw), (dh, dw), (Ho, Wo) = kernel_size, stride, dilation, out_size
        cols = self.xp.empty((N, C, kh, kw, Ho, Wo), dtype=xpad.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = xpad[:, :, i * dh : i * dh + sh * (Ho - 1) + 1 : sh,
                                        j * dw : j * dw + sw * (Wo - 1) + 1 : sw]
        return cols

    def col2im(self, cols, padded_size, stride, dilation):
        """The adjoint of :meth:`im2col`: add each column entry back where it was gathered from.

        Accumulates one kernel offset at a time into strided slices of the (N, C, Hp, Wp) result,
        so the sum order is fixed (deterministic) and no scatter-add or atomics are needed.
        """
        N, C, kh, kw, Ho, Wo = cols.shape
        (Hp, Wp), (sh, sw), (dh, dw) = padded_size, stride, dilation
        xpad = self.xp.zeros((N, C, Hp, Wp), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                xpad[:, :, i * dh : i * dh + sh * (Ho - 1) + 1 : sh,
                     j * dw : j * dw + sw * (Wo - 1) + 1 : sw] += cols[:, :, i, j]
        return xpad
