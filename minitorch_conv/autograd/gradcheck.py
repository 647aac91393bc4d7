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

**Reading a failure.** A message begins with PyTorch's lines, so code that matches PyTorch's
messages keeps working (``Jacobian mismatch for output i with respect to input j,``,
``numerical:...``, ``analytical:...``). After those lines comes a report you can act on:
- the shapes and the Jacobian's layout;
- the elements with the largest error, with their input and output indices and the numerical and
  analytical values side by side;
- small Jacobians printed whole, row by row;
- the largest absolute and relative errors;
- likely causes, found by testing the failure against known patterns: an input that is not
  float64; a point where the function is not differentiable (relu or abs at 0); a backward that
  ignores ``grad_output``; the right values in the wrong places (a transposed or flipped
  gradient); a constant factor; a gradient that is all zero.

Inputs are perturbed on their own arrays and devices (NumPy or CuPy), and each one is restored
exactly, even when ``func`` raises.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import textwrap
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..backends import get_backend
from . import grad as _grad
from .function import Function

__all__ = ["GradcheckError", "JacobianError", "gradcheck", "gradgradcheck", "jacobian_errors"]

#: Seed of the private generator that draws fast mode's vectors (PyTorch's default seed).
FAST_MODE_SEED = 67280421310721

#: When fast mode fails, the failing pair is recomputed in slow mode. This is skipped when its
#: Jacobian would have more elements than this (memory and time). Sampled rows are shown instead.
SLOW_RECOMPUTE_MAX_ELEMENTS = 4_000_000

_TABLE_ROWS = 8  # worst elements listed in a failure report
_WHOLE_MAX_ROWS, _WHOLE_MAX_COLS = 32, 8  # Jacobians up to this size are printed whole, row by row


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
    is at most 1. In fast mode, both describe the single number ``v^T J u``.
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
    sweep. It computes the Jacobians the way gradcheck does (the same ``eps``, slow or fast mode),
    but it runs none of gradcheck's other checks, and it never raises on a mismatch.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.gradcheck import jacobian_errors
    >>> x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    >>> [(e.output, e.input, e.tolerance_ratio < 1) for e in jacobian_errors(lambda t: t.exp(), (x,))]
    [(0, 0, True)]
    """
    tupled_inputs = _as_tuple(inputs)
    diff = _diff_inputs(tupled_inputs)
    if not diff:
        raise ValueError("jacobian_errors expects at least one input tensor to require gradient.")
    diff_tensors = [t for _, t in diff]
    func_out = _as_tuple(func(*tupled_inputs))
    out_positions = [k for k, o in enumerate(func_out) if o.requires_grad]
    errors = []
    if fast_mode:
        rng = _private_generator()
        all_u = [_unit_vector(rng, t) for t in diff_tensors]
        all_v = [_unit_vector(rng, func_out[k]) for k in out_positions]
        for j, ((pos, _t), u) in enumerate(zip(diff, all_u)):
            jvps = _numerical_jvp(func, tupled_inputs, pos, u, eps)
            for i, (k, v) in enumerate(zip(out_positions, all_v)):
                n = float((v * jvps[k]).sum())
                rows, _, _ = _analytical_vjp(func_out[k], diff_tensors, v)
                a = float((rows[j][:, 0] * u).sum())
                allowed = atol * float(u.sum()) * float(v.sum()) + rtol * abs(n)
                errors.append(JacobianError(i, j, abs(a - n), _ratio(abs(a - n), allowed)))
        return sorted(errors, key=lambda e: (e.output, e.input))
    numerical = [_numerical_jacobian(func, tupled_inputs, pos, func_out, eps) for pos, _t in diff]
    for i, k in enumerate(out_positions):
        analytical, _, _ = _analytical_rows(func_out[k], diff_tensors)
        for j, a in enumerate(analytical):
            n = numerical[j][k]
            xp = diff_tensors[j].xp
            if a.size == 0:
                errors.append(JacobianError(i, j, 0.0, 0.0))
                continue
            gap = xp.abs(a.astype("float64") - n.astype("float64"))
            allowed = atol + rtol * xp.abs(n.astype("float64"))
            errstate = getattr(xp, "errstate", None)
            with errstate(all="ignore") if errstate else contextlib.nullcontext():
                ratio = xp.where(gap == 0, 0.0, gap / allowed)
            errors.append(JacobianError(i, j, float(gap.max()), float(ratio.max())))
    return errors


def _ratio(gap: float, allowed: float) -> float:
    if gap == 0:
        return 0.0
    return gap / allowed if allowed > 0 else float("inf")


# ---------------------------------------------------------------------------------- the driver
class _GradGradContext:
    """What the report needs to explain gradgradcheck's derived function."""

    def __init__(self, n_diff_inputs: int, grad_output_positions: Sequence[int]):
        self.n_diff_inputs = n_diff_inputs
        self.grad_output_positions = list(grad_output_positions)

    def describe_input(self, j: int) -> str:
        if j < self.n_diff_inputs:
            return f"your differentiable input {j}"
        k = j - self.n_diff_inputs
        pos = self.grad_output_positions[k] if k < len(self.grad_output_positions) else k
        return f"grad_outputs[{pos}]"


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
        func_out = func(*tupled_inputs)
        outputs = _differentiable_outputs(func_out)
        checker = _fast_gradcheck if fast_mode else _slow_gradcheck
        checker(func, func_out, tupled_inputs, outputs, eps=eps, rtol=rtol, atol=atol,
                check_grad_dtypes=check_grad_dtypes, nondet_tol=nondet_tol, context=context)
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


def _unravel(flat: int, shape) -> tuple:
    index = []
    for size in reversed(tuple(shape)):
        flat, rem = divmod(flat, size)
        index.append(rem)
    return tuple(reversed(index))


def _fmt_index(index: tuple) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _fmt(value: float) -> str:
    return f"{value:.6g}"


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


def _allclose(xp, a, n, rtol, atol) -> bool:
    """PyTorch's allclose after type promotion: ``|a - n| <= atol + rtol * |n|``, elementwise."""
    if a.size == 0:
        return True
    dtype = xp.result_type(a.dtype, n.dtype)
    return bool(xp.allclose(a.astype(dtype, copy=False), n.astype(dtype, copy=False), rtol=rtol, atol=atol))


def _scalar_close(a: float, n: float, rtol: float, atol: float) -> bool:
    if a == n:
        return True
    if math.isnan(a) or math.isnan(n) or math.isinf(a) or math.isinf(n):
        return False
    return abs(a - n) <= atol + rtol * abs(n)


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
        where = (f"input {j} (argument #{diff_positions[j]}) element "
                 f"{_fmt_index(_unravel(row, diff_tensors[j].shape))}")
        where += f", output element {_fmt_index(_unravel(col, output.shape))}" if v is None else ""
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
            "times gives different values, although analytical gradient matches numerical gradient."
            f"The tolerance for nondeterminism was {nondet_tol}." + _FAILED_NONDET_MSG
            + f"\n\nThe two backward runs differ by up to {_fmt(biggest)}, at {where}."
        )
    return jac1


def _slow_gradcheck(func, func_out, inputs, outputs, *, eps, rtol, atol, check_grad_dtypes, nondet_tol,
                    context) -> bool:
    func_out = _as_tuple(func_out)
    diff = _diff_inputs(inputs)
    diff_positions = [p for p, _ in diff]
    diff_tensors = [t for _, t in diff]
    if not outputs:
        return _check_no_differentiable_outputs(func, inputs, func_out, diff, eps, context)
    out_positions = [k for k, o in enumerate(func_out) if o.requires_grad]
    numerical = [_numerical_jacobian(func, inputs, p, func_out, eps) for p in diff_positions]
    for i, o in enumerate(outputs):
        analytical = _checked_analytical(o, diff_tensors, diff_positions, nondet_tol, check_grad_dtypes)
        for j, a in enumerate(analytical):
            n = numerical[j][out_positions[i]]
            if not _allclose(o.xp, a, n, rtol, atol):
                pair = _Pair(func, inputs, diff, j, out_positions[i], i, o, eps, rtol, atol, context)
                raise GradcheckError(
                    _notallclose_msg(diff_tensors[j]._new(a), o._new(n), i, j) + _report(a, n, pair)
                )
    return True


def _check_no_differentiable_outputs(func, inputs, func_out, diff, eps, context) -> bool:
    for j, (pos, _t) in enumerate(diff):
        for k, jac in enumerate(_numerical_jacobian(func, inputs, pos, func_out, eps)):
            if jac is not None and bool((jac != 0).any()):
                raise GradcheckError(
                    "Numerical gradient for function expected to be zero"
                    + _no_diff_output_hint(k, j, pos, context)
                )
    return True


def _no_diff_output_hint(k, j, pos, context) -> str:
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


def _notallclose_msg(analytical, numerical, output_idx: int, input_idx: int) -> str:
    return (
        f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{numerical}\nanalytical:{analytical}\n"
    )


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


def _fast_gradcheck(func, func_out, inputs, outputs, *, eps, rtol, atol, check_grad_dtypes, nondet_tol,
                    context) -> bool:
    func_out = _as_tuple(func_out)
    diff = _diff_inputs(inputs)
    diff_positions = [p for p, _ in diff]
    diff_tensors = [t for _, t in diff]
    rng = _private_generator()
    all_u = [_unit_vector(rng, t) for t in diff_tensors]
    all_v = [_unit_vector(rng, o) for o in outputs]
    out_positions = [k for k, o in enumerate(func_out) if o.requires_grad]

    numerical = []  # numerical[j][i]: v_i . (J_ij u_j), for input j and output i
    for j, (pos, u) in enumerate(zip(diff_positions, all_u)):
        jvps = _numerical_jvp(func, inputs, pos, u, eps)
        if not outputs:
            for k, jvp in enumerate(jvps):
                if jvp is not None and jvp.size and float(func_out[k].xp.abs(jvp).max()) > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero"
                                         + _no_diff_output_hint(k, j, pos, context))
            continue
        numerical.append([float((v * jvps[k]).sum()) for v, k in zip(all_v, out_positions)])
    if not outputs:
        return True

    analytical = []  # analytical[i][j]: (v_i^T J_ij) . u_j
    for o, v in zip(outputs, all_v):
        rows = _checked_analytical(o, diff_tensors, diff_positions, nondet_tol, check_grad_dtypes, v=v)
        analytical.append([float((row[:, 0] * u).sum()) for row, u in zip(rows, all_u)])

    for j, u in enumerate(all_u):
        for i, v in enumerate(all_v):
            a, n = analytical[i][j], numerical[j][i]
            adjusted_atol = atol * float(u.sum()) * float(v.sum())
            if not _scalar_close(a, n, rtol, adjusted_atol):
                pair = _Pair(func, inputs, diff, j, out_positions[i], i, outputs[i], eps, rtol, atol, context)
                raise GradcheckError(
                    _notallclose_msg(a, n, i, j)
                    + _fast_failure_details(pair, u, v, a, n, adjusted_atol)
                )
    return True


def _fast_failure_details(pair, u, v, a, n, adjusted_atol) -> str:
    """PyTorch's slow-mode recomputation of the failing pair, then the learner's report."""
    x, out = pair.input, pair.output
    intro = "\n" + _wrap(
        f"Fast mode compared v^T J u, for unit vectors u over input {pair.j} ({x.numel()} elements) and "
        f"v over output {pair.i} ({out.numel()} elements): |{_fmt(a)} - {_fmt(n)}| = {_fmt(abs(a - n))} > "
        f"atol * sum(u) * sum(v) + rtol * |numerical| = {_fmt(adjusted_atol + pair.rtol * abs(n))}."
    ) + "\n"
    if x.numel() * out.numel() > SLOW_RECOMPUTE_MAX_ELEMENTS:
        return intro + _sampled_rows_report(pair, u, v)
    only_this_output = tuple(o if k == pair.out_pos else None for k, o in enumerate(pair.func_out_now()))
    slow_numerical = _numerical_jacobian(pair.func, pair.inputs, pair.input_pos, only_this_output,
                                         pair.eps)[pair.out_pos]
    slow_analytical, _, _ = _analytical_rows(pair.fresh_output(), pair.diff_tensors)
    slow_analytical = slow_analytical[pair.j]
    xp = out.xp
    diff = xp.abs(slow_numerical.astype("float64") - slow_analytical.astype("float64"))
    slow_max_diff = float(diff.max()) if diff.size else 0.0
    slow_ok = _allclose(xp, slow_analytical, slow_numerical, pair.rtol, pair.atol)
    msg = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
        "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {out._new(slow_numerical)}\n"
        f"Analytical:\n{x._new(slow_analytical)}\n\n"
        f"The max per-element difference (slow mode) is: {slow_max_diff}.\n"
    )
    if slow_ok:
        return intro + msg + _FAST_FAIL_SLOW_OK_MSG
    return intro + msg + _report(slow_analytical, slow_numerical, pair)


def _sampled_rows_report(pair, u, v) -> str:
    """For a Jacobian too big to recompute: compare v^T J row by row at a few input elements.

    Numerical ``v . (f(x + eps e_r) - f(x - eps e_r)) / (2 eps)`` against the analytical ``(v^T J)[r]``,
    which costs 2 forward calls per sampled element.
    """
    x = pair.input
    numel = x.numel()
    count = min(numel, 24)
    rows = sorted({round(k * (numel - 1) / max(count - 1, 1)) for k in range(count)})
    vj, _, _ = _analytical_vjp(pair.fresh_output(), pair.diff_tensors, v)
    vj = vj[pair.j][:, 0]
    arr = x._array
    lines = [
        f"The Jacobian has {numel} x {pair.output.numel()} elements, more than SLOW_RECOMPUTE_MAX_ELEMENTS="
        f"{SLOW_RECOMPUTE_MAX_ELEMENTS}, so it is not recomputed in slow mode. Instead, v^T J is compared "
        f"at {len(rows)} input elements spread over input {pair.j} (* marks a failure):",
        f"  {'input element':<22}{'numerical':>16}{'analytical':>16}",
    ]
    fails = 0
    for r in rows:
        idx = _unravel(r, arr.shape)
        orig = arr[idx].copy()
        try:
            arr[idx] = orig - pair.eps
            outa = _run(pair.func, pair.inputs)[pair.out_pos]
            arr[idx] = orig + pair.eps
            outb = _run(pair.func, pair.inputs)[pair.out_pos]
        finally:
            arr[idx] = orig
        num = float((v * ((outb - outa) / (2 * pair.eps)).reshape(-1)).sum())
        ana = float(vj[r])
        bad = not _scalar_close(ana, num, pair.rtol, pair.atol * float(v.sum()))
        fails += bad
        lines.append(f"  {_fmt_index(idx):<22}{_fmt(num):>16}{_fmt(ana):>16}{' *' if bad else ''}")
    lines.append(f"{fails} of {len(rows)} sampled elements fail. Check a smaller input in slow mode to see "
                 "whole Jacobians.")
    return "\n".join(lines) + "\n"


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
                f"\n\nWith grad_output = 0 for every output, the gradient with respect to input {j} "
                f"(argument #{pos}) should be 0, but it is {_fmt(float(gi._array.reshape(-1)[flat]))} at "
                f"element {_fmt_index(_unravel(flat, gi.shape))}. A backward must return "
                "(local derivative) * grad_output (the chain rule). One that returns the local derivative "
                "alone agrees with grad_output = 1 but is wrong inside any larger graph."
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
                "\n\nWhen an output gets no gradient, a backward receives zeros for it (or None after "
                f"ctx.set_materialize_grads(False)); here backward raised {type(err).__name__}: {err}"
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


# ---------------------------------------------------------------------------------- the report
class _Pair:
    """One (output i, input j) pair that failed, with what the report's probes need."""

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

    def one_sided_slopes(self, row: int, col: int) -> tuple[float, float]:
        """Left and right difference quotients of output element ``col`` at input element ``row``."""
        arr = self.input._array
        idx = _unravel(row, arr.shape)
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


def _report(a, n, pair: _Pair) -> str:
    """The learner's report on a failing (output i, input j) Jacobian pair."""
    errstate = getattr(pair.output.xp, "errstate", None)  # NumPy's; CuPy never warns
    with errstate(all="ignore") if errstate else contextlib.nullcontext():
        return _report_body(a, n, pair)


def _report_body(a, n, pair: _Pair) -> str:
    xp = pair.output.xp
    x, out = pair.input, pair.output
    in_shape, out_shape = tuple(x.shape), tuple(out.shape)
    rtol, atol = pair.rtol, pair.atol
    a64 = a.astype("float64")
    n64 = n.astype("float64")
    err = xp.abs(a64 - n64)
    same = a64 == n64  # inf == inf passes, as in allclose
    failing = ~((err <= atol + rtol * xp.abs(n64)) | same)
    n_fail, total = int(failing.sum()), int(a64.size)
    key = xp.where(failing, xp.nan_to_num(err, nan=float("inf")), -1.0).reshape(-1)
    n_cols = a64.shape[1]

    def where(flat: int) -> str:
        row, col = divmod(flat, n_cols)
        return f"input{_fmt_index(_unravel(row, in_shape))}, output{_fmt_index(_unravel(col, out_shape))}"

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
        f"An element passes when |analytical - numerical| <= atol + rtol * |numerical| (atol={atol}, "
        f"rtol={rtol}). {n_fail} of {total} elements fail."
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
        label_width = max(len(_fmt_index(_unravel(r, in_shape))) for r in range(a64.shape[0])) + 7
        fail_host = failing.tolist()
        for r, (nrow, arow) in enumerate(zip(n64.tolist(), a64.tolist())):
            label = "input" + _fmt_index(_unravel(r, in_shape))
            marks = fail_host[r]
            lines.append(f"  {label:<{label_width}}numerical  " + "".join(f"{_fmt(v):>11} " for v in nrow))
            lines.append(f"  {'':<{label_width}}analytical " + "".join(
                f"{_fmt(v):>11}{'*' if m else ' '}" for v, m in zip(arow, marks)))
    hints = _likely_causes(a64, n64, failing, pair)
    lines.append("Likely cause:" if len(hints) == 1 else "Likely causes:")
    lines.extend(_wrap(h, "- ") for h in hints)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _wrap(text: str, bullet: str = "") -> str:
    """Prose wrapped to 100 columns; a bullet's continuation lines are indented under its text."""
    return textwrap.fill(text, width=100, initial_indent=bullet, subsequent_indent=" " * len(bullet),
                         break_long_words=False, break_on_hyphens=False)


def _likely_causes(a, n, failing, pair: _Pair) -> list[str]:
    xp = pair.output.xp
    x, out = pair.input, pair.output
    in_shape, out_shape = tuple(x.shape), tuple(out.shape)
    rtol, atol, eps = pair.rtol, pair.atol, pair.eps
    hints: list[str] = []

    def close(p, q) -> bool:
        return _allclose(xp, p, q, rtol, atol)

    low = [(k, t) for k, (_, t) in enumerate(pair.diff) if t.dtype.name != "float64"]
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
        placement = _placement_hint(a, n, in_shape, out_shape, close)
        if placement:
            hints.append(placement)
        else:
            factor = _constant_factor_hint(a, n, rtol, atol, close)
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


def _ignores_grad_output(a, n, pair: _Pair) -> str | None:
    try:
        probe = pair.grad_with_zero_grad_output()
    except Exception:  # the report must not hide the original failure
        probe = None
    if probe is not None and probe[0] > 0:
        magnitude, flat = probe
        return (
            "The backward ignores grad_output: with grad_output = 0 it still returns "
            f"{_fmt(magnitude)} at input{_fmt_index(_unravel(flat, tuple(pair.input.shape)))}. Multiply "
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


def _kink_hint(a, n, failing, pair: _Pair) -> str | None:
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
    in_idx = _fmt_index(_unravel(row, tuple(pair.input.shape)))
    side = ""
    for name, slope in (("left", left), ("right", right)):
        if abs(av - slope) <= pair.atol + pair.rtol * abs(slope):
            side = f" The backward gives {_fmt(av)}, the {name} slope: a valid choice (relu'(0) = 0 is one)."
            break
    return (
        f"Not differentiable here: at input{in_idx}, output element "
        f"{_fmt_index(_unravel(col, tuple(pair.output.shape)))} has slope {_fmt(left)} from the left and "
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
    if a.size <= SLOW_RECOMPUTE_MAX_ELEMENTS:
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


def _constant_factor_hint(a, n, rtol, atol, close) -> str | None:
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
