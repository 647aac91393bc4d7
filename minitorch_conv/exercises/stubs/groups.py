"""Exercise 7: groups.

With ``groups=G``, the C input channels are split into G groups of C/G, the O filters into G
groups of O/G, and group g's filters see only group g's channels. That is G independent
convolutions side by side, and a weight of shape (O, C/G, kh, kw): each filter is only C/G
channels deep. ``groups=C`` is a *depthwise* convolution, one filter per channel; MobileNet's
building block.

Write ``conv2d_forward`` with groups below (stride 1, no padding), then run:

    python -m minitorch_conv.exercises check groups

The check ends by training the example CNN with a grouped second convolution (groups=4).

Hints:

1. Group g's input channels are ``x[:, g*Cg:(g + 1)*Cg]`` (Cg = C // G), its filters
   ``weight[g*Og:(g + 1)*Og]`` (Og = O // G), and its outputs go to channels g*Og..(g+1)*Og-1.
2. Each group is exercise 3 on its own: im2col of its channels, one GEMM.
"""

from __future__ import annotations

import numpy as np

from minitorch_conv.exercises.kit import im2col  # noqa: F401 - or yours: from im2col import im2col


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, groups: int) -> np.ndarray:
    """y = conv2d(x, weight, bias, groups=groups), stride 1, no padding.

    x: (N, C, H, W). weight: (O, C/groups, kh, kw). bias: (O,) or None. Returns (N, O, Ho, Wo).

    >>> x = np.ones((1, 2, 2, 2)) * np.array([1.0, 10.0])[:, None, None]  # channel 1 is 10s
    >>> w = np.array([1.0, 2.0]).reshape(2, 1, 1, 1)  # one 1x1 filter per group
    >>> conv2d_forward(x, w, None, 2)[0, :, 0, 0]  # filter 1 sees only channel 1
    array([ 1., 20.])
    """
    raise NotImplementedError("write conv2d_forward: see its docstring and the hints above")
