"""Numerical gradient checks, ``gradcheck`` and ``gradgradcheck``, with PyTorch's semantics.

A backward pass is a claim: "this is the derivative of the forward". ``gradcheck`` tests the claim
against the definition of a derivative, using finite differences.

**Slow mode** (the default). For each input ``x`` that requires grad and each element ``x[r]``,
taken in row-major order, the element is changed in place to ``x[r] - eps`` and then to
``x[r] + eps``, and ``func`` runs each time. The central difference
``(f(x + eps) - f(x - eps)) / (2 eps)`` is row ``r`` of the *numerical* Jacobian. For each output
element ``c``, a backward pass with a one-hot ``grad_output`` gives column ``c`` of the *analytical*
Jacobian. Like PyTorch, both Jacobians have the shape ``(input.numel(), output.numel())``: a row is
an input element and a column is an output element. An element passes when
``|analytical - numerical| <= atol + rtol * |numerical|``. Each backward runs twice, and the two
runs must agree within ``nondet_tol``. The cost is 2 forward calls per input element and 4 backward
calls per output element.

**Fast mode** (``fast_mode=True``) checks one number per (input, output) pair instead of a whole
Jacobian: ``v^T J u`` for random unit vectors ``u`` (over the input) and ``v`` (over the output),
both non-negative. ``J u`` comes from 2 forward calls, with ``x`` moved by ``-eps*u`` and then by
``+eps*u``. ``v^T J`` comes from one backward call with ``grad_output = v``. The vectors come from a
private generator, so the global random state is untouched and the check is repeatable. The
tolerance ``atol`` is scaled by ``sum(u) * sum(v)``, because an error of ``atol`` in every element
adds up to that much in ``v^T J u``. When fast mode fails, the pair that failed is computed again in
slow mode, so the message can show the elements.

**One comparison.** Every (output, input) pair, in either mode, goes through the same two
functions: ``_compared_pairs`` computes the two Jacobians (or the two numbers ``v^T J u``) and
hands each pair to ``_compare``, which applies the rule above and measures by how much it is
missed. ``gradcheck`` raises at the first pair that fails, ``gradgradcheck`` is ``gradcheck`` on a
function built from the backward, and :func:`jacobian_errors` collects the measures of every pair.

**When a check fails**, the message begins with PyTorch's lines, so code that matches PyTorch's
messages keeps working (``Jacobian mismatch for output i with respect to input j,``,
``numerical:...``, ``analytical:...``). A report follows: the elements that fail, and the likely
causes. :mod:`minitorch_conv.autograd.gradcheck_report` writes it, and its docstring explains how
to read it.

Inputs are perturbed on their own arrays and devices (NumPy or CuPy), and each one is restored
exactly, even when ``func`` raises.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..backends import get_backend, quiet
from . import grad as _grad
from .function import Function
from .gradcheck_report import (
    _explain_mismatch,
    _fast_mode_summary,
    _GradGradContext,
    _no_differentiable_output_detail,
    _not_multiplied_detail,
    _not_reentrant_detail,
    _sampled_rows_table,
    _undefined_grad_detail,
    unravel,
)

__all__ = ["GradcheckError", "JacobianError", "gradcheck", "gradgradcheck", "jacobian_errors"]

#: Seed of the private generator that draws fast mode's vectors (PyTorch's default seed).
FAST_MODE_SEED = 67280421310721

#: When fast mode fails, the failing pair is recomputed in slow mode. This is skipped when its
#: Jacobian would have more elements than this (memory and time). Sampled rows are shown instead.
SLOW_RECOMPUTE_MAX_ELEMENTS = 4_000_000


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` / :func:`gradgradcheck` when a check fails.

    It is a ``RuntimeError``, like PyTorch's ``torch.autograd.gradcheck.GradcheckError``.
    """


# ---------------------------------------------------------------------------------- messages
_FAILED_NONDET_MSG = """

NOTE: If your op relies on non-deterministic operations (for example atomic scatter-adds on a
GPU), this failure might be expected: call gradcheck/gradgradcheck with `nondet_tol=<tol>` as a
keyword argument. Otherwise the backward depends on something besides its inputs and grad_output:
a random draw, a counter, or a buffer that is reused between calls."""

_FAST_FAIL_SLOW_OK_MSG = """Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

Random directions can hide or exaggerate a few elements: a function that is not smooth at this
point (sort, max with ties, relu at 0) can fail fast mode and pass slow mode. Call
gradcheck/gradgradcheck with `fast_mode=False` as a keyword argument to check element by element."""

_UNDEFINED_BC_MSG = (
    "Backwards compatibility: New undefined gradient support checking feature is enabled by "
    "default, but it may break existing callers of this function. If this is true for you, you "
    'can call this function with "check_undefined_grad=False" to disable the feature'
)


# ---------------------------------------------------------------------------------- public API
def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Compare ``func``'s backward with finite differences, for every input that requires grad.

    ``inputs`` is a tuple or list of arguments (anything else is treated as ``(inputs,)``). Arguments
    that are not tensors, or that do not require grad, are passed through. ``func`` returns a
    Tensor or a tuple of Tensors; only outputs that require grad are checked. The defaults are meant
    for float64 inputs. Returns ``True``, or raises :class:`GradcheckError` with a report (returns
    ``False`` instead when ``raise_exception=False``). Bad arguments raise whatever the argument
    calls for (ValueError, RuntimeError, AssertionError, NotImplementedError), even with
    ``raise_exception=False``, as in PyTorch.

    Forward-mode AD and batched gradients are not implemented: ``check_forward_ad``,
    ``check_batched_grad`` and ``check_batched_forward_grad`` raise ``NotImplementedError`` when
    set to True.

    >>> import minitorch_conv as mt
    >>> mt.manual_seed(0)
    >>> x = mt.randn(2, 3, dtype=mt.float64, requires_grad=True)
    >>> w = mt.randn(3, 3, dtype=mt.float64, requires_grad=True)
    >>> mt.autograd.gradcheck(lambda a, b: (a @ b).softmax(-1), (x, w))
    True
    >>> mt.autograd.gradcheck(lambda a, b: (a @ b).softmax(-1), (x, w), fast_mode=True)
    True

    A backward that is wrong by a factor of 2:

    >>> class Square(mt.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, a):
    ...         ctx.save_for_backward(a)
    ...         return a * a
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (a,) = ctx.saved_tensors
    ...         return grad * a  # should be 2 * a * grad
    >>> x = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    >>> mt.autograd.gradcheck(Square.apply, (x,), raise_exception=False)
    False
    >>> try:
    ...     mt.autograd.gradcheck(Square.apply, (x,))
    ... except mt.autograd.GradcheckError as err:
    ...     message = str(err)
    >>> print(message.splitlines()[0])
    Jacobian mismatch for output 0 with respect to input 0,
    >>> "analytical = 0.5 x numerical at every element" in message
    True
    """
    _check_flags(check_forward_ad, check_backward_ad, check_batched_grad, check_batched_forward_grad)
    return _run_gradcheck(
        func, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
        nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode, masked=bool(masked), context=None,
    )


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: run :func:`gradcheck` on the backward pass of ``func``.

    The function checked is ``(*inputs, *grad_outputs) -> autograd.grad(func(*inputs), inputs,
    grad_outputs, create_graph=True)``, so its Jacobian holds the second derivatives of ``func``
    (and the derivatives of the backward with respect to ``grad_outputs``). When ``grad_outputs``
    is None, one random tensor in [-1, 1) is drawn per differentiable output, from the global
    generator (as PyTorch does). In a failure message, ``output i`` is the gradient with respect to
    the i-th differentiable input. ``input j`` counts the differentiable inputs and then the
    grad_outputs.

    >>> import minitorch_conv as mt
    >>> mt.manual_seed(0)
    >>> x = mt.randn(4, dtype=mt.float64, requires_grad=True)
    >>> mt.autograd.gradgradcheck(lambda t: (t * t * t).sum(-1, keepdim=True), (x,))
    True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise NotImplementedError(
            "gradgradcheck(check_fwd_over_rev=True) is not supported: minitorch_conv has no forward-mode "
            "AD. Use check_fwd_over_rev=False (the default), which checks reverse-over-reverse."
        )
    _check_flags(False, check_rev_over_rev, check_batched_grad, False)

    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(_random_grad_output(o, gen_non_contig_grad_outputs) for o in outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_args_indices = {i for i, x in enumerate(tupled_inputs) if _is_tensor(x) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(
            x.requires_grad_() if i in diff_input_args_indices else x
            for i, x in enumerate(args[:-num_outputs])
        )
        outputs = _differentiable_outputs(func(*input_args))
        grad_outs = tuple(
            x.requires_grad_() if i in diff_grad_output_indices else x
            for i, x in enumerate(args[-num_outputs:])
        )
        diff_input_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_args_indices)
        grad_inputs = _grad(outputs, diff_input_args, grad_outs, create_graph=True, allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    context = _GradGradContext(
        n_diff_inputs=len(diff_input_args_indices),
        grad_output_positions=sorted(diff_grad_output_indices),
    )
    return _run_gradcheck(
        new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
        raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode, masked=bool(masked), context=context,
    )


class JacobianError(NamedTuple):
    """How far the analytical Jacobian of one (output, input) pair is from the numerical one.

    ``max_abs_error`` is ``max |analytical - numerical|``. ``tolerance_ratio`` is
    ``max |analytical - numerical| / (atol + rtol * |numerical|)``: gradcheck passes the pair when it
    is at most 1 (it is 0 where the two are equal, infinities included, and inf where either is NaN).
    In fast mode, both describe the single number ``v^T J u``.
    """

    output: int
    input: int
    max_abs_error: float
    tolerance_ratio: float


def jacobian_errors(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
) -> list[JacobianError]:
    """The errors :func:`gradcheck` measures, one per (differentiable output, differentiable input).

    Use it to see how much of the tolerance a correct backward uses, or to rank configurations in a
    sweep. It computes and compares the Jacobians exactly as gradcheck does (the same ``eps``, slow or
    fast mode, the same comparison), but it runs none of gradcheck's other checks, and it never
    raises on a mismatch.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.gradcheck import jacobian_errors
    >>> x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    >>> [(e.output, e.input, e.tolerance_ratio < 1) for e in jacobian_errors(lambda t: t.exp(), (x,))]
    [(0, 0, True)]
    """
    tupled_inputs = _as_tuple(inputs)
    diff_tensors = [t for _, t in _diff_inputs(tupled_inputs)]
    if not diff_tensors:
        raise ValueError("jacobian_errors expects at least one input tensor to require gradient.")

    def analytical_of(output, v):  # one backward per column (or one with grad_output = v), unchecked
        rows, _, _ = _analytical_rows(output, diff_tensors) if v is None else _analytical_vjp(
            output, diff_tensors, v)
        return rows

    pairs = _compared_pairs(func, tupled_inputs, _as_tuple(func(*tupled_inputs)), analytical_of, eps=eps,
                            rtol=rtol, atol=atol, fast_mode=fast_mode)
    errors = [JacobianError(p.output, p.input, p.comparison.max_abs_error, p.comparison.tolerance_ratio)
              for p in pairs]
    return sorted(errors, key=lambda e: (e.output, e.input))


# ---------------------------------------------------------------------------------- the comparison core
class _Comparison(NamedTuple):
    """One (output, input) pair compared: what gradcheck decides, and what its report reads."""

    analytical: Any  # (input numel, output numel), in the dtype it was computed in
    numerical: Any
    error: Any  # |analytical - numerical| in float64; 0 where they are equal (equal infinities too)
    failing: Any  # bool: the elements that break the rule
    max_abs_error: float
    tolerance_ratio: float  # max of error / (atol + rtol * |numerical|); passed <=> at most 1

    @property
    def passed(self) -> bool:
        return not bool(self.failing.any())


def _elements_close(xp, analytical, numerical, rtol: float, atol: float):
    """The rule, element by element: ``|a - n| <= atol + rtol * |n|``.

    This is PyTorch's ``allclose`` after type promotion: computed in the two arrays' common dtype;
    equal infinities pass, and NaN fails.
    """
    dtype = xp.result_type(analytical.dtype, numerical.dtype)
    return xp.isclose(analytical.astype(dtype, copy=False), numerical.astype(dtype, copy=False),
                      rtol=rtol, atol=atol)


def _compare(xp, analytical, numerical, rtol: float, atol: float) -> _Comparison:
    """Compare an analytical with a numerical Jacobian: every check of gradcheck's goes through here."""
    failing = ~_elements_close(xp, analytical, numerical, rtol, atol)
    a64, n64 = analytical.astype("float64", copy=False), numerical.astype("float64", copy=False)
    with quiet(xp):  # inf - inf, x / 0: NumPy warns, CuPy does not
        error = xp.where(a64 == n64, 0.0, xp.abs(a64 - n64))
        ratio = xp.where(error == 0, 0.0, error / (atol + rtol * xp.abs(n64)))
    if not error.size:
        return _Comparison(analytical, numerical, error, failing, 0.0, 0.0)
    ratio = xp.nan_to_num(ratio, nan=float("inf"))  # NaN is as far from passing as can be
    return _Comparison(analytical, numerical, error, failing, float(error.max()), float(ratio.max()))


class _PairCheck(NamedTuple):
    """The comparison of (differentiable output ``output``, differentiable input ``input``)."""

    output: int
    input: int
    comparison: _Comparison
    u: Any = None  # fast mode's vectors (over the input, over the output)
    v: Any = None


def _compared_pairs(func, inputs, func_out, analytical_of, *, eps, rtol, atol,
                    fast_mode) -> Iterator[_PairCheck]:
    """Compute the Jacobians of ``func`` at ``inputs`` and compare them, pair by pair, in gradcheck's order.

    ``analytical_of(output, v)`` returns one array per differentiable input: the analytical Jacobian
    ``(input numel, output numel)`` when ``v`` is None, else ``v^T J`` as an ``(input numel, 1)``
    column. Slow mode goes output by output; fast mode input by input, as PyTorch does. Every
    Jacobian is computed before the first pair is compared, except the analytical Jacobians of
    later outputs in slow mode.
    """
    diff = _diff_inputs(inputs)
    out_positions = [k for k, o in enumerate(func_out) if o.requires_grad]
    if not fast_mode:
        numerical = [_numerical_jacobian(func, inputs, pos, func_out, eps) for pos, _ in diff]
        for i, k in enumerate(out_positions):
            for j, a in enumerate(analytical_of(func_out[k], None)):
                yield _PairCheck(i, j, _compare(func_out[k].xp, a, numerical[j][k], rtol, atol))
        return
    rng = _private_generator()
    all_u = [_unit_vector(rng, t) for _, t in diff]
    all_v = [_unit_vector(rng, func_out[k]) for k in out_positions]
    numerical = []  # numerical[j][i] = v_i . (J_ij u_j): 2 forward calls per input j
    for (pos, _), u in zip(diff, all_u):
        jvps = _numerical_jvp(func, inputs, pos, u, eps)
        numerical.append([float((v * jvps[k]).sum()) for k, v in zip(out_positions, all_v)])
    analytical = []  # analytical[i][j] = (v_i^T J_ij) . u_j: 1 backward per output i
    for k, v in zip(out_positions, all_v):
        vj = analytical_of(func_out[k], v)
        analytical.append([float((row[:, 0] * u).sum()) for row, u in zip(vj, all_u)])
    xp = get_backend("cpu").xp  # the numbers are Python floats now
    for j, u in enumerate(all_u):
        for i, v in enumerate(all_v):
            comparison = _compare(xp, xp.array([[analytical[i][j]]]), xp.array([[numerical[j][i]]]), rtol,
                                  _fast_atol(atol, u, v))
            yield _PairCheck(i, j, comparison, u, v)


def _fast_atol(atol: float, u, v) -> float:
    """atol for ``v^T J u``: an error of atol in every element adds up to ``atol * sum(u) * sum(v)``."""
    return atol * float(u.sum()) * float(v.sum())


# ---------------------------------------------------------------------------------- the driver
def _check_flags(check_forward_ad, check_backward_ad, check_batched_grad, check_batched_forward_grad):
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError(
            "gradcheck(check_forward_ad=True) is not supported: minitorch_conv has no forward-mode AD "
            "(dual numbers). Use check_forward_ad=False (the default), which checks the backward."
        )
    if check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError(
            "gradcheck(check_batched_grad=True) is not supported: minitorch_conv has no vmap. Use "
            "check_batched_grad=False (the default)."
        )


def _run_gradcheck(func, inputs, *, eps, atol, rtol, raise_exception, nondet_tol, check_undefined_grad,
                   check_grad_dtypes, fast_mode, masked, context) -> bool:
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    try:
        func_out = _as_tuple(func(*tupled_inputs))
        outputs = _differentiable_outputs(func_out)
        if outputs:
            _check_jacobians(func, func_out, tupled_inputs, eps=eps, rtol=rtol, atol=atol,
                             fast_mode=fast_mode, check_grad_dtypes=check_grad_dtypes,
                             nondet_tol=nondet_tol, context=context)
        else:
            _check_no_differentiable_outputs(func, tupled_inputs, func_out, eps=eps, fast_mode=fast_mode,
                                             nondet_tol=nondet_tol, context=context)
        _test_backward_mul_by_grad_output(outputs, tupled_inputs, masked)
        if check_undefined_grad:
            _test_undefined_backward_mode(func, outputs, tupled_inputs)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _check_inputs(tupled_inputs) -> None:
    any_input_requiring_grad = False
    for idx, inp in enumerate(tupled_inputs):
        if not (_is_tensor(inp) and inp.requires_grad):
            continue
        if inp.dtype.name != "float64":
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating "
                "point or complex. ",
                stacklevel=4,
            )
        if not all(st != 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs that "
                "are non-overlapping to be able to compute the numerical gradients correctly. You should "
                "call .contiguous on the input before passing it to gradcheck."
            )
        flags = getattr(inp._array, "flags", None)
        if flags is not None and not getattr(flags, "writeable", True):
            raise RuntimeError(
                f"The {idx}th input is read-only (its array has writeable=False). gradcheck perturbs "
                "inputs in place to compute the numerical gradients. You should pass a copy "
                "(x.detach().clone().requires_grad_()) instead."
            )
        any_input_requiring_grad = True
    if not any_input_requiring_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have "
            "requires_grad=True."
        )


def _check_jacobians(func, func_out, inputs, *, eps, rtol, atol, fast_mode, check_grad_dtypes, nondet_tol,
                     context) -> None:
    """Raise at the first (output, input) pair whose Jacobians differ, with PyTorch's lines and the report."""
    diff = _diff_inputs(inputs)
    diff_positions = [p for p, _ in diff]
    diff_tensors = [t for _, t in diff]
    out_positions = [k for k, o in enumerate(func_out) if o.requires_grad]

    def analytical_of(output, v):  # each backward runs twice, and must give the same answer twice
        return _checked_analytical(output, diff_tensors, diff_positions, nondet_tol, check_grad_dtypes, v)

    for check in _compared_pairs(func, inputs, func_out, analytical_of, eps=eps, rtol=rtol, atol=atol,
                                 fast_mode=fast_mode):
        if check.comparison.passed:
            continue
        i, j, comparison = check.output, check.input, check.comparison
        pair = _Pair(func, inputs, diff, j, out_positions[i], i, func_out[out_positions[i]], eps, rtol, atol,
                     context)
        if fast_mode:
            a, n = float(comparison.analytical[0, 0]), float(comparison.numerical[0, 0])
            raise GradcheckError(_notallclose_msg(a, n, i, j) + _fast_failure_details(pair, check))
        analytical = diff_tensors[j]._new(comparison.analytical)
        numerical = pair.output._new(comparison.numerical)
        raise GradcheckError(_notallclose_msg(analytical, numerical, i, j)
                             + _explain_mismatch(comparison, pair))


def _notallclose_msg(analytical, numerical, output_idx: int, input_idx: int) -> str:
    return (
        f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{numerical}\nanalytical:{analytical}\n"
    )


def _check_no_differentiable_outputs(func, inputs, func_out, *, eps, fast_mode, nondet_tol, context) -> None:
    """No output requires grad: then moving an input must not move any output."""
    diff = _diff_inputs(inputs)
    rng = _private_generator() if fast_mode else None
    all_u = [_unit_vector(rng, t) for _, t in diff] if fast_mode else [None] * len(diff)
    for j, ((pos, _), u) in enumerate(zip(diff, all_u)):
        if fast_mode:
            moved = [jvp is not None and jvp.size and float(o.xp.abs(jvp).max()) > nondet_tol
                     for o, jvp in zip(func_out, _numerical_jvp(func, inputs, pos, u, eps))]
        else:
            moved = [jac is not None and bool((jac != 0).any())
                     for jac in _numerical_jacobian(func, inputs, pos, func_out, eps)]
        for k, output_moved in enumerate(moved):
            if output_moved:
                raise GradcheckError("Numerical gradient for function expected to be zero"
                                     + _no_differentiable_output_detail(k, j, pos, context))


# ---------------------------------------------------------------------------------- small helpers
def _is_tensor(obj) -> bool:
    return getattr(obj, "_is_minitorch_tensor", False)


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x) -> tuple:
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _diff_inputs(inputs) -> list[tuple[int, Any]]:
    """(position in ``inputs``, tensor) for every input that requires grad."""
    return [(i, t) for i, t in enumerate(inputs) if _is_tensor(t) and t.requires_grad]


def _run(func, inputs) -> list:
    """Call ``func``; copies of the floating-point output arrays (None for other outputs).

    Copies, because an output may share memory with an input that is perturbed next.
    """
    out = _as_tuple(func(*inputs))
    return [o.xp.array(o._array, copy=True) if _is_tensor(o) and o.dtype.is_floating_point else None
            for o in out]


def _check_outputs_same_dtype_and_shape(out1, out2, eps, idx=None) -> None:
    on_index = f"on index {idx} " if idx is not None else ""
    if out1.shape != out2.shape:
        raise AssertionError(
            f"Expected `func` to return outputs with the same shape when inputs are perturbed {on_index}"
            f"by {eps}, but got: shapes {tuple(out1.shape)} and {tuple(out2.shape)}."
        )
    if out1.dtype != out2.dtype:
        raise AssertionError(
            f"Expected `func` to return outputs with the same dtype when inputs are perturbed {on_index}"
            f"by {eps}, but got: dtypes {out1.dtype} and {out2.dtype}."
        )


def _random_grad_output(out, noncontiguous: bool):
    """A random grad_output for ``out`` in [-1, 1), from the global generator (like make_tensor)."""
    dtype = out._array.dtype if out.dtype.is_floating_point else "float64"
    backend = out.backend
    with backend.device_context():
        values = (backend.rng.random(tuple(out.shape), dtype="float64") * 2 - 1).astype(dtype)
        if noncontiguous and values.size > 1:
            wide = backend.xp.empty(values.shape[:-1] + (2 * values.shape[-1],), dtype=values.dtype)
            wide[..., ::2] = values
            values = wide[..., ::2]
    return out._new(values).requires_grad_(True)


def _private_generator():
    """A fresh CPU generator: fast mode's vectors never touch the global random state."""
    cpu = get_backend("cpu")
    private = type(cpu)(cpu.device)
    private.seed(FAST_MODE_SEED)
    return private.rng


def _unit_vector(rng, like):
    """A non-negative random vector of unit norm, with ``like``'s numel, dtype and device."""
    raw = rng.random(like.numel())  # drawn on the CPU, so every device sees the same vector
    with like.backend.device_context():
        vec = like.xp.asarray(raw).astype(like._array.dtype)
        if vec.size:
            vec = vec / like.xp.sqrt((vec * vec).sum())
    return vec


# ---------------------------------------------------------------------------------- slow mode
def _numerical_jacobian(func, inputs, input_pos, func_out, eps) -> list:
    """Central differences: one Jacobian (in_numel, out_numel) per entry of ``func_out``.

    Entries that are not floating-point tensors get None. Each element of the input is changed in
    place on its own array, and then restored exactly.
    """
    x = inputs[input_pos]
    arr = x._array
    jacobians = [
        o.xp.zeros((x.numel(), o.numel()), dtype=o._array.dtype)
        if _is_tensor(o) and o.dtype.is_floating_point else None
        for o in func_out
    ]
    for d_idx, idx in enumerate(itertools.product(*(range(s) for s in arr.shape))):
        orig = arr[idx].copy()
        try:
            arr[idx] = orig - eps
            outa = _run(func, inputs)
            arr[idx] = orig + eps
            outb = _run(func, inputs)
        finally:
            arr[idx] = orig
        for jac, a, b in zip(jacobians, outa, outb):
            if jac is None or a is None:
                continue
            _check_outputs_same_dtype_and_shape(a, b, eps, idx)
            jac[d_idx] = ((b - a) / (2 * eps)).reshape(-1)
    return jacobians


def _analytical_rows(output, diff_tensors):
    """Backward with each one-hot grad_output: (Jacobians per input, sizes_ok, types_ok)."""
    n_out = output.numel()
    jacobians = [t.xp.zeros((t.numel(), n_out), dtype=t._array.dtype) for t in diff_tensors]
    sizes_ok = types_ok = True
    grad_out = output.new_zeros(output.shape)
    flat = grad_out._array.reshape(-1)
    for j in range(n_out):
        flat[j] = 1
        try:
            grads = _grad(output, diff_tensors, grad_out, retain_graph=True, allow_unused=True)
            # copy before the one-hot is cleared: a gradient may be grad_out itself (as in x + y)
            for jac, g, inp in zip(jacobians, grads, diff_tensors):
                if g is None:
                    continue
                if tuple(g.shape) != tuple(inp.shape):
                    sizes_ok = False
                    continue
                if g.dtype != inp.dtype:
                    types_ok = False
                jac[:, j] = g._array.reshape(-1)
        finally:
            flat[j] = 0
    return jacobians, sizes_ok, types_ok


def _analytical_vjp(output, diff_tensors, v):
    """One backward with grad_output = v: the vector-Jacobian product per input, flattened."""
    grad_out = output._new(v.reshape(tuple(output.shape)))
    grads = _grad(output, diff_tensors, grad_out, retain_graph=True, allow_unused=True)
    rows = [t.xp.zeros((t.numel(), 1), dtype=t._array.dtype) for t in diff_tensors]
    sizes_ok = types_ok = True
    for row, g, inp in zip(rows, grads, diff_tensors):
        if g is None:
            continue
        if tuple(g.shape) != tuple(inp.shape):
            sizes_ok = False
            continue
        if g.dtype != inp.dtype:
            types_ok = False
        row[:, 0] = g._array.reshape(-1)
    return rows, sizes_ok, types_ok


def _checked_analytical(output, diff_tensors, diff_positions, nondet_tol, check_grad_dtypes, v=None):
    """The analytical Jacobians (or vJ rows), computed twice and checked for reentrancy."""
    compute = (lambda: _analytical_rows(output, diff_tensors)) if v is None else (
        lambda: _analytical_vjp(output, diff_tensors, v))
    jac1, sizes_ok, types_ok = compute()
    jac2, _, _ = compute()
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    worst = None
    for j, (j1, j2) in enumerate(zip(jac1, jac2)):
        if j1.size == 0:
            continue
        xp = diff_tensors[j].xp
        delta = xp.abs(j1 - j2)
        biggest = float(delta.max())
        if biggest > nondet_tol and (worst is None or biggest > worst[0]):
            worst = (biggest, j, int(delta.argmax()), j1.shape[1])
    if worst is not None:
        biggest, j, flat, n_cols = worst
        row, col = divmod(flat, n_cols)
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
            "times gives different values, although analytical gradient matches numerical gradient."
            f"The tolerance for nondeterminism was {nondet_tol}." + _FAILED_NONDET_MSG
            + _not_reentrant_detail(biggest, j, diff_positions[j], row, diff_tensors[j].shape,
                                    col if v is None else None, output.shape)
        )
    return jac1


# ---------------------------------------------------------------------------------- fast mode
def _numerical_jvp(func, inputs, input_pos, u, eps) -> list:
    """``(f(x + eps*u) - f(x - eps*u)) / (2 eps)``, flattened, for every entry of func's output."""
    x = inputs[input_pos]
    arr = x._array
    orig = arr.copy()
    delta = (u * eps).reshape(arr.shape)
    try:
        arr[...] = orig - delta
        outa = _run(func, inputs)
        arr[...] = orig + delta
        outb = _run(func, inputs)
    finally:
        arr[...] = orig
    jvps = []
    for a, b in zip(outa, outb):
        if a is None:
            jvps.append(None)
            continue
        _check_outputs_same_dtype_and_shape(a, b, eps)
        jvps.append(((b - a) / (2 * eps)).reshape(-1))
    return jvps


def _fast_failure_details(pair: _Pair, check: _PairCheck) -> str:
    """What fast mode compared; PyTorch's slow-mode recomputation of the failing pair; the report."""
    a, n = float(check.comparison.analytical[0, 0]), float(check.comparison.numerical[0, 0])
    summary = _fast_mode_summary(pair, a, n, _fast_atol(pair.atol, check.u, check.v) + pair.rtol * abs(n))
    x, out = pair.input, pair.output
    if x.numel() * out.numel() > SLOW_RECOMPUTE_MAX_ELEMENTS:
        return summary + _sampled_rows(pair, check.v)
    only_this_output = tuple(o if k == pair.out_pos else None for k, o in enumerate(pair.func_out_now()))
    slow_numerical = _numerical_jacobian(pair.func, pair.inputs, pair.input_pos, only_this_output,
                                         pair.eps)[pair.out_pos]
    slow_analytical = _analytical_rows(pair.fresh_output(), pair.diff_tensors)[0][pair.j]
    slow = _compare(out.xp, slow_analytical, slow_numerical, pair.rtol, pair.atol)
    msg = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
        "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {out._new(slow_numerical)}\n"
        f"Analytical:\n{x._new(slow_analytical)}\n\n"
        f"The max per-element difference (slow mode) is: {slow.max_abs_error}.\n"
    )
    if slow.passed:
        return summary + msg + _FAST_FAIL_SLOW_OK_MSG
    return summary + msg + _explain_mismatch(slow, pair)


def _sampled_rows(pair: _Pair, v) -> str:
    """For a Jacobian too big to recompute: compare v^T J row by row at a few input elements.

    Numerical ``v . (f(x + eps e_r) - f(x - eps e_r)) / (2 eps)`` against the analytical ``(v^T J)[r]``,
    which costs 2 forward calls per sampled element.
    """
    arr = pair.input._array
    numel = pair.input.numel()
    count = min(numel, 24)
    rows = sorted({round(k * (numel - 1) / max(count - 1, 1)) for k in range(count)})
    vj = _analytical_vjp(pair.fresh_output(), pair.diff_tensors, v)[0][pair.j][:, 0]
    numerical = []
    for r in rows:
        idx = unravel(r, arr.shape)
        orig = arr[idx].copy()
        try:
            arr[idx] = orig - pair.eps
            outa = _run(pair.func, pair.inputs)[pair.out_pos]
            arr[idx] = orig + pair.eps
            outb = _run(pair.func, pair.inputs)[pair.out_pos]
        finally:
            arr[idx] = orig
        numerical.append(float((v * ((outb - outa) / (2 * pair.eps)).reshape(-1)).sum()))
    analytical = [float(vj[r]) for r in rows]
    # each row is v^T J e_r: u is one-hot, so atol scales by sum(v) alone
    xp = get_backend("cpu").xp  # Python floats now
    sampled = _compare(xp, xp.array([analytical]), xp.array([numerical]), pair.rtol,
                       pair.atol * float(v.sum()))
    return _sampled_rows_table(pair, rows, numerical, analytical, sampled.failing[0].tolist(),
                               SLOW_RECOMPUTE_MAX_ELEMENTS)


# ---------------------------------------------------------------------------------- other checks
def _test_backward_mul_by_grad_output(outputs, inputs, masked) -> bool:
    diff = _diff_inputs(inputs)
    if not diff:
        raise GradcheckError("no Tensors requiring grad found in input")
    if not outputs:
        return True
    grads = _grad(list(outputs), [t for _, t in diff], [o.new_zeros(o.shape) for o in outputs],
                  allow_unused=True)
    for j, (gi, (pos, di)) in enumerate(zip(grads, diff)):
        if gi is None:
            continue
        xp = gi.xp
        nonzero = (not bool(xp.allclose(gi._array, 0))) if masked else bool((gi._array != 0).any())
        if nonzero:
            magnitude = xp.abs(gi._array)
            flat = int(xp.nan_to_num(magnitude, nan=float("inf")).argmax())
            raise GradcheckError(
                "backward not multiplied by grad_output"
                + _not_multiplied_detail(j, pos, float(gi._array.reshape(-1)[flat]), flat, gi.shape)
            )
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.device != di.device:
            raise GradcheckError("grad is incorrect device")
        if tuple(gi.shape) != tuple(di.shape):
            raise GradcheckError("grad is incorrect size")
    return True


class _UndefinedGrad(Function):
    """Identity forward; the backward sends no gradient (None) to the tensor before it."""

    @staticmethod
    def forward(ctx, a):
        return a

    @staticmethod
    def backward(ctx, grad):
        return None


def _test_undefined_backward_mode(func, outputs, inputs) -> bool:
    diff_tensors = [t for _, t in _diff_inputs(inputs)]
    if not diff_tensors:
        raise GradcheckError("no Tensors requiring grad found in input")

    def check(outs) -> bool:
        if not outs:
            return True
        try:
            grads = _grad(outs, diff_tensors, [o.new_zeros(o.shape) for o in outs], allow_unused=True)
        except Exception as err:
            warnings.warn(_UNDEFINED_BC_MSG, stacklevel=5)
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. Please look at \"Notes about "
                "undefined output gradients\" in \"tools/autograd/derivatives.yaml\""
                + _undefined_grad_detail(err)
            ) from err
        for gi in grads:
            if gi is not None and bool((gi._array != 0).any()):
                warnings.warn(_UNDEFINED_BC_MSG, stacklevel=5)
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are undefined "
                    "or zero. Please look at \"Notes about undefined output gradients\" in "
                    "\"tools/autograd/derivatives.yaml\""
                )
        return True

    to_check = [[_UndefinedGrad.apply(o) for o in _differentiable_outputs(func(*inputs))]]
    if len(to_check[0]) > 1:
        for undef_idx in range(len(outputs)):
            fresh = _differentiable_outputs(func(*inputs))
            to_check.append([_UndefinedGrad.apply(o) if k == undef_idx else o for k, o in enumerate(fresh)])
    return all(check(outs) for outs in to_check)


# ---------------------------------------------------------------------------------- the failing pair
class _Pair:
    """One (output i, input j) pair that failed: what the report reads, and the probes it runs.

    The report (gradcheck_report) asks three things of it: the checker's rule (``close``), the
    one-sided slopes at an element (is it a kink?), and the gradient for grad_output = 0 (does the
    backward ignore grad_output?).
    """

    def __init__(self, func, inputs, diff, j, out_pos, i, output, eps, rtol, atol, context):
        self.func, self.inputs, self.diff = func, inputs, diff
        self.j, self.i, self.out_pos, self.output = j, i, out_pos, output
        self.input_pos, self.input = diff[j]
        self.diff_tensors = [t for _, t in diff]
        self.eps, self.rtol, self.atol, self.context = eps, rtol, atol, context

    def func_out_now(self) -> tuple:
        return _as_tuple(self.func(*self.inputs))

    def fresh_output(self):
        return self.func_out_now()[self.out_pos]

    def close(self, analytical, numerical) -> bool:
        """The checker's rule, with this pair's tolerances, for two arrays of the same shape."""
        return bool(_elements_close(self.output.xp, analytical, numerical, self.rtol, self.atol).all())

    def one_sided_slopes(self, row: int, col: int) -> tuple[float, float]:
        """Left and right difference quotients of output element ``col`` at input element ``row``."""
        arr = self.input._array
        idx = unravel(row, arr.shape)
        orig = arr[idx].copy()
        try:
            f0 = _run(self.func, self.inputs)[self.out_pos]
            arr[idx] = orig + self.eps
            fp = _run(self.func, self.inputs)[self.out_pos]
            arr[idx] = orig - self.eps
            fm = _run(self.func, self.inputs)[self.out_pos]
        finally:
            arr[idx] = orig
        f0c, fpc, fmc = (float(f.reshape(-1)[col]) for f in (f0, fp, fm))
        return (f0c - fmc) / self.eps, (fpc - f0c) / self.eps

    def grad_with_zero_grad_output(self):
        """(max |grad|, flat index) of the gradient for input j when grad_output is all zeros."""
        out = self.fresh_output()
        (g,) = _grad(out, [self.input], out.new_zeros(out.shape), allow_unused=True)
        if g is None:
            return None
        magnitude = g.xp.abs(g._array).reshape(-1)
        flat = int(magnitude.argmax()) if magnitude.size else 0
        return (float(magnitude[flat]) if magnitude.size else 0.0), flat
