"""The GPU backend: CuPy arrays on one CUDA device.

CuPy imports on machines without a driver, so availability is decided by ``cupy.is_available()``,
never by a successful import.
"""

from __future__ import annotations

from . import cuda_kernels
from .base import Backend

try:  # pragma: no cover - exercised only where CuPy is installed
    import cupy
except Exception:  # ImportError, or a broken CUDA installation
    cupy = None


def is_available() -> bool:
    if cupy is None:
        return False
    try:
        return bool(cupy.is_available())
    except Exception:  # pragma: no cover
        return False


def device_count() -> int:
    if not is_available():
        return 0
    return cupy.cuda.runtime.getDeviceCount()


def set_tf32(enabled: bool) -> None:
    """Switch float32 GEMMs to TF32 tensor-core math (CuPy's compute type for float32).

    Only where a GPU is usable: CuPy's switch asks the current device for its compute capability,
    which raises where CuPy is installed but finds no GPU.
    """
    if not is_available():
        return
    try:  # pragma: no cover - needs CuPy
        import numpy
        from cupy._core import _routines_linalg as linalg

        compute_type = linalg.COMPUTE_TYPE_TF32 if enabled else linalg.COMPUTE_TYPE_DEFAULT
        linalg.set_compute_type(numpy.float32, compute_type)
    except (ImportError, AttributeError):  # pragma: no cover
        import warnings

        warnings.warn("this CuPy version offers no way to switch TF32 at run time; set CUPY_TF32=1 "
                      "before starting Python instead", RuntimeWarning, stacklevel=3)


class CupyBackend(Backend):  # pragma: no cover - needs a GPU
    name = "cupy"
    xp = cupy
    batched_gemm_is_like_2d = False  # CuPy applies TF32 to 2-D GEMMs only
    # the CPU's cache-sized chunks, one image at a time past 256 KiB, made the GPU loop over the batch:
    # (64,32,16,16) 3x3 took twice (32,64,32,32)'s time with half its arithmetic (the H200 run)
    im2col_budget_bytes = 256 * 2**20

    def __init__(self, device):
        self.index = device.index or 0
        super().__init__(device)

    def device_context(self):
        return cupy.cuda.Device(self.index)

    def asarray(self, data, dtype=None):
        with self.device_context():
            if isinstance(data, cupy.ndarray) and data.device.id != self.index:
                data = data.copy()  # asarray would keep it on its GPU; copy() lands on the current one
            return cupy.asarray(data, dtype=None if dtype is None else dtype.numpy)

    def to_numpy(self, array):
        return cupy.asnumpy(array)

    def data_ptr(self, array) -> int:
        return int(array.data.ptr)

    def seed(self, seed: int) -> None:
        with self.device_context():
            self.rng = cupy.random.Generator(cupy.random.XORWOW(seed))

    def permutation(self, n: int):
        # cupy.random.Generator has no permutation(): sort uniform draws (always a permutation)
        with self.device_context():
            return self.rng.random(n).argsort().astype("int64", copy=False)

    def from_dlpack(self, obj):
        return cupy.from_dlpack(obj)

    def erf(self, array):
        from cupyx.scipy.special import erf

        with self.device_context():
            return erf(array)

    def erfc(self, array):
        from cupyx.scipy.special import erfc

        with self.device_context():
            return erfc(array)

    def erfinv(self, array):
        from cupyx.scipy.special import erfinv

        with self.device_context():
            return erfinv(array)

    def lgamma(self, array):
        from cupyx.scipy.special import gammaln

        with self.device_context():  # PyTorch's lgamma(-inf) is inf (SciPy's is -inf)
            return cupy.where(cupy.isneginf(array), cupy.inf, gammaln(array)).astype(array.dtype, copy=False)

    # raw CUDA kernels (cuda_kernels.py) in place of the generic slice-by-slice ones
    def im2col(self, xpad, kernel_size, stride, dilation, out_size):
        N, C = xpad.shape[:2]
        cols = cupy.empty((N, C, *kernel_size, *out_size), dtype=xpad.dtype)
        cuda_kernels.im2col_into(xpad, cols, kernel_size, stride, (0, 0), dilation)
        return cols

    def col2im(self, cols, padded_size, stride, dilation):
        return cuda_kernels.col2im(cols, padded_size, stride, (0, 0), dilation)

    def im2col_gemm(self, image, kernel_size, stride, padding, dilation, out_size):
        N, C = image.shape[:2]
        cols = cupy.empty((C, *kernel_size, N, *out_size), dtype=image.dtype)
        cuda_kernels.im2col_into(image, cols.transpose(3, 0, 1, 2, 4, 5), kernel_size, stride,
                                 (padding[0], padding[2]), dilation)
        return cols

    def col2im_gemm(self, cols, image_size, stride, padding_top_left, dilation):
        return cuda_kernels.col2im(cols.transpose(3, 0, 1, 2, 4, 5), image_size, stride,
                                   padding_top_left, dilation)

    # depthwise convolutions (use_direct's geometry here): one kernel launch each, in place of the
    # generic kh*kw shifted multiply-adds (and kh*kw einsums for the weight gradient)
    def direct_conv(self, image, weight, groups, stride, padding, dilation, out_size, bias=None):
        out = cuda_kernels.depthwise_conv(image, weight, stride, (padding[0], padding[2]), dilation,
                                          out_size)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        return out

    def direct_conv_transpose(self, grad_output, weight, groups, image_size, stride, padding_top_left,
                              dilation):
        return cuda_kernels.depthwise_input_grad(grad_output, weight, groups, image_size, stride,
                                                 padding_top_left, dilation)

    def direct_weight_grad(self, image, grad_output, groups, kernel_size, stride, padding, dilation):
        return cuda_kernels.depthwise_weight_grad(image, grad_output, kernel_size, stride,
                                                  (padding[0], padding[2]), dilation)
