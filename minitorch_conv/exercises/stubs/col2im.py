"""Exercise 2: col2im, the adjoint of im2col.

im2col copies pixels into columns; a pixel that several patches cover is copied several times.
col2im goes back: it adds every entry of the columns onto the pixel it was copied from. It is
not im2col's inverse, it is its *adjoint*: for every image x and columns c,

    <im2col(x), c> == <x, col2im(c)>      (<a, b> = sum of a * b)

and that is why the framework uses it to carry a gradient from the columns back to the image
(exercise 4).

Write ``col2im`` below (stride 1, no padding), then run:

    python -m minitorch_conv.exercises check col2im

Hints:

1. Undo the reshape of im2col first: ``cols.reshape(C, kh, kw, Ho, Wo)``, with
   Ho = H - kh + 1, Wo = W - kw + 1 and C = cols.shape[0] // (kh * kw).
2. Start from ``np.zeros((C, H, W), dtype=cols.dtype)``: pixels no entry reaches stay 0.
3. The same slices as in im2col, ``image[:, i:i + Ho, j:j + Wo]`` for each kernel offset
   (i, j), but with ``+=`` where im2col had ``=``: where patches overlap, every patch adds its
   entry.
"""

from __future__ import annotations

import numpy as np


def col2im(cols: np.ndarray, image_size: tuple[int, int], kernel_size: tuple[int, int]) -> np.ndarray:
    """Add every entry of ``cols`` back onto the pixel im2col copied it from.

    cols: (C*kh*kw, Ho*Wo), laid out as im2col returns it. image_size: (H, W). kernel_size:
    (kh, kw). Returns the image, shape (C, H, W), in cols' dtype.

    >>> col2im(np.ones((4, 4)), (3, 3), (2, 2))  # how many 2x2 patches cover each pixel
    array([[[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]]])
    """
    raise NotImplementedError("write col2im: see its docstring and the hints above")
