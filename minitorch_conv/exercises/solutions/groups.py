"""Exercise 7, worked: a grouped convolution, one ordinary convolution per group."""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import im2col


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, groups: int) -> np.ndarray:
    """y (N, O, Ho, Wo): group g convolves input channels g*C/G .. (g+1)*C/G - 1 with the filters
    g*O/G .. (g+1)*O/G - 1 of weight (O, C/G, kh, kw).

    >>> x = np.ones((1, 2, 2, 2))
    >>> w = np.stack([np.ones((1, 1, 1)), 2 * np.ones((1, 1, 1))])  # (2, 1, 1, 1): one filter a group
    >>> conv2d_forward(x * np.array([1.0, 10.0])[:, None, None], w, None, 2)[0, :, 0, 0]
    array([ 1., 20.])
    """
    N, C, H, W = x.shape
    O, Cg, kh, kw = weight.shape
    Og, Ho, Wo = O // groups, H - kh + 1, W - kw + 1
    y = np.empty((N, O, Ho, Wo), dtype=x.dtype)
    for g in range(groups):
        w = weight[g * Og:(g + 1) * Og].reshape(Og, -1)
        for n in range(N):
            cols = im2col(x[n, g * Cg:(g + 1) * Cg], (kh, kw))
            y[n, g * Og:(g + 1) * Og] = (w @ cols).reshape(Og, Ho, Wo)
    return y if bias is None else y + bias.reshape(1, O, 1, 1)
