"""gradcheck / gradgradcheck: correct ops pass, planted wrong backwards are caught and explained.

Every planted bug is checked in slow mode and in fast mode. Message checks use the regexes that
PyTorch's own messages satisfy (the header lines), plus the hint that the report adds.
"""

from __future__ import annotations

import importlib
import pathlib
import re
import runpy
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitorch_conv as mt
from minitorch_conv.autograd.gradcheck import GradcheckError

# the module itself (the package binds the name ``gradcheck`` to the function)
gc_module = importlib.import_module("minitorch_conv.autograd.gradcheck")

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

gradcheck = mt.autograd.gradcheck
gradgradcheck = mt.autograd.gradgradcheck
MODES = [pytest.param(False, id="slow"), pytest.param(True, id="fast")]


def t64(rng, *shape, requires_grad=True, device="cpu"):
    """A float64 tensor of standard normal values."""
    return mt.tensor(rng.standard_normal(shape), device=device, requires_grad=requires_grad)


# ------------------------------------------------------------------------------ planted bugs
class OffByOnePercent(mt.autograd.Function):
    """y = x * x; the backward is 0.99 times the right one."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a._array * a._array

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return 2 * a * grad * 0.99


class WrongSquare(mt.autograd.Function):
    """Forward a*a, backward g*a (should be 2*a*g): a missing factor of 2."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a._array * a._array

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a


class MatMulInputGradUsesW(mt.autograd.Function):
    """x @ W whose input gradient is grad @ W (should be grad @ W.T)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._array @ b._array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad @ b, a.mT @ grad


class MatMulTransposedWeightGrad(mt.autograd.Function):
    """x @ W whose weight gradient is transposed: (x.T @ grad).T."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._array @ b._array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad @ b.mT, (a.mT @ grad).mT


class IgnoresGradOutput(mt.autograd.Function):
    """x * x whose backward returns the local derivative 2x and never looks at grad_output."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a._array * a._array

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return 2 * a


class OnesForZeroGrad(mt.autograd.Function):
    """Right on every one-hot grad_output, wrong (ones) when grad_output is all zero."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a._array * a._array

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if not bool((grad != 0).any()):
            return mt.ones_like(a)
        return 2 * a * grad


class NoisyBackward(mt.autograd.Function):
    """x * x whose backward adds a random 1e-9: not reentrant."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a._array * a._array

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        noise = mt.randn(*a.shape, dtype=a.dtype) * 1e-9
        return (2 * a + noise) * grad


class CubeRawArrayBackward(mt.autograd.Function):
    """x**3 with a right first derivative computed from raw arrays: no graph for the second order."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a._array ** 3

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a._new(3 * a._array ** 2)


class ThreeSquareWrongBackward(mt.autograd.Function):
    """3*x**2 whose backward claims 3*x (should be 6*x)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return 3 * a._array ** 2

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 3 * a


class CubeWrongSecondDerivative(mt.autograd.Function):
    """x**3: first derivative 3x**2 right, but computed by a Function whose own backward is wrong."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a._array ** 3

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * ThreeSquareWrongBackward.apply(a)


class TwoOutputs(mt.autograd.Function):
    """(p*q, p + q**2) whose d(out1)/dq is q (should be 2q): only (output 1, input 1) is wrong."""

    @staticmethod
    def forward(ctx, p, q):
        ctx.save_for_backward(p, q)
        return p._array * q._array, p._array + q._array ** 2

    @staticmethod
    def backward(ctx, g1, g2):
        p, q = ctx.saved_tensors
        return g1 * q + g2, g1 * p + g2 * q


def dense_error_function(err: float):
    """2*x whose backward adds err * sum(grad) to every element: every Jacobian entry is off by err."""

    class DenseError(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a._array * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2 + grad.sum() * err

    return DenseError.apply


def _message(excinfo) -> str:
    """The error message with its line wrapping undone (the report wraps prose at 100 columns)."""
    return str(excinfo.value)


def _flat(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------ correct ops pass
CORRECT = {
    "mul": (lambda a, b: a * b, [(3, 4), (3, 4)]),
    "broadcast_add_div": (lambda a, b: (a + b) / (b * b + 1), [(2, 3), (3,)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    "matmul_vector": (lambda a, b: a @ b, [(3,), (3, 2)]),
    "softmax": (lambda a: a.softmax(-1), [(2, 5)]),
    "log_softmax": (lambda a: a.log_softmax(0), [(4, 3)]),
    "sum_dim": (lambda a: a.sum(1, keepdim=True), [(3, 4)]),
    "mean_var": (lambda a: (a.mean(0), a.var(1)), [(3, 4)]),
    "tanh_sigmoid_exp": (lambda a: a.tanh() * a.sigmoid() + (0.1 * a).exp(), [(5,)]),
    "reshape_permute": (lambda a: a.reshape(2, 3, 2).permute(2, 0, 1) * 3, [(3, 4)]),
    "split": (lambda a: a.split(2, dim=1), [(2, 5)]),
    "pow_sqrt": (lambda a: (a * a + 1).sqrt() ** 3, [(4,)]),
    "scalar_output": (lambda a, b: ((a @ b).tanh() ** 2).sum(), [(2, 3), (3, 2)]),
}


@pytest.mark.parametrize("fast", MODES)
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_ops_pass(name, fast, rng):
    fn, shapes = CORRECT[name]
    inputs = tuple(t64(rng, *s) for s in shapes)
    assert gradcheck(fn, inputs, fast_mode=fast) is True


@pytest.mark.parametrize("fast", MODES)
@pytest.mark.parametrize("name", ["mul", "matmul", "softmax", "tanh_sigmoid_exp", "pow_sqrt"])
def test_correct_ops_pass_gradgradcheck(name, fast, rng):
    fn, shapes = CORRECT[name]
    inputs = tuple(t64(rng, *s) for s in shapes)
    assert gradgradcheck(fn, inputs, fast_mode=fast) is True


def test_runs_on_every_device(device, rng):
    x = t64(rng, 3, 4, device=device)
    w = t64(rng, 4, 2, device=device)
    before = x.detach().cpu().numpy().copy()
    assert gradcheck(lambda a, b: (a @ b).softmax(-1), (x, w)) is True
    assert gradcheck(lambda a, b: (a @ b).softmax(-1), (x, w), fast_mode=True) is True
    assert gradgradcheck(lambda a, b: (a @ b).tanh(), (x, w), fast_mode=True) is True
    assert x.device == mt.device(device)
    np.testing.assert_array_equal(x.detach().cpu().numpy(), before)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(WrongSquare.apply, (x,))


def test_non_tensor_arguments_pass_through(rng):
    # an op that takes ints besides the tensor: they are passed through, not checked
    x = t64(rng, 3, 4)
    assert gradcheck(lambda a, k, dim: (a * k).sum(dim), (x, 3, 0)) is True
    assert gradcheck(lambda a, k, dim: (a * k).sum(dim), [x, 3, 0], fast_mode=True) is True


def test_single_tensor_input_and_list_output(rng):
    x = t64(rng, 4)
    assert gradcheck(lambda a: a.exp(), x) is True
    assert gradcheck(lambda a: [a.exp(), a * 3], x, fast_mode=True) is True


def test_non_contiguous_and_zero_dim_inputs(rng):
    base = t64(rng, 3, 3, requires_grad=False)
    xt = base.T.detach().requires_grad_()
    assert not xt.is_contiguous()
    assert gradcheck(lambda a: a.exp() @ a, (xt,)) is True
    assert gradcheck(lambda a: a.exp() @ a, (xt,), fast_mode=True) is True
    s = mt.tensor(1.5, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a, b: a * b, (s, t64(rng, 3))) is True
    assert gradcheck(lambda a, b: a * b, (s, t64(rng, 3)), fast_mode=True) is True


def test_inputs_that_do_not_require_grad_and_unused_inputs(rng):
    fixed = t64(rng, 3, requires_grad=False)
    unused = t64(rng, 2)
    for fast in (False, True):
        assert gradcheck(lambda a, b, c: a * b, (t64(rng, 3), fixed, unused), fast_mode=fast) is True


def test_multi_output_functions_handle_undefined_grads(rng):
    class ScaleTwice(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(False)
            return a._array * 2, a._array * 3

        @staticmethod
        def backward(ctx, g1, g2):
            total = None
            for g, k in ((g1, 2), (g2, 3)):
                if g is not None:
                    total = g * k if total is None else total + g * k
            return total

    assert gradcheck(ScaleTwice.apply, (t64(rng, 3),)) is True
    assert gradcheck(ScaleTwice.apply, (t64(rng, 3),), fast_mode=True) is True


# ------------------------------------------------------------------------------ planted bugs are caught
@pytest.mark.parametrize("fast", MODES)
def test_gradient_off_by_one_percent(fast, rng):
    x = t64(rng, 4)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(OffByOnePercent.apply, (x,), fast_mode=fast)
    msg = _message(excinfo)
    assert msg.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    assert "\nanalytical:" in msg
    assert "analytical = 0.99 x numerical at every element" in msg
    assert "an error of 1%" in msg
    assert "Largest absolute error:" in msg and "Largest relative error: 0.01 " in msg
    if fast:
        assert "we recompute numerical and analytical jacobians in slow mode" in msg
    assert gradcheck(OffByOnePercent.apply, (x,), fast_mode=fast, raise_exception=False) is False


@pytest.mark.parametrize("fast", MODES)
def test_transposed_input_gradient(fast, rng):
    # grad @ W instead of grad @ W.T on a square W
    x, w = t64(rng, 2, 3), t64(rng, 3, 3)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(MatMulInputGradUsesW.apply, (x, w), fast_mode=fast)
    msg = _message(excinfo)
    assert "Jacobian mismatch for output 0 with respect to input 0," in msg
    assert "equals the numerical one transposed" in msg
    assert "input dim 1 and output dim 1 swapped" in msg


@pytest.mark.parametrize("fast", MODES)
def test_transposed_weight_gradient(fast, rng):
    x, w = t64(rng, 2, 3), t64(rng, 3, 3)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(MatMulTransposedWeightGrad.apply, (x, w), fast_mode=fast)
    msg = _message(excinfo)
    assert "Jacobian mismatch for output 0 with respect to input 1," in msg
    assert "input dim 0 and input dim 1 swapped" in msg
    assert "the gradient of this input is transposed" in msg
    assert gradcheck(MatMulTransposedWeightGrad.apply, (x, w), fast_mode=fast,
                     raise_exception=False) is False


@pytest.mark.parametrize("fast", MODES)
def test_backward_that_ignores_grad_output(fast, rng):
    x = t64(rng, 2, 3)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(IgnoresGradOutput.apply, (x,), fast_mode=fast)
    msg = _message(excinfo)
    assert "Jacobian mismatch for output 0 with respect to input 0," in msg  # the mismatch is reported first
    assert "The backward ignores grad_output: with grad_output = 0 it still returns" in msg


@pytest.mark.parametrize("fast", MODES)
def test_backward_not_multiplied_by_grad_output(fast, rng):
    # the Jacobian matches: only the all-zero grad_output reveals the bug
    x = t64(rng, 3)
    with pytest.raises(GradcheckError, match=r"^backward not multiplied by grad_output") as excinfo:
        gradcheck(OnesForZeroGrad.apply, (x,), fast_mode=fast)
    assert "should be 0, but it is 1 at element [0]" in _message(excinfo)
    assert gradcheck(OnesForZeroGrad.apply, (x,), fast_mode=fast, raise_exception=False) is False


@pytest.mark.parametrize("fast", MODES)
def test_nondeterministic_backward(fast, rng):
    x = t64(rng, 3)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(NoisyBackward.apply, (x,), fast_mode=fast)
    msg = _message(excinfo)
    assert msg.startswith(
        "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
        "times gives different values, although analytical gradient matches numerical gradient."
        "The tolerance for nondeterminism was 0.0."
    )
    assert "nondet_tol" in msg
    assert re.search(r"The two backward runs differ by up to \d(\.\d+)?e-\d\d, at input 0", msg)
    assert gradcheck(NoisyBackward.apply, (x,), fast_mode=fast, nondet_tol=1e-6) is True


@pytest.mark.parametrize("fast", MODES)
def test_wrong_second_derivative(fast, rng):
    x = t64(rng, 3)
    assert gradcheck(CubeWrongSecondDerivative.apply, (x,), fast_mode=fast) is True
    with pytest.raises(GradcheckError) as excinfo:
        gradgradcheck(CubeWrongSecondDerivative.apply, (x,), fast_mode=fast)
    msg = _message(excinfo)
    assert "Jacobian mismatch for output 0 with respect to input 0," in msg
    assert "This is gradgradcheck" in msg
    assert "analytical = 0.5 x numerical at every element" in msg
    assert gradgradcheck(CubeWrongSecondDerivative.apply, (x,), fast_mode=fast,
                         raise_exception=False) is False


@pytest.mark.parametrize("fast", MODES)
def test_backward_on_raw_arrays_has_no_second_derivative(fast, rng):
    x = t64(rng, 3)
    assert gradcheck(CubeRawArrayBackward.apply, (x,), fast_mode=fast) is True
    with pytest.raises(GradcheckError) as excinfo:
        gradgradcheck(CubeRawArrayBackward.apply, (x,), fast_mode=fast)
    msg = _message(excinfo)
    assert "The analytical Jacobian is all zero: the first-order gradient has no graph back to" in msg


@pytest.mark.parametrize("fast", MODES)
def test_detached_path_is_reported(fast, rng):
    x, w = t64(rng, 2, 3), t64(rng, 3, 3)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(lambda a, b: a.detach() @ b + a, (x, w), fast_mode=fast)
    assert "part of the dependence on this input is missing from the graph" in _message(excinfo)


@pytest.mark.parametrize("fast", MODES)
def test_relu_at_zero_is_a_kink_not_a_bug(fast):
    x = mt.tensor([-1.0, 0.0, 2.0], dtype=mt.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(lambda a: a.relu(), (x,), fast_mode=fast)
    msg = _message(excinfo)
    assert "Not differentiable here: at input[1], output element [1] has slope 0 from the left and 1" in msg
    assert "The backward gives 0, the left slope" in msg


# ------------------------------------------------------------------------------ arguments, warnings, messages
def test_float32_inputs_warn_once_each_and_fail(rng):
    a = mt.tensor(rng.standard_normal((2, 3)), dtype=mt.float32, requires_grad=True)
    b = mt.tensor(rng.standard_normal((3, 2)), dtype=mt.float32, requires_grad=True)

    def fn(p, q):
        return (p @ q).tanh()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        header = "Jacobian mismatch for output 0 with respect to input 0,"
        with pytest.raises(GradcheckError, match=header) as e:
            gradcheck(fn, (a, b))
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    expected = ("requires gradient and is not a double precision floating point or complex. This check "
                "will likely fail if all the inputs are not of double precision floating point or complex. ")
    assert texts == [f"Input #0 {expected}", f"Input #1 {expected}"]
    assert caught[0].filename == __file__  # the warning points at the caller
    assert "Precision: input 0 is float32, input 1 is float32, not float64" in str(e.value)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert gradcheck(fn, (a, b), raise_exception=False) is False
        assert gradcheck(fn, (a, b), fast_mode=True, raise_exception=False) is False
    assert len(caught) == 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert gradcheck(fn, (a, b), eps=1e-3, atol=1e-2, rtol=1e-2) is True
    assert [str(w.message)[:8] for w in caught] == ["Input #0", "Input #1"]


def test_gradgradcheck_float32_warns_for_grad_outputs_too(rng):
    a = mt.tensor(rng.standard_normal(3), dtype=mt.float32, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradgradcheck(lambda p: p * p, (a,), raise_exception=False)
    texts = sorted({str(w.message)[:9] for w in caught})
    assert texts == ["Input #0 ", "Input #1 "]


@pytest.mark.parametrize("raise_exception", [True, False])
def test_no_input_requiring_grad_is_a_value_error(raise_exception, rng):
    with pytest.raises(ValueError, match=re.escape(
            "gradcheck expects at least one input tensor to require gradient, but none of them have "
            "requires_grad=True.")):
        gradcheck(lambda a: a * 2, (t64(rng, 3, requires_grad=False), 5), raise_exception=raise_exception)


@pytest.mark.parametrize("raise_exception", [True, False])
def test_stride_zero_input_is_a_runtime_error(raise_exception, rng):
    expanded = t64(rng, 3, requires_grad=False).expand(4, 3).detach().requires_grad_()
    assert 0 in expanded.stride()
    with pytest.raises(RuntimeError, match=r"^The 1th input has a dimension with stride 0\. gradcheck only"):
        gradcheck(lambda s, a: a * 2, (2.0, expanded), raise_exception=raise_exception)


def test_slow_mode_message_layout_and_values():
    x = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(WrongSquare.apply, (x,))
    msg = _message(excinfo)
    assert msg.startswith(
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000, 0.0000, 0.0000],\n"
        "        [0.0000, 4.0000, 0.0000],\n"
        "        [0.0000, 0.0000, 6.0000]], dtype=minitorch_conv.float64)\n"
        "analytical:tensor([[1., 0., 0.],\n"
        "        [0., 2., 0.],\n"
        "        [0., 0., 3.]], dtype=minitorch_conv.float64)\n"
    )
    assert "missing factor of 2" in _flat(msg)
    # the table lists the worst element first, numerical and analytical side by side
    assert re.search(r"input\[2\], output\[2\]\s+6\s+3\s+3\s+0\.5", msg)
    # small Jacobians are also printed row by row, failing elements starred
    assert re.search(r"input\[1\]\s+numerical\s+0\s+4\s+0\n\s+analytical\s+0\s+2\*\s+0", msg)


def test_jacobian_layout_is_input_by_output(rng):
    # 2 input elements, 6 output elements: a 2 x 6 matrix (row = input element)
    class WrongOuter(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return (a._array.reshape(2, 1) * a.xp.arange(1.0, 4.0)).reshape(-1)

        @staticmethod
        def backward(ctx, grad):
            return grad.reshape(2, 3).sum(1)  # should weight by 1, 2, 3

    x = t64(rng, 2)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(WrongOuter.apply, (x,))
    msg = _message(excinfo)
    numerical = msg.split("numerical:")[1].split("\nanalytical:")[0]
    rows = re.findall(r"\[([^\[\]]+)\]", numerical)
    assert len(rows) == 2 and all(len(r.split(",")) == 6 for r in rows)
    assert "laid out (input element, output element) = (2, 6)" in msg.replace("\n", " ")


@pytest.mark.parametrize("fast", MODES)
def test_message_names_the_failing_output_and_input(fast, rng):
    p, q = t64(rng, 3), t64(rng, 3)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 1 with respect to input 1,"):
        gradcheck(TwoOutputs.apply, (p, q), fast_mode=fast)


def test_fast_mode_message_recomputes_the_pair_in_slow_mode():
    x = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(WrongSquare.apply, (x,), fast_mode=True)
    msg = _message(excinfo)
    assert re.match(r"Jacobian mismatch for output 0 with respect to input 0,\n"
                    r"numerical:-?\d+\.\d+\nanalytical:-?\d+\.\d+\n", msg)
    assert "computed \nin fast mode" in msg
    assert "we recompute numerical and analytical jacobians in slow mode" in msg
    assert "The max per-element difference (slow mode) is: 3.0000000" in msg
    assert "Numerical:\n tensor([[2.0000, 0.0000, 0.0000]," in msg
    assert "Analytical:\ntensor([[1., 0., 0.]," in msg


def test_keyword_only_arguments_and_unsupported_flags(rng):
    x = t64(rng, 3)
    with pytest.raises(TypeError, match="positional argument"):
        gradcheck(lambda a: a * 2, (x,), 1e-6)
    with pytest.raises(TypeError, match="positional argument"):
        gradgradcheck(lambda a: a * 2, (x,), None, 1e-6)
    with pytest.raises(AssertionError, match="at least one of check_forward_ad or check_backward_ad"):
        gradcheck(lambda a: a * 2, (x,), check_backward_ad=False)
    with pytest.raises(AssertionError, match="at least one of check_fwd_over_rev or check_rev_over_rev"):
        gradgradcheck(lambda a: a * 2, (x,), check_rev_over_rev=False)
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        gradcheck(lambda a: a * 2, (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="vmap"):
        gradcheck(lambda a: a * 2, (x,), check_batched_grad=True)
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        gradgradcheck(lambda a: a * 2, (x,), check_fwd_over_rev=True)
    with pytest.raises(NotImplementedError, match="vmap"):
        gradgradcheck(lambda a: a * 2, (x,), check_batched_grad=True)


def test_error_class_and_exports():
    assert issubclass(GradcheckError, RuntimeError)
    assert mt.autograd.GradcheckError is GradcheckError
    assert gc_module.gradcheck is mt.autograd.gradcheck


# ------------------------------------------------------------------------------ mechanics
@pytest.mark.parametrize("fast", MODES)
def test_outputs_cut_from_the_graph(fast, rng):
    with pytest.raises(GradcheckError, match="^Numerical gradient for function expected to be zero"):
        gradcheck(lambda a: a.detach() * 2, (t64(rng, 3),), fast_mode=fast)
    assert gradcheck(lambda a: a.detach() * 0 + 1, (t64(rng, 3),), fast_mode=fast) is True


@pytest.mark.parametrize("fast", MODES)
def test_output_shape_must_not_change_when_perturbed(fast, rng):
    x = t64(rng, 3)
    calls = {"n": 0}

    def fn(a):
        calls["n"] += 1
        return a * 2 if calls["n"] % 2 else (a * 2).reshape(1, 3)

    with pytest.raises(AssertionError, match="Expected `func` to return outputs with the same shape when "
                                             "inputs are perturbed"):
        gradcheck(fn, (x,), fast_mode=fast)


@pytest.mark.parametrize("fast", MODES)
def test_inputs_restored_exactly(fast, rng):
    x, w = t64(rng, 3, 3), t64(rng, 3, 3)
    before = (x._array.copy(), w._array.copy())
    assert gradcheck(MatMulTransposedWeightGrad.apply, (x, w), fast_mode=fast,
                     raise_exception=False) is False
    assert x._array.tobytes() == before[0].tobytes() and w._array.tobytes() == before[1].tobytes()

    calls = {"n": 0}

    def explodes(a):
        calls["n"] += 1
        if calls["n"] == 4:
            raise ZeroDivisionError("boom")
        return a * a

    with pytest.raises(ZeroDivisionError):
        gradcheck(explodes, (x,), fast_mode=fast)
    assert x._array.tobytes() == before[0].tobytes()


@FAST
@given(shape=st.lists(st.integers(1, 3), min_size=0, max_size=3), transpose=st.booleans(),
       fast=st.booleans())
def test_inputs_restored_exactly_any_shape(shape, transpose, fast):
    values = np.random.default_rng(len(shape)).standard_normal(shape)
    x = mt.tensor(values, requires_grad=False)
    if transpose and x.ndim >= 2:
        x = x.transpose(0, 1)
    x = x.detach().requires_grad_()
    before = x._array.copy()
    assert gradcheck(lambda a: (a * a).exp(), (x,), fast_mode=fast) is True
    assert x._array.tobytes() == before.tobytes()


def test_fast_mode_leaves_global_rng_alone_and_is_repeatable(rng):
    x = t64(rng, 4)
    mt.manual_seed(7)
    expected = mt.rand(3).numpy().copy()
    mt.manual_seed(7)
    messages = []
    for _ in range(2):
        with pytest.raises(GradcheckError) as excinfo:
            gradcheck(WrongSquare.apply, (x,), fast_mode=True)
        messages.append(str(excinfo.value))
    np.testing.assert_array_equal(mt.rand(3).numpy(), expected)
    assert messages[0] == messages[1]


def test_fast_mode_vectors_are_unit_norm_and_non_negative(rng):
    generator = gc_module._private_generator()
    for dtype in (mt.float64, mt.float32):
        like = mt.zeros(4, 5, dtype=dtype)
        u = gc_module._unit_vector(generator, like)
        assert u.shape == (20,) and u.dtype == dtype.numpy
        assert (u >= 0).all()
        assert abs(float((u.astype(np.float64) ** 2).sum()) - 1) < 1e-6


def test_fast_mode_scales_atol_by_sum_u_sum_v(rng):
    # every Jacobian entry is off by 5e-6 < atol: slow mode passes element by element. In fast mode
    # the error adds up to 5e-6 * sum(u) * sum(v); only the scaled atol keeps the two modes consistent.
    # (rtol=0 so that atol alone decides)
    x = t64(rng, 16)
    small, large = dense_error_function(5e-6), dense_error_function(2e-5)
    assert gradcheck(small, (x,), rtol=0) is True
    assert gradcheck(small, (x,), rtol=0, fast_mode=True) is True
    for fast in (False, True):
        with pytest.raises(GradcheckError, match="Jacobian mismatch"):
            gradcheck(large, (x,), rtol=0, fast_mode=fast)


def test_fast_failure_too_big_for_slow_recompute(monkeypatch, rng):
    monkeypatch.setattr(gc_module, "SLOW_RECOMPUTE_MAX_ELEMENTS", 10)
    x = t64(rng, 6)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(OffByOnePercent.apply, (x,), fast_mode=True)
    msg = _message(excinfo)
    assert "so it is not recomputed in slow mode" in msg
    assert "6 of 6 sampled elements fail" in msg


def test_fast_fails_but_slow_passes_message(monkeypatch, rng):
    # a correct op whose fast-mode finite differences are made 10% too large: fast mode fails, and
    # the slow recomputation (element by element, other finite differences) passes
    numerical_jvp = gc_module._numerical_jvp
    monkeypatch.setattr(gc_module, "_numerical_jvp",
                        lambda *args: [None if d is None else d * 1.1 for d in numerical_jvp(*args)])
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(lambda a: a * a, (t64(rng, 3),), fast_mode=True)
    assert "Fast gradcheck failed but element-wise differences are small." in _message(excinfo)


def test_gradgradcheck_grad_outputs(rng):
    x = t64(rng, 2, 3)
    go = t64(rng, 2, 3)
    assert gradgradcheck(lambda a: a.tanh(), (x,), (go,)) is True
    assert gradgradcheck(lambda a: a.tanh(), (x,), go, fast_mode=True) is True
    assert gradgradcheck(lambda a: a.tanh(), (x,), gen_non_contig_grad_outputs=True) is True
    # random grad_outputs come from the global generator, as in PyTorch
    mt.manual_seed(3)
    untouched = mt.rand(2).numpy().copy()
    mt.manual_seed(3)
    gradgradcheck(lambda a: a.tanh(), (x,))
    assert not np.array_equal(mt.rand(2).numpy(), untouched)


def test_gradgradcheck_backward_cut_from_the_graph(rng):
    class ConstantBackward(mt.autograd.Function):  # 2x; the backward's value is right but a constant
        @staticmethod
        def forward(ctx, a):
            return a._array * 2

        @staticmethod
        def backward(ctx, grad):
            return grad._new(grad._array * 2)

    x = t64(rng, 3)
    assert gradcheck(ConstantBackward.apply, (x,)) is True
    with pytest.raises(GradcheckError, match="^Numerical gradient for function expected to be zero") as e:
        gradgradcheck(ConstantBackward.apply, (x,))
    assert "Write the backward with tensor operations" in _flat(_message(e))


def test_gradgradcheck_wrong_derivative_with_respect_to_grad_output(rng):
    class DetachedGrad(mt.autograd.Function):  # x*x; backward 2*x*grad with grad detached
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a._array * a._array

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return 2 * a * grad.detach()

    x = t64(rng, 3)
    assert gradcheck(DetachedGrad.apply, (x,)) is True
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 1,") as e:
        gradgradcheck(DetachedGrad.apply, (x,))
    assert "input 1 is grad_outputs[0]" in _flat(_message(e))


# ------------------------------------------------------------------------------ PyTorch parity
def test_matches_torch_on_the_same_functions(rng):
    torch = pytest.importorskip("torch")
    from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

    class TorchWrongSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad * a

    values = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    ours = tuple(mt.tensor(v, requires_grad=True) for v in values)
    theirs = tuple(torch.tensor(v, requires_grad=True) for v in values)
    for fast in (False, True):
        assert gradcheck(lambda a, b: (a @ b).softmax(-1), ours, fast_mode=fast) is True
        assert torch.autograd.gradcheck(lambda a, b: (a @ b).softmax(-1), theirs, fast_mode=fast) is True
        header = r"^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"
        with pytest.raises(GradcheckError, match=header):
            gradcheck(WrongSquare.apply, (ours[0],), fast_mode=fast)
        with pytest.raises(TorchGradcheckError, match=header):
            torch.autograd.gradcheck(TorchWrongSquare.apply, (theirs[0],), fast_mode=fast)

    # the same numerical Jacobian, element for element
    numerical = gc_module._numerical_jacobian(lambda a, b: (a @ b).tanh(), ours, 1,
                                             ((ours[0] @ ours[1]).tanh(),), 1e-6)[0]
    x, w = (t.detach() for t in theirs)
    columns = []
    for k in range(w.numel()):
        plus, minus = w.clone(), w.clone()
        plus.view(-1)[k] += 1e-6
        minus.view(-1)[k] -= 1e-6
        columns.append((((x @ plus).tanh() - (x @ minus).tanh()) / 2e-6).reshape(-1))
    # (up to the rounding of two BLAS libraries, amplified by 1/eps)
    np.testing.assert_allclose(numerical, torch.stack(columns).numpy(), rtol=0, atol=1e-9)


# ------------------------------------------------------------------------------ convolution
def _conv():
    conv = pytest.importorskip("minitorch_conv.ops.conv")
    if not (hasattr(conv, "conv2d") and hasattr(conv, "conv_transpose2d")):
        pytest.skip("conv2d / conv_transpose2d not available yet")
    return conv


CONV_CASES = {
    "plain": {},
    "stride2_pad1_dil2": {"stride": 2, "padding": 1, "dilation": 2},
    "groups2_same": {"groups": 2, "padding": "same"},
    "rect_stride": {"stride": (2, 1), "padding": (1, 0)},
}


@pytest.mark.parametrize("fast", MODES)
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv2d_passes(case, fast, rng):
    conv = _conv()
    kwargs = CONV_CASES[case]
    groups = kwargs.get("groups", 1)
    x, w, b = t64(rng, 1, 2, 5, 5), t64(rng, 4 if groups > 1 else 3, 2 // groups, 3, 3), None
    b = t64(rng, w.shape[0])
    assert gradcheck(lambda *a: conv.conv2d(*a, **kwargs), (x, w, b), fast_mode=fast) is True


@pytest.mark.parametrize("fast", MODES)
def test_conv2d_gradgradcheck(fast, rng):
    conv = _conv()
    x, w, b = t64(rng, 1, 2, 4, 4), t64(rng, 2, 2, 3, 3), t64(rng, 2)
    assert gradgradcheck(conv.conv2d, (x, w, b), fast_mode=fast) is True


def test_conv2d_non_tensor_stride_passes_through(rng):
    conv = _conv()
    x, w = t64(rng, 1, 2, 5, 5), t64(rng, 3, 2, 3, 3, requires_grad=False)
    assert gradcheck(lambda a, s: conv.conv2d(a, w, stride=s), (x, 2)) is True


@pytest.mark.parametrize("fast", MODES)
@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "output_padding": 1},
                                    {"groups": 2, "dilation": 2}],
                         ids=["plain", "stride_outpad", "groups_dil"])
def test_conv_transpose2d_passes(kwargs, fast, rng):
    conv = _conv()
    groups = kwargs.get("groups", 1)
    x, w = t64(rng, 1, 2, 4, 4), t64(rng, 2, 4 // groups if groups > 1 else 3, 3, 3)
    b = t64(rng, w.shape[1] * groups)
    assert gradcheck(lambda *a: conv.conv_transpose2d(*a, **kwargs), (x, w, b), fast_mode=fast) is True


@pytest.mark.parametrize("fast", MODES)
def test_conv2d_flipped_kernel_gradient_is_explained(fast, rng):
    conv = _conv()

    class FlippedWeightGrad(mt.autograd.Function):
        """conv2d whose weight gradient comes back rotated by 180 degrees."""

        @staticmethod
        def forward(ctx, a, w):
            ctx.save_for_backward(a, w)
            with mt.enable_grad():
                return conv.conv2d(a.detach(), w.detach()).detach()

        @staticmethod
        def backward(ctx, grad):
            a, w = ctx.saved_tensors
            aa, ww = a.detach().requires_grad_(), w.detach().requires_grad_()
            with mt.enable_grad():
                ga, gw = mt.autograd.grad(conv.conv2d(aa, ww), (aa, ww), grad)
            return ga, mt.tensor(gw.numpy()[:, :, ::-1, ::-1].copy())

    x, w = t64(rng, 1, 1, 4, 4), t64(rng, 1, 1, 2, 2)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(FlippedWeightGrad.apply, (x, w), fast_mode=fast)
    msg = _message(excinfo)
    assert "Jacobian mismatch for output 0 with respect to input 1," in msg
    assert "reversed along input dim 2 and input dim 3" in msg


# ------------------------------------------------------------------------------ jacobian_errors, example
@pytest.mark.parametrize("fast", MODES)
def test_jacobian_errors(fast, rng):
    x, w = t64(rng, 2, 3), t64(rng, 3, 2)
    errors = gc_module.jacobian_errors(lambda a, b: (a @ b).tanh(), (x, w), fast_mode=fast)
    assert [(e.output, e.input) for e in errors] == [(0, 0), (0, 1)]
    assert all(0 <= e.tolerance_ratio < 1 and e.max_abs_error < 1e-6 for e in errors)
    (wrong,) = gc_module.jacobian_errors(WrongSquare.apply, (t64(rng, 3),), fast_mode=fast)
    assert wrong.tolerance_ratio > 1 and wrong.max_abs_error > 0.01


# ------------------------------------------------------------------------------ one comparison core
@pytest.mark.parametrize("fast", MODES)
def test_gradcheck_and_jacobian_errors_report_a_failure_identically(fast, rng):
    p, q = t64(rng, 3), t64(rng, 3)
    errors = gc_module.jacobian_errors(TwoOutputs.apply, (p, q), fast_mode=fast)
    (wrong,) = [e for e in errors if e.tolerance_ratio > 1]
    assert (wrong.output, wrong.input) == (1, 1)
    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(TwoOutputs.apply, (p, q), fast_mode=fast)
    msg = _message(excinfo)
    assert msg.startswith("Jacobian mismatch for output 1 with respect to input 1,\n")
    if fast:  # the message's two numbers are v^T J u: their distance is the error jacobian_errors measured
        numerical, analytical = re.match(r".*\nnumerical:(\S+)\nanalytical:(\S+)\n", msg).groups()
        assert abs(float(analytical) - float(numerical)) == wrong.max_abs_error
    else:
        assert f"Largest absolute error: {wrong.max_abs_error:.6g} at input[" in msg


@pytest.mark.parametrize("fast", MODES)
def test_every_entry_point_compares_through_the_core(fast, monkeypatch, rng):
    compare, measured = gc_module._compare, []

    def recording_compare(*args):
        measured.append(compare(*args))
        return measured[-1]

    monkeypatch.setattr(gc_module, "_compare", recording_compare)
    x = t64(rng, 3)
    for entry in (gradcheck, gradgradcheck):
        measured.clear()
        assert entry(lambda a: a.tanh() * a, (x,), fast_mode=fast) is True
        assert measured and all(c.passed for c in measured)
    measured.clear()
    (error,) = gc_module.jacobian_errors(lambda a: a.tanh() * a, (x,), fast_mode=fast)
    assert [(c.max_abs_error, c.tolerance_ratio) for c in measured] == [
        (error.max_abs_error, error.tolerance_ratio)]


def test_comparison_core_rule_and_measures():
    # rtol=1e-3, atol=1e-5: |a - n| <= 1e-5 + 1e-3 * |n|, checked by hand element by element
    numerical = np.array([[1.0, 1.0], [0.0, 0.0]])
    analytical = np.array([[1.0005, 1.002], [5e-6, 2e-5]])
    c = gc_module._compare(np, analytical, numerical, 1e-3, 1e-5)
    np.testing.assert_array_equal(c.failing, [[False, True], [False, True]])
    assert not c.passed
    assert c.max_abs_error == pytest.approx(2e-3)
    assert c.tolerance_ratio == pytest.approx(2.0)  # 2e-5 / 1e-5 beats 2e-3 / 1.01e-3
    assert gc_module._compare(np, numerical, numerical, 1e-3, 1e-5).tolerance_ratio == 0.0

    # equal infinities pass with no error; NaN and unequal infinities fail, infinitely far off
    numerical = np.array([[np.inf, np.inf, np.nan, 2.0]])
    analytical = np.array([[np.inf, -np.inf, np.nan, np.inf]])
    c = gc_module._compare(np, analytical, numerical, 1e-3, 1e-5)
    np.testing.assert_array_equal(c.failing, [[False, True, True, True]])
    assert c.error[0, 0] == 0 and c.tolerance_ratio == np.inf

    empty = np.zeros((0, 3))
    c = gc_module._compare(np, empty, empty, 1e-3, 1e-5)
    assert c.passed and (c.max_abs_error, c.tolerance_ratio) == (0.0, 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_comparison_core_matches_torch_isclose(dtype):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(1)
    numerical = r.standard_normal((40, 30)).astype(dtype)
    scale = 10.0 ** r.integers(-9, -1, (40, 30))  # errors from far inside to far outside the tolerance
    analytical = numerical + (r.standard_normal((40, 30)) * scale).astype(dtype)
    for k, special in enumerate([np.inf, -np.inf, np.nan]):
        analytical[k, : 3 + k] = special
        numerical[k, 1 + k: 4] = special
    expected = ~torch.isclose(torch.from_numpy(analytical), torch.from_numpy(numerical), rtol=1e-3,
                              atol=1e-5).numpy()
    c = gc_module._compare(np, analytical, numerical, 1e-3, 1e-5)
    np.testing.assert_array_equal(c.failing, expected)
    assert 0 < expected.sum() < expected.size


def test_module_with_padding_mode(rng):
    nn = pytest.importorskip("minitorch_conv.nn")
    if not hasattr(nn, "Conv2d"):
        pytest.skip("nn.Conv2d not available yet")
    m = nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", dtype=mt.float64)
    x = t64(rng, 1, 2, 4, 4)
    # the parameters are inputs: perturbing them in place changes what the module computes
    assert gradcheck(lambda a, *params: m(a), (x, m.weight, m.bias)) is True
    assert gradcheck(lambda a, *params: m(a), (x, m.weight, m.bias), fast_mode=True) is True


def test_gradcheck_conv_example_runs(capsys):
    pytest.importorskip("minitorch_conv.nn")
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "gradcheck_conv.py"
    if not path.exists():
        pytest.skip("examples/gradcheck_conv.py not present")
    example = runpy.run_path(str(path))
    assert example["main"]() == 0
    out = capsys.readouterr().out
    assert "0 failing checks" in out and "conv_transpose2d" in out and "FAIL" not in out
