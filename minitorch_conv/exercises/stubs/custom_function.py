"""Exercise 9: conv2d as your own autograd.Function, checked by gradcheck.

An ``autograd.Function`` is how a new operation joins autograd: a static ``forward(ctx, ...)``
that computes the output and saves what backward needs (``ctx.save_for_backward``), and a
static ``backward(ctx, grad_output)`` that returns one gradient per input of forward (None
where ``ctx.needs_input_grad`` says none is needed). ``Conv2dFunction.apply(x, w, b)`` then
records it in the graph, and ``mt.autograd.gradcheck`` compares its backward with finite
differences.

Build conv2d (stride 1, no padding) this way from the kernels of exercises 3 to 5, run this
file to gradcheck it yourself, then run:

    python -m minitorch_conv.exercises check custom_function

The check swaps your Function in for F.conv2d's (the framework pads the input with F.pad
first) and trains the example CNN on it.

Hints:

1. Inside forward and backward you have Tensors; ``t.detach().numpy()`` is the array,
   ``mt.from_numpy(array)`` makes one a Tensor.
2. The kernels: ``kit.conv2d_forward(x, w, b)``, ``kit.conv2d_input_grad(dy, w, (H, W))``,
   ``kit.conv2d_weight_grad(x, dy, (kh, kw))``; or yours (``from conv2d_forward import
   conv2d_forward``, ...). db is ``dy.sum(axis=(0, 2, 3))``.
3. ``bias`` may be None: then forward adds nothing and backward returns None for it.
"""

from __future__ import annotations

import minitorch_conv as mt
from minitorch_conv.exercises import kit  # noqa: F401 - or your own kernels


class Conv2dFunction(mt.autograd.Function):
    """y = conv2d(x, weight) + bias, stride 1, no padding, as an autograd Function.

    forward(ctx, x, weight, bias): x (N, C, H, W), weight (O, C, kh, kw), bias (O,) or None,
    returns y (N, O, Ho, Wo). backward(ctx, grad_output) returns (dx, dweight, dbias).

    >>> x = mt.randn(2, 3, 5, 5, dtype=mt.float64, requires_grad=True)
    >>> w = mt.randn(4, 3, 3, 3, dtype=mt.float64, requires_grad=True)
    >>> b = mt.randn(4, dtype=mt.float64, requires_grad=True)
    >>> Conv2dFunction.apply(x, w, b).shape
    minitorch_conv.Size([2, 4, 3, 3])
    >>> mt.autograd.gradcheck(Conv2dFunction.apply, (x, w, b))
    True
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        raise NotImplementedError("write Conv2dFunction.forward: see the docstring and the hints")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("write Conv2dFunction.backward: see the docstring and the hints")


if __name__ == "__main__":  # python custom_function.py: your own gradcheck
    x = mt.randn(2, 3, 6, 5, dtype=mt.float64, requires_grad=True)
    w = mt.randn(4, 3, 3, 2, dtype=mt.float64, requires_grad=True)
    b = mt.randn(4, dtype=mt.float64, requires_grad=True)
    print("gradcheck:", mt.autograd.gradcheck(Conv2dFunction.apply, (x, w, b)))
