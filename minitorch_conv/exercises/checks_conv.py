"""The checks of exercises 3 to 7: conv2d's forward by im2col and GEMM, its input gradient, its
weight and bias gradients, stride and padding, and groups."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..backends import overrides
from ..creation import tensor
from . import kit
from .checking import Learner, Wrong, compare, gradcheck_report, integers, show
from .checks_columns import ExerciseCheck, in_framework, swapped


def conv_strategy(strided: bool = False, grouped: bool = False):
    """A convolution's geometry: N, C, O, kernel, image size, (stride, padding), (groups), dtype."""
    from hypothesis import strategies as st

    @st.composite
    def example(draw):
        kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if strided else (1, 1)
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2))) if strided else (0, 0)
        groups = draw(st.integers(1, 3)) if grouped else 1
        e = {"N": draw(st.integers(1, 2)), "G": groups,
             "C": groups * draw(st.integers(1, 2 if grouped else 3)),
             "O": groups * draw(st.integers(1, 2 if grouped else 3)), "kh": kh, "kw": kw,
             "H": draw(st.integers(max(1, kh - 2 * padding[0]), 7 if strided else 6)),
             "W": draw(st.integers(max(1, kw - 2 * padding[1]), 7 if strided else 6)),
             "stride": stride, "padding": padding, "bias": draw(st.booleans()),
             "dtype": draw(st.sampled_from(["float64", "float32"])),
             "seed": draw(st.integers(0, 2**16))}
        (sh, sw), (ph, pw) = stride, padding
        e["Ho"], e["Wo"] = (e["H"] + 2 * ph - kh) // sh + 1, (e["W"] + 2 * pw - kw) // sw + 1
        return e

    return example()


def arrays(e: dict):
    """x, weight, bias (or None) and an upstream gradient dy for the example, as small integers."""
    dtype, seed = e["dtype"], e["seed"]
    x = integers(seed, (e["N"], e["C"], e["H"], e["W"]), dtype)
    weight = integers(seed + 1, (e["O"], e["C"] // e["G"], e["kh"], e["kw"]), dtype, -2, 2)
    bias = integers(seed + 2, (e["O"],), dtype) if e["bias"] else None
    dy = integers(seed + 3, (e["N"], e["O"], e["Ho"], e["Wo"]), dtype, -2, 2)
    return x, weight, bias, dy


def describe(e: dict, *names: str) -> str:
    """The example in one sentence, then the small arrays it is made of."""
    x, weight, bias, dy = arrays(e)
    layout = "(O, C, kh, kw)" if e["G"] == 1 else "(O, C/groups, kh, kw)"
    parts = [f"{x.dtype} x of shape {x.shape} (N, C, H, W)", f"W of shape {weight.shape} {layout}"]
    if "bias" in names:
        parts.append(f"bias {bias.tolist()}" if bias is not None else "bias None")
    if "dy" in names:
        parts.append(f"dy of shape {dy.shape} (N, O, Ho, Wo)")
    geometry = [f"stride {e['stride']}", f"padding {e['padding']}"] if e["stride"] != (1, 1) or any(
        e["padding"]) else ["stride 1, no padding"]
    if e["G"] != 1:
        geometry.append(f"groups {e['G']}")
    shown = {"x": x, "W": weight, "dy": dy}
    pictures = [show(name, shown[name], limit=36) for name in names if name in shown]
    return "For " + ", ".join(parts) + ", " + ", ".join(geometry) + ":\n" + "\n".join(pictures)


def _output_layout(e: dict) -> str:
    if e["stride"] == (1, 1) and not any(e["padding"]):
        formula = f"Ho = H - kh + 1 = {e['Ho']}, Wo = W - kw + 1 = {e['Wo']}"
    else:
        (sh, sw), (ph, pw) = e["stride"], e["padding"]
        formula = (f"Ho = (H + 2*ph - kh) // sh + 1 = ({e['H']} + {2 * ph} - {e['kh']}) // {sh} + 1 = "
                   f"{e['Ho']}, and Wo = ({e['W']} + {2 * pw} - {e['kw']}) // {sw} + 1 = {e['Wo']}")
    return f"(N, O, Ho, Wo), with {formula}"


def _output_entry(index) -> str:
    n, o, y, x = (int(i) for i in index)
    return f"y[{n}, {o}, {y}, {x}] (image {n}, output channel {o}, position y={y}, x={x})"


def _flipped(weight: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(weight[:, :, ::-1, ::-1])


def _padded(x, padding):
    pt, pb, pl, pr = padding
    return x if not (pt or pb or pl or pr) else np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))


def _compare_forward(learner: Learner, e: dict, got, *, fn_name: str) -> None:
    x, weight, bias, _ = arrays(e)
    expected = kit.conv2d_forward(x, weight, bias, e["stride"], e["padding"], e["G"])
    likely = [("the kernel is flipped. conv2d is a cross-correlation: output (y, x) is the sum of "
               "W[o, c, i, j] * x[n, c, y + i, x + j], nothing flipped.",
               lambda: kit.conv2d_forward(x, _flipped(weight), bias, e["stride"], e["padding"], e["G"]))]
    if bias is not None:
        likely.insert(0, ("the bias is missing: add bias[o] to every position of output channel o.",
                          lambda: kit.conv2d_forward(x, weight, None, e["stride"], e["padding"], e["G"])))
    try:
        compare(got, expected, what="the output", layout=_output_layout(e), fn_name=fn_name,
                where=_output_entry, likely=likely)
    except Wrong as wrong:
        raise Wrong(f"{describe(e, 'bias', 'x', 'W')}\n{wrong}") from None


def _framework_forward(check: ExerciseCheck, learner: Learner, e: dict, paddings) -> None:
    """F.conv2d with the learner's kernel swapped in, against ours, for each padding."""
    x, weight, bias, _ = arrays(e)
    X, Wt, B = tensor(x), tensor(weight), None if bias is None else tensor(bias)
    with overrides.suspended():
        ours = [nn.functional.conv2d(X, Wt, B, e["stride"], p, 1, e["G"]).numpy() for p in paddings]
    with swapped(check, learner):
        yours = [in_framework(learner, nn.functional.conv2d, X, Wt, B, e["stride"], p, 1, e["G"]).numpy()
                 for p in paddings]
    for padding, got, expected in zip(paddings, yours, ours):
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
            raise Wrong(f"{describe(e, 'bias')}\nF.conv2d(x, W, bias, stride={e['stride']}, padding={padding}"
                        f", groups={e['G']}) with {check.yours} swapped in differs from ours (the "
                        "framework pads the image before it calls your function):\n"
                        f"{show('yours', got)}\n{show('ours', expected)}")


def _gradcheck_conv(check: ExerciseCheck, learner: Learner, e: dict, wrt: str, padding) -> None:
    """gradcheck of F.conv2d with respect to x, or to (W, b), with the learner's kernels in."""
    rng = np.random.default_rng(e["seed"])
    x = tensor(rng.standard_normal((e["N"], e["C"], e["H"], e["W"])), requires_grad=wrt == "x")
    weight = tensor(rng.standard_normal((e["O"], e["C"] // e["G"], e["kh"], e["kw"])),
                    requires_grad=wrt == "W")
    bias = tensor(rng.standard_normal(e["O"]), requires_grad=wrt == "W")
    with swapped(check, learner):
        def conv(*inputs):
            args = {"x": (inputs[0], weight, bias), "W": (x, *inputs)}[wrt]
            return nn.functional.conv2d(*args, stride=e["stride"], padding=padding, groups=e["G"])

        what = {"x": "the input gradient", "W": "the weight and bias gradients"}[wrt]
        gradcheck_report(conv, (x,) if wrt == "x" else (weight, bias),
                         f"{what} of F.conv2d (x {tuple(x.shape)}, W {tuple(weight.shape)}, stride "
                         f"{e['stride']}, padding {padding}), with {check.yours} in it,", learner.folder)


def gradcheck_appendix(check: ExerciseCheck, learner: Learner, e: dict, wrt: str, padding) -> str:
    """gradcheck's explained report for the same geometry, your kernels in F.conv2d, or ''."""
    try:
        _gradcheck_conv(check, learner, e, wrt, padding)
    except Wrong as wrong:
        return f"\n\nThe same geometry through the framework: {wrong}"
    return ""


class ForwardCheck(ExerciseCheck):
    number, name, title = 3, "conv2d_forward", "conv2d forward by im2col and GEMM"
    summary = "the whole convolution as one matrix product per image, plus the bias"
    functions = ("conv2d_forward",)
    yours = "your conv2d_forward"
    framework = "F.conv2d (padding 0 and 1), your conv2d_forward swapped in"

    def strategy(self):
        return conv_strategy()

    def against_ours(self, learner: Learner, e: dict) -> None:
        x, weight, bias, _ = arrays(e)
        _compare_forward(learner, e, learner("conv2d_forward", x, weight, bias), fn_name="conv2d_forward")

    def through_framework(self, learner: Learner, e: dict) -> None:
        _framework_forward(self, learner, e, (0, 1))

    def install(self, learner: Learner):
        forward = learner.function("conv2d_forward")

        def conv2d(x, weight, bias, stride, padding, dilation, groups):
            if stride != (1, 1) or dilation != (1, 1) or groups != 1:
                return NotImplemented  # exercise 3 is stride 1, one group: ours takes the rest
            return forward(_padded(x, padding), weight, bias)

        return [("conv2d", conv2d)]


class InputGradCheck(ExerciseCheck):
    number, name, title = 4, "input_grad", "the input gradient"
    summary = "dx = col2im(W^T dy): the gradient flows back through the columns"
    functions = ("conv2d_input_grad",)
    yours = "your conv2d_input_grad"
    framework = "F.conv2d's backward, and gradcheck of its input gradient, your conv2d_input_grad swapped in"

    def strategy(self):
        return conv_strategy()

    def against_ours(self, learner: Learner, e: dict) -> None:
        _, weight, _, dy = arrays(e)
        size = (e["H"], e["W"])
        got = learner("conv2d_input_grad", dy, weight, size)
        try:
            _compare_input_grad(e, got, weight, dy, fn_name="conv2d_input_grad")
        except Wrong as wrong:
            raise Wrong(f"{wrong}{gradcheck_appendix(self, learner, e, 'x', 0)}") from None

    def through_framework(self, learner: Learner, e: dict) -> None:
        _framework_backward(self, learner, e, padding=1)
        _gradcheck_conv(self, learner, e, "x", padding=1)

    def install(self, learner: Learner):
        input_grad = learner.function("conv2d_input_grad")

        def conv2d_input_grad(grad_output, weight, input_size, stride, padding, dilation, groups):
            (H, W), (kh, kw), (pt, pb, pl, pr) = input_size, weight.shape[2:], padding
            Hp, Wp = grad_output.shape[2] + kh - 1, grad_output.shape[3] + kw - 1
            natural = (Hp, Wp) == (H + pt + pb, W + pl + pr)
            if stride != (1, 1) or dilation != (1, 1) or groups != 1 or not natural:
                return NotImplemented
            return input_grad(grad_output, weight, (Hp, Wp))[:, :, pt:pt + H, pl:pl + W]

        return [("conv2d_input_grad", conv2d_input_grad)]


def _compare_input_grad(e: dict, got, weight, dy, *, fn_name: str) -> None:
    size = (e["H"], e["W"])
    expected = kit.conv2d_input_grad(dy, weight, size, e["stride"], e["padding"], e["G"])
    ph, pw = e["padding"]
    shape = (e["N"], e["C"], e["H"] + 2 * ph, e["W"] + 2 * pw)
    try:
        if (ph or pw) and isinstance(got, np.ndarray) and got.shape == shape:
            raise Wrong(f"your {fn_name} returned shape {got.shape}: the gradient of the padded image. "
                        f"The padding is not part of the input: crop it off (rows {ph}..{ph + e['H'] - 1}, "
                        f"columns {pw}..{pw + e['W'] - 1}), so that dx has x's shape {expected.shape}.")
        compare(got, expected, what="dx", fn_name=fn_name,
                layout="(N, C, H, W), the shape of the input x it is the gradient of",
                where=lambda i: f"dx[{', '.join(str(int(k)) for k in i)}]",
                likely=[("the kernel is flipped: dcols = W^T dy puts W[o, c, i, j] * dy[n, o, y, x] in "
                         "the column entry that col2im adds to x[n, c, y + i, x + j], unflipped.",
                         lambda: kit.conv2d_input_grad(dy, _flipped(weight), size, e["stride"],
                                                       e["padding"], e["G"]))])
    except Wrong as wrong:
        raise Wrong(f"{describe(e, 'W', 'dy')}\n{wrong}") from None


def _framework_backward(check: ExerciseCheck, learner: Learner, e: dict, padding) -> None:
    """x.grad, W.grad, b.grad of F.conv2d(...).backward(dy) with the learner's kernels, against ours."""
    x, weight, bias, _ = arrays(e)
    (sh, sw), (ph, pw) = e["stride"], (padding, padding) if isinstance(padding, int) else padding
    out = ((e["H"] + 2 * ph - e["kh"]) // sh + 1, (e["W"] + 2 * pw - e["kw"]) // sw + 1)
    dy = integers(e["seed"] + 3, (e["N"], e["O"], *out), e["dtype"], -2, 2)

    def gradients():
        X, Wt = tensor(x, requires_grad=True), tensor(weight, requires_grad=True)
        B = tensor(bias if bias is not None else np.zeros(e["O"], e["dtype"]), requires_grad=True)
        nn.functional.conv2d(X, Wt, B, e["stride"], padding, 1, e["G"]).backward(tensor(dy))
        return X.grad.numpy(), Wt.grad.numpy(), B.grad.numpy()

    with overrides.suspended():
        ours = gradients()
    with swapped(check, learner):
        yours = in_framework(learner, gradients)
    for name, got, expected in zip(("x.grad", "W.grad", "bias.grad"), yours, ours):
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
            raise Wrong(f"{describe(e)}\nF.conv2d(x, W, bias, stride={e['stride']}, padding={padding}, "
                        f"groups={e['G']}).backward(dy) with {check.yours} swapped in gives another "
                        f"{name} than ours:\n{show('yours', got)}\n{show('ours', expected)}")


class WeightBiasGradCheck(ExerciseCheck):
    number, name, title = 5, "weight_bias_grad", "the weight and bias gradients"
    summary = "dW = dy cols^T summed over the batch, db = dy summed over all but the channels"
    functions = ("conv2d_weight_grad", "conv2d_bias_grad")
    yours = "your conv2d_weight_grad and conv2d_bias_grad"
    framework = "F.conv2d's backward, and gradcheck of its weight and bias gradients, yours swapped in"

    def strategy(self):
        return conv_strategy()

    def against_ours(self, learner: Learner, e: dict) -> None:
        x, weight, _, dy = arrays(e)
        kernel = (e["kh"], e["kw"])
        expected = kit.conv2d_weight_grad(x, dy, kernel)
        got = learner("conv2d_weight_grad", x, dy, kernel)
        try:
            compare(got, expected, what="dW", fn_name="conv2d_weight_grad",
                    layout="(O, C, kh, kw), the shape of the weight it is the gradient of",
                    where=lambda i: f"dW[{', '.join(str(int(k)) for k in i)}]",
                    likely=[("only the first image counts: dW sums dy cols^T over every image of "
                             "the batch.", lambda: kit.conv2d_weight_grad(x[:1], dy[:1], kernel)
                             if e["N"] > 1 else None),
                            ("dW is flipped (i -> kh-1-i, j -> kw-1-j): W[o, c, i, j] multiplied "
                             "x[n, c, y + i, x + j], so that is what its gradient sums.",
                             lambda: _flipped(expected))])
            db = learner("conv2d_bias_grad", dy)
            compare(db, dy.sum(axis=(0, 2, 3)), what="db", fn_name="conv2d_bias_grad",
                    layout="(O,), one number per output channel: bias[o] was added to every "
                    "position of every image of channel o, so db[o] sums dy over (N, Ho, Wo)",
                    where=lambda i: f"db[{int(i[0])}]")
        except Wrong as wrong:
            raise Wrong(f"{describe(e, 'x', 'dy')}\n{wrong}{gradcheck_appendix(self, learner, e, 'W', 0)}"
                        ) from None

    def through_framework(self, learner: Learner, e: dict) -> None:
        _framework_backward(self, learner, e, padding=1)
        _gradcheck_conv(self, learner, e, "W", padding=1)

    def install(self, learner: Learner):
        weight_grad, bias_grad = learner.function("conv2d_weight_grad"), learner.function("conv2d_bias_grad")

        def conv2d_weight_grad(x, grad_output, kernel_size, stride, padding, dilation, groups):
            x = _padded(x, padding)
            natural = (x.shape[2] - kernel_size[0] + 1, x.shape[3] - kernel_size[1] + 1)
            if stride != (1, 1) or dilation != (1, 1) or groups != 1 or grad_output.shape[2:] != natural:
                return NotImplemented
            return weight_grad(x, grad_output, kernel_size)

        return [("conv2d_weight_grad", conv2d_weight_grad), ("conv2d_bias_grad", bias_grad)]


class StridePaddingCheck(ExerciseCheck):
    number, name, title = 6, "stride_padding", "stride and padding"
    summary = "the forward and the input gradient with strides and zero padding"
    functions = ("conv2d_forward", "conv2d_input_grad")
    yours = "your conv2d_forward and conv2d_input_grad"
    framework = ("F.conv2d with strides and padding, its backward, and gradcheck of its input "
                 "gradient, yours swapped in")
    training = {"stride": 2}

    def strategy(self):
        return conv_strategy(strided=True)

    def against_ours(self, learner: Learner, e: dict) -> None:
        x, weight, bias, dy = arrays(e)
        got = learner("conv2d_forward", x, weight, bias, e["stride"], e["padding"])
        _compare_forward(learner, e, got, fn_name="conv2d_forward")
        got = learner("conv2d_input_grad", dy, weight, (e["H"], e["W"]), e["stride"], e["padding"])
        try:
            _compare_input_grad(e, got, weight, dy, fn_name="conv2d_input_grad")
        except Wrong as wrong:
            raise Wrong(f"{wrong}{gradcheck_appendix(self, learner, e, 'x', e['padding'])}") from None

    def through_framework(self, learner: Learner, e: dict) -> None:
        _framework_forward(self, learner, e, (e["padding"],))
        _framework_backward(self, learner, e, padding=e["padding"])
        _gradcheck_conv(self, learner, e, "x", padding=e["padding"])

    def install(self, learner: Learner):
        forward, input_grad = learner.function("conv2d_forward"), learner.function("conv2d_input_grad")

        def symmetric(padding, dilation, groups):
            pt, pb, pl, pr = padding
            return (pt, pl) if (pt, pl) == (pb, pr) and dilation == (1, 1) and groups == 1 else None

        def conv2d(x, weight, bias, stride, padding, dilation, groups):
            pairs = symmetric(padding, dilation, groups)
            return NotImplemented if pairs is None else forward(x, weight, bias, stride, pairs)

        def conv2d_input_grad(grad_output, weight, input_size, stride, padding, dilation, groups):
            pairs = symmetric(padding, dilation, groups)
            return NotImplemented if pairs is None else input_grad(grad_output, weight, input_size, stride,
                                                                   pairs)

        return [("conv2d", conv2d), ("conv2d_input_grad", conv2d_input_grad)]


class GroupsCheck(ExerciseCheck):
    number, name, title = 7, "groups", "groups"
    summary = "split the channels into groups, each convolved with its own filters"
    functions = ("conv2d_forward",)
    yours = "your grouped conv2d_forward"
    framework = "F.conv2d with groups (padding 0 and 1), your conv2d_forward swapped in"
    training = {"groups": 4}

    def strategy(self):
        return conv_strategy(grouped=True)

    def against_ours(self, learner: Learner, e: dict) -> None:
        x, weight, bias, _ = arrays(e)
        _compare_forward(learner, e, learner("conv2d_forward", x, weight, bias, e["G"]),
                         fn_name="conv2d_forward")

    def through_framework(self, learner: Learner, e: dict) -> None:
        _framework_forward(self, learner, e, (0, 1))

    def install(self, learner: Learner):
        forward = learner.function("conv2d_forward")

        def conv2d(x, weight, bias, stride, padding, dilation, groups):
            if stride != (1, 1) or dilation != (1, 1):
                return NotImplemented
            return forward(_padded(x, padding), weight, bias, groups)

        return [("conv2d", conv2d)]
