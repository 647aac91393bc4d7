"""Exercise 9, worked: conv2d as an ``autograd.Function`` of your own, checked by gradcheck."""

from __future__ import annotations

import minitorch_conv as mt
from minitorch_conv.exercises import kit


class Conv2dFunction(mt.autograd.Function):
    """y = conv2d(x, W) + b (stride 1, no padding) on NumPy arrays, with its backward.

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
        ctx.save_for_backward(x, weight)
        bias_array = None if bias is None else bias.detach().numpy()
        return mt.from_numpy(kit.conv2d_forward(x.detach().numpy(), weight.detach().numpy(), bias_array))

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        dy = grad_output.detach().numpy()
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = mt.from_numpy(kit.conv2d_input_grad(dy, weight.detach().numpy(), tuple(x.shape[2:])))
        if ctx.needs_input_grad[1]:
            kernel_size = tuple(weight.shape[2:])
            grad_weight = mt.from_numpy(kit.conv2d_weight_grad(x.detach().numpy(), dy, kernel_size))
        if ctx.needs_input_grad[2]:
            grad_bias = mt.from_numpy(dy.sum(axis=(0, 2, 3)))
        return grad_x, grad_weight, grad_bias
