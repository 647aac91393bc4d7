"""Exercise 5: the weight and bias gradients of conv2d.

The forward was ``y = W @ cols + bias`` per image. The chain rule for a matrix product gives the
weight's gradient as dy times the transposed other factor, summed over the batch (the same W
served every image):

    dW = sum over n of dy_n @ cols_n^T        (O, Ho*Wo) @ (Ho*Wo, C*kh*kw) -> (O, C*kh*kw)
    db = dy summed over (N, Ho, Wo)           bias[o] was added at every position of channel o

Write both functions below (stride 1, no padding), then run:

    python -m minitorch_conv.exercises check weight_bias_grad

Hints:

1. An im2col is imported below; yours: ``from im2col import im2col``.
2. ``grad_output[n].reshape(O, -1)`` is dy_n; reshape the (O, C*kh*kw) sum to (O, C, kh, kw).
3. ``ndarray.sum(axis=(0, 2, 3))`` sums over several axes at once.
"""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import im2col  # noqa: F401 - or yours: from im2col import im2col


def conv2d_weight_grad(x: np.ndarray, grad_output: np.ndarray, kernel_size: tuple[int, int]) -> np.ndarray:
    """dW = dL/dW of ``y = conv2d(x, W)`` (stride 1, no padding), from dy = dL/dy.

    x: (N, C, H, W). grad_output: dy, (N, O, Ho, Wo). kernel_size: (kh, kw).
    Returns dW, shape (O, C, kh, kw).

    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d_weight_grad(x, np.ones((1, 1, 2, 2)), (2, 2))[0, 0]  # each tap's patch sums
    array([[ 8., 12.],
           [20., 24.]])
    """
    raise NotImplementedError("write conv2d_weight_grad: see its docstring and the hints above")


def conv2d_bias_grad(grad_output: np.ndarray) -> np.ndarray:
    """db = dL/dbias, from dy = dL/dy of shape (N, O, Ho, Wo). Returns shape (O,).

    >>> conv2d_bias_grad(np.ones((2, 3, 4, 5)))
    array([40., 40., 40.])
    """
    raise NotImplementedError("write conv2d_bias_grad: see its docstring and the hints above")
