"""Exercise 4, worked: the input gradient, col2im of W^T dy."""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import col2im


def conv2d_input_grad(grad_output: np.ndarray, weight: np.ndarray, input_size: tuple[int, int]) -> np.ndarray:
    """dx (N, C, H, W) from dy (N, O, Ho, Wo): dcols = W^T (C*kh*kw, O) @ dy (O, Ho*Wo), then col2im.

    The forward was y = W @ cols, so the chain rule gives dcols = W^T @ dy; and cols = im2col(x)
    is linear, with col2im as its adjoint, so dx = col2im(dcols).

    >>> conv2d_input_grad(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), (3, 3))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    N, O = grad_output.shape[:2]
    _, C, kh, kw = weight.shape
    w_t = weight.reshape(O, -1).T
    return np.stack([col2im(w_t @ dy.reshape(O, -1), input_size, (kh, kw)) for dy in grad_output])
