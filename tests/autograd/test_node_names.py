"""Nodes carry PyTorch's names: ``grad_fn.name()`` (and the tensor's repr) read the same as with
PyTorch for the operations programs use most, including those built here of several Functions."""

from __future__ import annotations

import pytest

import minitorch_conv as mt

F_CASES = {
    "relu": lambda l, t: l.relu(t),
    "mul": lambda l, t: t * 2,
    "add": lambda l, t: t + 1,
    "sub": lambda l, t: t - 1,
    "div": lambda l, t: t / 2,
    "neg": lambda l, t: -t,
    "pow": lambda l, t: t ** 2,
    "exp": lambda l, t: t.exp(),
    "sigmoid": lambda l, t: t.sigmoid(),
    "tanh": lambda l, t: t.tanh(),
    "sum": lambda l, t: t.sum(),
    "mean": lambda l, t: t.mean(),
    "mean_dim": lambda l, t: t.reshape(2, 2).mean(0),
    "max": lambda l, t: t.max(),
    "max_dim": lambda l, t: t.reshape(2, 2).max(0).values,
    "clamp": lambda l, t: t.clamp(0, 1),
    "where": lambda l, t: l.where(t > 0, t, 0.0),
    "view": lambda l, t: t.view(4, 1),
    "unsqueeze": lambda l, t: t.unsqueeze(0),
    "squeeze": lambda l, t: t.reshape(1, 4).squeeze(0),
    "t": lambda l, t: t.reshape(2, 2).t(),
    "transpose": lambda l, t: t.reshape(2, 2).transpose(0, 1),
    "permute": lambda l, t: t.reshape(2, 2).permute(1, 0),
    "expand": lambda l, t: t.expand(2, 4),
    "select": lambda l, t: t[0],
    "slice": lambda l, t: t[1:],
    "index": lambda l, t: t[l.tensor([0, 2])],
    "cat": lambda l, t: l.cat([t, t]),
    "clone": lambda l, t: t.clone(),
    "to": lambda l, t: t.double(),
    "mm": lambda l, t: t.reshape(2, 2) @ t.reshape(2, 2),
    "mv": lambda l, t: t.reshape(2, 2) @ t[:2],
    "dot": lambda l, t: t @ t,
    "linear": lambda l, t: l.nn.functional.linear(t.reshape(1, 4), l.ones(2, 4), l.ones(2)),
    "linear_no_bias": lambda l, t: l.nn.functional.linear(t.reshape(1, 4), l.ones(2, 4)),
    "linear_3d": lambda l, t: l.nn.functional.linear(t.reshape(1, 1, 4), l.ones(2, 4), l.ones(2)),
    "conv2d": lambda l, t: l.nn.functional.conv2d(t.reshape(1, 1, 2, 2), l.ones(1, 1, 1, 1)),
    "max_pool2d": lambda l, t: l.nn.functional.max_pool2d(t.reshape(1, 1, 2, 2), 2),
    "avg_pool2d": lambda l, t: l.nn.functional.avg_pool2d(t.reshape(1, 1, 2, 2), 2),
    "adaptive_avg_pool2d_1": lambda l, t: l.nn.functional.adaptive_avg_pool2d(t.reshape(1, 1, 2, 2), 1),
    "adaptive_avg_pool2d": lambda l, t: l.nn.functional.adaptive_avg_pool2d(t.reshape(1, 1, 2, 2), (2, 1)),
    "softmax": lambda l, t: t.softmax(0),
    "log_softmax": lambda l, t: t.log_softmax(0),
    "cross_entropy": lambda l, t: l.nn.functional.cross_entropy(t.reshape(1, 4), l.tensor([1])),
    "binary_cross_entropy": lambda l, t: l.nn.functional.binary_cross_entropy(t.sigmoid(), l.ones(4)),
    "mse_loss": lambda l, t: l.nn.functional.mse_loss(t, l.zeros(4)),
    "gelu": lambda l, t: l.nn.functional.gelu(t),
    "silu": lambda l, t: l.nn.functional.silu(t),
    "leaky_relu": lambda l, t: l.nn.functional.leaky_relu(t),
    "batch_norm": lambda l, t: l.nn.functional.batch_norm(t.reshape(2, 2), None, None, training=True),
}


@pytest.mark.parametrize("case", list(F_CASES))
def test_node_names_are_pytorchs(case):
    torch = pytest.importorskip("torch")
    ours = F_CASES[case](mt, mt.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True))
    theirs = F_CASES[case](torch, torch.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True))
    assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_names_without_pytorch():
    """Built-in operations end in a version number; a Function you write does not (PyTorch's
    Python Functions are named so too); messages name the operation without either."""
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert x.mean().grad_fn.name() == "MeanBackward0" and x[0].grad_fn.name() == "SelectBackward0"

    class Square(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, grad):
            return grad

    assert Square.apply(x).grad_fn.name() == "SquareBackward"
    y = mt.relu(x)
    z = (y * y).sum()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"which is output 0 of Add, is at version 1"):
        z.backward()
