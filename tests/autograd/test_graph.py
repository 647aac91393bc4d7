"""The graph as PyTorch shows it: node classes named as the nodes, ``next_functions`` with one
entry per tensor input, ``mt.autograd.graph.Node``, and hooks on the tensors saved for backward."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

GRAPHS = {
    "mul by a constant tensor": lambda lib, x: x * lib.tensor([2.0, 3.0, 4.0]),
    "constant times x": lambda lib, x: lib.tensor([2.0, 3.0, 4.0]) * x,
    "sum over a dim": lambda lib, x: (x * 2).reshape(1, 3).sum(1, keepdim=True),
    "mean": lambda lib, x: x.exp().mean(),
    "mean over a dim": lambda lib, x: x.exp().reshape(3, 1).mean(1),
    "cat of two paths": lambda lib, x: lib.cat([x.exp(), x.sin()]),
    "clamp with bounds": lambda lib, x: x.clamp(0.0, 1.0),
}


def _walk(node, depth=4):
    """Every node's class name, depth-first, with each entry's output_nr."""
    if node is None or depth == 0:
        return [None]
    return [type(node).__name__] + [
        [nr, _walk(child, depth - 1)] for child, nr in node.next_functions]


@pytest.mark.parametrize("case", list(GRAPHS))
def test_graph_walks_match_pytorchs(case):
    torch = pytest.importorskip("torch")
    ours = GRAPHS[case](mt, mt.tensor([0.5, -1.0, 2.0], requires_grad=True))
    theirs = GRAPHS[case](torch, torch.tensor([0.5, -1.0, 2.0], requires_grad=True))
    assert _walk(ours.grad_fn) == _walk(theirs.grad_fn)


def test_node_classes_and_next_functions_without_pytorch():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * mt.tensor([3.0, 4.0])
    assert type(y.grad_fn).__name__ == "MulBackward0"
    (leaf, nr), (nothing, nr2) = y.grad_fn.next_functions
    assert type(leaf).__name__ == "AccumulateGrad" and leaf.variable is x
    assert (nothing, nr, nr2) == (None, 0, 0)
    s = y.sum(0)  # dim and keepdim are no inputs of the graph
    assert len(s.grad_fn.next_functions) == 1 and s.grad_fn.next_functions[0][0] is y.grad_fn
    assert isinstance(s.grad_fn, mt.autograd.graph.Node) and isinstance(leaf, mt.autograd.graph.Node)
    assert not isinstance(x, mt.autograd.graph.Node)

    class Twice(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, factor):
            return a * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None

    t = Twice.apply(x, 2)
    assert type(t.grad_fn).__name__ == "TwiceBackward" and len(t.grad_fn.next_functions) == 1


def test_saved_tensors_hooks_pack_and_unpack():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=mt.float64)
    packed, unpacked = [], []

    def pack(tensor):
        packed.append(tensor)
        return tensor.detach().numpy().copy()  # anything may be kept

    def unpack(array):
        unpacked.append(array)
        return mt.tensor(array)

    with mt.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (x * x).sin().sum()
    assert len(packed) >= 2 and not unpacked  # unpacked only when backward needs them
    y.backward()
    assert len(unpacked) == len(packed)
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy() ** 2) * 2 * x.detach().numpy())


def test_saved_tensors_hooks_match_pytorchs_counts_and_innermost_wins():
    torch = pytest.importorskip("torch")
    def run(lib):
        outer, inner = [], []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: outer.append(1) or t, lambda t: t):
            a = x * x
            with lib.autograd.graph.saved_tensors_hooks(lambda t: inner.append(1) or t, lambda t: t * 1):
                b = a.exp()
        (a + b).sum().backward()
        return len(outer), len(inner), x.grad.tolist()

    counts = {lib.__name__: run(lib) for lib in (mt, torch)}
    ours, theirs = counts["minitorch_conv"], counts["torch"]
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)


def test_unpacked_values_are_what_backward_uses():
    """An unpack hook that changes the value changes the gradient (the hooks are really used)."""
    x = mt.tensor([2.0, 3.0], requires_grad=True)
    with mt.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 10):
        y = (x * x).sum()
    y.backward()
    assert x.grad.tolist() == [40.0, 60.0]


def test_save_on_cpu_gives_the_same_gradients():
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 1, 5, 5)), requires_grad=True)
    w = mt.tensor(np.random.default_rng(1).standard_normal((3, 1, 3, 3)), requires_grad=True)
    F.conv2d(x, w).relu().sum().backward()
    expected = x.grad.clone(), w.grad.clone()
    x.grad = w.grad = None
    with mt.autograd.graph.save_on_cpu():
        y = F.conv2d(x, w).relu().sum()
    y.backward()
    assert mt.equal(x.grad, expected[0]) and mt.equal(w.grad, expected[1])


def test_disable_saved_tensors_hooks_raises():
    with mt.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with mt.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with mt.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again
        pass


def test_increment_version_trips_the_saved_tensor_check():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = (y * y).sum()
    before = y._version
    mt.autograd.graph.increment_version(y)
    assert y._version == before + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
