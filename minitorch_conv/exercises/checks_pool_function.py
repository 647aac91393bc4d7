"""The checks of exercises 8 and 9: a max-pool backward, and a custom ``autograd.Function``."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..backends import overrides, to_dtype
from ..creation import tensor
from ..ops.pad import pad
from . import kit
from .checking import Learner, Wrong, call_learner, compare, gradcheck_report, integers, show
from .checks_columns import ExerciseCheck, in_framework, swapped
from .checks_conv import _compare_forward, _gradcheck_conv, arrays, conv_strategy, describe


def pool_strategy():
    """A max-pool's geometry; the values are whole numbers 0..3, so windows often hold ties."""
    from hypothesis import strategies as st

    @st.composite
    def example(draw):
        kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        e = {"N": draw(st.integers(1, 2)), "C": draw(st.integers(1, 2)), "kh": kh, "kw": kw,
             "sh": draw(st.integers(1, 3)), "sw": draw(st.integers(1, 3)),
             "H": draw(st.integers(kh, 7)), "W": draw(st.integers(kw, 7)),
             "dtype": draw(st.sampled_from(["float64", "float32"])),
             "seed": draw(st.integers(0, 2**16))}
        e["Ho"], e["Wo"] = (e["H"] - kh) // e["sh"] + 1, (e["W"] - kw) // e["sw"] + 1
        return e

    return example()


def _pool_arrays(e: dict):
    x = integers(e["seed"], (e["N"], e["C"], e["H"], e["W"]), e["dtype"], 0, 3)
    dy = integers(e["seed"] + 1, (e["N"], e["C"], e["Ho"], e["Wo"]), e["dtype"], 1, 5)
    return x, dy


def _windows(e: dict):
    """(y, x, rows, cols) of every window."""
    for y in range(e["Ho"]):
        for x in range(e["Wo"]):
            r, q = y * e["sh"], x * e["sw"]
            yield y, x, slice(r, r + e["kh"]), slice(q, q + e["kw"])


def _routed(e: dict, x, dy, pick: str, accumulate: bool = True) -> np.ndarray:
    """A max-pool backward that sends each window's gradient by the rule ``pick``: 'first' or
    'last' maximum, 'all' maxima, or 'window' (every pixel)."""
    dx = np.zeros_like(x)
    for n in range(e["N"]):
        for c in range(e["C"]):
            for y, xx, rows, cols in _windows(e):
                window = x[n, c, rows, cols]
                mask = window == window.max() if pick != "window" else np.ones(window.shape, bool)
                if pick in ("first", "last"):
                    flat = np.flatnonzero(mask)
                    mask = np.zeros(window.shape, bool)
                    mask.flat[flat[0] if pick == "first" else flat[-1]] = True
                if accumulate:
                    dx[n, c, rows, cols] += np.where(mask, dy[n, c, y, xx], 0).astype(x.dtype)
                else:
                    dx[n, c, rows, cols][mask] = dy[n, c, y, xx]
    return dx


class MaxPoolBackwardCheck(ExerciseCheck):
    number, name, title = 8, "max_pool_backward", "a max-pool backward"
    summary = "route each window's gradient to its (first) maximum"
    functions = ("max_pool2d_backward",)
    yours = "your max_pool2d_backward"
    framework = ("F.max_pool2d's backward, and gradcheck of it, your max_pool2d_backward swapped in")

    def strategy(self):
        return pool_strategy()

    def against_ours(self, learner: Learner, e: dict) -> None:
        x, dy = _pool_arrays(e)
        kernel, stride = (e["kh"], e["kw"]), (e["sh"], e["sw"])
        with overrides.suspended():
            X = tensor(x, requires_grad=True)
            nn.functional.max_pool2d(X, kernel, stride).backward(tensor(dy))
        expected = X.grad.numpy()
        got = learner("max_pool2d_backward", x, dy, kernel, stride)
        try:
            compare(got, expected, what="dx", fn_name="max_pool2d_backward",
                    layout="(N, C, H, W), the shape of the pooled input x",
                    where=lambda i: f"dx[{', '.join(str(int(k)) for k in i)}]",
                    likely=[
                        ("where a window holds its maximum more than once (a tie), every copy got the "
                         "gradient. Only the first one in the window, row by row, gets it (as in "
                         "PyTorch): the maximum is one element.", lambda: _routed(e, x, dy, "all")),
                        ("in a tie the gradient went to the last maximum; it goes to the first, row "
                         "by row (np.argmax gives the first).", lambda: _routed(e, x, dy, "last")),
                        ("windows overlap here (stride < kernel), and a pixel that is the maximum of "
                         "two windows must get both gradients: add (+=), don't assign (=).",
                         lambda: _routed(e, x, dy, "first", accumulate=False)),
                        ("every pixel of a window got its gradient; only the maximum took part in "
                         "the output, so only it gets a gradient.", lambda: _routed(e, x, dy, "window")),
                    ])
        except Wrong as wrong:
            raise Wrong(f"For x of shape {x.shape} (N, C, H, W), a {kernel[0]}x{kernel[1]} window, stride "
                        f"{stride}:\n{show('x', x, limit=49)}\n{show('dy', dy, limit=49)}\n{wrong}") from None

    def through_framework(self, learner: Learner, e: dict) -> None:
        x, dy = _pool_arrays(e)
        kernel, stride = (e["kh"], e["kw"]), (e["sh"], e["sw"])

        def gradient():
            X = tensor(x, requires_grad=True)
            nn.MaxPool2d(kernel, stride)(X).backward(tensor(dy))
            return X.grad.numpy()

        with overrides.suspended():
            ours = gradient()
        smooth = tensor(np.random.default_rng(e["seed"]).standard_normal(x.shape), requires_grad=True)
        with swapped(self, learner):
            yours = in_framework(learner, gradient)
            if not np.allclose(yours, ours):
                raise Wrong(f"nn.MaxPool2d({kernel}, {stride}) on x of shape {x.shape}, backward(dy), "
                            f"with your max_pool2d_backward in it gives another x.grad than ours:\n"
                            f"{show('yours', yours)}\n{show('ours', ours)}")
            gradcheck_report(lambda image: nn.functional.max_pool2d(image, kernel, stride), (smooth,),
                             f"the gradient of F.max_pool2d (x {x.shape}, window {kernel}, stride "
                             f"{stride}), with your max_pool2d_backward in it,", learner.folder)

    def install(self, learner: Learner):
        backward = learner.function("max_pool2d_backward")

        def max_pool2d_backward(x, grad_output, kernel_size, stride, padding, dilation, ceil_mode):
            if padding != (0, 0) or dilation != (1, 1) or ceil_mode or x.ndim != 4:
                return NotImplemented  # exercise 8 has none of these: ours takes them
            return backward(x, grad_output, kernel_size, stride)

        return [("max_pool2d_backward", max_pool2d_backward)]


class CustomFunctionCheck(ExerciseCheck):
    number, name, title = 9, "custom_function", "a custom autograd.Function with its gradcheck"
    summary = "conv2d as your own autograd.Function: forward, backward, gradcheck"
    functions = ("Conv2dFunction",)
    yours = "your Conv2dFunction"
    framework = "F.conv2d and nn.Conv2d (padding 1), their gradients by gradcheck, your Function swapped in"
    framework_examples = 6

    def strategy(self):
        return conv_strategy()

    def against_ours(self, learner: Learner, e: dict) -> None:
        function = learner.function("Conv2dFunction")
        x, weight, bias, dy = arrays(e)
        X, Wt = tensor(x, requires_grad=True), tensor(weight, requires_grad=True)
        B = None if bias is None else tensor(bias, requires_grad=True)
        y = call_learner(function.apply, X, Wt, B, folder=learner.folder, what="Conv2dFunction.forward")
        if not hasattr(y, "grad_fn"):
            raise Wrong(f"Conv2dFunction.apply returned a {type(y).__name__}; forward returns the output "
                        "(an array, or mt.from_numpy(array)), and apply makes it a Tensor")
        _compare_forward(learner, e, y.detach().numpy(), fn_name="Conv2dFunction.forward")
        if y.grad_fn is None:
            raise Wrong("the output of Conv2dFunction.apply has no grad_fn, though its inputs require "
                        "grad: does forward return a Tensor it made with an operation of its own? Return "
                        "an array, or mt.from_numpy(array).")
        call_learner(y.backward, tensor(dy), folder=learner.folder, what="Conv2dFunction.backward")
        expected = {"x": kit.conv2d_input_grad(dy, weight, (e["H"], e["W"])),
                    "weight": kit.conv2d_weight_grad(x, dy, (e["kh"], e["kw"])),
                    "bias": dy.sum(axis=(0, 2, 3))}
        for name, leaf in (("x", X), ("weight", Wt), ("bias", B)):
            if leaf is None:
                continue
            if leaf.grad is None:
                raise Wrong(f"{describe(e, 'bias')}\nafter y.backward(dy), {name}.grad is None: backward "
                            f"returns one gradient per input of forward (x, weight, bias), in order.")
            try:
                compare(leaf.grad.numpy(), expected[name], what=f"the gradient of {name}",
                        fn_name=f"Conv2dFunction.backward (its {name} gradient)",
                        layout=f"the shape of {name}", where=lambda i: f"index {tuple(int(k) for k in i)}")
            except Wrong as wrong:
                raise Wrong(f"{describe(e, 'bias', 'dy')}\n{wrong}") from None
        rng = np.random.default_rng(e["seed"])
        inputs = (tensor(rng.standard_normal(x.shape), requires_grad=True),
                  tensor(rng.standard_normal(weight.shape), requires_grad=True),
                  None if bias is None else tensor(rng.standard_normal(bias.shape), requires_grad=True))
        gradcheck_report(function.apply, inputs, f"Conv2dFunction (x {x.shape}, W {weight.shape}, bias "
                         f"{'None' if bias is None else bias.shape}) in float64", learner.folder)

    def through_framework(self, learner: Learner, e: dict) -> None:
        x, weight, bias, _ = arrays(e)
        conv = nn.Conv2d(e["C"], e["O"], (e["kh"], e["kw"]), padding=1, bias=bias is not None,
                         dtype=to_dtype(x.dtype))
        X = tensor(x)
        with overrides.suspended():
            ours = conv(X).detach().numpy()
        with swapped(self, learner):
            yours = in_framework(learner, conv, X).detach().numpy()
        if not np.allclose(yours, ours, rtol=1e-4, atol=1e-4):
            raise Wrong(f"{describe(e, 'bias')}\nnn.Conv2d(padding=1) with your Conv2dFunction in it gives "
                        f"another output than ours:\n{show('yours', yours)}\n{show('ours', ours)}")
        _gradcheck_conv(self, learner, e, "x", padding=1)
        _gradcheck_conv(self, learner, e, "W", padding=1)

    def install(self, learner: Learner):
        function = learner.function("Conv2dFunction")

        def conv2d_function(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
            if stride != (1, 1) or dilation != (1, 1) or groups != 1:
                return NotImplemented
            pt, pb, pl, pr = padding
            if pt or pb or pl or pr:
                input = pad(input, (pl, pr, pt, pb))  # noqa: A001 - differentiable: dx flows through it
            return function.apply(input, weight, bias)

        return [("conv2d_function", conv2d_function)]
