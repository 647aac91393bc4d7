"""Resizing along one axis at a time: the kernels behind ``F.interpolate``.

Every mode of ``F.interpolate`` is *separable*: resizing (N, C, H, W) to (N, C, Ho, Wo) is a resize of
the H axis followed by a resize of the W axis. Along one axis, each output position ``o`` reads a few
input positions (its *taps*) and sums them with weights::

    out[..., o] = sum_k  weight[o, k] * x[..., index[o, k]]

    nearest        1 tap:  index = floor(o * scale)                      weight 1
    nearest-exact  1 tap:  index = floor((o + 0.5) * scale)              weight 1
    linear         2 taps: the two inputs around the source position s, weights 1 - t and t
    cubic          4 taps: floor(s) - 1 .. floor(s) + 2 (clamped), Keys' cubic weights (A = -0.75)
    area           the inputs of the adaptive-average window, each weight 1 / window size
    antialias      every input under a filter stretched by the scale, the weights normalised

where ``scale = in / out`` (or ``1 / scale_factor`` when one is given), and ``s`` the source position of
output ``o``: ``scale * (o + 0.5) - 0.5`` (pixel centres), or ``o * (in - 1) / (out - 1)`` with
``align_corners=True`` (corner pixels aligned). Each formula is PyTorch's, down to where it computes in
single precision (the nearest modes), so the same inputs are picked.

The map is linear in ``x``, so its gradient is its adjoint: every output gradient goes back to each
tap it read, times the tap's weight. The adjoint adds in a few collision-free layers (no scatter-add,
no atomics), so it is deterministic on every device. :class:`Resample` and :class:`ResampleAdjoint`
are each other's backward, so derivatives of every order work.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .elementwise import quiet
from .pad import _collision_free_layers

# ---------------------------------------------------------------------------- index and weight maps
# Notation, per resized axis:
#   n_in, n_out     input and output sizes
#   scale_factor    the user's factor along this axis, or None (then the sizes decide)
#   index, weight   (n_out, K) arrays: the K taps of every output position


def _scale(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool) -> float:
    """Input positions per output position (PyTorch's ``area_pixel_compute_scale``)."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return 1.0 / scale_factor
    return n_in / n_out


def nearest_taps(n_in: int, n_out: int, scale_factor: float | None, exact: bool = False,
                 shortcuts: bool = False):
    """One tap per output: ``floor(o * scale)`` (``floor((o + 0.5) * scale)`` when ``exact``),
    computed in float32 as PyTorch does, so that the same pixel is picked.

    ``shortcuts``: PyTorch's 2-D kernel copies when the size is unchanged and halves the index when
    it doubles, whatever the scale factor says (its 1-D and 3-D kernels do not).

    >>> nearest_taps(3, 7, None)[0].ravel().tolist()
    [0, 0, 0, 1, 1, 2, 2]
    >>> nearest_taps(3, 7, None, exact=True)[0].ravel().tolist()
    [0, 0, 1, 1, 1, 2, 2]
    """
    out = np.arange(n_out)
    if shortcuts and n_out == n_in and not exact:
        index = out
    elif shortcuts and n_out == 2 * n_in and not exact:
        index = out // 2
    else:
        if scale_factor is not None and scale_factor > 0:
            scale = np.float32(1.0 / scale_factor)
        else:
            scale = np.float32(n_in) / np.float32(n_out)
        position = out.astype(np.float32) + (np.float32(0.5) if exact else np.float32(0))
        index = np.minimum(np.floor(position * scale).astype(np.int64), n_in - 1)
    return index.reshape(n_out, 1), np.ones((n_out, 1))


def linear_taps(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool):
    """Two taps per output: the inputs left and right of its source position, weighted by
    distance (the right one repeats the left at the last input).

    >>> index, weight = linear_taps(2, 4, None, False)
    >>> index.tolist(), weight.tolist()
    ([[0, 1], [0, 1], [0, 1], [1, 1]], [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.75, 0.25]])
    """
    if n_out == n_in:  # PyTorch copies, whatever the scale factor says
        index = np.arange(n_out)
        return np.stack([index, index], 1), np.stack([np.ones(n_out), np.zeros(n_out)], 1)
    scale = _scale(n_in, n_out, scale_factor, align_corners)
    out = np.arange(n_out, dtype=np.float64)
    source = scale * out if align_corners else np.maximum(scale * (out + 0.5) - 0.5, 0.0)
    left = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    t = np.clip(source - left, 0.0, 1.0)
    right = left + (left < n_in - 1)
    return np.stack([left, right], 1), np.stack([1.0 - t, t], 1)


def _cubic_near(x, a):  # |x| <= 1
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic_far(x, a):  # 1 < |x| < 2
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def cubic_taps(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool):
    """Four taps per output, ``floor(s) - 1 .. floor(s) + 2`` clamped to the input, with Keys'
    cubic convolution weights (A = -0.75, as PyTorch's bicubic).

    >>> index, weight = cubic_taps(4, 8, None, False)
    >>> index[0].tolist(), weight[0].round(4).tolist()
    ([0, 0, 0, 1], [-0.0352, 0.2617, 0.8789, -0.1055])
    """
    scale = _scale(n_in, n_out, scale_factor, align_corners)
    out = np.arange(n_out, dtype=np.float64)
    source = scale * out if align_corners else scale * (out + 0.5) - 0.5
    base = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    t = np.clip(source - base, 0.0, 1.0)
    a = -0.75
    weight = np.stack([_cubic_far(t + 1, a), _cubic_near(t, a), _cubic_near(1 - t, a),
                       _cubic_far(2 - t, a)], 1)
    index = np.clip(base[:, None] + np.arange(-1, 3)[None, :], 0, n_in - 1)
    return index, weight


def area_taps(n_in: int, n_out: int):
    """The window of adaptive average pooling, ``floor(o * n_in / n_out)`` to
    ``ceil((o + 1) * n_in / n_out)``, each input weighted ``1 / window``.

    >>> index, weight = area_taps(5, 2)
    >>> index.tolist(), weight.round(4).tolist()
    ([[0, 1, 2], [2, 3, 4]], [[0.3333, 0.3333, 0.3333], [0.3333, 0.3333, 0.3333]])
    """
    starts = [(o * n_in) // n_out for o in range(n_out)]
    ends = [-((-(o + 1) * n_in) // n_out) for o in range(n_out)]
    width = max(e - s for s, e in zip(starts, ends))
    index = np.zeros((n_out, width), dtype=np.int64)
    weight = np.zeros((n_out, width))
    for o, (s, e) in enumerate(zip(starts, ends)):  # a loop over output positions, never pixels
        index[o] = np.minimum(np.arange(s, s + width), e - 1)  # padding taps: weight 0
        weight[o, :e - s] = 1.0 / (e - s)
    return index, weight


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _keys_half(x):  # the cubic filter PyTorch's antialiasing uses (A = -0.5)
    x = np.abs(x)
    return np.where(x < 1.0, _cubic_near(x, -0.5), np.where(x < 2.0, _cubic_far(x, -0.5), 0.0))


def antialias_taps(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool,
                   cubic: bool):
    """Taps of an anti-aliased resize: when shrinking, the filter (triangle, or cubic) is
    stretched by the scale, so every input under it contributes; weights normalised to sum to 1.

    >>> index, weight = antialias_taps(4, 2, None, False, cubic=False)
    >>> index.tolist(), weight.round(4).tolist()
    ([[0, 1, 2], [1, 2, 3]], [[0.4286, 0.4286, 0.1429], [0.1429, 0.4286, 0.4286]])
    """
    scale = _scale(n_in, n_out, scale_factor, align_corners)
    half_width = 2.0 if cubic else 1.0
    support = half_width * scale if scale >= 1.0 else half_width
    inverse = 1.0 / scale if scale >= 1.0 else 1.0
    rows = []
    for o in range(n_out):  # a loop over output positions, never pixels
        centre = scale * (o + 0.5)
        lo = max(int(centre - support + 0.5), 0)
        hi = min(int(centre + support + 0.5), n_in)
        positions = np.arange(lo, hi)
        w = (_keys_half if cubic else _triangle)((positions - centre + 0.5) * inverse)
        total = w.sum()
        rows.append((positions, w / total if total != 0 else w))
    width = max(max(len(p) for p, _ in rows), 1)
    index = np.zeros((n_out, width), dtype=np.int64)
    weight = np.zeros((n_out, width))
    for o, (positions, w) in enumerate(rows):
        last = positions[-1] if len(positions) else 0
        index[o] = np.concatenate([positions, np.full(width - len(positions), last)])
        weight[o, :len(w)] = w
    return index, weight


class AxisPlan:
    """The taps of one resized axis, and the collision-free layers of each tap's index map
    (what the adjoint needs to add without two writes landing on one element).

    >>> plan = AxisPlan(*nearest_taps(2, 4, None), 2)
    >>> plan, plan.layers[0]
    (AxisPlan(2 -> 4, 1 taps), [([0, 2], [0, 1]), ([1, 3], [0, 1])])
    """

    def __init__(self, index, weight, n_in: int, reads=None):
        self.index, self.weight, self.n_in = index, weight, n_in
        # reads: (n_out, K) bool, False at a padding tap (an 'area' window shorter than K), which reads
        # nothing: not even 0 * x, which is NaN where x is inf (None: every tap reads)
        self.reads = reads
        self.layers = []
        for k in range(index.shape[1]):
            layers = _collision_free_layers(index[:, k].tolist())
            if reads is not None:
                layers = [tuple(map(list, zip(*kept))) for kept in
                          ([(o, i) for o, i in zip(*layer) if reads[o, k]] for layer in layers) if kept]
            self.layers.append(layers)

    def __repr__(self) -> str:
        return f"AxisPlan({self.n_in} -> {self.index.shape[0]}, {self.index.shape[1]} taps)"


# ---------------------------------------------------------------------------- arrays
def resample_array(xp, array, axis: int, plan: AxisPlan):
    """``out[..., o] = sum_k weight[o, k] * array[..., index[o, k]]`` along ``axis``.

    >>> resample_array(np, np.array([1.0, 3.0]), 0, AxisPlan(*linear_taps(2, 4, None, False), 2))
    array([1. , 1.5, 2.5, 3. ])
    """
    last = xp.moveaxis(array, axis, -1)
    index, weight = xp.asarray(plan.index), xp.asarray(plan.weight, dtype=array.dtype)
    out = None
    with quiet(xp):  # inf * 0 is NaN without NumPy's warning, as in PyTorch
        for k in range(index.shape[1]):
            term = xp.take(last, index[:, k], axis=-1) * weight[:, k]
            if plan.reads is not None and not plan.reads[:, k].all():
                term = xp.where(xp.asarray(plan.reads[:, k]), term, 0)
            out = term if out is None else out + term
    return xp.ascontiguousarray(xp.moveaxis(out, -1, axis))


def resample_adjoint_array(xp, grad, axis: int, plan: AxisPlan):
    """The adjoint of :func:`resample_array`: each output gradient, times each tap's weight, added
    back onto the input that tap read (layer by layer: no index repeats within one layer).

    >>> plan = AxisPlan(*linear_taps(2, 4, None, False), 2)
    >>> resample_adjoint_array(np, np.ones(4), 0, plan)  # each input's total weight
    array([2., 2.])
    """
    last = xp.moveaxis(grad, axis, -1)
    out = xp.zeros(last.shape[:-1] + (plan.n_in,), dtype=grad.dtype)
    weight = xp.asarray(plan.weight, dtype=grad.dtype)
    with quiet(xp):
        for k, layers in enumerate(plan.layers):  # (a padding tap is in no layer)
            weighted = last * weight[:, k]
            for positions, sources in layers:
                out[..., xp.asarray(sources)] += weighted[..., xp.asarray(positions)]
    return xp.ascontiguousarray(xp.moveaxis(out, -1, axis))


# ---------------------------------------------------------------------------- autograd
class Resample(Function):
    """Resize one axis by its plan; the backward is :class:`ResampleAdjoint`.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([1.0, 3.0], requires_grad=True)
    >>> y = Resample.apply(x, 0, AxisPlan(*linear_taps(2, 4, None, False), 2))
    >>> y.sum().backward()
    >>> y.tolist(), x.grad.tolist()
    ([1.0, 1.5, 2.5, 3.0], [2.0, 2.0])
    """

    @staticmethod
    def forward(ctx, input, axis, plan):  # noqa: A002 - PyTorch's name
        ctx.axis, ctx.plan = axis, plan
        return resample_array(input.xp, input._array, axis, plan)

    @staticmethod
    def backward(ctx, grad_output):
        return ResampleAdjoint.apply(grad_output, ctx.axis, ctx.plan), None, None


class ResampleAdjoint(Function):
    """The adjoint of :class:`Resample` (its input gradient); its backward is :class:`Resample`.

    >>> import minitorch_conv as mt
    >>> plan = AxisPlan(*nearest_taps(2, 4, None), 2)
    >>> ResampleAdjoint.apply(mt.tensor([1.0, 2.0, 3.0, 4.0]), 0, plan)
    tensor([3., 7.])
    """

    @staticmethod
    def forward(ctx, grad_output, axis, plan):
        ctx.axis, ctx.plan = axis, plan
        return resample_adjoint_array(grad_output.xp, grad_output._array, axis, plan)

    @staticmethod
    def backward(ctx, grad_grad):
        return Resample.apply(grad_grad, ctx.axis, ctx.plan), None, None


def resample(input, plans) -> object:  # noqa: A002
    """Resize the trailing ``len(plans)`` axes of ``input``, one after the other (a plan of None
    leaves its axis alone).

    >>> import minitorch_conv as mt
    >>> plans = [None, plan_axis("nearest", 2, 4, None, False, False, 1)]
    >>> resample(mt.tensor([[1.0, 2.0]]), plans)
    tensor([[1., 1., 2., 2.]])
    """
    first = input.dim() - len(plans)
    out = input
    for offset, plan in enumerate(plans):
        if plan is not None:
            out = Resample.apply(out, first + offset, plan)
    return out


def plan_axis(mode: str, n_in: int, n_out: int, scale_factor: float | None,
              align_corners: bool, antialias: bool, spatial_dims: int) -> AxisPlan | None:
    """The taps ``mode`` uses to resize one axis from ``n_in`` to ``n_out`` (None: leave it).

    >>> plan_axis("bilinear", 4, 2, None, False, False, 2).index.tolist()
    [[0, 1], [2, 3]]
    """
    if mode in ("nearest", "nearest-exact"):
        taps = nearest_taps(n_in, n_out, scale_factor, exact=mode == "nearest-exact",
                            shortcuts=spatial_dims == 2)
    elif mode == "area":
        index, weight = area_taps(n_in, n_out)
        return AxisPlan(index, weight, n_in, reads=weight != 0)
    elif antialias:
        if n_in == n_out:  # PyTorch's anti-aliased kernel skips an axis whose size is unchanged
            return None
        taps = antialias_taps(n_in, n_out, scale_factor, align_corners, cubic=mode == "bicubic")
    elif mode == "bicubic":
        taps = cubic_taps(n_in, n_out, scale_factor, align_corners)
    else:
        taps = linear_taps(n_in, n_out, scale_factor, align_corners)
    return AxisPlan(*taps, n_in)


__all__ = ["AxisPlan", "Resample", "ResampleAdjoint", "plan_axis", "resample", "nearest_taps",
           "linear_taps", "cubic_taps", "area_taps", "antialias_taps"]
