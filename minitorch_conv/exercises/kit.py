"""The framework's own kernels, for one image and on NumPy arrays, to build later exercises on.

Each exercise builds on the ones before it: conv2d's forward (exercise 3) needs an im2col, its
input gradient (exercise 4) a col2im. Use the ones you wrote (``from im2col import im2col``, when
your files are in one folder), or these: the framework's, run with every override suspended, so
they are never replaced by ``mt.backends.override``.

>>> import numpy as np
>>> from minitorch_conv.exercises import kit
>>> image = np.arange(9.0).reshape(1, 3, 3)
>>> kit.im2col(image, (2, 2))
array([[0., 1., 3., 4.],
       [1., 2., 4., 5.],
       [3., 4., 6., 7.],
       [4., 5., 7., 8.]])
>>> kit.col2im(np.ones((4, 4)), (3, 3), (2, 2))
array([[[1., 2., 1.],
        [2., 4., 2.],
        [1., 2., 1.]]])
"""

from __future__ import annotations

import numpy as np

from ..backends import get_backend, overrides
from ..ops.conv import ConvParams, conv2d_array, conv2d_weight_grad_array, conv_transpose2d_array

__all__ = ["im2col", "col2im", "conv2d_forward", "conv2d_input_grad", "conv2d_weight_grad"]


def _out_size(size, kernel_size, stride, dilation):
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(size, kernel_size, stride, dilation))


def im2col(image: np.ndarray, kernel_size, stride=(1, 1), dilation=(1, 1)) -> np.ndarray:
    """cols (C*kh*kw, Ho*Wo) of one image (C, H, W): row ``(c*kh + i)*kw + j``, column ``y*Wo + x``
    holds ``image[c, y*sh + i*dh, x*sw + j*dw]``.

    >>> import numpy as np
    >>> im2col(np.arange(8.0).reshape(2, 2, 2), (2, 2)).T
    array([[0., 1., 2., 3., 4., 5., 6., 7.]])
    """
    out = _out_size(image.shape[1:], kernel_size, stride, dilation)
    cols = get_backend("cpu").im2col(np.asarray(image)[None], tuple(kernel_size), tuple(stride),
                                     tuple(dilation), out)
    return cols.reshape(-1, out[0] * out[1])


def col2im(cols: np.ndarray, image_size, kernel_size, stride=(1, 1), dilation=(1, 1)) -> np.ndarray:
    """The adjoint of :func:`im2col`: the (C, H, W) image, ``(H, W) = image_size``, that each
    column entry is added back to.

    >>> import numpy as np
    >>> col2im(np.ones((2, 4)), (2, 3), (1, 2))
    array([[[1., 2., 1.],
            [1., 2., 1.]]])
    """
    (kh, kw), out = kernel_size, _out_size(image_size, kernel_size, stride, dilation)
    blocks = np.asarray(cols).reshape(1, -1, kh, kw, *out)
    return get_backend("cpu").col2im(blocks, tuple(image_size), tuple(stride), tuple(dilation))[0]


def _params(stride, padding, groups) -> ConvParams:
    (sh, sw), (ph, pw) = stride, padding
    return ConvParams((sh, sw), (ph, ph, pw, pw), (1, 1), groups)


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride=(1, 1),
                   padding=(0, 0), groups: int = 1) -> np.ndarray:
    """y (N, O, Ho, Wo) of x (N, C, H, W) and weight (O, C/groups, kh, kw), plus bias (O,).

    >>> import numpy as np
    >>> conv2d_forward(np.ones((1, 1, 3, 3)), np.ones((2, 1, 2, 2)), np.array([0.0, 1.0]))[0, :, 0]
    array([[4., 4.],
           [5., 5.]])
    """
    with overrides.suspended():
        return conv2d_array(get_backend("cpu"), x, weight, _params(stride, padding, groups), bias)


def conv2d_input_grad(grad_output: np.ndarray, weight: np.ndarray, input_size, stride=(1, 1),
                      padding=(0, 0), groups: int = 1) -> np.ndarray:
    """dx (N, C, H, W), ``(H, W) = input_size``, of a convolution, from dy (N, O, Ho, Wo).

    >>> import numpy as np
    >>> conv2d_input_grad(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), (3, 3))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    with overrides.suspended():
        return conv_transpose2d_array(get_backend("cpu"), grad_output, weight,
                                      _params(stride, padding, groups), tuple(input_size))


def conv2d_weight_grad(x: np.ndarray, grad_output: np.ndarray, kernel_size, stride=(1, 1),
                       padding=(0, 0), groups: int = 1) -> np.ndarray:
    """dW (O, C/groups, kh, kw) of a convolution of x (N, C, H, W), from dy (N, O, Ho, Wo).

    >>> import numpy as np
    >>> conv2d_weight_grad(np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)), (2, 2))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    with overrides.suspended():
        return conv2d_weight_grad_array(get_backend("cpu"), x, grad_output, tuple(kernel_size),
                                        _params(stride, padding, groups))
