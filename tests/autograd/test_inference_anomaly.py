"""Inference mode (``mt.inference_mode``, inference tensors) and anomaly detection
(``mt.autograd.detect_anomaly``, ``set_detect_anomaly``): PyTorch's semantics, errors and warnings.

Each behaviour has a test with its own expectation (runs without PyTorch) and, where PyTorch is
installed, a test that runs the same scenario with both libraries and compares the outcome: the
value, or the exception class and message.
"""

from __future__ import annotations

import doctest
import sys
import threading
import warnings

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.autograd import anomaly_mode, grad_mode

INPLACE_MSG = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to "
    "get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
    "more details."
)
SAVED_MSG = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
    "mode in computation tracked by autograd. To work around this, you can make a clone to get a "
    "normal tensor and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)
REQUIRES_GRAD_MSG = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
DEBUG_ONLY_MSG = ("Anomaly Detection has been enabled. This mode will increase the runtime and should "
                  "only be enabled for debugging.")


@pytest.fixture(autouse=True)
def _modes_restored():
    """Every test starts and ends with both modes off (a failing test must not leak them)."""
    yield
    mt.set_anomaly_enabled(False)
    grad_mode._state.inference = False
    grad_mode._state.enabled = True


def outcome(fn):
    """What ``fn()`` gives: ``("ok", value)`` or ``(exception class name, message)``."""
    try:
        return "ok", fn()
    except Exception as error:  # noqa: BLE001 - the class is part of what is compared
        return type(error).__name__, str(error)


def inference_ones(lib, *shape):
    with lib.inference_mode():
        return lib.ones(*shape)


# ================================================================ inference mode: the mode itself
def test_context_manager_sets_both_modes_and_restores_them():
    assert not mt.is_inference_mode_enabled()
    with mt.inference_mode():
        assert mt.is_inference_mode_enabled() and not mt.is_grad_enabled()
        with mt.inference_mode(False):  # normal mode again inside: grad mode on
            assert not mt.is_inference_mode_enabled() and mt.is_grad_enabled()
            assert not mt.ones(1).is_inference()
        assert mt.is_inference_mode_enabled() and not mt.is_grad_enabled()
    assert not mt.is_inference_mode_enabled() and mt.is_grad_enabled()
    with pytest.raises(KeyError), mt.inference_mode():
        raise KeyError("left by an exception")
    assert not mt.is_inference_mode_enabled() and mt.is_grad_enabled()
    assert mt.inference_mode(mode=False).mode is False
    assert mt.autograd.inference_mode is mt.inference_mode


def test_decorator_with_and_without_parentheses():
    def modes():
        return mt.is_inference_mode_enabled(), mt.is_grad_enabled()

    assert mt.inference_mode(modes)() == (True, False)
    assert mt.inference_mode()(modes)() == (True, False)
    assert mt.inference_mode(False)(modes)() == (False, True)

    @mt.inference_mode
    def double(x):
        return x * 2

    assert double.__name__ == "double"
    out = double(mt.ones(2, requires_grad=True))
    assert out.is_inference() and not out.requires_grad
    assert modes() == (False, True)


def test_decorated_generator_runs_in_the_mode_each_time_it_resumes():
    @mt.inference_mode
    def gen():
        received = yield mt.is_inference_mode_enabled()
        yield received, mt.is_inference_mode_enabled()
        return "done"

    g = gen()
    assert next(g) is True
    assert not mt.is_inference_mode_enabled()  # not between the steps
    assert g.send("x") == ("x", True)
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done"


def test_nesting_with_no_grad_and_enable_grad():
    w = mt.ones(3, requires_grad=True)
    with mt.no_grad():
        with mt.inference_mode():
            assert not mt.is_grad_enabled()
            with mt.inference_mode(False):
                assert mt.is_grad_enabled()
                assert (w * 2).requires_grad
        assert not mt.is_grad_enabled()  # back to no_grad, not to grad mode
    with mt.inference_mode(), mt.enable_grad():
        assert mt.is_grad_enabled() and mt.is_inference_mode_enabled()
        y = w * 2  # grad mode on, but inference mode records nothing
    assert not y.requires_grad and y.grad_fn is None and y.is_inference()


def test_inference_mode_is_per_thread():
    seen = []
    with mt.inference_mode():
        worker = threading.Thread(target=lambda: seen.append((mt.is_inference_mode_enabled(),
                                                              mt.ones(1).is_inference())))
        worker.start()
        worker.join()
        assert mt.ones(1).is_inference()
    assert seen == [(False, False)]


# ================================================================ inference tensors
def test_which_tensors_are_inference_tensors():
    x = mt.ones(3, requires_grad=True)
    n = mt.ones(3)
    with mt.inference_mode():
        a = mt.ones(3)
        from_grad = x * 2
        view_of_normal = n.view(3, 1)
        assert view_of_normal._base is n  # a tracked view, of a normal tensor: normal
    assert a.is_inference() and from_grad.is_inference() and not from_grad.requires_grad
    assert not view_of_normal.is_inference() and not x.is_inference() and not n.is_inference()
    # views and aliases of an inference tensor are inference tensors, not tracked as views
    for alias in (a.view(3, 1), a[0], a.reshape(1, 3), a.unsqueeze(0), a.detach(), a.data):
        assert alias.is_inference()
        assert alias._base is None
    # anything computed from one outside inference mode is a normal tensor
    assert not (a * 2).is_inference() and not a.clone().is_inference() and not a.exp().is_inference()
    assert a.is_leaf and a.grad_fn is None and not a.requires_grad


def test_inference_tensor_refused_where_autograd_would_save_it():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = inference_ones(mt, 3)
    for use in (lambda: x * a, lambda: a * x, lambda: x.exp() * a, lambda: a @ x):
        with pytest.raises(RuntimeError) as error:
            use()
        assert str(error.value) == SAVED_MSG

    class SavesSecond(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(y)
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        SavesSecond.apply(x, a)
    with mt.no_grad():  # nothing is saved without a graph
        assert SavesSecond.apply(x, a).tolist() == [2.0, 4.0, 6.0]
    with mt.inference_mode(), mt.inference_mode(False):  # normal mode inside: still refused
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved"):
            x * a
    # an operation that saves nothing may read it; a clone is a normal tensor that autograd may save
    (x + a).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    x.grad = None
    (x * a.clone() * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]


def test_inplace_on_inference_tensor_refused_outside_inference_mode():
    a = inference_ones(mt, 3)
    x = mt.ones(3, requires_grad=True)
    updates = [lambda: a.add_(1), lambda: a.__iadd__(1), lambda: a.mul_(x), lambda: a.zero_(),
               lambda: a.fill_(2.0), lambda: a.copy_(mt.zeros(3)), lambda: a.uniform_(),
               lambda: a.__setitem__(0, 5.0), lambda: a[0].add_(1), lambda: a.view(3, 1).add_(1),
               lambda: mt.no_grad()(lambda: a.add_(1))()]
    for update in updates:
        with pytest.raises(RuntimeError) as error:
            update()
        assert str(error.value) == INPLACE_MSG
    # refused before anything is written (PyTorch writes, then raises)
    assert a.tolist() == [1.0, 1.0, 1.0]
    with mt.inference_mode():  # inside, in-place updates are fine (and counted nowhere)
        a.add_(1)
        a[0:2].mul_(3)
    assert a.tolist() == [6.0, 6.0, 2.0]
    # detach() and .data taken outside inference mode have a version counter of their own
    a.detach().add_(1)
    a.data.sub_(1)
    assert a.tolist() == [6.0, 6.0, 2.0]


def test_requires_grad_on_inference_tensor():
    a = inference_ones(mt, 2)
    for set_it in (lambda: a.requires_grad_(), lambda: setattr(a, "requires_grad", True)):
        with pytest.raises(RuntimeError) as error:
            set_it()
        assert str(error.value) == REQUIRES_GRAD_MSG
    assert a.requires_grad_(False) is a and not a.requires_grad
    with mt.inference_mode(False):  # normal mode, but not outside inference mode for the rule's sake
        with pytest.raises(RuntimeError, match="inference tensor outside InferenceMode"):
            a.requires_grad_()
    with mt.inference_mode():
        assert mt.ones(2).requires_grad_().requires_grad
        assert mt.ones(2, requires_grad=True).requires_grad
        assert mt.nn.Parameter(mt.ones(2)).is_inference()
    with mt.inference_mode():
        ints = mt.ones(2, dtype=mt.int64)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        ints.requires_grad_()  # PyTorch checks the dtype first


def test_version_counters_in_inference_mode():
    a = inference_ones(mt, 3)
    with pytest.raises(RuntimeError, match="^Inference tensors do not track version counter.$"):
        _ = a._version
    with pytest.raises(RuntimeError, match="do not track version counter"):
        _ = a.view(3)._version
    assert a.detach()._version == 0 and a.data._version == 0
    # a normal tensor changed in place inside inference mode: its counter moves, and a backward that
    # saved it notices
    x = mt.ones(3, requires_grad=True)
    y = x.exp()
    with mt.inference_mode():
        y.add_(1)
        assert y._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_view_of_normal_tensor_made_in_inference_mode_written_outside():
    base = mt.ones(4, requires_grad=True) * 1
    with mt.inference_mode():
        view = base[0:2]
        first, _ = base.split(2)
    assert not view.is_inference() and view._base is base
    advice = ("Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
              "your code by moving both the view and the inplace either both inside the inference_mode "
              "block (if you don't want the inplace to be tracked) or both outside (if you want the "
              "inplace to be tracked).")
    for written in (view, first):
        with pytest.raises(RuntimeError) as error:
            written.mul_(2)
        assert str(error.value) == ("A view was created in inference mode and is being modified inplace "
                                    f"in normal mode. {advice}")
    with mt.no_grad():  # not tracked: allowed
        view.mul_(2)
    other = mt.ones(4, requires_grad=True) * 1
    with mt.inference_mode():
        written_inside = other[0:2]
        written_inside.mul_(2)
    with pytest.raises(RuntimeError) as error:
        _ = written_inside.grad_fn
    assert str(error.value) == ("A view was created in inference mode and its base or another view of its "
                                f"base has been modified inplace in normal mode. {advice}")
    plain = mt.ones(4)  # a base outside the graph: nothing to refuse
    with mt.inference_mode():
        plain_view = plain[0:2]
    plain_view.add_(1)
    assert plain.tolist() == [2.0, 2.0, 1.0, 1.0]


def test_docstring_examples_run():
    for module in (grad_mode, anomaly_mode):
        assert doctest.testmod(module).failed == 0
    tensor_class = sys.modules["minitorch_conv.tensor"].Tensor
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(tensor_class.is_inference, "is_inference", globs={}):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


# ---------------------------------------------------------------- inference mode against PyTorch
def _inference_scenarios():
    """name -> scenario(lib): the same steps for minitorch_conv and torch, returning a plain value."""

    def modes(L):
        with L.no_grad(), L.inference_mode():
            inner = L.is_grad_enabled(), L.is_inference_mode_enabled()
            with L.inference_mode(False):
                innermost = L.is_grad_enabled(), L.is_inference_mode_enabled()
        return inner, innermost, L.is_grad_enabled(), L.is_inference_mode_enabled()

    def results(L):
        x, n = L.ones(3, requires_grad=True), L.ones(3)
        with L.inference_mode():
            a, y, v = L.ones(3), x * 2, n.view(3, 1)
            with L.enable_grad():
                z = x * 2
        return (a.is_inference(), y.is_inference(), y.requires_grad, v.is_inference(), z.requires_grad,
                z.is_inference(), (a * 2).is_inference(), a[0].is_inference(), a.detach().is_inference(),
                a.clone().is_inference(), a.view(3)._base is None, (x + a).requires_grad)

    def saved(L):
        x = L.ones(3, requires_grad=True)
        return inference_ones(L, 3) * x

    def custom_saved(L):
        class Saves(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.save_for_backward(y)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad, None

        return Saves.apply(L.ones(3, requires_grad=True), inference_ones(L, 3))

    def add_(L):
        return inference_ones(L, 3).add_(1)

    def view_add_(L):
        return inference_ones(L, 3)[1:].add_(1)

    def no_grad_fill_(L):
        a = inference_ones(L, 3)
        with L.no_grad():
            a.fill_(0.5)

    def inplace_inside(L):
        a = inference_ones(L, 3)
        with L.inference_mode():
            a[1:].add_(1)
        return a.tolist()

    def detach_add_(L):
        return inference_ones(L, 2).detach().add_(1).tolist()

    def requires_grad_(L):
        return inference_ones(L, 2).requires_grad_()

    def version(L):
        return inference_ones(L, 2)._version

    def view_written_outside(L):
        base = L.ones(4, requires_grad=True) * 1
        with L.inference_mode():
            view = base[1:3]
        view.mul_(2)

    def base_written_outside(L):
        base = L.ones(4, requires_grad=True) * 1
        with L.inference_mode():
            view = base[1:3]
        base.add_(1)
        return view.grad_fn

    def decorator_forms(L):
        def f():
            return L.is_inference_mode_enabled(), L.is_grad_enabled()

        return L.inference_mode(f)(), L.inference_mode()(f)(), L.inference_mode(False)(f)()

    return {f.__name__: f for f in (modes, results, saved, custom_saved, add_, view_add_, no_grad_fill_,
                                    inplace_inside, detach_add_, requires_grad_, version,
                                    view_written_outside, base_written_outside, decorator_forms)}


@pytest.mark.parametrize("name", list(_inference_scenarios()))
def test_inference_mode_matches_torch(name):
    torch = pytest.importorskip("torch")
    scenario = _inference_scenarios()[name]
    assert outcome(lambda: scenario(mt)) == outcome(lambda: scenario(torch))


# ================================================================ anomaly detection: the mode
def test_set_detect_anomaly_is_immediate_and_a_context_manager():
    assert not mt.autograd.is_anomaly_enabled() and mt.autograd.is_anomaly_check_nan_enabled()
    mt.autograd.set_detect_anomaly(True)
    assert mt.autograd.is_anomaly_enabled() and mt.is_anomaly_enabled()
    mt.autograd.set_detect_anomaly(False)
    assert not mt.autograd.is_anomaly_enabled()
    with mt.autograd.set_detect_anomaly(True, check_nan=False) as entered:
        assert entered is None
        assert mt.autograd.is_anomaly_enabled() and not mt.autograd.is_anomaly_check_nan_enabled()
    assert not mt.autograd.is_anomaly_enabled() and mt.autograd.is_anomaly_check_nan_enabled()


def test_detect_anomaly_warns_and_restores_the_mode():
    with pytest.warns(UserWarning) as caught:
        with mt.autograd.detect_anomaly():
            assert mt.autograd.is_anomaly_enabled() and mt.autograd.is_anomaly_check_nan_enabled()
            with mt.autograd.detect_anomaly(check_nan=False):
                assert not mt.autograd.is_anomaly_check_nan_enabled()
            assert mt.autograd.is_anomaly_check_nan_enabled()
    assert [str(w.message) for w in caught] == [DEBUG_ONLY_MSG, DEBUG_ONLY_MSG]
    assert caught[0].filename == __file__  # attributed to the caller
    assert not mt.autograd.is_anomaly_enabled()
    with pytest.warns(UserWarning), pytest.raises(KeyError), mt.autograd.detect_anomaly():
        raise KeyError
    assert not mt.autograd.is_anomaly_enabled()


def test_detect_anomaly_as_decorator():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        @mt.autograd.detect_anomaly(check_nan=False)
        def inside():
            return mt.autograd.is_anomaly_enabled(), mt.autograd.is_anomaly_check_nan_enabled()

    assert inside() == (True, False)
    assert not mt.autograd.is_anomaly_enabled() and mt.autograd.is_anomaly_check_nan_enabled()


def test_anomaly_mode_is_process_wide():
    seen = []
    with mt.autograd.set_detect_anomaly(True):
        worker = threading.Thread(target=lambda: seen.append(mt.autograd.is_anomaly_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


# ---------------------------------------------------------------- failing backward: the warning
class Broken(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        raise ValueError("broken backward")


def _backward_warnings(run):
    """Run ``run()`` (which must raise); the anomaly warnings it gave, and the exception."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(Exception) as error:
            run()
    messages = [str(w.message) for w in caught if w.category is UserWarning
                and str(w.message) != DEBUG_ONLY_MSG]
    return messages, error.value


def test_failing_backward_warns_with_the_forward_line_and_reraises():
    x = mt.ones(3, requires_grad=True)

    def run():
        with mt.autograd.set_detect_anomaly(True):
            y = Broken.apply(x)  # the line the warning must show
            (y * 3).sum().backward()

    messages, error = _backward_warnings(run)
    assert type(error) is ValueError and str(error) == "broken backward"
    assert len(messages) == 1
    head, *trace = messages[0].split("\n")
    assert head == "Error detected in BrokenBackward. Traceback of forward call that caused the error:"
    assert trace[-3].startswith(f'  File "{__file__}", line ') and trace[-3].endswith(", in run")
    assert trace[-2] == "    y = Broken.apply(x)  # the line the warning must show"
    assert not mt.autograd.is_anomaly_enabled()


def test_warning_names_the_node_of_a_failing_hook_and_no_trace_without_forward_anomaly():
    z = mt.ones(2, requires_grad=True)

    def hook_fails():
        with mt.autograd.set_detect_anomaly(True):
            w = z * 2  # hooked
            w.register_hook(lambda g: 1 / 0)
            w.sum().backward()

    messages, error = _backward_warnings(hook_fails)
    assert isinstance(error, ZeroDivisionError)
    assert messages[0].startswith("Error detected in MulBackward0. Traceback")
    assert "w = z * 2  # hooked" in messages[0]

    y = Broken.apply(z).sum()  # recorded without anomaly detection

    def no_trace():
        with mt.autograd.set_detect_anomaly(True):
            y.backward()

    messages, error = _backward_warnings(no_trace)
    assert messages == ["Error detected in BrokenBackward. No forward pass information available. Enable "
                        "detect anomaly during forward pass for more information."]


def test_double_backward_warns_with_the_parent_trace():
    x = mt.ones(3, requires_grad=True)

    class CallsBroken(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return Broken.apply(grad * x)  # made during backward

    def run():
        with mt.autograd.set_detect_anomaly(True):
            y = CallsBroken.apply(x).sum()  # the parent's forward
            (g,) = mt.autograd.grad(y, x, create_graph=True)
            assert g.grad_fn.metadata["parent_"].name() == "CallsBrokenBackward"
            g.sum().backward()

    messages, _ = _backward_warnings(run)
    assert len(messages) == 2
    assert messages[0].startswith("Error detected in BrokenBackward. Traceback of forward call")
    assert "return Broken.apply(grad * x)  # made during backward" in messages[0]
    assert messages[1].startswith("\n\nPrevious calculation was induced by CallsBrokenBackward. Traceback "
                                  "of forward call that induced the previous calculation:\n")
    assert "y = CallsBroken.apply(x).sum()  # the parent's forward" in messages[1]


def test_nodes_keep_the_traceback_only_with_anomaly_detection():
    x = mt.ones(2, requires_grad=True)
    assert (x * 2).grad_fn.metadata == {}
    with mt.autograd.set_detect_anomaly(True):
        y = x * 3  # recorded here
    trace = y.grad_fn.metadata["traceback_"]
    assert trace[-1].endswith("    y = x * 3  # recorded here\n")
    assert "parent_" not in y.grad_fn.metadata


# ---------------------------------------------------------------- NaN gradients
class NanSecond(mt.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad * float("nan")


def test_nan_gradient_raises_with_the_output_index():
    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)

    def run():
        with mt.autograd.set_detect_anomaly(True):
            NanSecond.apply(a, b).sum().backward()  # NaN forward

    messages, error = _backward_warnings(run)
    assert type(error) is RuntimeError
    assert str(error) == "Function 'NanSecondBackward' returned nan values in its 1th output."
    assert messages[0].startswith("Error detected in NanSecondBackward.")
    assert "NanSecond.apply(a, b).sum().backward()  # NaN forward" in messages[0]
    assert a.grad is None  # the pass stopped there


def test_sqrt_at_zero_gives_nan_in_its_0th_output():
    z = mt.zeros(3, requires_grad=True)

    def run():
        with mt.autograd.set_detect_anomaly(True), np.errstate(invalid="ignore", divide="ignore"):
            (z.sqrt() * 0).sum().backward()

    _, error = _backward_warnings(run)
    assert str(error) == "Function 'SqrtBackward0' returned nan values in its 0th output."


def test_check_nan_false_and_anomaly_off_let_nan_through():
    for context in (lambda: mt.autograd.set_detect_anomaly(True, check_nan=False),
                    lambda: mt.autograd.set_detect_anomaly(False)):
        a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # and nothing warns
            with context():
                NanSecond.apply(a, b).sum().backward()
        assert a.grad.tolist() == [1.0, 1.0] and np.isnan(b.grad.numpy()).all()


def test_inplace_error_hint_depends_on_anomaly_mode():
    x = mt.ones(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError) as error:
        y.sum().backward(retain_graph=True)
    assert str(error.value).endswith(
        "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with torch.autograd.set_detect_anomaly(True, check_nan=False).")

    def run():
        with mt.autograd.set_detect_anomaly(True):
            y = x.exp()  # changed below
            y.add_(1)
            y.sum().backward()

    messages, error = _backward_warnings(run)
    assert str(error).endswith(
        "Hint: the backtrace further above shows the operation that failed to compute its gradient. The "
        "variable in question was changed in there or anywhere later. Good luck!")
    assert messages[0].startswith("Error detected in ExpBackward0.") and "# changed below" in messages[0]


# ---------------------------------------------------------------- anomaly detection against PyTorch
def _anomaly_scenarios():
    """name -> scenario(lib) -> (outcome, anomaly warnings' first lines, whether each shows '# here')."""

    def failing(L):
        class Fails(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                raise ValueError("broken backward")

        with L.autograd.set_detect_anomaly(True):
            Fails.apply(L.ones(3, requires_grad=True)).sum().backward()  # here

    def nan(L, check_nan=True):
        class Nan(L.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, grad):
                return grad * float("nan"), grad

        a, b = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
        with L.autograd.set_detect_anomaly(True, check_nan=check_nan):
            Nan.apply(a, b).sum().backward()  # here
        return np.isnan(a.grad.numpy()).tolist()

    def nan_unchecked(L):
        return nan(L, check_nan=False)

    def sqrt_at_zero(L):
        z = L.zeros(2, requires_grad=True)
        with L.autograd.set_detect_anomaly(True), np.errstate(invalid="ignore", divide="ignore"):
            root = z.sqrt()  # here
            (root * 0).sum().backward()

    def modified_inplace(L):
        x = L.ones(3, requires_grad=True)
        with L.autograd.set_detect_anomaly(True):
            y = x.exp()  # here
            y.add_(1)
            y.sum().backward()

    def modes(L):
        with L.autograd.set_detect_anomaly(True, check_nan=False):
            inside = L.is_anomaly_enabled(), L.is_anomaly_check_nan_enabled()
        return inside, L.is_anomaly_enabled(), L.is_anomaly_check_nan_enabled()

    return {f.__name__: f for f in (failing, nan, nan_unchecked, sqrt_at_zero, modified_inplace, modes)}


@pytest.mark.parametrize("name", list(_anomaly_scenarios()))
def test_anomaly_detection_matches_torch(name):
    torch = pytest.importorskip("torch")
    scenario = _anomaly_scenarios()[name]

    def observe(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = outcome(lambda: scenario(lib))
        texts = [str(w.message) for w in caught if w.category is UserWarning]
        # PyTorch names its built-in nodes XBackward0 and appends where in C++ it warned
        texts = [t.split(" (Triggered internally")[0].replace("Backward0", "Backward") for t in texts]
        result = (result[0], result[1].replace("Backward0", "Backward")) if result[0] != "ok" else result
        return result, [(t.split("\n")[0], "# here" in t) for t in texts]

    assert observe(mt) == observe(torch)
