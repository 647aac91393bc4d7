"""The seam the exercises use, ``mt.backends.override``, and the trace ``mt.backends.explain()``.

An override must run where its kernel would (and only there), give the framework's own results
when the function is right, refuse a wrong shape or dtype with a message that says what was
expected, keep gradients of gradients exact, and leave nothing behind when removed. explain()
must name the path each convolution kernel takes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv.backends import kernel_trace, overrides
from minitorch_conv.exercises import kit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def numba_off():
    """The CPU backend without its Numba kernels (the paths explain() reports do not depend on
    whether Numba is installed), restored afterwards."""
    cpu = mt.backends.get_backend("cpu")
    previous = cpu.use_numba
    cpu.use_numba = False
    yield cpu
    cpu.use_numba = previous


@pytest.fixture(autouse=True)
def nothing_left_behind():
    yield
    assert overrides.active == {} and not kernel_trace.tracing


def one_image_im2col(image, kernel_size, stride, dilation):
    return kit.im2col(image, kernel_size, stride, dilation)


def one_image_col2im(cols, image_size, kernel_size, stride, dilation):
    return kit.col2im(cols, image_size, kernel_size, stride, dilation)


def _t(rng, *shape, grad=False):
    return mt.tensor(rng.standard_normal(shape), requires_grad=grad)


# ---------------------------------------------------------------------------------- override
def test_unknown_name_and_uncallable_function_are_refused():
    with pytest.raises(ValueError, match="no kernel is named 'im2colx'.*col2im"):
        mt.backends.override("im2colx", one_image_im2col)
    with pytest.raises(TypeError, match="must be callable"):
        mt.backends.override("im2col", 3)


def test_registration_context_manager_and_stacking():
    first = mt.backends.override("conv2d_bias_grad", lambda dy: dy.sum(axis=(0, 2, 3)))
    assert overrides.active["conv2d_bias_grad"] is first
    with mt.backends.override("conv2d_bias_grad", lambda dy: NotImplemented) as second:
        assert overrides.active["conv2d_bias_grad"] is second
    assert overrides.active["conv2d_bias_grad"] is first
    first.remove()
    first.remove()  # twice is harmless
    assert "conv2d_bias_grad" not in overrides.active


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 1, 1, 1), (2, 0, 1, 1), (1, 2, 2, 2), ((2, 1), (1, 0), 1, 3), (2, 1, 1, 6)])
def test_im2col_and_col2im_overrides_give_our_convolution_and_its_gradients(rng, stride, padding,
                                                                             dilation, groups):
    x, w, b = _t(rng, 2, 6, 7, 6, grad=True), _t(rng, 6, 6 // groups, 3, 2, grad=True), _t(rng, 6, grad=True)
    dy_shape = F.conv2d(x, w, b, stride, padding, dilation, groups).shape
    dy = mt.tensor(rng.standard_normal(tuple(dy_shape)))

    def run():
        for t in (x, w, b):
            t.grad = None
        y = F.conv2d(x, w, b, stride, padding, dilation, groups)
        y.backward(dy)
        return [y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()]

    ours = run()
    with mt.backends.override("im2col", one_image_im2col) as im2col, \
            mt.backends.override("col2im", one_image_col2im) as col2im:
        yours = run()
    assert im2col.calls > 0 and col2im.calls > 0  # the override ran, in the forward and both gradients
    for got, expected in zip(yours, ours):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_the_other_convolution_kernels_and_fold_unfold(rng):
    x, w, b = _t(rng, 2, 4, 6, 5, grad=True), _t(rng, 6, 2, 3, 3, grad=True), _t(rng, 6, grad=True)
    params = {"stride": 2, "padding": 1, "groups": 2}

    def run():
        for t in (x, w, b):
            t.grad = None
        y = F.conv2d(x, w, b, **params)
        y.backward(mt.ones_like(y))
        cols = F.unfold(x.detach(), 3, padding=1)
        return [y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy(), cols.numpy(),
                F.fold(cols, (6, 5), 3, padding=1).numpy(),
                F.conv_transpose2d(y.detach(), w.detach(), stride=2, padding=1, groups=2).numpy()]

    def as_kit(s, p):  # the seam's (stride, padding) -> kit's pair padding
        assert p[0] == p[1] and p[2] == p[3]
        return s, (p[0], p[2])

    seams = {
        "conv2d": lambda x_, w_, b_, s, p, d, g: kit.conv2d_forward(x_, w_, b_, *as_kit(s, p), g),
        "conv2d_input_grad": lambda dy, w_, size, s, p, d, g: kit.conv2d_input_grad(dy, w_, size,
                                                                                     *as_kit(s, p), g),
        "conv2d_weight_grad": lambda x_, dy, k, s, p, d, g: kit.conv2d_weight_grad(x_, dy, k,
                                                                                   *as_kit(s, p), g),
        "conv2d_bias_grad": lambda dy: dy.sum(axis=(0, 2, 3)),
        "im2col": one_image_im2col, "col2im": one_image_col2im,
    }
    ours = run()
    handles = [mt.backends.override(name, fn) for name, fn in seams.items()]
    try:
        yours = run()
    finally:
        for handle in handles:
            handle.remove()
    assert all(handle.calls > 0 for handle in handles), {h.name: h.calls for h in handles}
    for got, expected in zip(yours, ours):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_not_implemented_hands_the_call_back_and_is_counted(rng):
    x, w = _t(rng, 1, 2, 5, 5), _t(rng, 3, 2, 3, 3)
    with mt.backends.override("conv2d", lambda *args: NotImplemented) as declining:
        y = F.conv2d(x, w, padding=1)
    assert (declining.calls, declining.declined) == (0, 1)
    with overrides.suspended():
        np.testing.assert_array_equal(y.numpy(), F.conv2d(x, w, padding=1).numpy())


def test_a_wrong_shape_or_dtype_or_type_is_refused_with_what_was_expected(rng):
    x, w = _t(rng, 1, 2, 4, 4), _t(rng, 3, 2, 3, 3)
    with mt.backends.override("im2col", lambda image, k, s, d: kit.im2col(image, k, s, d).T):
        with pytest.raises(RuntimeError, match=r"override\('im2col'\): your function returned an array of "
                                               r"shape \(4, 18\); .*shape \(18, 4\)"):
            F.conv2d(x, w)
    with mt.backends.override("conv2d", lambda x_, *rest: np.zeros((1, 3, 2, 2), dtype=np.float32)):
        with pytest.raises(RuntimeError, match="returned float32 where float64 was expected"):
            F.conv2d(x, w)
    with mt.backends.override("conv2d_bias_grad", lambda dy: list(dy.sum(axis=(0, 2, 3)))):
        b = _t(rng, 3, grad=True)
        with pytest.raises(RuntimeError, match="returned list, not a NumPy array"):
            F.conv2d(x, w, b).sum().backward()


def test_the_arrays_a_kernel_receives_are_read_only(rng):
    def scribbles(image, kernel_size, stride, dilation):
        image[0, 0, 0] = 0.0
        return kit.im2col(image, kernel_size, stride, dilation)

    x = _t(rng, 1, 1, 4, 4)
    before = x.numpy().copy()
    with mt.backends.override("im2col", scribbles):
        with pytest.raises(ValueError, match="read-only"):
            F.conv2d(x, _t(rng, 1, 1, 2, 2))
    np.testing.assert_array_equal(x.numpy(), before)


def test_gradients_of_gradients_stay_exact_with_kernels_swapped_in(rng):
    x, w, b = _t(rng, 1, 2, 4, 4, grad=True), _t(rng, 2, 2, 3, 3, grad=True), _t(rng, 2, grad=True)
    with mt.backends.override("im2col", one_image_im2col), \
            mt.backends.override("col2im", one_image_col2im), \
            mt.backends.override("conv2d_bias_grad", lambda dy: 2 * dy.sum(axis=(0, 2, 3))):
        # the bias override is deliberately wrong: with create_graph=True ours runs instead
        assert mt.autograd.gradgradcheck(lambda *a: F.conv2d(*a, padding=1), (x, w, b))


def test_max_pool_backward_override_runs_and_declines_what_it_does_not_cover(rng):
    def first_maximum(x, dy, kernel_size, stride, padding, dilation, ceil_mode):
        if padding != (0, 0) or dilation != (1, 1) or ceil_mode:
            return NotImplemented
        (kh, kw), (sh, sw) = kernel_size, stride
        dx = np.zeros_like(x)
        for index in np.ndindex(*dy.shape):
            n, c, y, xx = index
            window = x[n, c, y * sh:y * sh + kh, xx * sw:xx * sw + kw]
            i, j = np.unravel_index(np.argmax(window), window.shape)
            dx[n, c, y * sh + i, xx * sw + j] += dy[index]
        return dx

    x = mt.tensor(rng.integers(0, 3, (2, 2, 6, 5)).astype(float), requires_grad=True)

    def grads(**options):
        x.grad = None
        y = F.max_pool2d(x, 3, **options)
        y.backward(mt.ones_like(y) * 1.5)
        return x.grad.numpy()

    cases = [{"stride": 1}, {"stride": 2}, {"stride": 2, "padding": 1}, {"stride": 2, "ceil_mode": True}]
    ours = [grads(**case) for case in cases]
    with mt.backends.override("max_pool2d_backward", first_maximum) as mine:
        yours = [grads(**case) for case in cases]
    assert (mine.calls, mine.declined) == (2, 2)
    for got, expected in zip(yours, ours):
        np.testing.assert_array_equal(got, expected)


def test_conv2d_function_override_replaces_the_autograd_function(rng):
    from minitorch_conv.exercises.solutions.custom_function import Conv2dFunction

    def function(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
        if stride != (1, 1) or any(padding) or dilation != (1, 1) or groups != 1:
            return NotImplemented
        return Conv2dFunction.apply(input, weight, bias)

    x, w, b = _t(rng, 2, 3, 5, 5, grad=True), _t(rng, 4, 3, 3, 3, grad=True), _t(rng, 4, grad=True)
    with mt.backends.override("conv2d_function", function) as mine:
        y = F.conv2d(x, w, b)
        assert "Conv2dFunctionBackward" in repr(y.grad_fn)
        assert mt.autograd.gradcheck(lambda *a: F.conv2d(*a), (x, w, b))
        F.conv2d(x, w, b, padding=1)  # declined: ours
    assert mine.calls > 0 and mine.declined > 0
    with mt.backends.override("conv2d_function", lambda *a: "nonsense"):
        with pytest.raises(RuntimeError, match="F.conv2d needs a Tensor of shape"):
            F.conv2d(x, w, b)


# ---------------------------------------------------------------------------------- explain
def _explained(fn) -> str:
    sink = io.StringIO()
    with mt.backends.explain(file=sink):
        fn()
    return sink.getvalue()


def test_explain_names_every_path_and_its_reason(rng, numba_off):
    x = _t(rng, 2, 4, 8, 8, grad=True)
    text = _explained(lambda: [F.conv2d(x, _t(rng, 6, 4, 1, 1, grad=True), stride=2).sum().backward(),
                               F.conv2d(x, _t(rng, 4, 1, 3, 3), groups=4, padding=1),
                               F.conv2d(x, _t(rng, 6, 4, 3, 3), padding=(1, 2))])
    assert text.count("conv2d forward:") == 3
    assert "conv2d input grad: dx (2, 4, 8, 8), W (6, 4, 1, 1), stride 2" in text
    assert "conv2d weight grad: x (2, 4, 8, 8), dW (6, 4, 1, 1), stride 2" in text
    assert re.search(r"stride 2\n  -> subsampled: a 1x1 kernel: only every 2nd row and column is read; "
                     r"stride 1 over them\n  -> pointwise: ", text)
    assert "groups 4\n  -> direct: depthwise (one channel per group)" in text
    assert ("padding (1, 2)\n  -> im2col+GEMM: not direct: not depthwise, and Numba is not in use"
            in text)


def test_explain_with_numba_names_the_direct_kernel_and_why_not(rng):
    cpu = mt.backends.get_backend("cpu")
    if not cpu.use_numba:
        pytest.skip("Numba is not in use")
    text = _explained(lambda: [F.conv2d(_t(rng, 1, 8, 7, 7), _t(rng, 4, 8, 3, 3)),
                               F.conv2d(_t(rng, 1, 80, 7, 7), _t(rng, 4, 80, 3, 3)),
                               F.conv2d(_t(rng, 1, 8, 7, 7), _t(rng, 4, 8, 3, 3), stride=2),
                               F.conv2d(_t(rng, 1, 8, 6, 6), _t(rng, 4, 8, 3, 3))])
    assert "-> direct: Numba, stride 1, 72 inputs per output (C/groups*kh*kw <= 576)" in text
    assert "-> im2col+GEMM: not direct: 16 positions per output plane < 17: runs too short" in text
    assert "-> im2col+GEMM: not direct: 720 inputs per output (C/groups*kh*kw) > 576" in text
    assert "-> im2col+GEMM: not direct: stride (2, 2); Numba's direct kernels are for stride 1" in text


def test_explain_on_the_example_cnn_is_what_the_docs_show():
    if not mt.backends.get_backend("cpu").use_numba:
        pytest.skip("the docs show the output with Numba")
    from minitorch_conv.exercises.training import ExampleCNN

    mt.manual_seed(0)
    model = ExampleCNN((8, 8))
    images, labels = mt.randn(32, 1, 8, 8), mt.randint(0, 10, (32,))
    text = _explained(lambda: F.cross_entropy(model(images), labels).backward())
    page = (ROOT / "docs" / "explain.md").read_text(encoding="utf-8")
    shown = page.split("With Numba installed")[1].split("```text\n")[1].split("```")[0]
    assert text == shown


def test_explain_collects_reports_nests_and_is_off_outside(rng, capsys):
    x, w = _t(rng, 1, 3, 5, 5), _t(rng, 3, 1, 3, 3)
    with mt.backends.explain(file=False) as outer:
        with mt.backends.explain(file=False) as inner:
            F.conv2d(x, w, groups=3)
        F.conv2d(x, w, groups=3)
    assert len(inner) == 1 and len(outer) == 2 and outer[0] == inner[0]
    assert outer[0].startswith("conv2d forward: x (1, 3, 5, 5), W (3, 1, 3, 3), stride 1, groups 3\n")
    with pytest.raises(KeyError), mt.backends.explain(file=False):
        F.conv2d(x, w, groups=3)
        raise KeyError("interrupted")
    assert not kernel_trace.tracing
    F.conv2d(x, w, groups=3)
    assert capsys.readouterr().out == ""


def test_explain_names_a_kernel_swapped_in(rng):
    x = _t(rng, 1, 2, 5, 5, grad=True)
    with mt.backends.override("im2col", one_image_im2col), mt.backends.override("col2im", one_image_col2im):
        text = _explained(lambda: F.conv2d(x, _t(rng, 3, 2, 3, 3), padding=1).sum().backward())
    assert "-> im2col+GEMM: your im2col (mt.backends.override), with our GEMMs" in text
    assert "conv2d input grad: dx (1, 2, 5, 5), W (3, 2, 3, 3), stride 1, padding 1\n" \
           "  -> col2im+GEMM: your col2im (mt.backends.override), with our W^T dy" in text
