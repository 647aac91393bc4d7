"""How a gradcheck failure is read: the report after PyTorch's lines, and the likely causes.

:mod:`minitorch_conv.autograd.gradcheck` decides; this module explains. A failed Jacobian comparison
raises a ``GradcheckError`` whose message has two parts.

**PyTorch's lines first**, so that code written against PyTorch's messages keeps working::

    Jacobian mismatch for output i with respect to input j,
    numerical:<the numerical Jacobian>
    analytical:<the analytical Jacobian>

``output i`` and ``input j`` count only the outputs and inputs that require grad. Both Jacobians
are laid out (input element, output element): row ``r`` holds d output / d input[r]. In fast mode
the two values are the numbers ``v^T J u``; a paragraph says which vectors ``u`` and ``v`` they
came from, and the pair is recomputed in slow mode (or, past ``SLOW_RECOMPUTE_MAX_ELEMENTS``,
compared at a few sampled input elements), so that the report can name elements.

**Then the report**, under ``--- What failed, and why ---``. Read it from the top:

1. the pair: the output's and the input's shapes and dtypes (for gradgradcheck, which first-order
   gradient and which input or grad_output the pair is);
2. the rule, ``|analytical - numerical| <= atol + rtol * |numerical|``, with the tolerances in
   force, and how many elements break it;
3. the elements with the largest error first, with their input and output indices, numerical and
   analytical side by side, then the largest absolute and the largest relative error;
4. for a small Jacobian, both Jacobians row by row, a ``*`` on each failing element;
5. the likely causes: the failure held against known patterns.

**The patterns**, in the order they are tried (a report can name several):

- an input or output that is not float64 (single precision cannot meet the default tolerances);
- NaN or infinity in a Jacobian (a point outside the function's domain);
- a backward that ignores grad_output. An experiment runs one backward with ``grad_output = 0``,
  which must give zeros; short of that, an analytical Jacobian whose columns are all the same
  (whichever output element grad_output selects) says so too;
- a kink. An experiment takes one-sided differences at the worst elements: different slopes on
  the two sides mean the function is not differentiable there, which is not a bug in the backward;
- an analytical Jacobian that is all zero (the graph is cut), or a numerical one that is all zero
  (the backward claims a dependence that is not there);
- the right values in the wrong places: the Jacobian transposed, two axes swapped, axes reversed
  (a convolution kernel not rotated), or any other permutation;
- a constant factor (a missing 2, a missing 1/N, a flipped sign);
- analytical zeros where the numerical values are not (part of the graph detached);
- numerical values that are half the analytical ones (a kink the experiment did not reach).

The other failures carry a shorter explanation after PyTorch's line: an output cut from the graph,
a backward not multiplied by grad_output, a backward that is not reentrant, and a backward that
cannot handle an undefined output gradient.

This module imports nothing from the checker. The checker hands it the comparison of the failing
pair (``_Compared``) and the pair itself (``_FailingPair``), whose probes run the experiments and
restore the inputs afterwards.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from ..backends import quiet

__all__: list[str] = []  # the checker's helper: gradcheck's messages are its public face

_TABLE_ROWS = 8  # worst elements listed in a failure report
_WHOLE_MAX_ROWS, _WHOLE_MAX_COLS = 32, 8  # Jacobians up to this size are printed whole, row by row
_PERMUTATION_MAX_ELEMENTS = 4_000_000  # larger Jacobians are not sorted to test for a permutation


# ---------------------------------------------------------------------------------- from the checker
class _Compared(Protocol):
    """One (output, input) pair compared by the checker's comparison core."""

    analytical: Any  # (input numel, output numel) array
    numerical: Any  # the same shape
    error: Any  # |analytical - numerical| in float64; 0 where they are equal (equal infinities too)
    failing: Any  # bool array: the elements that break the rule


class _FailingPair(Protocol):
    """The (output i, input j) pair that failed: where it sits, its tolerances, and its probes."""

    i: int  # the output, counting the outputs that require grad
    j: int  # the input, counting the inputs that require grad
    input_pos: int  # the input's position among func's arguments
    input: Any  # the input tensor
    output: Any  # the output tensor
    diff_tensors: list  # every input that requires grad
    eps: float
    rtol: float
    atol: float
    context: _GradGradContext | None  # set when the function checked is gradgradcheck's

    def close(self, analytical, numerical) -> bool:
        """The checker's rule, applied to two arrays of the same shape."""

    def one_sided_slopes(self, row: int, col: int) -> tuple[float, float]:
        """Left and right difference quotients of output element ``col`` at input element ``row``."""

    def grad_with_zero_grad_output(self) -> tuple[float, int] | None:
        """(max |gradient|, its flat index) for input j after one backward with grad_output = 0."""


class _GradGradContext(NamedTuple):
    """How gradgradcheck's derived function numbers its inputs: yours first, then grad_outputs."""

    n_diff_inputs: int
    grad_output_positions: Sequence[int]

    def describe_input(self, j: int) -> str:
        if j < self.n_diff_inputs:
            return f"your differentiable input {j}"
        k = j - self.n_diff_inputs
        pos = self.grad_output_positions[k] if k < len(self.grad_output_positions) else k
        return f"grad_outputs[{pos}]"


# ---------------------------------------------------------------------------------- formatting
def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _fmt_index(index: tuple) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _at(flat: int, shape) -> str:
    """A flat (row-major) position written as the index it stands for, e.g. ``[1, 2]``."""
    return _fmt_index(unravel(flat, shape))


def unravel(flat: int, shape) -> tuple:
    """The index (row-major) of element ``flat`` of an array of ``shape``."""
    index, flat = [], int(flat)
    for size in reversed(tuple(shape)):
        flat, i = divmod(flat, size) if size else (flat, 0)
        index.append(i)
    return tuple(reversed(index))


def _wrap(text: str, bullet: str = "") -> str:
    """Prose wrapped to 100 columns; a bullet's continuation lines are indented under its text."""
    return textwrap.fill(text, width=100, initial_indent=bullet, subsequent_indent=" " * len(bullet),
                         break_long_words=False, break_on_hyphens=False)


# ---------------------------------------------------------------------------------- the report
def _explain_mismatch(compared: _Compared, pair: _FailingPair) -> str:
    """The report on a failing (output i, input j) Jacobian pair, from ``--- What failed`` to the end."""
    with quiet(pair.output.xp):
        return _report_body(compared, pair)


def _report_body(compared: _Compared, pair: _FailingPair) -> str:
    xp = pair.output.xp
    x, out = pair.input, pair.output
    in_shape, out_shape = tuple(x.shape), tuple(out.shape)
    a64 = compared.analytical.astype("float64")
    n64 = compared.numerical.astype("float64")
    err, failing = compared.error, compared.failing
    n_fail, total = int(failing.sum()), int(a64.size)
    key = xp.where(failing, xp.nan_to_num(err, nan=float("inf")), -1.0).reshape(-1)
    n_cols = a64.shape[1]

    def where(flat: int) -> str:
        row, col = divmod(flat, n_cols)
        return f"input{_at(row, in_shape)}, output{_at(col, out_shape)}"

    lines = ["", "--- What failed, and why ---"]
    if pair.context is not None:
        lines.append(_wrap(
            "This is gradgradcheck: the function checked maps (inputs, grad_outputs) to the first-order "
            f"gradients. Output {pair.i} is the gradient with respect to your differentiable input "
            f"{pair.i}; input {pair.j} is {pair.context.describe_input(pair.j)}. If gradcheck passes, "
            "the backward is right to first order, and what is wrong is the derivative of the backward "
            "itself."
        ))
    lines.append(_wrap(
        f"Output {pair.i} has shape {list(out_shape)} ({out.numel()} elements, {out.dtype.name}); input "
        f"{pair.j} is argument #{pair.input_pos} of func, shape {list(in_shape)} ({x.numel()} elements, "
        f"{x.dtype.name}). Both Jacobians are laid out (input element, output element) = "
        f"({x.numel()}, {out.numel()}): row r holds d output / d input[r]."
    ))
    lines.append(_wrap(
        f"An element passes when |analytical - numerical| <= atol + rtol * |numerical| (atol={pair.atol}, "
        f"rtol={pair.rtol}). {n_fail} of {total} elements fail."
    ))

    order = [p for p in xp.argsort(-key)[:_TABLE_ROWS].tolist() if bool(failing.reshape(-1)[p])]
    if order:
        lines.append("Largest errors first:")
        width = max(len(where(p)) for p in order) + 2
        lines.append(f"  {'element':<{width}}{'numerical':>14}{'analytical':>14}{'|a - n|':>12}"
                     f"{'|a - n|/|n|':>14}")
        for p in order:
            nv, av = float(n64.reshape(-1)[p]), float(a64.reshape(-1)[p])
            rel = abs(av - nv) / abs(nv) if nv != 0 else float("inf")
            lines.append(f"  {where(p):<{width}}{_fmt(nv):>14}{_fmt(av):>14}{_fmt(abs(av - nv)):>12}"
                         f"{_fmt(rel):>14}")
        worst_abs = int(xp.argmax(xp.nan_to_num(err, nan=float("inf")).reshape(-1)))
        rel_all = xp.where(err == 0, 0.0, err / xp.abs(n64))
        rel_all = xp.nan_to_num(rel_all, nan=float("inf"), posinf=float("inf")).reshape(-1)
        worst_rel = int(xp.argmax(rel_all))
        worst_abs_value = _fmt(float(err.reshape(-1)[worst_abs]))
        lines.append(f"Largest absolute error: {worst_abs_value} at {where(worst_abs)}.")
        lines.append(f"Largest relative error: {_fmt(float(rel_all[worst_rel]))} at {where(worst_rel)}.")
    if 0 < a64.shape[0] <= _WHOLE_MAX_ROWS and 0 < n_cols <= _WHOLE_MAX_COLS:
        lines.append("Row by row (a row = one input element, a column = one output element; * = fails):")
        label_width = max(len(_at(r, in_shape)) for r in range(a64.shape[0])) + 7
        fail_host = failing.tolist()
        for r, (nrow, arow) in enumerate(zip(n64.tolist(), a64.tolist())):
            label = "input" + _at(r, in_shape)
            marks = fail_host[r]
            lines.append(f"  {label:<{label_width}}numerical  " + "".join(f"{_fmt(v):>11} " for v in nrow))
            lines.append(f"  {'':<{label_width}}analytical " + "".join(
                f"{_fmt(v):>11}{'*' if m else ' '}" for v, m in zip(arow, marks)))
    hints = _likely_causes(a64, n64, failing, pair)
    lines.append("Likely cause:" if len(hints) == 1 else "Likely causes:")
    lines.extend(_wrap(h, "- ") for h in hints)
    return "\n".join(line.rstrip() for line in lines) + "\n"


# ---------------------------------------------------------------------------------- likely causes
def _likely_causes(a, n, failing, pair: _FailingPair) -> list[str]:
    xp = pair.output.xp
    x, out = pair.input, pair.output
    in_shape, out_shape = tuple(x.shape), tuple(out.shape)
    rtol, eps = pair.rtol, pair.eps
    hints: list[str] = []

    low = [(k, t) for k, t in enumerate(pair.diff_tensors) if t.dtype.name != "float64"]
    if low or out.dtype.name != "float64":
        names = ", ".join(f"input {k} is {t.dtype.name}" for k, t in low) or f"output {pair.i} is " \
            f"{out.dtype.name}"
        hints.append(
            f"Precision: {names}, not float64. In single precision, f(x +/- eps) with eps={eps} is "
            "rounded to about 1e-7 relative, so the central difference is off by about 1e-7/eps, far "
            f"more than rtol={rtol}. Convert the inputs with .double(), or loosen the check "
            "(eps=1e-3, atol=1e-2, rtol=1e-2)."
        )
    if not bool(xp.isfinite(a).all()) or not bool(xp.isfinite(n).all()):
        hints.append(
            "Non-finite values (nan or inf) in the Jacobians: the function or its backward divides by "
            "zero, takes log or sqrt at 0, or overflows at this point. Choose inputs inside the domain."
        )

    ignores = _ignores_grad_output(a, n, pair)
    if ignores:
        hints.append(ignores)
    kink = _kink_hint(a, n, failing, pair) if not low and out.dtype.name == "float64" else None
    if kink:
        hints.append(kink)

    a_zero, n_zero = not bool(a.any()), not bool(n.any())
    if a_zero and not n_zero:
        if pair.context is not None:
            hints.append(
                "The analytical Jacobian is all zero: the first-order gradient has no graph back to "
                f"{pair.context.describe_input(pair.j)}. The backward probably computes with raw arrays "
                "(._array, .numpy(), .detach()) or wraps a result as a constant. Write the backward with "
                "tensor operations so that create_graph=True can differentiate it."
            )
        else:
            hints.append(
                f"The analytical Jacobian is all zero: backward gives zeros or None for input {pair.j}. "
                "Either the output is not connected to this input in the graph (the forward went through "
                "raw arrays (._array, .numpy()) or .detach() outside an autograd.Function), or a backward "
                "returns None or zeros for it."
            )
    elif n_zero and not a_zero:
        hints.append(
            f"The numerical Jacobian is all zero: output {pair.i} does not change when input {pair.j} "
            f"is moved by eps={eps}. Either func does not really use this input, or eps is below the "
            "input's precision. The backward claims a dependence that is not there."
        )

    if not (a_zero or n_zero or ignores):
        placement = _placement_hint(a, n, in_shape, out_shape, pair.close)
        if placement:
            hints.append(placement)
        else:
            factor = _constant_factor_hint(a, n, rtol, pair.close)
            if factor:
                hints.append(factor)
    if not hints:
        dropped = failing & (a == 0) & (n != 0)
        if bool(dropped.any()):
            hints.append(
                f"At {int(dropped.sum())} of the {int(failing.sum())} failing elements the analytical value "
                "is exactly 0 where the numerical one is not: part of the dependence on this input is "
                "missing from the graph (a .detach(), a computation on raw arrays, or a backward that "
                "drops a term of the derivative)."
            )
    if not kink and not hints and failing.any():
        ratio = _half_ratio(a, n, failing, xp)
        if ratio:
            hints.append(ratio)
    if not hints:
        hints.append(
            "No common pattern was recognised. Read the failing elements above. Errors only at the "
            "border of an image point to padding or stride handling. Errors in one whole row point to how "
            "the forward uses that input element. Errors in one whole column point to how the backward "
            "reads that element of grad_output."
        )
    return hints


def _ignores_grad_output(a, n, pair: _FailingPair) -> str | None:
    try:
        probe = pair.grad_with_zero_grad_output()
    except Exception:  # the report must not hide the original failure
        probe = None
    if probe is not None and probe[0] > 0:
        magnitude, flat = probe
        return (
            "The backward ignores grad_output: with grad_output = 0 it still returns "
            f"{_fmt(magnitude)} at input{_at(flat, pair.input.shape)}. Multiply "
            "the local derivative by grad_output (the chain rule)."
        )
    xp = pair.output.xp
    if a.shape[1] > 1 and a.any() and bool(xp.all(a == a[:, :1])) and not bool(xp.all(n == n[:, :1])):
        return (
            "Every column of the analytical Jacobian is the same: the backward returns the same gradient "
            "whichever output element grad_output selects. It probably ignores grad_output, or it reduces "
            "grad_output (a sum or mean) before using it."
        )
    return None


def _kink_hint(a, n, failing, pair: _FailingPair) -> str | None:
    """Probe the worst failing elements with one-sided differences: a kink has two different slopes."""
    xp = pair.output.xp
    n_cols = a.shape[1]
    key = xp.where(failing, xp.nan_to_num(xp.abs(a - n), nan=float("inf")), -1.0).reshape(-1)
    rows_seen, kinks = set(), []
    for p in xp.argsort(-key)[:12].tolist():
        if not bool(failing.reshape(-1)[p]):
            break
        row, col = divmod(p, n_cols)
        if row in rows_seen:
            continue
        rows_seen.add(row)
        try:
            left, right = pair.one_sided_slopes(row, col)
        except Exception:
            return None
        if abs(left - right) > 10 * (pair.atol + pair.rtol * max(abs(left), abs(right))):
            kinks.append((row, col, left, right, float(a.reshape(-1)[p]), float(n.reshape(-1)[p])))
        if len(rows_seen) >= 3:
            break
    if not kinks:
        return None
    row, col, left, right, av, nv = kinks[0]
    side = ""
    for name, slope in (("left", left), ("right", right)):
        if abs(av - slope) <= pair.atol + pair.rtol * abs(slope):
            side = f" The backward gives {_fmt(av)}, the {name} slope: a valid choice (relu'(0) = 0 is one)."
            break
    return (
        f"Not differentiable here: at input{_at(row, pair.input.shape)}, output element "
        f"{_at(col, pair.output.shape)} has slope {_fmt(left)} from the left and "
        f"{_fmt(right)} from the right. The central difference averages them ({_fmt(nv)}).{side} "
        f"Kinks found at {len(kinks)} of the {len(rows_seen)} worst failing input elements probed. This "
        "is not a bug in the backward. Move the test point away from kinks (relu, abs or clamp at 0, "
        "max with ties): for example, use random non-integer values."
    )


def _placement_hint(a, n, in_shape, out_shape, close) -> str | None:
    """Right values, wrong places: a transpose, an axis swap, a flip, or any permutation."""
    if a.shape[0] == a.shape[1] and close(a, n.T):
        swap = _axis_swap(a, n, in_shape, out_shape, close)
        more = f" More precisely, it equals the numerical one with {swap} swapped." if swap else ""
        return (
            "The analytical Jacobian equals the numerical one transposed: the backward has the right values "
            "in the wrong places, as when it uses W where W.T belongs (grad @ W instead of grad @ W.T)."
            + more
        )
    swap = _axis_swap(a, n, in_shape, out_shape, close)
    if swap:
        both_input = swap.startswith("input dim") and " and input dim" in swap
        example = (
            "the gradient of this input is transposed (for example x.T @ grad and grad.T @ x mixed up)"
            if both_input else "an index mix-up such as using W where W.T belongs"
        )
        return (
            f"The analytical Jacobian equals the numerical one with {swap} swapped: the right values "
            f"in the wrong places, {example}."
        )
    flip = _axis_flip(a, n, in_shape, out_shape, close)
    if flip:
        return (
            f"The analytical Jacobian equals the numerical one reversed along {flip}: the gradient is "
            "flipped. In a convolution, this is the kernel rotated by 180 degrees, i.e. correlation "
            "and convolution mixed up."
        )
    if a.size <= _PERMUTATION_MAX_ELEMENTS:
        if close(_sorted_flat(a), _sorted_flat(n)):
            return (
                "The analytical Jacobian holds the same values as the numerical one, in different places: "
                "an indexing mistake in the backward (transposed, flipped, shifted or permuted)."
            )
    return None


def _sorted_flat(arr):
    return arr.reshape(-1)[arr.reshape(-1).argsort()]


def _axis_names(in_shape, out_shape) -> list[str]:
    return ([f"input dim {d}" for d in range(len(in_shape))]
            + [f"output dim {d}" for d in range(len(out_shape))])


def _axis_swap(a, n, in_shape, out_shape, close) -> str | None:
    shape = tuple(in_shape) + tuple(out_shape)
    if len(shape) < 2 or a.size != math.prod(shape):
        return None
    big_a, big_n = a.reshape(shape), n.reshape(shape)
    names = _axis_names(in_shape, out_shape)
    for p, q in itertools.combinations(range(len(shape)), 2):
        if shape[p] != shape[q] or shape[p] < 2:
            continue
        perm = list(range(len(shape)))
        perm[p], perm[q] = q, p
        if close(big_a, big_n.transpose(perm)):
            return f"{names[p]} and {names[q]}"
    return None


def _axis_flip(a, n, in_shape, out_shape, close) -> str | None:
    shape = tuple(in_shape) + tuple(out_shape)
    if not shape or a.size != math.prod(shape):
        return None
    big_a, big_n = a.reshape(shape), n.reshape(shape)
    names = _axis_names(in_shape, out_shape)
    axes = [d for d in range(len(in_shape)) if shape[d] > 1]
    for count in (1, 2):
        for combo in itertools.combinations(axes, count):
            index = tuple(slice(None, None, -1) if d in combo else slice(None) for d in range(len(shape)))
            if close(big_a, big_n[index]):
                return " and ".join(names[d] for d in combo)
    return None


def _constant_factor_hint(a, n, rtol, close) -> str | None:
    flat = int(abs(n).reshape(-1).argmax())
    n_big = float(n.reshape(-1)[flat])
    if n_big == 0:
        return None
    c = float(a.reshape(-1)[flat]) / n_big
    if abs(c - 1) <= rtol or not close(a, c * n):
        return None
    if abs(c + 1) <= 1e-3:
        what = "the sign is flipped (a missing minus sign, or a - b where b - a belongs)"
    elif abs(c - 0.5) <= 1e-3:
        what = "a missing factor of 2, as in d(x*x)/dx = 2*x"
    elif abs(c - 2) <= 1e-3:
        what = "an extra factor of 2 (a gradient counted twice?)"
    else:
        what = (f"the gradient is scaled by {_fmt(c)}, an error of {_fmt(abs(c - 1) * 100)}%: a wrong "
                "constant, such as a missing 1/N of a mean or a mistyped coefficient")
    return (f"analytical = {_fmt(c)} x numerical at every element: the backward is off by a constant "
            f"factor ({what}).")


def _half_ratio(a, n, failing, xp) -> str | None:
    av, nv = a[failing], n[failing]
    if av.size and bool((av != 0).all()) and bool(xp.allclose(nv, av / 2, rtol=1e-3, atol=1e-6)):
        return (
            "At every failing element the numerical value is half the analytical one: typical of a "
            "point where the function is not differentiable (relu or abs at 0, max with ties). The central "
            "difference averages the two one-sided slopes there."
        )
    return None


# ---------------------------------------------------------------------------------- fast mode
def _fast_mode_summary(pair: _FailingPair, analytical: float, numerical: float, allowed: float) -> str:
    """What fast mode compared, and by how much it missed."""
    gap = abs(analytical - numerical)
    return "\n" + _wrap(
        f"Fast mode compared v^T J u, for unit vectors u over input {pair.j} ({pair.input.numel()} elements) "
        f"and v over output {pair.i} ({pair.output.numel()} elements): |{_fmt(analytical)} - "
        f"{_fmt(numerical)}| = {_fmt(gap)} > atol * sum(u) * sum(v) + rtol * |numerical| = {_fmt(allowed)}."
    ) + "\n"


def _sampled_rows_table(pair: _FailingPair, rows: list[int], numerical, analytical, failing,
                        limit: int) -> str:
    """The table of v^T J at sampled input elements, for a Jacobian too big to recompute in slow mode."""
    numel = pair.input.numel()
    lines = [
        f"The Jacobian has {numel} x {pair.output.numel()} elements, more than SLOW_RECOMPUTE_MAX_ELEMENTS="
        f"{limit}, so it is not recomputed in slow mode. Instead, v^T J is compared "
        f"at {len(rows)} input elements spread over input {pair.j} (* marks a failure):",
        f"  {'input element':<22}{'numerical':>16}{'analytical':>16}",
    ]
    for r, num, ana, bad in zip(rows, numerical, analytical, failing):
        lines.append(f"  {_at(r, pair.input.shape):<22}{_fmt(num):>16}{_fmt(ana):>16}{' *' if bad else ''}")
    lines.append(f"{int(sum(failing))} of {len(rows)} sampled elements fail. Check a smaller input in slow "
                 "mode to see whole Jacobians.")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- the other failures
def _no_differentiable_output_detail(k: int, j: int, pos: int, context: _GradGradContext | None) -> str:
    """After "Numerical gradient for function expected to be zero": where the graph was cut."""
    if context is not None:
        return "\n\n" + _wrap(
            f"This is gradgradcheck: no first-order gradient requires grad, but gradient {k} changes when "
            f"{context.describe_input(j)} is perturbed. The backward computed it outside the graph: from "
            "raw arrays (._array, .numpy()), through .detach(), or as a new constant tensor. Write the "
            "backward with tensor operations so that create_graph=True can differentiate it."
        )
    return "\n\n" + _wrap(
        f"No output of func requires grad, but output {k} changes when input {j} (argument #{pos}) is "
        "perturbed. The output was cut from the graph: computed under no_grad, through .detach(), or "
        "from raw arrays (._array, .numpy()) outside an autograd.Function."
    )


def _not_reentrant_detail(biggest: float, j: int, pos: int, row: int, in_shape, col: int | None,
                          out_shape) -> str:
    """After PyTorch's "Backward is not reentrant": how far apart the two runs are, and where."""
    where = f"input {j} (argument #{pos}) element {_at(row, in_shape)}"
    where += f", output element {_at(col, out_shape)}" if col is not None else ""
    return f"\n\nThe two backward runs differ by up to {_fmt(biggest)}, at {where}."


def _not_multiplied_detail(j: int, pos: int, value: float, flat: int, shape) -> str:
    """After "backward not multiplied by grad_output": the value that should have been 0."""
    return (
        f"\n\nWith grad_output = 0 for every output, the gradient with respect to input {j} "
        f"(argument #{pos}) should be 0, but it is {_fmt(value)} at element {_at(flat, shape)}. A backward "
        "must return (local derivative) * grad_output (the chain rule). One that returns the local "
        "derivative alone agrees with grad_output = 1 but is wrong inside any larger graph."
    )


def _undefined_grad_detail(error: Exception) -> str:
    """After "Expected backward function to handle undefined output grads": what backward raised."""
    return (
        "\n\nWhen an output gets no gradient, a backward receives zeros for it (or None after "
        f"ctx.set_materialize_grads(False)); here backward raised {type(error).__name__}: {error}"
    )
