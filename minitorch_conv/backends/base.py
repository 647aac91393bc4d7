"""What every backend provides, written once against an array module ``xp``.

A backend is the only code that knows which array library holds a tensor's data. The kernels here
use nothing but slicing and ``xp`` calls, so they run unchanged on NumPy and on CuPy; a backend
overrides one only where its device has a faster way.
"""

from __future__ import annotations

import contextlib
from typing import Any

NO_CONTEXT = contextlib.nullcontext()  # reusable: what device_context gives where there is one device


class Backend:
    """A device's array module, random generator and convolution kernels."""

    name = "base"
    xp: Any = None
    batched_gemm_is_like_2d = True
    """False where a batched matmul computes differently from 2-D GEMMs (CuPy: TF32 reaches only
    2-D GEMMs), so that the convolution keeps every GEMM 2-D there."""
    im2col_budget_bytes = None
    """How much of a batch's columns the convolution builds at once: None for the CPU's policy
    (``ops/conv.py``: chunks sized for the cache, an image at a time past 256 KiB), or a number of
    bytes, chunked by that alone (a GPU, where each chunk costs kernel launches and a GEMM call)."""

    def __init__(self, device):
        self.device = device
        self.rng = None

    # ---------------------------------------------------------------- arrays
    def asarray(self, data, dtype=None):
        return self.xp.asarray(data, dtype=None if dtype is None else dtype.numpy)

    def to_numpy(self, array):
        raise NotImplementedError

    def data_ptr(self, array) -> int:
        """The address of ``array``'s first element (``Tensor.data_ptr``)."""
        return int(array.__array_interface__["data"][0])

    def seed(self, seed: int) -> None:
        raise NotImplementedError

    def device_context(self):
        """A context manager that makes this backend's device current (a no-op on the CPU)."""
        return NO_CONTEXT

    def permutation(self, n: int):
        """A random permutation of ``range(n)`` (int64) from this backend's generator."""
        return self.rng.permutation(n).astype("int64", copy=False)

    def erf(self, array):
        """The Gauss error function of ``array`` (array modules differ in where they keep it)."""
        raise NotImplementedError

    def erfc(self, array):
        """``1 - erf(array)``, accurate where it is tiny."""
        raise NotImplementedError

    def erfinv(self, array):
        """The inverse error function (+-inf at +-1, NaN outside ``[-1, 1]``)."""
        raise NotImplementedError

    def lgamma(self, array):
        """``log|Gamma(array)|``: ``inf`` at the poles and at ``-inf``, as in PyTorch."""
        raise NotImplementedError

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

    # ---------------------------------------------------------------- GEMM-layout kernels
    # cols_gemm (C, kh, kw, N, Ho, Wo): the same entries as ``cols`` with the batch moved inside,
    # so that for G groups cols_gemm.reshape(G, C/G*kh*kw, N*Ho*Wo) is G plain 2-D GEMM operands
    # (one large GEMM per group instead of N small ones, and no transposing copy of the columns).
    # padding is (pt, pb, pl, pr) for im2col; col2im needs only the top-left corner (pt, pl).

    def _zero_padded(self, image, padding):
        pt, pb, pl, pr = padding
        if not (pt or pb or pl or pr):
            return image
        N, C, H, W = image.shape
        frame = self.xp.zeros((N, C, H + pt + pb, W + pl + pr), dtype=image.dtype)
        frame[:, :, pt:pt + H, pl:pl + W] = image
        return frame

    def im2col_gemm(self, image, kernel_size, stride, padding, dilation, out_size):
        """cols_gemm (C, kh, kw, N, Ho, Wo) of ``image`` (N, C, H, W) zero-padded by ``padding``."""
        N, C = image.shape[:2]
        (kh, kw), (sh, sw), (dh, dw), (Ho, Wo) = kernel_size, stride, dilation, out_size
        channels_first = self._zero_padded(image, padding).transpose(1, 0, 2, 3)
        cols = self.xp.empty((C, kh, kw, N, Ho, Wo), dtype=image.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = channels_first[:, :, i * dh : i * dh + sh * (Ho - 1) + 1 : sh,
                                               j * dw : j * dw + sw * (Wo - 1) + 1 : sw]
        return cols

    def col2im_gemm(self, cols, image_size, stride, padding_top_left, dilation):
        """The adjoint of :meth:`im2col_gemm`: the (N, C, H, W) image the columns sum back to."""
        C, kh, kw, N, Ho, Wo = cols.shape
        (H, W), (sh, sw), (pt, pl), (dh, dw) = image_size, stride, padding_top_left, dilation
        Hp = max((Ho - 1) * sh + dh * (kh - 1) + 1, pt + H)
        Wp = max((Wo - 1) * sw + dw * (kw - 1) + 1, pl + W)
        frame = self.xp.zeros((C, N, Hp, Wp), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                frame[:, :, i * dh : i * dh + sh * (Ho - 1) + 1 : sh,
                      j * dw : j * dw + sw * (Wo - 1) + 1 : sw] += cols[:, i, j]
        return self.xp.ascontiguousarray(frame[:, :, pt:pt + H, pl:pl + W].transpose(1, 0, 2, 3))

    # ---------------------------------------------------------------- ReLU
    def relu(self, x):
        """max(x, 0), NaN kept (``maximum`` propagates it)."""
        return self.xp.maximum(x, 0)

    def relu_grad(self, grad, out):
        """ReLU's backward from its output, as PyTorch's threshold_backward: 0 where out <= 0, the
        gradient elsewhere (a NaN output passes it). Here the gradient times that mask (float *
        bool stays float), so a NaN or infinite gradient where out <= 0 gives NaN, where PyTorch and
        the Numba kernel give 0: NumPy's where() would match them but is six times slower."""
        return grad * ~(out <= 0)

    # ---------------------------------------------------------------- max pooling
    # xpad (P, Hp, Wp): P planes padded with the lowest value; best, idx (P, Ho, Wo)

    def max_pool_windows(self, xpad, kernel_size, stride, dilation, out_size):
        """(best, idx): each window's first maximum (NaN wins, the last one) and its offset i*kw + j, or None
        where this backend has no kernel for it (``nn.functional`` then loops over the offsets)."""
        return None

    def max_pool_scatter(self, grad, idx, kernel_size, stride, dilation, padded_size):
        """(P, Hp, Wp): each window's gradient added where its maximum was, or None (as above)."""
        return None

    # ---------------------------------------------------------------- direct kernels
    # Convolutions without columns, for the geometries :meth:`use_direct` accepts. Here (every
    # backend): depthwise ones, weight (C*m, 1, kh, kw), where output channel o = c*m + k sees
    # only input channel c: kh*kw multiply-adds of shifted image slices. The CPU backend with
    # Numba runs small grouped convolutions this way too.

    def use_direct(self, in_channels: int, groups: int, kernel_size, stride, dtype, out_size) -> bool:
        """Whether the direct_* kernels run a convolution of this shape (else im2col and GEMMs);
        ``out_size`` is the forward's (Ho, Wo)."""
        return groups == in_channels and groups > 1

    def explain_direct(self, in_channels: int, groups: int, kernel_size, stride, dtype, out_size):
        """(whether :meth:`use_direct` says yes, why in words) (``mt.backends.explain``)."""
        if Backend.use_direct(self, in_channels, groups, kernel_size, stride, dtype, out_size):
            return True, "depthwise (one channel per group): kh*kw shifted multiply-adds"
        return False, f"only depthwise ones run direct on {self.name}"

    def direct_conv(self, image, weight, groups, stride, padding, dilation, out_size, bias=None):
        """y (N, O, Ho, Wo) + bias (O,): image (N, C, H, W) convolved with weight (O, C/groups, kh, kw)."""
        N, C = image.shape[:2]
        O, _, kh, kw = weight.shape
        (sh, sw), (dh, dw), (Ho, Wo) = stride, dilation, out_size
        frame = self._zero_padded(image, padding)
        taps = weight.reshape(C, O // C, kh, kw)
        out = self.xp.zeros((N, C, O // C, Ho, Wo), dtype=image.dtype)
        if bias is not None:
            out += bias.reshape(1, C, O // C, 1, 1)
        for i in range(kh):
            for j in range(kw):
                patch = frame[:, :, None, i * dh : i * dh + sh * (Ho - 1) + 1 : sh,
                              j * dw : j * dw + sw * (Wo - 1) + 1 : sw]
                out += patch * taps[None, :, :, i, j, None, None]
        return out.reshape(N, O, Ho, Wo)

    def direct_conv_transpose(self, grad_output, weight, groups, image_size, stride, padding_top_left,
                              dilation):
        """The adjoint of :meth:`direct_conv` in the image: dx (N, C, H, W) from dy (N, O, Ho, Wo)."""
        N, O, Ho, Wo = grad_output.shape
        _, _, kh, kw = weight.shape
        C, m = groups, O // groups
        (H, W), (sh, sw), (pt, pl), (dh, dw) = image_size, stride, padding_top_left, dilation
        Hp = max((Ho - 1) * sh + dh * (kh - 1) + 1, pt + H)
        Wp = max((Wo - 1) * sw + dw * (kw - 1) + 1, pl + W)
        frame = self.xp.zeros((N, C, Hp, Wp), dtype=grad_output.dtype)
        grads = grad_output.reshape(N, C, m, Ho, Wo)
        taps = weight.reshape(C, m, kh, kw)
        for i in range(kh):
            for j in range(kw):
                contribution = (grads * taps[None, :, :, i, j, None, None]).sum(axis=2)
                frame[:, :, i * dh : i * dh + sh * (Ho - 1) + 1 : sh,
                      j * dw : j * dw + sw * (Wo - 1) + 1 : sw] += contribution
        return self.xp.ascontiguousarray(frame[:, :, pt:pt + H, pl:pl + W])

    def direct_weight_grad(self, image, grad_output, groups, kernel_size, stride, padding, dilation):
        """dW (O, C/groups, kh, kw) = sum over n, y, x of dy * the image slice each tap saw."""
        N, C = image.shape[:2]
        _, O, Ho, Wo = grad_output.shape
        (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
        frame = self._zero_padded(image, padding)
        grads = grad_output.reshape(N, C, O // C, Ho * Wo)
        grad_weight = self.xp.empty((C, O // C, kh, kw), dtype=image.dtype)
        for i in range(kh):
            for j in range(kw):
                patch = frame[:, :, i * dh : i * dh + sh * (Ho - 1) + 1 : sh,
                              j * dw : j * dw + sw * (Wo - 1) + 1 : sw].reshape(N, C, Ho * Wo)
                grad_weight[:, :, i, j] = self.xp.einsum("ncml,ncl->cm", grads, patch)
        return grad_weight.reshape(O, 1, kh, kw)
