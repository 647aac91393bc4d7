"""Exercise 2, worked: col2im, the adjoint of im2col."""

from __future__ import annotations

import numpy as np


def col2im(cols: np.ndarray, image_size: tuple[int, int], kernel_size: tuple[int, int]) -> np.ndarray:
    """The (C, H, W) image that cols (C*kh*kw, Ho*Wo) adds back to: each entry goes to the pixel
    im2col copied it from, and entries that land on the same pixel add up.

    The same slices as im2col, with ``+=`` where im2col had ``=``: a pixel that k patches cover
    receives k entries.

    >>> col2im(np.ones((4, 4)), (3, 3), (2, 2))
    array([[[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]]])
    """
    (H, W), (kh, kw) = image_size, kernel_size
    Ho, Wo = H - kh + 1, W - kw + 1
    blocks = cols.reshape(-1, kh, kw, Ho, Wo)
    image = np.zeros((blocks.shape[0], H, W), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            image[:, i:i + Ho, j:j + Wo] += blocks[:, i, j]
    return image
