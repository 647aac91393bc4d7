"""Exercise 8: the backward of a max-pool.

A max-pool outputs the largest value of each window. Only that one element reaches the output,
so only it gets the window's gradient; every other element of the window gets nothing from it.
Two details decide the right answer:

- **ties**: when a window holds its maximum twice, the gradient goes to the *first* one, row by
  row (PyTorch's rule; ``np.argmax`` returns the first);
- **overlapping windows** (stride < kernel): one element can be the maximum of several windows,
  and then it gets the sum of their gradients.

Write ``max_pool2d_backward`` below (no padding), then run:

    python -m minitorch_conv.exercises check max_pool_backward

Hints:

1. Loops over n, c and the output positions (y, x) are fine; the window of (y, x) is
   ``x[n, c, y*sh:y*sh + kh, x*sw:x*sw + kw]``.
2. ``np.unravel_index(np.argmax(window), window.shape)`` gives the (i, j) of the first maximum.
3. ``+=``, not ``=``.
"""

from __future__ import annotations

import numpy as np


def max_pool2d_backward(x: np.ndarray, grad_output: np.ndarray, kernel_size: tuple[int, int],
                        stride: tuple[int, int]) -> np.ndarray:
    """dx = dL/dx of ``y = max_pool2d(x, kernel_size, stride)``, from dy = dL/dy.

    x: (N, C, H, W). grad_output: dy, (N, C, Ho, Wo) with Ho = (H - kh) // sh + 1.
    Returns dx, shape (N, C, H, W), in x's dtype.

    >>> x = np.array([[[[1.0, 3.0, 2.0], [3.0, 0.0, 1.0]]]])  # two overlapping 2x2 windows
    >>> max_pool2d_backward(x, np.array([[[[10.0, 20.0]]]]), (2, 2), (1, 1))[0, 0]
    array([[ 0., 30.,  0.],
           [ 0.,  0.,  0.]])
    """
    raise NotImplementedError("write max_pool2d_backward: see its docstring and the hints above")
