"""Exercise 1: im2col for one image.

A convolution slides a small kernel over an image and, at every position, multiplies the patch
under it with the kernel. im2col ("image to columns") copies every kernel-sized patch of the
image into one column of a matrix. Once the patches are columns, the whole convolution is a
single matrix product (exercise 3), which is how the framework computes it.

Write ``im2col`` below (stride 1, no padding: the framework pads the image before it calls you),
then run:

    python -m minitorch_conv.exercises check im2col

The check compares your function with the framework's on small images drawn by hypothesis,
then swaps yours in for ours (``mt.backends.override("im2col", ...)``) and trains the example
CNN for one epoch with your im2col inside every convolution.

Hints (read one, try, then read the next):

1. The output has one column per kernel position: Ho = H - kh + 1 rows of positions times
   Wo = W - kw + 1 columns of positions. Start with ``cols = np.empty((C, kh, kw, Ho, Wo),
   dtype=image.dtype)`` and reshape it at the end.
2. A loop over every output position (y, x) with ``image[:, y:y + kh, x:x + kw]`` works, and is
   a fine first version.
3. Faster: loop over the kernel offsets (i, j) instead. The pixel that offset (i, j) sees, over
   all positions at once, is one slice: ``image[:, i:i + Ho, j:j + Wo]``.
4. The rows run over (c, i, j) with j fastest, the columns over (y, x) with x fastest: that is
   exactly what ``(C, kh, kw, Ho, Wo).reshape(C * kh * kw, Ho * Wo)`` gives.
"""

from __future__ import annotations

import numpy as np


def im2col(image: np.ndarray, kernel_size: tuple[int, int]) -> np.ndarray:
    """Every kernel-sized patch of ``image`` as a column.

    image: (C, H, W). kernel_size: (kh, kw).
    Returns cols, shape (C*kh*kw, Ho*Wo), with Ho = H - kh + 1 and Wo = W - kw + 1:
    column ``y*Wo + x`` is the patch whose top-left pixel is (y, x), and its row
    ``(c*kh + i)*kw + j`` holds ``image[c, y + i, x + j]``. Keep the image's dtype.

    >>> image = np.arange(9.0).reshape(1, 3, 3)
    >>> image[0]
    array([[0., 1., 2.],
           [3., 4., 5.],
           [6., 7., 8.]])
    >>> im2col(image, (2, 2))  # the four 2x2 patches, one a column
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    raise NotImplementedError("write im2col: see its docstring and the hints above")
