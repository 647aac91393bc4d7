"""Node hooks (``grad_fn.register_hook`` / ``register_prehook``), module hooks with kwargs,
Functions with ``setup_context``, ``autograd.backward``, and ``utils.checkpoint``, each compared
with PyTorch where it is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential


def _both(run):
    """``run(lib)`` for minitorch_conv, and for PyTorch when it is installed."""
    torch = pytest.importorskip("torch")
    return run(mt), run(torch)


def _values(out):
    if isinstance(out, (list, tuple)):
        return [_values(o) for o in out]
    if hasattr(out, "detach"):
        return np.asarray(out.detach().tolist(), dtype=float).round(6).tolist()
    return out


def test_node_hooks_see_and_replace_gradients_as_pytorchs():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0])
        y = x * w
        seen = []
        y.grad_fn.register_prehook(lambda grad_outputs: seen.append(("pre", len(grad_outputs))))
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
            ("post", len(grad_inputs), grad_inputs[1] is None)))
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] * 10, None))
        (y * lib.tensor([1.0, -1.0])).sum().backward()
        return seen, x.grad

    ours, theirs = _both(run)
    assert ours[0] == theirs[0] and _values(ours[1]) == _values(theirs[1]) == [30.0, -40.0]


def test_node_prehook_replaces_grad_outputs_and_handles_remove():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    handle = y.grad_fn.register_prehook(lambda grads: (grads[0] * 0,))
    y.sum().backward(retain_graph=True)
    assert x.grad.tolist() == [0.0, 0.0]
    handle.remove()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    z = x * 2
    z.grad_fn.register_prehook(lambda grads: (grads[0], grads[0]))
    with pytest.raises(RuntimeError, match="incorrect number of values"):
        z.sum().backward()


def test_forward_hooks_with_kwargs_and_always_call():
    def run(lib):
        layer = lib.nn.Linear(2, 1)
        with lib.no_grad():
            layer.weight.fill_(1.0)
            layer.bias.zero_()
        layer.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True)
        layer.register_forward_hook(lambda m, args, kwargs, out: out + len(kwargs), with_kwargs=True)
        return layer(lib.ones(1, 2))

    ours, theirs = _both(run)
    assert _values(ours) == _values(theirs) == [[4.0]]

    class Failing(mt.nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    seen = []
    module = Failing()
    module.register_forward_hook(lambda m, args, out: seen.append(out), always_call=True)
    module.register_forward_hook(lambda m, args, out: seen.append("not always"))
    with pytest.raises(ValueError, match="forward failed"):
        module(mt.ones(1))
    assert seen == [None]
    bad = mt.nn.Identity()
    bad.register_forward_pre_hook(lambda m, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"tuple of \(new_args, new_kwargs\)"):
        bad(mt.ones(1), mt.ones(1), mt.ones(1))


def test_function_with_setup_context_as_pytorchs():
    def run(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(x, factor):
                return x * factor

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.factor = inputs[1]
                ctx.save_for_backward(output)

            @staticmethod
            def backward(ctx, grad):
                (out,) = ctx.saved_tensors
                return grad * ctx.factor + out * 0, None

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = Scale.apply(x, 3.0)
        y.sum().backward()
        return type(y.grad_fn).__name__, y, x.grad

    ours, theirs = _both(run)
    assert ours[0] == theirs[0] == "ScaleBackward"
    assert _values(ours[1:]) == _values(theirs[1:])


def test_autograd_backward_of_several_tensors_as_pytorchs():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0], requires_grad=True)
        lib.autograd.backward([x * w, (x * x).sum()], [lib.tensor([1.0, -1.0]), None])
        lib.autograd.backward((x * w).sum(), inputs=[w])
        return x.grad, w.grad

    ours, theirs = _both(run)
    assert _values(ours) == _values(theirs)
    with pytest.raises(RuntimeError, match="same length"):
        mt.autograd.backward([mt.ones(1, requires_grad=True)], [None, None])


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_gives_the_same_gradients_dropout_included(use_reentrant):
    mt.manual_seed(0)
    net = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.ReLU(), mt.nn.Dropout(0.5), mt.nn.Linear(8, 2))
    x = mt.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=mt.float32, requires_grad=True)
    upstream = mt.tensor(np.random.default_rng(1).standard_normal((3, 2)), dtype=mt.float32)
    mt.manual_seed(5)
    net(x).backward(upstream)
    expected = [p.grad.clone() for p in net.parameters()] + [x.grad.clone()]
    net.zero_grad()
    x.grad = None
    mt.manual_seed(5)
    out = checkpoint(net, x, use_reentrant=use_reentrant)
    out.backward(upstream)
    for got, want in zip([p.grad for p in net.parameters()] + [x.grad], expected):
        assert mt.equal(got, want)


def test_checkpoint_without_reentrant_recomputes_and_works_with_grad():
    calls = []

    def block(t, scale=1.0):
        calls.append(1)
        return (t.sin() * scale).sum()

    x = mt.tensor([0.5, 1.5], dtype=mt.float64, requires_grad=True)
    out = checkpoint(block, x, use_reentrant=False, scale=2.0)
    assert len(calls) == 1
    (g,) = mt.autograd.grad(out, x)
    assert len(calls) == 2  # backward ran the block again
    np.testing.assert_allclose(g.numpy(), 2 * np.cos([0.5, 1.5]))
    torch = pytest.importorskip("torch")
    tx = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.utils.checkpoint.checkpoint(
        lambda t, scale: (t.sin() * scale).sum(), tx, use_reentrant=False, scale=2.0), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy())


def test_checkpoint_errors_and_warnings():
    x = mt.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t * 2, x).sum().backward()
    with pytest.raises(ValueError, match="Unexpected keyword arguments"):
        checkpoint(lambda t, k: t * k, x, use_reentrant=True, k=2)
    state = {"first": True}

    def changes(t):  # saves a different number of tensors the second time
        out = t * 2 if state.pop("first", False) else (t * 2).exp().log()
        return out.sum()

    with pytest.raises(CheckpointError, match="different number of tensors"):
        checkpoint(changes, mt.ones(2, requires_grad=True), use_reentrant=False).backward()


def test_checkpoint_sequential_matches_the_plain_run():
    mt.manual_seed(0)
    net = mt.nn.Sequential(*[mt.nn.Linear(3, 3) for _ in range(4)])
    x = mt.ones(2, 3, requires_grad=True)
    net(x).sum().backward()
    expected = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint_sequential(net, 2, x, use_reentrant=False).sum().backward()
    for p, want in zip(net.parameters(), expected):
        np.testing.assert_allclose(p.grad.numpy(), want.numpy(), rtol=1e-6)
