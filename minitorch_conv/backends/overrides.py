"""Your own kernel in place of ours, by name: ``mt.backends.override(name, fn)``.

This is the one seam through which code from outside the framework replaces a kernel: the
exercises (``python -m minitorch_conv.exercises``) put a learner's im2col, col2im, convolution,
gradients and max-pool backward in through it, and everything above, down to training a CNN, then
runs on them. Nothing is monkeypatched: the convolution and max-pool code asks this module, at the
few points where it would run a kernel, whether one of these names is overridden (one dictionary
check when none is).

>>> import numpy as np
>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> def my_im2col(image, kernel_size, stride, dilation):
...     if stride != (1, 1) or dilation != (1, 1):
...         return NotImplemented  # hand these back: ours runs them
...     (C, Hp, Wp), (kh, kw) = image.shape, kernel_size
...     Ho, Wo = Hp - kh + 1, Wp - kw + 1
...     cols = np.empty((C, kh, kw, Ho, Wo), dtype=image.dtype)
...     for i in range(kh):
...         for j in range(kw):
...             cols[:, i, j] = image[:, i:i + Ho, j:j + Wo]
...     return cols.reshape(C * kh * kw, Ho * Wo)
>>> x, w = mt.randn(2, 3, 5, 5), mt.randn(4, 3, 3, 3)
>>> with mt.backends.override("im2col", my_im2col) as mine:
...     y = F.conv2d(x, w, padding=1)
>>> mine.calls  # once per image
2
>>> bool(mt.allclose(y, F.conv2d(x, w, padding=1), atol=1e-5))
True

What each name is called with, and must return (NumPy arrays on the CPU; ``kernel_size``,
``stride``, ``dilation`` are ``(height, width)`` pairs, ``padding`` is ``(top, bottom, left,
right)``; a function may return ``NotImplemented`` to hand a call it does not cover back to ours):

======================  =========================================================================
name                    called as ``fn(...)``, returns
======================  =========================================================================
``im2col``              ``(image, kernel_size, stride, dilation)``: ``image`` (C, Hp, Wp) is one
                        image, already zero-padded. Returns cols (C*kh*kw, Ho*Wo): row
                        ``(c*kh + i)*kw + j``, column ``y*Wo + x`` holds
                        ``image[c, y*sh + i*dh, x*sw + j*dw]`` (``F.unfold``'s layout). Used for
                        the columns of every convolution (forward, weight gradient) and ``F.unfold``.
``col2im``              ``(cols, image_size, kernel_size, stride, dilation)``: the adjoint of
                        im2col, (C*kh*kw, Ho*Wo) -> (C, Hp, Wp) with ``(Hp, Wp) = image_size``,
                        overlapping entries added. Used for every input gradient and ``F.fold``.
``conv2d``              ``(x, weight, bias, stride, padding, dilation, groups)``: x (N, C, H, W),
                        weight (O, C/groups, kh, kw), bias (O,) or None -> y (N, O, Ho, Wo).
``conv2d_input_grad``   ``(grad_output, weight, input_size, stride, padding, dilation, groups)``:
                        dy (N, O, Ho, Wo) -> dx (N, C, H, W), ``(H, W) = input_size``. Also
                        ``F.conv_transpose2d``'s forward, which is the same map.
``conv2d_weight_grad``  ``(x, grad_output, kernel_size, stride, padding, dilation, groups)`` ->
                        dW (O, C/groups, kh, kw); dy's (Ho, Wo) may be fewer positions than x
                        allows (a transposed convolution's weight gradient), in which case only
                        those positions count.
``conv2d_bias_grad``    ``(grad_output)``: dy (N, O, Ho, Wo) -> db (O,).
``max_pool2d_backward`` ``(x, grad_output, kernel_size, stride, padding, dilation, ceil_mode)``:
                        the gradient of ``F.max_pool2d`` with respect to x, x's shape.
``conv2d_function``     ``(input, weight, bias, stride, padding, dilation, groups)`` on Tensors:
                        a differentiable function (an ``autograd.Function``'s ``apply``) used by
                        ``F.conv2d`` and ``nn.Conv2d`` in place of ours.
======================  =========================================================================

With ``im2col`` overridden (and not ``conv2d``), convolutions take the im2col+GEMM path with your
columns and our GEMMs; with ``col2im``, input gradients take col2im+GEMM with yours; our faster
paths (direct, pointwise, subsampled) are then skipped, so that your kernel is the one that runs.
Gradients of gradients (``create_graph=True``) stay exact: kernels replaced inside our autograd
Functions keep our derivative formulas, and the two that are derivative formulas themselves
(``conv2d_bias_grad``, ``max_pool2d_backward``) are used only where no graph of the gradient is
being built. Overrides apply to CPU tensors; on a GPU ours run. The arrays your function receives
are read-only views: writing into them raises ``ValueError: assignment destination is read-only``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import kernel_trace

KERNELS: dict[str, str] = {
    "im2col": "fn(image, kernel_size, stride, dilation) -> cols (C*kh*kw, Ho*Wo); image (C, Hp, Wp) "
              "zero-padded",
    "col2im": "fn(cols, image_size, kernel_size, stride, dilation) -> image (C, Hp, Wp), the adjoint "
              "of im2col",
    "conv2d": "fn(x, weight, bias, stride, padding, dilation, groups) -> y (N, O, Ho, Wo)",
    "conv2d_input_grad": "fn(grad_output, weight, input_size, stride, padding, dilation, groups) -> "
                         "grad_input (N, C, H, W)",
    "conv2d_weight_grad": "fn(x, grad_output, kernel_size, stride, padding, dilation, groups) -> "
                          "grad_weight (O, C/groups, kh, kw)",
    "conv2d_bias_grad": "fn(grad_output) -> grad_bias (O,)",
    "max_pool2d_backward": "fn(x, grad_output, kernel_size, stride, padding, dilation, ceil_mode) -> "
                           "grad_input (x's shape)",
    "conv2d_function": "fn(input, weight, bias, stride, padding, dilation, groups) -> Tensor, "
                       "differentiable",
}
"""Every name :func:`override` accepts, with what its function is called with and returns."""

active: dict[str, Override] = {}
"""The override in force for each overridden name (the latest registered). Empty when none is:
the kernels test this dictionary, and nothing else, before running their own code."""

_registered: dict[str, list[Override]] = {}
_suspensions = [0]  # how many suspended() blocks are open: then ``active`` stays empty


class Override:
    """A kernel swapped in by :func:`override`: a context manager, or a registration kept until
    :meth:`remove`.

    ``calls`` counts the calls your function answered; ``declined`` those it handed back to ours
    by returning ``NotImplemented``.
    """

    def __init__(self, name: str, fn: Callable):
        self.name, self.fn = name, fn
        self.calls = self.declined = 0
        self._in_force = False

    def _register(self) -> None:
        if not self._in_force:
            _registered.setdefault(self.name, []).append(self)
            if not _suspensions[0]:
                active[self.name] = self
            self._in_force = True

    def remove(self) -> None:
        """Put back what was in force before (ours, or an earlier override of the same name)."""
        if not self._in_force:
            return
        stack = _registered[self.name]
        stack.remove(self)
        if not stack:
            del _registered[self.name]
        if not _suspensions[0]:
            if stack:
                active[self.name] = stack[-1]
            else:
                del active[self.name]
        self._in_force = False

    def __enter__(self) -> Override:
        self._register()
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()

    def __repr__(self) -> str:
        state = "in force" if self._in_force else "removed"
        return f"<override {self.name!r} -> {getattr(self.fn, '__qualname__', self.fn)!r}, {state}>"


def override(name: str, fn: Callable) -> Override:
    """Run ``fn`` wherever the framework would run its kernel ``name``, until the returned handle
    is removed (``with`` block or ``.remove()``).

    ``name`` is one of :data:`KERNELS` (the module docstring says what each is called with and
    must return). Overriding a name twice stacks: removing the later one restores the earlier.
    Raises ValueError for an unknown name and TypeError when ``fn`` is not callable.

    >>> import numpy as np
    >>> import minitorch_conv as mt
    >>> def sum_by_channel(grad_output):
    ...     return grad_output.sum(axis=(0, 2, 3))
    >>> handle = mt.backends.override("conv2d_bias_grad", sum_by_channel)
    >>> conv = mt.nn.Conv2d(1, 2, 3)
    >>> conv(mt.randn(1, 1, 4, 4)).sum().backward()
    >>> handle.calls, conv.bias.grad.tolist()
    (1, [4.0, 4.0])
    >>> handle.remove()
    """
    if name not in KERNELS:
        raise ValueError(f"mt.backends.override: no kernel is named {name!r}; the names are "
                         f"{', '.join(sorted(KERNELS))}")
    if not callable(fn):
        raise TypeError(f"mt.backends.override({name!r}, fn): fn must be callable, not {type(fn).__name__}")
    handle = Override(name, fn)
    handle._register()
    return handle


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Run our kernels inside the block, whatever is overridden (the references a check compares
    with; kernels that must never call back into an override).

    >>> import minitorch_conv as mt
    >>> with mt.backends.override("conv2d_bias_grad", lambda dy: None):
    ...     with suspended():
    ...         inside = dict(active)
    ...     after = sorted(active)
    >>> inside, after
    ({}, ['conv2d_bias_grad'])
    """
    active.clear()
    _suspensions[0] += 1
    try:
        yield
    finally:
        _suspensions[0] -= 1
        if not _suspensions[0]:
            active.update({name: stack[-1] for name, stack in _registered.items()})


# ---------------------------------------------------------------------------------- calling
def _read_only(array):
    if array is None:
        return None
    view = array.view()
    view.flags.writeable = False
    return view


def _call(name: str, *args):
    """``active[name].fn(*args)``, or NotImplemented where it is not overridden or declines."""
    entry = active.get(name)
    if entry is None:
        return NotImplemented
    result = entry.fn(*args)
    if result is NotImplemented:
        entry.declined += 1
    else:
        entry.calls += 1
    return result


def _checked(name: str, result, shape: tuple, dtype, what: str):
    """``result`` as a contiguous array, or a RuntimeError that says what was expected."""
    where = f"mt.backends.override({name!r}): your function"
    if not isinstance(result, np.ndarray):
        raise RuntimeError(f"{where} returned {type(result).__name__}, not a NumPy array; {what} is "
                           f"an array of shape {shape}")
    if tuple(result.shape) != tuple(shape):
        raise RuntimeError(f"{where} returned an array of shape {tuple(result.shape)}; {what} has "
                           f"shape {tuple(shape)}")
    if result.dtype != dtype:
        raise RuntimeError(f"{where} returned {result.dtype} where {dtype} was expected (the dtype "
                           f"of the arrays it was given): create new arrays with dtype=x.dtype")
    return np.ascontiguousarray(result)


def _on_cpu(backend) -> bool:
    return backend.xp is np


def _out_size(size, kernel_size, stride, dilation):
    """(Ho, Wo) over a padded extent ``size``."""
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(size, kernel_size, stride, dilation))


def _padded(x, padding):
    pt, pb, pl, pr = padding
    if not (pt or pb or pl or pr):
        return x
    return np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))


def _columns(x, kernel_size, stride, padding, dilation):
    """cols (N, C*kh*kw, Ho, Wo) from the overriding im2col, one image at a time, or NotImplemented."""
    xpad = _padded(x, padding)
    N, C = x.shape[:2]
    (kh, kw), out = kernel_size, _out_size(xpad.shape[2:], kernel_size, stride, dilation)
    cols = np.empty((N, C * kh * kw, *out), dtype=x.dtype)
    for n in range(N):
        image = _read_only(xpad[n])
        result = _call("im2col", image, tuple(kernel_size), tuple(stride), tuple(dilation))
        if result is NotImplemented:
            return NotImplemented
        cols[n] = _checked("im2col", result, (C * kh * kw, out[0] * out[1]), x.dtype,
                           f"the columns of an image of shape {image.shape} for a {kh}x{kw} kernel, "
                           f"stride {tuple(stride)}, dilation {tuple(dilation)}, "
                           "(C*kh*kw, Ho*Wo),").reshape(C * kh * kw, *out)
    return cols


def _image_from_columns(cols, image_size, kernel_size, stride, padding, dilation):
    """(N, C, H, W) from cols (N, C*kh*kw, Ho, Wo) by the overriding col2im, or NotImplemented."""
    N, CK, Ho, Wo = cols.shape
    (kh, kw), (sh, sw), (dh, dw), (H, W) = kernel_size, stride, dilation, image_size
    pt, _pb, pl, _pr = padding
    # the padded frame holds every patch and the whole image (what lands in the padding is dropped)
    Hp = max((Ho - 1) * sh + dh * (kh - 1) + 1, pt + H)
    Wp = max((Wo - 1) * sw + dw * (kw - 1) + 1, pl + W)
    C = CK // (kh * kw)
    image = np.empty((N, C, H, W), dtype=cols.dtype)
    for n in range(N):
        result = _call("col2im", _read_only(cols[n].reshape(CK, Ho * Wo)), (Hp, Wp), (kh, kw), (sh, sw),
                       (dh, dw))
        if result is NotImplemented:
            return NotImplemented
        frame = _checked("col2im", result, (C, Hp, Wp), cols.dtype,
                         f"the image that columns of shape {(CK, Ho * Wo)} sum back to (C, Hp, Wp)")
        image[n] = frame[:, pt:pt + H, pl:pl + W]
    return image


def _by_group(a, groups):
    """(N, G*m, ...) -> (N, G, m, L): the group as its own axis, positions flattened."""
    return a.reshape(a.shape[0], groups, a.shape[1] // groups, -1)


# ---------------------------------------------------------------------------------- kernels
def conv2d(backend, x, weight, params, bias=None):
    """y (N, O, Ho, Wo) by the overriding ``conv2d``, or ours over the overriding ``im2col``'s
    columns; NotImplemented where neither applies."""
    if not _on_cpu(backend):
        return NotImplemented
    N, _, H, W = x.shape
    O, Cg, kh, kw = weight.shape
    pt, pb, pl, pr = params.padding
    out = _out_size((H + pt + pb, W + pl + pr), (kh, kw), params.stride, params.dilation)
    if "conv2d" in active:
        y = _call("conv2d", _read_only(x), _read_only(weight), _read_only(bias), params.stride,
                  params.padding, params.dilation, params.groups)
        if y is not NotImplemented:
            kernel_trace.overridden("forward", "conv2d", x.shape, weight.shape, params)
            return _checked("conv2d", y, (N, O, *out), x.dtype, "the convolution's output (N, O, Ho, Wo)")
    if "im2col" in active:
        cols = _columns(x, (kh, kw), params.stride, params.padding, params.dilation)
        if cols is not NotImplemented:
            kernel_trace.overridden("forward", "im2col", x.shape, weight.shape, params)
            G = params.groups
            y = weight.reshape(G, O // G, Cg * kh * kw) @ _by_group(cols, G)  # (N, G, O/G, Ho*Wo)
            y = y.reshape(N, O, *out)
            return y if bias is None else y + bias.reshape(1, O, 1, 1)
    return NotImplemented


def conv2d_input_grad(backend, grad_output, weight, params, input_size):
    """dx (N, C, H, W) by the overriding ``conv2d_input_grad``, or col2im of our ``W^T dy`` by the
    overriding ``col2im``; NotImplemented where neither applies."""
    if not _on_cpu(backend):
        return NotImplemented
    N, O, Ho, Wo = grad_output.shape
    _, Cg, kh, kw = weight.shape
    G = params.groups
    shape = (N, Cg * G, *input_size)
    if "conv2d_input_grad" in active:
        dx = _call("conv2d_input_grad", _read_only(grad_output), _read_only(weight), tuple(input_size),
                   params.stride, params.padding, params.dilation, G)
        if dx is not NotImplemented:
            kernel_trace.overridden("input grad", "conv2d_input_grad", shape, weight.shape, params)
            return _checked("conv2d_input_grad", dx, shape, grad_output.dtype,
                            "the input gradient (N, C, H, W)")
    if "col2im" in active:
        w_t = weight.reshape(G, O // G, Cg * kh * kw).transpose(0, 2, 1)
        dcols = (w_t @ _by_group(grad_output, G)).reshape(N, G * Cg * kh * kw, Ho, Wo)
        dx = _image_from_columns(dcols, input_size, (kh, kw), params.stride, params.padding,
                                 params.dilation)
        if dx is not NotImplemented:
            kernel_trace.overridden("input grad", "col2im", shape, weight.shape, params)
            return dx
    return NotImplemented


def conv2d_weight_grad(backend, x, grad_output, kernel_size, params):
    """dW by the overriding ``conv2d_weight_grad``, or our ``dy cols^T`` over the overriding
    ``im2col``'s columns; NotImplemented where neither applies."""
    if not _on_cpu(backend):
        return NotImplemented
    N, C = x.shape[:2]
    _, O, Ho, Wo = grad_output.shape
    G, (kh, kw) = params.groups, kernel_size
    shape = (O, C // G, kh, kw)
    if "conv2d_weight_grad" in active:
        dw = _call("conv2d_weight_grad", _read_only(x), _read_only(grad_output), tuple(kernel_size),
                   params.stride, params.padding, params.dilation, G)
        if dw is not NotImplemented:
            kernel_trace.overridden("weight grad", "conv2d_weight_grad", x.shape, shape, params)
            return _checked("conv2d_weight_grad", dw, shape, x.dtype,
                            "the weight gradient (O, C/groups, kh, kw)")
    if "im2col" in active:
        cols = _columns(x, kernel_size, params.stride, params.padding, params.dilation)
        if cols is not NotImplemented:
            kernel_trace.overridden("weight grad", "im2col", x.shape, shape, params)
            cols = cols[:, :, :Ho, :Wo]  # only the positions dy has
            per_image = _by_group(grad_output, G) @ _by_group(cols, G).transpose(0, 1, 3, 2)
            return per_image.sum(axis=0).reshape(shape)
    return NotImplemented


def conv2d_bias_grad(backend, grad_output):
    """db (O,) by the overriding ``conv2d_bias_grad``, or NotImplemented."""
    if "conv2d_bias_grad" not in active or not _on_cpu(backend):
        return NotImplemented
    db = _call("conv2d_bias_grad", _read_only(grad_output))
    if db is NotImplemented:
        return NotImplemented
    return _checked("conv2d_bias_grad", db, (grad_output.shape[1],), grad_output.dtype,
                    "the bias gradient (O,), one number per output channel,")


def unfold(backend, x, kernel_size, params):
    """``F.unfold``'s cols (N, C, kh, kw, Ho, Wo) by the overriding ``im2col``, or NotImplemented."""
    if "im2col" not in active or not _on_cpu(backend):
        return NotImplemented
    cols = _columns(x, kernel_size, params.stride, params.padding, params.dilation)
    if cols is NotImplemented:
        return NotImplemented
    return cols.reshape(x.shape[0], x.shape[1], *kernel_size, *cols.shape[2:])


def fold(backend, cols, image_size, params):
    """``F.fold``'s image from cols (N, C, kh, kw, Ho, Wo) by the overriding ``col2im``, or
    NotImplemented."""
    if "col2im" not in active or not _on_cpu(backend):
        return NotImplemented
    N, C, kh, kw, Ho, Wo = cols.shape
    return _image_from_columns(cols.reshape(N, C * kh * kw, Ho, Wo), image_size, (kh, kw), params.stride,
                               params.padding, params.dilation)


def max_pool2d_backward(backend, x, grad_output, geometry):
    """dx (x's shape) by the overriding ``max_pool2d_backward``, or NotImplemented.

    ``geometry`` holds the pooling's kh, kw, sh, sw, ph, pw, dh, dw, H, W, Ho, Wo.
    """
    if "max_pool2d_backward" not in active or not _on_cpu(backend):
        return NotImplemented
    g = geometry
    floor = _out_size((g.H + 2 * g.ph, g.W + 2 * g.pw), (g.kh, g.kw), (g.sh, g.sw), (g.dh, g.dw))
    dx = _call("max_pool2d_backward", _read_only(x), _read_only(grad_output), (g.kh, g.kw), (g.sh, g.sw),
               (g.ph, g.pw), (g.dh, g.dw), floor != (g.Ho, g.Wo))
    if dx is NotImplemented:
        return NotImplemented
    return _checked("max_pool2d_backward", dx, x.shape, grad_output.dtype,
                    "the gradient with respect to the pooled input (its shape)")


def conv2d_function(input: Any, weight: Any, bias: Any, params) -> Any:  # noqa: A002 - PyTorch's name
    """``F.conv2d``'s output Tensor from the overriding ``conv2d_function``, or NotImplemented."""
    if "conv2d_function" not in active or input.device.type != "cpu":
        return NotImplemented
    out = _call("conv2d_function", input, weight, bias, params.stride, params.padding, params.dilation,
                params.groups)
    if out is NotImplemented:
        return NotImplemented
    N, _, H, W = input.shape
    O, _, kh, kw = weight.shape
    pt, pb, pl, pr = params.padding
    shape = (N, O, *_out_size((H + pt + pb, W + pl + pr), (kh, kw), params.stride, params.dilation))
    if not hasattr(out, "grad_fn") or tuple(out.shape) != shape:
        got = tuple(out.shape) if hasattr(out, "shape") else type(out).__name__
        raise RuntimeError(f"mt.backends.override('conv2d_function'): your function returned {got}; "
                           f"F.conv2d needs a Tensor of shape {shape}")
    kernel_trace.overridden("forward", "conv2d_function", input.shape, weight.shape, params)
    return out
