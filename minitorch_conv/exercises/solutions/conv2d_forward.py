"""Exercise 3, worked: conv2d's forward, im2col then one GEMM per image."""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import im2col


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """y (N, O, Ho, Wo) = W (O, C*kh*kw) @ cols (C*kh*kw, Ho*Wo) + bias, for each image.

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_forward(x, np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.array([1.0]))[0, 0]
    array([[ 35.,  45.,  55.],
           [ 75.,  85.,  95.],
           [115., 125., 135.]])
    """
    N, _, H, W = x.shape
    O, _, kh, kw = weight.shape
    Ho, Wo = H - kh + 1, W - kw + 1
    w = weight.reshape(O, -1)
    y = np.stack([w @ im2col(image, (kh, kw)) for image in x]).reshape(N, O, Ho, Wo)
    if bias is not None:
        y = y + bias.reshape(1, O, 1, 1)
    return y
