"""Exercise 5, worked: the weight and bias gradients."""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import im2col


def conv2d_weight_grad(x: np.ndarray, grad_output: np.ndarray, kernel_size: tuple[int, int]) -> np.ndarray:
    """dW (O, C, kh, kw) = sum over images of dy (O, Ho*Wo) @ cols^T (Ho*Wo, C*kh*kw).

    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d_weight_grad(x, np.ones((1, 1, 2, 2)), (2, 2))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    N, C = x.shape[:2]
    O = grad_output.shape[1]
    kh, kw = kernel_size
    total = sum(dy.reshape(O, -1) @ im2col(image, kernel_size).T for image, dy in zip(x, grad_output))
    return total.reshape(O, C, kh, kw)


def conv2d_bias_grad(grad_output: np.ndarray) -> np.ndarray:
    """db (O,): bias[o] was added at every position of every image, so db[o] sums dy over them.

    >>> conv2d_bias_grad(np.ones((2, 3, 4, 5)))
    array([40., 40., 40.])
    """
    return grad_output.sum(axis=(0, 2, 3))
