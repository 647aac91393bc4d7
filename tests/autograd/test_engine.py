"""The backward engine and the Function API: graph shapes, retain_graph, create_graph, grad modes,
the version counter, retain_grad, autograd.grad and custom Functions."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_grad, numerical_vjp, to_numpy

import minitorch_conv as mt


def leaf(values, device="cpu", dtype=mt.float64):
    return mt.tensor(values, dtype=dtype, device=device, requires_grad=True)


# ---------------------------------------------------------------------------- graph shapes
def test_diamond_graph_accumulates_both_paths(device):
    x = leaf([0.5, -1.0, 2.0], device)
    a = x * 3  # reused by both branches
    b, c = a.exp(), a * a
    (b * c).sum().backward()
    v = np.array([0.5, -1.0, 2.0])
    # d/dx [exp(3x) * 9x^2] = 3 exp(3x) 9x^2 + exp(3x) 18x
    want = 27 * np.exp(3 * v) * v**2 + 18 * np.exp(3 * v) * v
    np.testing.assert_allclose(to_numpy(x.grad), want, rtol=1e-12)


def test_diamond_graph_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([[0.3, -0.7], [1.1, 0.2]], dtype=lib.float64, requires_grad=True)
        h = x @ x.T
        top, bottom = h.tanh(), h.sigmoid() * x.sum()
        out = (top * bottom + h).log_softmax(1).sum()
        out.backward()
        return x.grad.numpy()

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-10)


def test_same_leaf_used_several_times():
    x = leaf(1.5)
    (x * x * x + x).backward()
    assert x.grad.item() == pytest.approx(3 * 1.5**2 + 1)


def test_chain_of_100000_operations_needs_no_recursion(device):
    x = leaf([1.0, -2.0], device, dtype=mt.float32)
    y = x
    for _ in range(100_000):
        y = -y
    y.sum().backward()
    assert to_numpy(x.grad).tolist() == [1.0, 1.0]  # an even number of negations
    del y  # dropping a long graph must not overflow the stack either


def test_backward_twice_needs_retain_graph():
    x = leaf([1.0, 2.0])
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]) + 4 * np.array([1.0, 2.0]))


def test_backward_twice_without_saved_tensors_is_allowed():
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()  # nothing was saved, so nothing was freed (as in PyTorch)
    assert x.grad.tolist() == [2.0, 2.0]


def test_gradients_accumulate_until_reset():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    x.grad = None
    (x * 4).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_backward_on_a_leaf():
    x = leaf([1.0, 2.0])
    x.backward(mt.tensor([3.0, 4.0], dtype=mt.float64))
    assert x.grad.tolist() == [3.0, 4.0]
    s = leaf(2.0)
    s.backward()
    assert s.grad.item() == 1.0


def test_backward_argument_errors():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(mt.ones(3, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        mt.ones(2).sum().backward()
    (x * 2).backward([1.0, 1.0])  # a gradient given as data is accepted
    assert x.grad.tolist() == [2.0, 2.0]


def test_gradients_have_their_inputs_shapes_and_dtypes():
    a = mt.tensor(2.0, requires_grad=True)  # 0-d
    b = mt.ones(3, 1, requires_grad=True)
    c = mt.ones(1, 4, dtype=mt.float64, requires_grad=True)
    d = mt.ones(1, requires_grad=True)
    (a * b * c + d).sum().backward()
    for t in (a, b, c, d):
        assert t.grad.shape == t.shape and t.grad.dtype == t.dtype
    assert a.grad.item() == 12.0 and b.grad.tolist() == [[8.0]] * 3 and d.grad.tolist() == [12.0]


def test_backward_inputs_argument_limits_accumulation():
    x, y = leaf([1.0]), leaf([2.0])
    (x * y).sum().backward(inputs=[x])
    assert x.grad.tolist() == [2.0] and y.grad is None


# ---------------------------------------------------------------------------- grad modes
def test_no_grad_enable_grad_set_grad_enabled_as_context_managers():
    x = leaf([1.0])
    with mt.no_grad():
        assert not mt.is_grad_enabled()
        y = x * 2
        with mt.enable_grad():
            z = x * 2
        with mt.set_grad_enabled(True):
            w = x * 2
    assert mt.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and w.requires_grad
    with mt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mt.is_grad_enabled()


def test_grad_modes_as_decorators():
    x = leaf([1.0])

    @mt.no_grad()
    def f():
        return x * 2

    @mt.no_grad
    def g():
        return x * 2

    @mt.enable_grad()
    def h():
        return x * 2

    @mt.set_grad_enabled(False)
    def k():
        return x * 2

    assert mt.is_grad_enabled()  # decorating changes nothing by itself
    assert not f().requires_grad and not g().requires_grad and not k().requires_grad
    with mt.no_grad():
        assert h().requires_grad
        assert not mt.is_grad_enabled()
    assert f.__name__ == "f" and mt.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError), mt.no_grad():
        raise ValueError

    @mt.no_grad()
    def fails():
        raise KeyError

    with pytest.raises(KeyError):
        fails()
    assert mt.is_grad_enabled()


def test_set_grad_enabled_as_a_call_takes_effect_at_once():
    try:
        mt.set_grad_enabled(False)
        assert not mt.is_grad_enabled()
    finally:
        mt.set_grad_enabled(True)
    assert mt.is_grad_enabled()


# ---------------------------------------------------------------------------- version counter
def test_inplace_change_of_a_saved_intermediate_raises():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1; expected version 0"):
        z.sum().backward()


def test_inplace_change_of_a_saved_output_raises():
    x = leaf([1.0, 2.0])
    y = x.exp()  # saves its own output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_change_of_a_saved_leaf_raises():
    w = leaf([1.0, 2.0])
    out = (w * mt.tensor([3.0, 4.0], dtype=mt.float64)).sum()
    with mt.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()
    v = leaf([1.0, 2.0])
    out = (v * v).sum()
    v.detach().zero_()  # detach() shares the data, and the version counter
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_inplace_change_of_unsaved_tensors_is_fine():
    x = leaf([1.0, 2.0])
    y = x + 1  # Add saves nothing
    y.mul_(3)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# ---------------------------------------------------------------------------- higher order
def test_second_and_third_derivative_of_cube():
    x = leaf([1.5, -2.0])
    (g,) = mt.autograd.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([1.5, -2.0]) ** 2)
    assert g.requires_grad
    (gg,) = mt.autograd.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(gg.detach().numpy(), 6 * np.array([1.5, -2.0]))
    (ggg,) = mt.autograd.grad(gg.sum(), x)
    assert ggg.tolist() == [6.0, 6.0]


def test_create_graph_through_backward():
    x = leaf(2.0)
    (x**3).backward(create_graph=True)
    g = x.grad
    assert g.item() == 12.0 and g.requires_grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # d/dx 3x^2 = 6x


def test_gradient_penalty_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        w = lib.tensor([[0.5, -0.2], [0.3, 0.8]], dtype=lib.float64, requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=lib.float64, requires_grad=True)
        y = (x @ w).tanh().softmax(1)[:, 0].sum()
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        ((gx * gx).sum() + y).backward()
        return w.grad.numpy(), x.grad.numpy()

    for a, b in zip(run(mt), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-10)


# ---------------------------------------------------------------------------- retain_grad, grad
def test_retain_grad_keeps_intermediate_gradients():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    z = y * y
    z.sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert z.grad is None  # never filled, and PyTorch warns that it is read
    x.retain_grad()  # a no-op on leaves
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        mt.ones(1).retain_grad()


def test_autograd_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0])
    out = (x * y).sum()
    gx, gy = mt.autograd.grad(out, [x, y], retain_graph=True)
    assert gx.tolist() == [3.0, 3.0] and gy.tolist() == [3.0]
    assert x.grad is None and y.grad is None  # .grad is untouched
    unused = leaf([0.0])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        mt.autograd.grad(out, [x, unused], retain_graph=True)
    gx, gu = mt.autograd.grad(out, [x, unused], retain_graph=True, allow_unused=True)
    assert gx.tolist() == [3.0, 3.0] and gu is None
    _, gu = mt.autograd.grad(out, [x, unused], retain_graph=True, materialize_grads=True)
    assert gu.tolist() == [0.0]
    h = x * 2
    (gh,) = mt.autograd.grad((h * h).sum(), h)  # with respect to an intermediate
    assert gh.tolist() == [4.0, 8.0]
    (gv,) = mt.autograd.grad(x * 2, x, grad_outputs=mt.tensor([1.0, -1.0], dtype=mt.float64))
    assert gv.tolist() == [2.0, -2.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.autograd.grad((x * 2).sum(), mt.ones(1))
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        mt.autograd.grad(x * 2, x)


def test_grad_with_respect_to_an_intermediate_leaves_the_rest_of_the_graph_intact():
    x = leaf([1.0, 2.0])
    h = x.exp()
    (g,) = mt.autograd.grad((h * 3).sum(), h)
    assert g.tolist() == [3.0, 3.0]
    h.sum().backward()  # h's own node did not run, so its saved output is still there
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]))
    h = x.exp()
    gh, gx = mt.autograd.grad((h * h).sum(), [h, x])  # an intermediate and a leaf below it
    np.testing.assert_allclose(gh.numpy(), 2 * np.exp([1.0, 2.0]))
    np.testing.assert_allclose(gx.numpy(), 2 * np.exp([2.0, 4.0]))


# ---------------------------------------------------------------------------- custom Functions
class Cube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x * ctx.scale, None


class MulAdd(mt.autograd.Function):
    """Two inputs, two outputs; records which gradients backward was asked for."""

    seen = None

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        MulAdd.seen = ctx.needs_input_grad
        return a * b, a + b

    @staticmethod
    def backward(ctx, g_prod, g_sum):
        a, b = ctx.saved_tensors
        ga = g_prod * b + g_sum if ctx.needs_input_grad[0] else None
        gb = g_prod * a + g_sum if ctx.needs_input_grad[1] else None
        return ga, gb


class ArgSort(mt.autograd.Function):
    """Returns raw arrays and a non-differentiable integer output."""

    @staticmethod
    def forward(ctx, x):
        order = x.xp.argsort(x._array)
        ctx.order = order
        return x._array[order], order

    @staticmethod
    def backward(ctx, grad, _grad_order):
        out = grad.new_zeros(grad.shape)
        out[mt.tensor(ctx.order)] = grad
        return out


def test_custom_function(rng):
    x = leaf([1.0, -2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn is not None and "CubeBackward" in repr(y)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]
    check_grad(lambda t: Cube.apply(t, 0.5), [rng.standard_normal((2, 3))], rng)
    with mt.no_grad():
        assert Cube.apply(x, 1.0).grad_fn is None
    z = Cube.apply(x, 1.0).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        z.backward()


def test_custom_function_needs_input_grad_and_multiple_outputs(rng):
    a, b = leaf([1.0, 2.0]), mt.tensor([3.0, 4.0], dtype=mt.float64)
    prod, total = MulAdd.apply(a, b)
    assert MulAdd.seen == (True, False)
    assert prod.grad_fn is total.grad_fn and prod.requires_grad and total.requires_grad
    prod.sum().backward()  # only one output used: the other's gradient arrives as zeros
    assert a.grad.tolist() == [3.0, 4.0] and b.grad is None
    MulAdd.apply(mt.ones(1), mt.ones(1))
    assert MulAdd.seen == (False, False)
    check_grad(lambda p, q: MulAdd.apply(p, q), [rng.standard_normal(3), rng.standard_normal(3)], rng)


def test_custom_function_second_derivative(rng):
    def first(t):
        with mt.enable_grad():  # the numerical check calls this under no_grad
            t = t if t.requires_grad else t.detach().requires_grad_()
            (g,) = mt.autograd.grad(Cube.apply(t, 1.0).sum(), t, create_graph=True)
        return g

    x = rng.standard_normal(3)
    np.testing.assert_allclose(to_numpy(first(leaf(x))), 3 * x**2)
    check_grad(first, [x], rng)


def test_custom_function_with_arrays_and_non_differentiable_outputs():
    x = leaf([3.0, 1.0, 2.0])
    values, order = ArgSort.apply(x)
    assert values.tolist() == [1.0, 2.0, 3.0] and order.tolist() == [1, 2, 0]
    assert values.requires_grad and not order.requires_grad and order.dtype == mt.int64
    (values * mt.tensor([1.0, 10.0, 100.0], dtype=mt.float64)).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_custom_function_returning_its_input_and_unmaterialized_grads():
    class Twice(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # returns its input unchanged: the caller gets a new tensor
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    class Pair(mt.autograd.Function):
        received = None

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            doubled, tripled = x * 2, x * 3
            ctx.mark_non_differentiable(tripled)
            return doubled, tripled

        @staticmethod
        def backward(ctx, g_doubled, g_tripled):
            Pair.received = (g_doubled, g_tripled)
            return g_doubled * 2

    x = leaf([1.0, 2.0])
    y = Twice.apply(x)
    assert y is not x and x.is_leaf and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    doubled, tripled = Pair.apply(x)
    assert doubled.requires_grad and not tripled.requires_grad
    x.grad = None
    doubled.sum().backward()
    assert Pair.received[1] is None and x.grad.tolist() == [2.0, 2.0]


def test_custom_function_returning_too_many_gradients_raises():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x).sum().backward()


def test_custom_function_returning_too_few_gradients_or_a_non_tensor_raises_like_torch():
    torch = pytest.importorskip("torch")

    def make(lib, result):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, grad):
                return result(grad)

        return Scale

    for lib in (mt, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
            make(lib, lambda g: g).apply(x, 2.0).sum().backward()
        with pytest.raises(RuntimeError, match="different than None at position 2, but the "
                                               "corresponding forward input was not a"):
            make(lib, lambda g: (g, g)).apply(x, 2.0).sum().backward()
        with pytest.raises(RuntimeError, match=r"expected (Variable|Tensor) or None \(got bool\)"):
            make(lib, lambda g: (True, None)).apply(x, 2.0).sum().backward()
        make(lib, lambda g: (g * 2, None, None)).apply(x, 2.0).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]

def test_custom_function_returning_a_wrong_gradient_shape_raises():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return mt.ones(5, dtype=mt.float64)

    with pytest.raises(RuntimeError, match="returned an invalid gradient at index 0"):
        Bad.apply(leaf([1.0, 2.0])).sum().backward()


# ---------------------------------------------------------------------------- second derivatives
SECOND_ORDER = {
    "exp_log": lambda x: (x * x + 1).log() * x.exp(),
    "sqrt_div": lambda x: (x * x + 1).sqrt() / (x * x + 2),
    "tanh_sigmoid": lambda x: x.tanh() * x.sigmoid(),
    "pow": lambda x: (x * x + 0.5) ** 1.5 + 2 ** x,
    "softmax": lambda x: x.softmax(1) * x,
    "log_softmax": lambda x: x.log_softmax(0) * x,
    "logsumexp": lambda x: x.logsumexp(1) * x.sum(1),
    "var_std": lambda x: x.var(1) * x.std(0).sum(),
    "matmul": lambda x: x @ x.T @ x,
    "index_cat": lambda x: mt.cat([x[[0, 0, 1]], x[:, [2, 0, 2]].T.reshape(-1, 3)]) ** 2,
    "where_max": lambda x: mt.where(x > 0, x * x, x.exp()) * x.amax(1, keepdim=True),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives_match_finite_differences(name, rng):
    """The backward passes are themselves differentiable: check grad-of-grad numerically."""
    fn = SECOND_ORDER[name]
    x = rng.standard_normal((2, 3))
    u = rng.standard_normal(fn(mt.tensor(x)).shape)

    def gradient(t):
        with mt.enable_grad():
            t = t if t.requires_grad else t.detach().requires_grad_()
            (g,) = mt.autograd.grad((fn(t) * mt.tensor(u)).sum(), t, create_graph=True)
        return g

    check_grad(gradient, [x], rng, rtol=1e-4, atol=1e-5)
    v = rng.standard_normal(x.shape)
    t = leaf(x)
    (gradient(t) * mt.tensor(v)).sum().backward()
    want = numerical_vjp(gradient, [x], [v])[0]
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-4, atol=1e-5)


def _array_of(tensor):
    return tensor._array


def test_a_convolution_gradient_made_during_backward_is_kept_without_a_copy():
    """The input gradient a conv computes inside backward goes to .grad as it is (no clone)."""
    import minitorch_conv.nn.functional as F

    x = mt.randn(2, 3, 6, 6, requires_grad=True)
    w = mt.randn(4, 3, 3, 3)
    seen = []
    original = mt.autograd.engine.fresh_grad

    def spy(grad, create_graph):
        kept = original(grad, create_graph)
        seen.append((grad, kept))
        return kept

    mt.autograd.engine.fresh_grad = spy
    try:
        F.conv2d(x, w, padding=1).backward(mt.ones(2, 4, 6, 6))
    finally:
        mt.autograd.engine.fresh_grad = original
    (incoming, kept), = seen
    assert kept is incoming and x.grad is incoming
    expected = F.conv_transpose2d(mt.ones(2, 4, 6, 6), w, padding=1)
    np.testing.assert_allclose(x.grad.numpy(), expected.numpy(), rtol=1e-5)


def test_a_gradient_kept_without_a_copy_is_not_shared_with_another_leaf_or_the_caller():
    import minitorch_conv.nn.functional as F

    a = mt.randn(1, 2, 5, 5, requires_grad=True)
    b = mt.randn(1, 2, 5, 5, requires_grad=True)
    h = a + b  # add's backward hands the very same gradient tensor to both leaves
    h.retain_grad()
    w = mt.randn(3, 2, 3, 3)
    upstream = mt.randn(1, 3, 5, 5)
    F.conv2d(h, w, padding=1).backward(upstream)
    arrays = [_array_of(t.grad) for t in (a, b, h)] + [_array_of(upstream)]
    for i, first in enumerate(arrays):
        for second in arrays[i + 1:]:
            assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    before = b.grad.numpy().copy()
    a.grad.zero_()  # an in-place change of one .grad reaches no other
    np.testing.assert_array_equal(b.grad.numpy(), before)
    np.testing.assert_array_equal(h.grad.numpy(), before)


def test_a_convolution_outside_backward_is_always_copied_into_grad():
    """A conv result the user holds (here: the upstream gradient) is never adopted as .grad."""
    import minitorch_conv.nn.functional as F

    x = mt.randn(1, 1, 4, 4, requires_grad=True)
    gradient = F.conv2d(mt.randn(1, 1, 6, 6), mt.randn(1, 1, 3, 3))
    (x + 0.0).backward(gradient)  # add's backward hands on the caller's very tensor
    assert not np.shares_memory(_array_of(x.grad), _array_of(gradient))
    x.grad = None
    x.view(16).backward(gradient.reshape(16))  # view's hands on a reshape of the caller's array
    assert not np.shares_memory(_array_of(x.grad), _array_of(gradient))
    np.testing.assert_array_equal(x.grad.numpy(), gradient.numpy())
