"""Exercise 8, worked: the backward of a max-pool."""

from __future__ import annotations

import numpy as np


def max_pool2d_backward(x: np.ndarray, grad_output: np.ndarray, kernel_size: tuple[int, int],
                        stride: tuple[int, int]) -> np.ndarray:
    """dx (N, C, H, W): each window's gradient goes to the window's first maximum, row by row.

    The output was one element of each window, so only that element gets the window's gradient.
    Windows may overlap (stride < kernel): a pixel that is the maximum of several windows gets
    the sum of their gradients.

    >>> x = np.array([[[[1.0, 3.0, 2.0], [3.0, 0.0, 1.0]]]])
    >>> max_pool2d_backward(x, np.array([[[[10.0, 20.0]]]]), (2, 2), (1, 1))[0, 0]
    array([[ 0., 30.,  0.],
           [ 0.,  0.,  0.]])
    """
    (kh, kw), (sh, sw) = kernel_size, stride
    N, C = x.shape[:2]
    Ho, Wo = grad_output.shape[2:]
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for y in range(Ho):
                for x_ in range(Wo):
                    window = x[n, c, y * sh:y * sh + kh, x_ * sw:x_ * sw + kw]
                    i, j = np.unravel_index(np.argmax(window), window.shape)  # the first maximum
                    dx[n, c, y * sh + i, x_ * sw + j] += grad_output[n, c, y, x_]
    return dx
