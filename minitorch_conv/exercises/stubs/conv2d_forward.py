"""Exercise 3: conv2d's forward by im2col and one GEMM.

With the patches of an image as the columns of ``cols`` (C*kh*kw, Ho*Wo), and the O filters as
the rows of ``W`` reshaped to (O, C*kh*kw), every output value is a row times a column:

    y = W @ cols + bias          (O, Ho*Wo), then reshaped to (O, Ho, Wo)

one matrix product (a GEMM) per image. PyTorch's conv2d is a cross-correlation: the kernel is
not flipped.

Write ``conv2d_forward`` below (stride 1, no padding, one group: the framework pads the input
before it calls you), then run:

    python -m minitorch_conv.exercises check conv2d_forward

Hints:

1. An im2col is imported below: the framework's. To use yours from exercise 1 instead, put
   ``from im2col import im2col`` (this file and yours are in the same folder).
2. ``weight.reshape(O, -1)`` lists each filter's C*kh*kw numbers in the same (c, i, j) order
   as im2col's rows.
3. One image at a time: ``w @ im2col(x[n], (kh, kw))`` is (O, Ho*Wo). ``np.stack`` the images.
4. ``bias`` may be None. Otherwise bias[o] is added at every position of output channel o:
   ``bias.reshape(1, O, 1, 1)`` broadcasts that way.
"""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import im2col  # noqa: F401 - or yours: from im2col import im2col


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """y = conv2d(x, weight) + bias, stride 1, no padding.

    x: (N, C, H, W). weight: (O, C, kh, kw). bias: (O,) or None.
    Returns y, shape (N, O, Ho, Wo), Ho = H - kh + 1, Wo = W - kw + 1, with
    ``y[n, o, y, x] = bias[o] + sum over c, i, j of weight[o, c, i, j] * x[n, c, y + i, x + j]``.

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> conv2d_forward(x, w, np.array([1.0]))[0, 0]
    array([[ 35.,  45.,  55.],
           [ 75.,  85.,  95.],
           [115., 125., 135.]])
    """
    raise NotImplementedError("write conv2d_forward: see its docstring and the hints above")
