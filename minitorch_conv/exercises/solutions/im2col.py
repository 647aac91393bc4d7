"""Exercise 1, worked: im2col for one image, one strided slice per kernel offset."""

from __future__ import annotations

import numpy as np


def im2col(image: np.ndarray, kernel_size: tuple[int, int]) -> np.ndarray:
    """cols (C*kh*kw, Ho*Wo): column ``y*Wo + x`` is the patch at output position (y, x); its row
    ``(c*kh + i)*kw + j`` is ``image[c, y + i, x + j]``.

    For each kernel offset (i, j), the pixels that offset sees, over all output positions, are
    one slice of the image: ``image[:, i:i + Ho, j:j + Wo]``. So kh*kw slice copies fill the
    columns, with no loop over pixels.

    >>> im2col(np.arange(9.0).reshape(1, 3, 3), (2, 2))
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    C, H, W = image.shape
    kh, kw = kernel_size
    Ho, Wo = H - kh + 1, W - kw + 1
    cols = np.empty((C, kh, kw, Ho, Wo), dtype=image.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = image[:, i:i + Ho, j:j + Wo]
    return cols.reshape(C * kh * kw, Ho * Wo)
