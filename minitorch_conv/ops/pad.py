"""``pad``: grow (or, with negative amounts, crop) the last dimensions of a tensor, like ``F.pad``.

Four modes, each the NumPy ``np.pad`` mode of the same meaning::

    constant   np.pad(mode='constant')   the border is ``value``        [a b c d] -> 0 0 [a b c d] 0 0
    reflect    np.pad(mode='reflect')    mirror, edge not repeated      [a b c d] -> c b [a b c d] c b
    replicate  np.pad(mode='edge')       repeat the edge value          [a b c d] -> a a [a b c d] d d
    circular   np.pad(mode='wrap')       wrap around                    [a b c d] -> c d [a b c d] a b

``pad`` lists amounts last dimension first: ``(left, right, top, bottom, front, back)``.

Every mode is a linear map of the input, so its derivative is its adjoint:

* constant: crop the border away (the fill value is a constant);
* reflect / replicate / circular: each output element is a *copy* of one input element (a gather),
  so the adjoint adds every output gradient back onto the element it was copied from; the border
  folds back onto the inside. The adds are done in a few collision-free layers (no scatter-add,
  no atomics), so the result is deterministic.

:class:`Pad` and :class:`PadAdjoint` are each other's backward, so derivatives of every order work.
"""

from __future__ import annotations

import operator

from ..autograd.function import Function
from ..tensor import Tensor

MODES = ("constant", "reflect", "replicate", "circular")

_SUPPORTED_COMBINATIONS = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


# ---------------------------------------------------------------------------- index maps
# Notation, per padded dimension:
#   n        input size            (before, after)  the two pad amounts (negative = crop)
#   out      n + before + after    position p in [-before, n + after) of the padded axis
#   source   the input index each output position copies (non-constant modes)


def source_index(mode: str, n: int, before: int, after: int) -> list[int]:
    """For each output position of one padded axis, the input index it copies.

    >>> source_index("reflect", 4, 2, 2)
    [2, 1, 0, 1, 2, 3, 2, 1]
    >>> source_index("replicate", 3, 2, 1)
    [0, 0, 0, 1, 2, 2]
    >>> source_index("circular", 4, 2, 2)
    [2, 3, 0, 1, 2, 3, 0, 1]
    """
    positions = range(-before, n + after)
    if mode == "reflect":
        return [-p if p < 0 else 2 * (n - 1) - p if p >= n else p for p in positions]
    if mode == "replicate":
        return [min(max(p, 0), n - 1) for p in positions]
    # circular: crop the negative amounts first, then wrap around what is left (PyTorch's order)
    crop_before, crop_after = max(-before, 0), max(-after, 0)
    kept = n - crop_before - crop_after
    return [crop_before + q % kept for q in range(-max(before, 0), kept + max(after, 0))]


def _collision_free_layers(index: list[int]):
    """Split a gather's index map into layers in which no source index repeats.

    Layer k holds the k-th occurrence of every source, so ``out[sources] += grad[positions]``
    within one layer never adds twice into one element.
    """
    seen: dict[int, int] = {}
    layers: list[tuple[list[int], list[int]]] = []
    for position, source in enumerate(index):
        k = seen.get(source, 0)
        seen[source] = k + 1
        if k == len(layers):
            layers.append(([], []))
        layers[k][0].append(position)
        layers[k][1].append(source)
    return layers


def _interior_slices(pads, shape):
    """Slices of the input and of the output that hold the same (uncropped) elements."""
    lead = len(shape) - len(pads)
    inner, outer = [slice(None)] * lead, [slice(None)] * lead
    for (before, after), n in zip(pads, shape[lead:]):
        crop_before, crop_after = max(-before, 0), max(-after, 0)
        kept = n - crop_before - crop_after
        inner.append(slice(crop_before, crop_before + kept))
        outer.append(slice(max(before, 0), max(before, 0) + kept))
    return tuple(inner), tuple(outer)


def _padded_shape(pads, shape):
    lead = len(shape) - len(pads)
    return tuple(shape[:lead]) + tuple(n + b + a for (b, a), n in zip(pads, shape[lead:]))


def pad_array(xp, array, pads, mode: str, value=0):
    """``array`` padded by ``pads`` (one ``(before, after)`` per trailing axis, outermost first)."""
    if mode == "constant":
        out = xp.full(_padded_shape(pads, array.shape), value, dtype=array.dtype)
        inner, outer = _interior_slices(pads, array.shape)
        out[outer] = array[inner]
        return out
    lead = array.ndim - len(pads)
    out = array
    for axis, ((before, after), n) in enumerate(zip(pads, array.shape[lead:]), start=lead):
        out = xp.take(out, xp.asarray(source_index(mode, n, before, after)), axis=axis)
    return out


def pad_adjoint_array(xp, grad, pads, mode: str, input_shape):
    """The adjoint of :func:`pad_array`: each output gradient goes back to where it was copied from."""
    if mode == "constant":
        out = xp.zeros(input_shape, dtype=grad.dtype)
        inner, outer = _interior_slices(pads, input_shape)
        out[inner] = grad[outer]
        return out
    lead = len(input_shape) - len(pads)
    for axis, ((before, after), n) in enumerate(zip(pads, input_shape[lead:]), start=lead):
        shape = list(grad.shape)
        shape[axis] = n
        folded = xp.zeros(shape, dtype=grad.dtype)
        folded_last, grad_last = xp.moveaxis(folded, axis, -1), xp.moveaxis(grad, axis, -1)
        for positions, sources in _collision_free_layers(source_index(mode, n, before, after)):
            folded_last[..., xp.asarray(sources)] += grad_last[..., xp.asarray(positions)]
        grad = folded
    return grad


# ---------------------------------------------------------------------------- autograd
class Pad(Function):
    """``pad`` on arrays; its backward is :class:`PadAdjoint` (crop, or fold the border back)."""

    node_name = "ConstantPadNdBackward0"  # PyTorch's node for F.pad (constant mode)

    @staticmethod
    def forward(ctx, input, pads, mode, value):  # noqa: A002 - PyTorch's name
        ctx.input_shape, ctx.pads, ctx.mode = tuple(input.shape), pads, mode
        return pad_array(input.xp, input._array, pads, mode, value)

    @staticmethod
    def backward(ctx, grad_output):
        return PadAdjoint.apply(grad_output, ctx.pads, ctx.mode, ctx.input_shape), None, None, None


class PadAdjoint(Function):
    """The adjoint of :class:`Pad` (its input gradient); its backward is :class:`Pad` with zeros."""

    @staticmethod
    def forward(ctx, grad_output, pads, mode, input_shape):
        ctx.pads, ctx.mode = pads, mode
        return pad_adjoint_array(grad_output.xp, grad_output._array, pads, mode, input_shape)

    @staticmethod
    def backward(ctx, grad_grad):
        return Pad.apply(grad_grad, ctx.pads, ctx.mode, 0), None, None, None


# ---------------------------------------------------------------------------- argument checks
def _int_list(value, fn: str, name: str, position: int) -> list[int]:
    """A tuple/list of ints (bools and floats refused, as PyTorch's argument parser does)."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {position}) must be tuple of ints, not "
            f"{type(value).__name__}"
        )
    out = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not hasattr(item, "__index__"):
            raise TypeError(
                f"{fn}(): argument '{name}' (position {position}) must be tuple of ints, but found "
                f"element of type {type(item).__name__} at pos {i}"
            )
        out.append(operator.index(item))
    return out


def _check_border_modes(input: Tensor, pads, mode: str) -> None:  # noqa: A002
    """PyTorch's limits for reflect / replicate / circular on ``k = len(pads)`` trailing dims."""
    shape, k = list(input.shape), len(pads)
    out_sizes = [n + b + a for (b, a), n in zip(pads, shape[-k:])]
    if mode == "circular":
        for (before, after), n, size in zip(pads, shape[-k:], out_sizes):
            kept = max(n - max(-before, 0) - max(-after, 0), 0)  # what is left after cropping
            if max(before, after) > n or max(before, after) > kept:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if size < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        return
    batched = len(shape) == k + 2
    if any(s == 0 for s in shape[1 if batched else 0:]):
        raise RuntimeError(
            f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {shape}"
        )
    if mode == "reflect":
        for i, ((before, after), n) in enumerate(zip(reversed(pads), reversed(shape[-k:]))):
            if before >= n or after >= n:
                raise RuntimeError(
                    f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({before}, {after}) at dimension "
                    f"{len(shape) - 1 - i} of input {shape}"
                )
    if all(size < 1 for size in out_sizes):
        names = "DHW"[-k:]
        given = ", ".join(f"{name}: {n}" for name, n in zip(names, shape[-k:]))
        got = " ".join(f"{name}: {size}" for name, size in zip(names, out_sizes))
        raise RuntimeError(f"input ({given}) is too small. Calculated output {got}")
    for size in out_sizes:
        if size < 0:
            out_shape = shape[:-k] + out_sizes
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: {out_shape}")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad (or crop, with negative amounts) the last ``len(pad) // 2`` dimensions of ``input``.

    ``pad`` lists amounts last dimension first: ``(left, right)`` pads the last dimension,
    ``(left, right, top, bottom)`` the last two. ``mode`` is ``'constant'`` (fill with ``value``,
    default 0), ``'reflect'``, ``'replicate'`` or ``'circular'`` (NumPy's reflect, edge and wrap).
    The non-constant modes pad 1, 2 or 3 trailing dimensions of a tensor with one or two leading
    (batch, channel) dimensions; reflect needs each amount below the size it pads, circular at most
    that size. Differentiable to any order.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.tensor([[[1.0, 2.0, 3.0]]])
    >>> F.pad(x, (2, 1), mode="reflect")
    tensor([[[3., 2., 1., 2., 3., 2.]]])
    >>> F.pad(x, (1, -1), value=9.0)
    tensor([[[9., 1., 2.]]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    amounts = _int_list(pad, "pad", "pad", 2)
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' (position 3) must be str, not {type(mode).__name__}")
    if mode not in MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not {type(value).__name__}")
    if len(amounts) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(amounts) > 2 * input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(amounts)} and input of dimension {input.ndim}"
        )
    # (before, after) per padded dimension, outermost padded dimension first
    pads = tuple(reversed([(amounts[i], amounts[i + 1]) for i in range(0, len(amounts), 2)]))
    if mode == "constant":
        for (before, after), n in zip(pads, input.shape[input.ndim - len(pads):]):
            if n + min(before, 0) + min(after, 0) < 0:  # cropped past the far end
                raise RuntimeError("narrow(): length must be non-negative.")
        return Pad.apply(input, pads, mode, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pads)
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(amounts)} is not supported for {input.ndim}D input tensor.\n"
            + _SUPPORTED_COMBINATIONS
        )
    _check_border_modes(input, pads, mode)
    return Pad.apply(input, pads, mode, 0)
