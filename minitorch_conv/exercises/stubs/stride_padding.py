"""Exercise 6: stride and padding.

**Padding** surrounds the image with ph rows of zeros at the top and bottom and pw columns at
the left and right, before the kernel slides over it. **Stride** moves the kernel sh rows and
sw columns at a time. The output is then

    Ho = (H + 2*ph - kh) // sh + 1,     Wo = (W + 2*pw - kw) // sw + 1

In the forward: pad, then im2col with the stride, then the same GEMM. In the backward, the same
in reverse: col2im with the stride onto the *padded* image, then cut the padding off (the
padding was not an input: it has no gradient). With a stride, some rows or columns at the
bottom or right may be read by no window at all: their gradient is zero.

Write both functions below, then run:

    python -m minitorch_conv.exercises check stride_padding

The check ends by training the example CNN with a stride-2 second convolution.

Hints:

1. ``np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))`` pads the last two axes with zeros.
2. The im2col and col2im imported below take a stride: ``im2col(image, (kh, kw), stride)``,
   ``col2im(cols, padded_size, (kh, kw), stride)``. In yours from exercises 1 and 2, the slice
   ``i:i + Ho`` becomes ``i:i + sh*(Ho - 1) + 1:sh``.
3. For the input gradient, col2im onto (H + 2*ph, W + 2*pw), then keep ``[ph:ph + H, pw:pw + W]``.
"""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import col2im, im2col  # noqa: F401


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, stride: tuple[int, int],
                   padding: tuple[int, int]) -> np.ndarray:
    """y = conv2d(x, weight, bias, stride, padding).

    x: (N, C, H, W). weight: (O, C, kh, kw). bias: (O,) or None. stride: (sh, sw). padding:
    (ph, pw). Returns y, shape (N, O, Ho, Wo) with Ho = (H + 2*ph - kh) // sh + 1 (likewise Wo).

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_forward(x, np.ones((1, 1, 3, 3)), None, (2, 2), (1, 1))[0, 0]
    array([[10., 24.],
           [51., 90.]])
    """
    raise NotImplementedError("write conv2d_forward: see its docstring and the hints above")


def conv2d_input_grad(grad_output: np.ndarray, weight: np.ndarray, input_size: tuple[int, int],
                      stride: tuple[int, int], padding: tuple[int, int]) -> np.ndarray:
    """dx = dL/dx of ``y = conv2d(x, weight, stride=stride, padding=padding)``, from dy.

    grad_output: dy, (N, O, Ho, Wo). weight: (O, C, kh, kw). input_size: (H, W) of x.
    Returns dx, shape (N, C, H, W).

    >>> dy = np.ones((1, 1, 2, 2))
    >>> conv2d_input_grad(dy, np.ones((1, 1, 3, 3)), (4, 4), (2, 2), (1, 1))[0, 0]
    array([[1., 2., 1., 1.],
           [2., 4., 2., 2.],
           [1., 2., 1., 1.],
           [1., 2., 1., 1.]])
    """
    raise NotImplementedError("write conv2d_input_grad: see its docstring and the hints above")
