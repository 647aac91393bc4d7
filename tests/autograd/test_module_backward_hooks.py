"""Module.register_full_backward_hook / register_full_backward_pre_hook (and the forward hooks'
``prepend``): what the hooks receive, when they fire, what their return values change, and the
errors, against PyTorch where it is installed (the same scenario built with either library, float64,
random upstream gradients) and against worked-out expectations everywhere."""

from __future__ import annotations

import doctest
import warnings
from collections import namedtuple

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.nn import backward_hooks

# ---------------------------------------------------------------------------- helpers
Pair = namedtuple("Pair", ["first", "second"])


def in_place_error(output_nr: int, multiple: bool) -> str:
    """PyTorch's message (a regex) for an in-place change of a BackwardHookFunction output."""
    head = rf"Output {output_nr} of BackwardHookFunction is a view and is being modified inplace\. "
    if multiple:
        return head + r"This view is the output of a function that returns multiple views\."
    return head + "This view was created inside a custom Function"


def arr(t) -> np.ndarray | None:
    """A tensor of either library (or None) as a NumPy array."""
    return None if t is None else t.detach().cpu().numpy()


def arrs(grads) -> list:
    return [arr(g) for g in grads]


def assert_same(ours, theirs) -> None:
    """Two (nested) lists of arrays or Nones are equal, entry by entry."""
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(a, (list, tuple)):
            assert_same(a, b)
        elif a is None or b is None:
            assert a is None and b is None, (a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def linear(lib, w: np.ndarray, b: np.ndarray):
    layer = lib.nn.Linear(w.shape[1], w.shape[0], dtype=lib.float64)
    layer.load_state_dict({"weight": lib.tensor(w), "bias": lib.tensor(b)})
    return layer


def conv(lib, w: np.ndarray, b: np.ndarray):
    layer = lib.nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], padding=1, dtype=lib.float64)
    layer.load_state_dict({"weight": lib.tensor(w), "bias": lib.tensor(b)})
    return layer


def two_input_module(lib, w: np.ndarray):
    """``forward(a, b, k)``: two tensors and an int, two outputs (the second may go unused)."""

    class TwoInputs(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = linear(lib, w, np.zeros(w.shape[0]))

        def forward(self, a, b, k):
            return self.fc(a) * k + self.fc(b).tanh(), (a * b).sum(1)

    return TwoInputs()


def two_outputs_module(lib):
    class TwoOutputs(lib.nn.Module):
        def forward(self, a, b):
            return a * 2, b.clone()

    return TwoOutputs()


def in_place_module(lib):
    """``forward(a, b, c)`` changes ``b`` in place."""

    class InPlace(lib.nn.Module):
        def forward(self, a, b, c):
            b.mul_(2)
            return a + b + c

    return InPlace()


def list_module(lib):
    class ReturnsList(lib.nn.Module):
        def forward(self, a):
            return [a * 2]

    return ReturnsList()


def scaled_module(lib):
    class Scaled(lib.nn.Module):
        def forward(self, a, *, scale):
            return a * scale

    return Scaled()


def named_tuple_module(lib):
    class ReturnsPair(lib.nn.Module):
        def forward(self, a):
            return Pair(a * 2, a + 1)

    return ReturnsPair()


def recorder(log: list, name: str):
    """A full backward hook that logs its name and the gradients it received."""

    def hook(module, grad_input, grad_output):
        log.append((name, arrs(grad_input), arrs(grad_output)))

    return hook


def logger(log: list, entry: str):
    """A hook of any kind that appends ``entry`` to ``log``."""
    return lambda *args: log.append(entry)


def pre_recorder(log: list, name: str):
    def hook(module, grad_output):
        log.append((name, arrs(grad_output)))

    return hook


def libraries():
    """minitorch_conv and PyTorch, for a test that compares the two (skipped without PyTorch)."""
    torch = pytest.importorskip("torch")
    return [mt, torch]


def each_library():
    """minitorch_conv, and PyTorch where it is installed, for a test whose expectations are written
    out: it runs everywhere, and shows where PyTorch is installed that PyTorch agrees."""
    try:
        import torch
    except ImportError:
        return [mt]
    return [mt, torch]


# ---------------------------------------------------------------------------- without PyTorch
def test_linear_hooks_see_and_replace_the_gradients_worked_out_by_hand(rng):
    """y = x W^T + b with upstream G: grad_output = (G,), grad_input = (G W,). A pre-hook that
    triples G triples every gradient of the layer; a hook that doubles grad_input doubles x.grad
    only (the weight's gradient is computed before it fires)."""
    x_np, w, b, g = (rng.standard_normal(s) for s in [(5, 3), (2, 3), (2,), (5, 2)])
    layer = linear(mt, w, b)
    log: list = []
    layer.register_full_backward_pre_hook(pre_recorder(log, "pre"))
    layer.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 3,))
    layer.register_full_backward_hook(recorder(log, "hook"))
    layer.register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0] * 2,))
    x = mt.tensor(x_np, requires_grad=True)
    y = layer(x)
    assert y.grad_fn.name() == "BackwardHookFunctionBackward"
    y.backward(mt.tensor(g))

    assert [entry[0] for entry in log] == ["pre", "hook"]
    assert_same(log[0][1], [g])
    assert_same(log[1][1], [3 * g @ w])  # grad_input after the pre-hook's replacement
    assert_same(log[1][2], [3 * g])      # grad_output as the pre-hooks left it
    np.testing.assert_allclose(arr(x.grad), 6 * g @ w, rtol=1e-12)
    np.testing.assert_allclose(arr(layer.weight.grad), 3 * g.T @ x_np, rtol=1e-12)
    np.testing.assert_allclose(arr(layer.bias.grad), 3 * g.sum(0), rtol=1e-12)


def test_a_hook_that_returns_none_changes_nothing(rng):
    x_np, w, b, g = (rng.standard_normal(s) for s in [(4, 3), (2, 3), (2,), (4, 2)])
    plain, hooked = linear(mt, w, b), linear(mt, w, b)
    hooked.register_full_backward_hook(lambda *args: None)
    hooked.register_full_backward_pre_hook(lambda *args: None)
    grads = []
    for layer in (plain, hooked):
        x = mt.tensor(x_np, requires_grad=True)
        layer(x).backward(mt.tensor(g))
        grads.append([arr(x.grad), arr(layer.weight.grad), arr(layer.bias.grad)])
    assert_same(grads[0], grads[1])


def test_forward_is_unchanged_and_aliases_share_data_and_version():
    layer = mt.nn.Identity()
    layer.register_full_backward_hook(lambda *args: None)
    x = mt.ones(3, requires_grad=True)
    y = layer(x)
    assert y is not x and np.shares_memory(arr(y), arr(x))
    with mt.no_grad():
        x.mul_(2)  # the alias sees the change, and its version with it
    assert y._version == x._version == 1


def test_no_grad_mode_records_nothing_and_fires_nothing():
    layer = mt.nn.Linear(3, 2)
    calls: list = []
    layer.register_full_backward_hook(recorder(calls, "hook"))
    x = mt.randn(2, 3, requires_grad=True)
    with mt.no_grad():
        assert layer(x).grad_fn is None
    assert calls == []


def test_docstring_examples_run():
    assert doctest.testmod(backward_hooks).failed == 0
    for name in ("register_full_backward_hook", "register_full_backward_pre_hook", "register_forward_hook"):
        method = getattr(mt.nn.Module, name)
        finder = doctest.DocTestFinder().find(method, name, globs={})
        runner = doctest.DocTestRunner()
        for test in finder:
            runner.run(test)
        assert runner.failures == 0 and runner.tries > 0, name


def test_forward_hooks_prepend():
    layer = mt.nn.Identity()
    order: list = []
    layer.register_forward_pre_hook(lambda m, args: order.append("pre1"))
    layer.register_forward_pre_hook(lambda m, args: order.append("pre0"), prepend=True)
    layer.register_forward_hook(lambda m, args, out: order.append("hook1"))
    layer.register_forward_hook(lambda m, args, out: order.append("hook0"), prepend=True)
    layer(mt.zeros(1))
    assert order == ["pre0", "pre1", "hook0", "hook1"]


# ---------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("make", [linear, conv], ids=["Linear", "Conv2d"])
def test_gradients_seen_by_hooks_match_torch(make, rng):
    if make is linear:
        shapes = [(4, 3), (5, 3), (5,)]
    else:
        shapes = [(2, 3, 5, 6), (4, 3, 3, 3), (4,)]
    x_np, w, b = (rng.standard_normal(s) for s in shapes)
    results = []
    for lib in libraries():
        layer = make(lib, w, b)
        y_shape = tuple(layer(lib.tensor(x_np)).shape)
        g = np.random.default_rng(0).standard_normal(y_shape)
        log: list = []
        layer.register_full_backward_pre_hook(pre_recorder(log, "pre"))
        layer.register_full_backward_hook(recorder(log, "hook"))
        x = lib.tensor(x_np, requires_grad=True)
        layer(x).backward(lib.tensor(g))
        results.append((log, [arr(x.grad), arr(layer.weight.grad), arr(layer.bias.grad)]))
    (ours, our_grads), (theirs, their_grads) = results
    assert [e[0] for e in ours] == [e[0] for e in theirs] == ["pre", "hook"]
    assert_same([e[1:] for e in ours], [e[1:] for e in theirs])
    assert_same(our_grads, their_grads)


def test_order_of_forward_and_backward_hooks_matches_torch():
    """Forward pre-hooks, forward hooks, then per backward: pre-hooks, then hooks, ``prepend`` put
    first; a second backward (retain_graph) fires them again; a Sequential's children fire from the
    last to the first, inside their parent's pair."""
    orders = []
    for lib in libraries():
        order: list = []
        net = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Tanh(), lib.nn.Linear(3, 2))
        for name, module in [("net", net), ("fc0", net[0]), ("fc2", net[2])]:
            module.register_full_backward_hook(logger(order, name + ".hook1"))
            module.register_full_backward_hook(logger(order, name + ".hook0"), prepend=True)
            module.register_full_backward_pre_hook(logger(order, name + ".pre1"))
            module.register_full_backward_pre_hook(logger(order, name + ".pre0"), prepend=True)
            module.register_forward_pre_hook(logger(order, name + ".fpre"))
            module.register_forward_hook(logger(order, name + ".fwd"))
        y = net(lib.randn(4, 3, requires_grad=True)).sum()
        order.append("backward")
        y.backward(retain_graph=True)
        order.append("again")
        y.backward()
        orders.append(order)
    assert orders[0] == orders[1]
    assert orders[0][:7] == ["net.fpre", "fc0.fpre", "fc0.fwd", "fc2.fpre", "fc2.fwd", "net.fwd", "backward"]


def test_replacing_grad_input_and_grad_output_reaches_the_leaves_like_torch(rng):
    x_np, w, b = (rng.standard_normal(s) for s in [(4, 3), (2, 3), (2,)])
    g = rng.standard_normal((4, 2))
    results = []
    for lib in libraries():
        layer = linear(lib, w, b)
        layer.register_full_backward_pre_hook(lambda m, go: (go[0] * go[0],))
        layer.register_full_backward_hook(lambda m, gi, go: (gi[0] + go[0].sum(),))
        x = lib.tensor(x_np, requires_grad=True)
        (layer(x) * 2).backward(lib.tensor(g))
        results.append([arr(x.grad), arr(layer.weight.grad), arr(layer.bias.grad)])
    assert_same(results[0], results[1])


def test_two_tensors_and_an_int_match_torch(rng):
    """grad_input: the gradient for ``a``, zeros for ``b`` (a Tensor that needs no gradient, as
    PyTorch gives), None for the int; grad_output: None for the unused second output. A
    replacement for ``b``'s entry goes nowhere; ``a``'s reaches a.grad."""
    a_np, b_np, w = (rng.standard_normal(s) for s in [(4, 3), (4, 3), (2, 3)])
    g = rng.standard_normal((4, 2))
    results = []
    for lib in libraries():
        module = two_input_module(lib, w)
        log: list = []
        module.register_full_backward_pre_hook(pre_recorder(log, "pre"))
        module.register_full_backward_hook(recorder(log, "hook"))
        module.register_full_backward_hook(lambda m, gi, go: (gi[0] * 5, gi[1] + 1, None))
        a, b = lib.tensor(a_np, requires_grad=True), lib.tensor(b_np)
        y, z = module(a, b, 3)
        assert z.requires_grad
        y.backward(lib.tensor(g))
        results.append((log, arr(a.grad), arr(module.fc.weight.grad)))
    assert_same(results[0][1:], results[1][1:])
    ours, theirs = results[0][0], results[1][0]
    assert [e[0] for e in ours] == [e[0] for e in theirs] == ["pre", "hook"]
    assert_same([e[1:] for e in ours], [e[1:] for e in theirs])
    grad_input, grad_output = ours[1][1], ours[1][2]
    assert grad_input[2] is None and not grad_input[1].any() and grad_output[1] is None


def test_both_outputs_used_and_pre_hook_dropping_one_match_torch(rng):
    a_np, b_np, w = (rng.standard_normal(s) for s in [(4, 3), (4, 3), (2, 3)])
    gy, gz = rng.standard_normal((4, 2)), rng.standard_normal(4)
    results = []
    for lib in libraries():
        module = two_input_module(lib, w)
        log: list = []
        module.register_full_backward_pre_hook(lambda m, go: (None, go[1]))
        module.register_full_backward_hook(recorder(log, "hook"))
        a, b = lib.tensor(a_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)
        y, z = module(a, b, 2)
        ((y * lib.tensor(gy)).sum() + (z * lib.tensor(gz)).sum()).backward()
        results.append((log, arr(a.grad), arr(b.grad)))
    assert_same(results[0][1:], results[1][1:])
    assert_same([e[1:] for e in results[0][0]], [e[1:] for e in results[1][0]])


def test_no_input_requires_grad_fires_on_grad_output_like_torch(rng):
    x_np, w, b = (rng.standard_normal(s) for s in [(4, 3), (2, 3), (2,)])
    for lib in each_library():
        layer = linear(lib, w, b)
        log: list = []
        layer.register_full_backward_pre_hook(pre_recorder(log, "pre"))
        layer.register_full_backward_hook(recorder(log, "hook"))
        with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed "
                                             "with respect to module outputs since no inputs require"):
            layer(lib.tensor(x_np)).sum().backward()
        assert [e[0] for e in log] == ["pre", "hook"]
        assert log[1][1] == [None] and log[1][2][0].shape == (4, 2)
        np.testing.assert_allclose(arr(layer.bias.grad), [4.0, 4.0])

        bad = linear(lib, w, b)
        bad.register_full_backward_hook(lambda m, gi, go: (go[0],))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with pytest.raises(RuntimeError, match="Backward hook for Modules where no input requires "
                                                   "gradient should always return None or None for all"):
                bad(lib.tensor(x_np)).sum().backward()


def test_module_called_twice_fires_once_per_call_like_torch(rng):
    x_np, w, b = (rng.standard_normal(s) for s in [(4, 3), (3, 3), (3,)])
    logs = []
    for lib in libraries():
        layer = linear(lib, w, b)
        log: list = []
        layer.register_full_backward_hook(recorder(log, "hook"))
        layer(layer(lib.tensor(x_np, requires_grad=True)).tanh()).sum().backward()
        logs.append(log)
    assert len(logs[0]) == 2
    assert_same([e[1:] for e in logs[0]], [e[1:] for e in logs[1]])


def test_handle_removal_like_torch():
    """A removed hook does not fire for later calls; one removed after the forward pass still fires
    for that graph (the hooks are taken when the module is called); ``with`` removes on exit."""
    for lib in each_library():
        layer = lib.nn.Linear(3, 2)
        calls: list = []
        handle = layer.register_full_backward_hook(logger(calls, "hook"))
        pre_handle = layer.register_full_backward_pre_hook(logger(calls, "pre"))
        x = lib.randn(2, 3, requires_grad=True)
        y = layer(x)
        handle.remove()
        pre_handle.remove()
        handle.remove()  # twice is harmless
        y.sum().backward()
        layer(x).sum().backward()
        with layer.register_full_backward_hook(logger(calls, "with")):
            layer(x).sum().backward()
        layer(x).sum().backward()
        assert not layer._backward_hooks and not layer._backward_pre_hooks
        assert calls == ["pre", "hook", "with"], lib.__name__


def test_forward_hooks_see_wrapped_inputs_and_the_unwrapped_output_like_torch():
    """Inputs are wrapped after the forward pre-hooks, outputs after the forward hooks."""
    for lib in each_library():
        layer = lib.nn.Linear(3, 2)
        seen: list = []

        def forward_pre_hook(module, args, seen=seen):
            seen.append(args[0].grad_fn)

        def forward_hook(module, args, out, seen=seen):
            seen.extend([args[0].grad_fn, out.grad_fn])

        layer.register_full_backward_hook(lambda *args: None)
        layer.register_forward_pre_hook(forward_pre_hook)
        layer.register_forward_hook(forward_hook)
        out = layer(lib.randn(2, 3, requires_grad=True))
        assert seen[0] is None and seen[1].name() == "BackwardHookFunctionBackward"
        assert seen[2].name() != "BackwardHookFunctionBackward"
        assert out.grad_fn.name() == "BackwardHookFunctionBackward"
        assert out.grad_fn.next_functions[0][0] is seen[2]


def test_gradients_of_gradients_fire_the_hooks_again_like_torch():
    """With create_graph=True the identity nodes are part of the recorded backward; the second
    backward passes through the module once more, and fires its hooks once more."""
    logs = []
    for lib in libraries():
        log: list = []
        module = lib.nn.Tanh()
        module.register_full_backward_pre_hook(pre_recorder(log, "pre"))
        module.register_full_backward_hook(recorder(log, "hook"))
        x = lib.tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)
        y = module(x)
        (grad,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        grad.sum().backward()
        logs.append((log, arr(x.grad)))
    assert [e[0] for e in logs[0][0]] == [e[0] for e in logs[1][0]] == ["pre", "hook", "pre", "hook"]
    assert_same([e[1:] for e in logs[0][0]], [e[1:] for e in logs[1][0]])
    assert_same([logs[0][1]], [logs[1][1]])


def test_keyword_tensors_are_not_wrapped_and_not_in_grad_input_like_torch(rng):
    a_np, s_np = rng.standard_normal((2, 3)), rng.standard_normal(3)
    results = []
    for lib in libraries():
        log: list = []
        module = scaled_module(lib)
        module.register_full_backward_hook(recorder(log, "hook"))
        a, scale = lib.tensor(a_np, requires_grad=True), lib.tensor(s_np, requires_grad=True)
        module(a, scale=scale).sum().backward()
        results.append((log, arr(a.grad), arr(scale.grad)))
    assert len(results[0][0][0][1]) == 1  # grad_input: the positional argument only
    assert_same([e[1:] for e in results[0][0]], [e[1:] for e in results[1][0]])
    assert_same(results[0][1:], results[1][1:])


def test_named_tuple_output_keeps_its_type():
    module = named_tuple_module(mt)
    log: list = []
    module.register_full_backward_hook(recorder(log, "hook"))
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    out = module(a)
    assert type(out).__name__ == "Pair" and out.second.grad_fn.name() == "BackwardHookFunctionBackward"
    (out.first * 3).sum().backward()
    assert_same(log[0][1:], [[np.array([6.0, 6.0])], [np.array([3.0, 3.0]), None]])


# ---------------------------------------------------------------------------- errors
def test_wrong_number_of_gradients_raises_like_torch():
    for lib in each_library():
        layer = lib.nn.Linear(3, 2)
        layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input, "
                                               "got 2, but expected 1"):
            layer(lib.randn(2, 3, requires_grad=True)).sum().backward()

        layer = lib.nn.Linear(3, 2)
        layer.register_full_backward_pre_hook(lambda m, go: (go[0], None, None))
        with pytest.raises(RuntimeError, match="Backward pre hook returned an invalid number of "
                                               "grad_output, got 3, but expected 1"):
            layer(lib.randn(2, 3, requires_grad=True)).sum().backward()


def test_replacement_of_the_wrong_size_or_type_raises_like_torch():
    for lib in each_library():
        layer = lib.nn.Linear(3, 2)
        layer.register_full_backward_hook(lambda m, gi, go: (gi[0][:1],))
        with pytest.raises(RuntimeError, match="hook 'hook' has changed the size of value"):
            layer(lib.randn(2, 3, requires_grad=True)).sum().backward()

        layer = lib.nn.Linear(3, 2)
        layer.register_full_backward_hook(lambda m, gi, go: (3,))
        with pytest.raises(TypeError, match="expected Variable, but hook returned 'int'"):
            layer(lib.randn(2, 3, requires_grad=True)).sum().backward()


def test_in_place_change_of_an_output_raises_like_torch():
    for lib in each_library():
        layer = lib.nn.Linear(3, 2)
        layer.register_full_backward_hook(lambda *args: None)
        x = lib.randn(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match=in_place_error(0, multiple=False)):
            layer(x).add_(1)
        y = layer(x)
        with lib.no_grad():
            y.mul_(2)  # allowed outside grad mode
        y.detach().zero_()  # and on a detached tensor

        pair = two_outputs_module(lib)
        pair.register_full_backward_pre_hook(lambda *args: None)
        a, b = lib.randn(2, requires_grad=True), lib.randn(2)
        first, second = pair(a, b)
        second.mul_(2)  # needs no gradient: allowed
        with pytest.raises(RuntimeError, match=in_place_error(0, multiple=False)):
            first.mul_(2)  # the only output that requires grad
        _, second = pair(a, b.requires_grad_())
        with pytest.raises(RuntimeError, match=in_place_error(1, multiple=True)):
            second.mul_(2)


def test_in_place_change_of_an_input_inside_forward_raises_like_torch():
    """The forward of a module with backward hooks gets aliases of its inputs (PyTorch's views)."""
    for lib in each_library():
        module = in_place_module(lib)
        module.register_full_backward_hook(lambda *args: None)
        a = lib.randn(3, requires_grad=True)
        with pytest.raises(RuntimeError, match=in_place_error(1, multiple=True)):
            module(lib.randn(3), a.clone(), lib.randn(3, requires_grad=True))
        with pytest.raises(RuntimeError, match=in_place_error(1, multiple=False)):
            module(lib.randn(3), a.clone(), lib.randn(3))
        module(lib.randn(3), lib.randn(3), a)  # only ``c`` requires grad: ``b``'s alias may change


def test_non_tensor_output_warns_and_is_returned_as_is_like_torch():
    for lib in each_library():
        module = list_module(lib)
        module.register_full_backward_hook(lambda *args: None)
        with pytest.warns(UserWarning, match="For backward hooks to be called, module output should be "
                                             "a Tensor or a tuple of Tensors but received <class 'list'>"):
            out = module(lib.randn(2, requires_grad=True))
        assert isinstance(out, list) and out[0].grad_fn.name() != "BackwardHookFunctionBackward"

