"""Exercise 6, worked: the forward and the input gradient with strides and zero padding."""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import col2im, im2col


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, stride: tuple[int, int],
                   padding: tuple[int, int]) -> np.ndarray:
    """y (N, O, Ho, Wo) with Ho = (H + 2*ph - kh) // sh + 1: pad with zeros, then im2col with a
    stride, then the same GEMM as before.

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_forward(x, np.ones((1, 1, 3, 3)), None, (2, 2), (1, 1))[0, 0]
    array([[10., 24.],
           [51., 90.]])
    """
    N = x.shape[0]
    O, _, kh, kw = weight.shape
    (sh, sw), (ph, pw) = stride, padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho, Wo = (padded.shape[2] - kh) // sh + 1, (padded.shape[3] - kw) // sw + 1
    w = weight.reshape(O, -1)
    y = np.stack([w @ im2col(image, (kh, kw), stride) for image in padded]).reshape(N, O, Ho, Wo)
    return y if bias is None else y + bias.reshape(1, O, 1, 1)


def conv2d_input_grad(grad_output: np.ndarray, weight: np.ndarray, input_size: tuple[int, int],
                      stride: tuple[int, int], padding: tuple[int, int]) -> np.ndarray:
    """dx (N, C, H, W): col2im(W^T dy) onto the padded image, with the stride, then the padding
    cropped off (it was not an input). Rows and columns no window reached get zero.

    >>> conv2d_input_grad(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), (4, 4), (2, 2), (1, 1))[0, 0]
    array([[1., 2., 1., 1.],
           [2., 4., 2., 2.],
           [1., 2., 1., 1.],
           [1., 2., 1., 1.]])
    """
    N, O = grad_output.shape[:2]
    _, C, kh, kw = weight.shape
    (H, W), (ph, pw) = input_size, padding
    w_t = weight.reshape(O, -1).T
    frame = (H + 2 * ph, W + 2 * pw)
    padded = np.stack([col2im(w_t @ dy.reshape(O, -1), frame, (kh, kw), stride) for dy in grad_output])
    return padded[:, :, ph:ph + H, pw:pw + W]
