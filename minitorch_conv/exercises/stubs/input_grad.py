"""Exercise 4: the input gradient of conv2d.

The forward was ``y = W @ cols`` per image, with ``cols = im2col(x)``. Backward receives
dy = dL/dy, of y's shape, and the chain rule gives

    dcols = W^T @ dy               (C*kh*kw, Ho*Wo): the gradient of each column entry
    dx    = col2im(dcols)          (C, H, W): each entry's gradient goes back to its pixel

col2im, because it is im2col's adjoint: every copy im2col made of a pixel returns its gradient
to that pixel, and the copies add up.

Write ``conv2d_input_grad`` below (stride 1, no padding), then run:

    python -m minitorch_conv.exercises check input_grad

The check ends with gradcheck: finite differences of F.conv2d, with your function computing its
input gradient, and gradcheck's explained report if they disagree.

Hints:

1. A col2im is imported below: the framework's. Yours: ``from col2im import col2im``.
2. ``weight.reshape(O, -1).T`` is W^T, (C*kh*kw, O); ``grad_output[n].reshape(O, -1)`` is one
   image's dy, (O, Ho*Wo).
3. One image at a time, then ``np.stack``.
"""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import col2im  # noqa: F401 - or yours: from col2im import col2im


def conv2d_input_grad(grad_output: np.ndarray, weight: np.ndarray, input_size: tuple[int, int]) -> np.ndarray:
    """dx = dL/dx of ``y = conv2d(x, weight)`` (stride 1, no padding), from dy = dL/dy.

    grad_output: dy, (N, O, Ho, Wo). weight: (O, C, kh, kw). input_size: (H, W) of x.
    Returns dx, shape (N, C, H, W).

    >>> dy = np.ones((1, 1, 2, 2))
    >>> conv2d_input_grad(dy, np.ones((1, 1, 2, 2)), (3, 3))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    raise NotImplementedError("write conv2d_input_grad: see its docstring and the hints above")
