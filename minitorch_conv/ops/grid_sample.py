"""Spatial sampling: ``F.affine_grid`` and ``F.grid_sample`` (what spatial transformer networks use).

``affine_grid`` maps every output pixel's normalised position ``(x, y, 1)`` through a batch of 2x3
matrices; ``grid_sample`` reads the input at the positions a grid gives, by interpolation.

Notation (one shape name per axis):

    N batch, C channels, H W the input's height and width, Ho Wo the grid's (the output's), P = Ho*Wo
    input (N, C, H, W); grid (N, Ho, Wo, 2), its last axis (x, y) in [-1, 1] (x along W)
    a *tap* is one input pixel an output position reads: its flat index into H*W, whether it reads
    at all (a tap outside the input reads zeros), its weight w, and the derivatives of w with
    respect to the grid's x and y (wx, wy) and the second derivatives (wxx, wxy, wyy)

    bilinear   4 taps, the pixels around the source position, weights (1 - tx)(1 - ty) ...
    nearest    1 tap, the rounded source position (half to even), weight 1
    bicubic    16 taps, a 4x4 block, Keys' cubic weights (A = -0.75) along each axis

Every output is a sum over taps::

    out[n, c, p] = sum_k  w_k[n, p] * input[n, c, index_k[n, p]]

which makes the three gradients short: the input's is the adjoint (each output gradient added back
onto the pixel each tap read, times its weight); the grid's is the same sum with ``wx`` (``wy``) in
place of ``w``; and the gradients of those gradients (:class:`GridSampler2DBackward`'s backward) use
the second derivatives. Source positions follow PyTorch's CPU kernel step by step: unnormalise
(``(g + 1) * (size - 1) / 2`` with ``align_corners``, else ``(g + 1) * size / 2 - 0.5``), reflect
about the borders, clip to ``[0, size - 1]`` (whose derivative is 0 outside the range and *at* its
ends, as PyTorch's), so values and gradients match PyTorch's.

The input gradient adds many taps into one pixel: it is a scatter-add (``xp.add.at``, atomics on the
GPU), which is why PyTorch's deterministic mode refuses it on CUDA, as here.
"""

from __future__ import annotations

import warnings

from .._arguments import parse_args
from ..autograd.function import Function, once_differentiable
from ..backends import alert_not_deterministic, quiet
from ..tensor import Tensor
from ._util import check_same_device, scalar_type_name

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                  "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                  "documentation of grid_sample for details.")


# ---------------------------------------------------------------------------- affine_grid
def _linspace_from_neg_one(xp, steps: int, align_corners: bool, dtype):
    """PyTorch's ``linspace(-1, 1, steps)`` (computed from both ends, in ``dtype``), shrunk by
    ``(steps - 1) / steps`` without ``align_corners``; a single step is 0."""
    if steps <= 1:
        return xp.zeros(steps, dtype=dtype)
    one = dtype.type(1)
    step = (one + one) / dtype.type(steps - 1)
    index = xp.arange(steps)
    # PyTorch's kernel fuses each multiply-add (one rounding): exact in float64 for a float32 step
    work = xp.float64 if dtype.itemsize < 8 else dtype
    step = xp.asarray(step, dtype=work)
    low = step * index.astype(work) - 1
    high = 1 - step * (steps - 1 - index).astype(work)
    line = xp.where(index < steps // 2, low, high).astype(dtype)
    if not align_corners:
        line = (line * dtype.type(steps - 1)) / dtype.type(steps)
    return line


def _base_grid(xp, H: int, W: int, align_corners: bool, dtype):
    """(H*W, 3): every output pixel's ``(x, y, 1)``, x running along W."""
    xs = _linspace_from_neg_one(xp, W, align_corners, dtype)
    ys = _linspace_from_neg_one(xp, H, align_corners, dtype)
    base = xp.ones((H, W, 3), dtype=dtype)
    base[..., 0] = xs[None, :]
    base[..., 1] = ys[:, None]
    return base.reshape(H * W, 3)


class AffineGridGenerator(Function):
    """grid[n, h, w] = theta[n] @ (x_w, y_h, 1): theta (N, 2, 3) -> grid (N, H, W, 2). Linear in
    theta; its backward, written with tensor operations, is the transposed product with the base
    grid, so gradients of gradients work."""

    @staticmethod
    def forward(ctx, theta, H, W, align_corners):
        xp, arr = theta.xp, theta._array
        base = _base_grid(xp, H, W, align_corners, arr.dtype)
        ctx.base, ctx.shape = base, (H, W)
        N = arr.shape[0]
        # (x * t0 + y * t1) + t2, for each of the two rows of theta
        out = base[None, :, None, 0] * arr[:, None, :, 0] + base[None, :, None, 1] * arr[:, None, :, 1]
        out = out + base[None, :, None, 2] * arr[:, None, :, 2]
        return out.reshape(N, H, W, 2)

    @staticmethod
    def backward(ctx, grad):
        H, W = ctx.shape
        flat = grad.reshape(grad.shape[0], H * W, 2).transpose(1, 2)  # (N, 2, H*W)
        return flat.matmul(grad._new(ctx.base)), None, None, None


@parse_args("Tensor theta, int[] size, bool? align_corners")
def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of 2-D affine maps, PyTorch's ``F.affine_grid``.

    ``theta`` (N, 2, 3) maps output positions to input positions, both normalised to [-1, 1];
    ``size`` is the output's (N, C, H, W); the result (N, H, W, 2) is what :func:`grid_sample`
    takes. ``align_corners`` as in :func:`grid_sample` (None: False, with PyTorch's warning).
    Volumetric (5-D) sizes are not supported.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> identity = mt.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> F.affine_grid(identity, (1, 1, 2, 2), align_corners=False)[0, 0]
    tensor([[-0.5000, -0.5000],
            [ 0.5000, -0.5000]])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
    elif len(size) == 5:
        raise NotImplementedError("affine_grid: 3-D (5-D size) affine grids are not supported by "
                                  "minitorch_conv; use a 4-D size (N, C, H, W)")
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                                  f"transforms, respectively. Got size {size}.")
    if align_corners and min(size[-2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the "
                      "documentation of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, 3] but got: [{theta.shape[0]}, 3].")
    return AffineGridGenerator.apply(theta, size[2], size[3], bool(align_corners))


# ---------------------------------------------------------------------------- source positions
class _Axis:
    """PyTorch's ``ComputeLocation`` for one axis of ``size`` pixels: grid values to source
    positions, and the derivative of that map (0 where clipping or a degenerate reflection cuts)."""

    def __init__(self, size: int, padding: str, align_corners: bool, dtype):
        self.size, self.padding, self.dtype = size, padding, dtype
        if align_corners:
            self.scale = dtype.type(size - 1) / dtype.type(2)
            self.shift = dtype.type(0)
            self.low, self.twice_span, self.empty = dtype.type(0), dtype.type(size - 1) * 2, size <= 1
        else:
            self.scale = dtype.type(size) / dtype.type(2)
            self.shift = dtype.type(0.5)
            self.low, self.twice_span, self.empty = dtype.type(-0.5), dtype.type(size) * 2, size <= 0
        self.max = dtype.type(size - 1)

    def unnormalize(self, g):
        return (g + self.dtype.type(1)) * self.scale - self.shift

    def clip(self, xp, x):
        """To [0, size - 1]; NaN becomes 0 (PyTorch's operand order); and the derivative mask."""
        bounded = xp.minimum(xp.where(x > 0, x, self.dtype.type(0)), self.max)
        inside = (x > 0) & (x < self.max)
        return bounded, inside

    def reflect(self, xp, x):
        """Reflected about ``low`` and ``low + span`` until inside; and the derivative's sign."""
        if self.empty:
            return xp.zeros_like(x), xp.zeros_like(x)
        shifted = x - self.low
        negative = shifted < 0
        magnitude = xp.abs(shifted)
        extra = magnitude - xp.trunc(magnitude / self.twice_span) * self.twice_span
        reflected = self.twice_span - extra
        flip = extra > reflected
        sign = xp.where(flip ^ negative, self.dtype.type(-1), self.dtype.type(1))
        return xp.where(flip, reflected, extra) + self.low, sign

    def pad(self, xp, x):
        """The padding mode on source positions (bilinear, nearest; bicubic's taps): the position,
        and its derivative with respect to the unpadded one."""
        one = xp.ones_like(x)
        if self.padding == "zeros":
            return x, one
        sign = one
        if self.padding == "reflection":
            x, sign = self.reflect(xp, x)
        x, inside = self.clip(xp, x)
        return x, sign * inside

    def inside(self, xp, index):
        return (index > -1) & (index < self.size)


class _Tap:
    """One tap per output position (arrays of shape (N, P)); derivatives None where zero."""

    __slots__ = ("index", "valid", "w", "wx", "wy", "wxx", "wxy", "wyy")

    def __init__(self, index, valid, w, wx=None, wy=None, wxx=None, wxy=None, wyy=None):
        self.index, self.valid, self.w = index, valid, w
        self.wx, self.wy, self.wxx, self.wxy, self.wyy = wx, wy, wxx, wxy, wyy


def _flat(xp, ix, iy, valid, W: int, N: int, HW: int):
    """Row of (N*H*W) channels-last input each tap reads (0 where it reads nothing)."""
    ix = xp.where(valid, ix, 0).astype(xp.int64)
    iy = xp.where(valid, iy, 0).astype(xp.int64)
    return iy * W + ix + (xp.arange(N, dtype=xp.int64) * HW)[:, None]


def _taps(xp, grid, H: int, W: int, mode: str, padding: str, align_corners: bool) -> list[_Tap]:
    """The taps of every output position of ``grid`` (N, Ho, Wo, 2) into an (H, W) input."""
    N, P = grid.shape[0], grid.shape[1] * grid.shape[2]
    dtype = grid.dtype
    gx = grid[..., 0].reshape(N, P)
    gy = grid[..., 1].reshape(N, P)
    ax, ay = _Axis(W, padding, align_corners, dtype), _Axis(H, padding, align_corners, dtype)
    clamp = padding != "zeros"
    if mode == "bicubic":
        return _cubic_taps(xp, gx, gy, ax, ay, N, H, W, clamp)
    x, mx = ax.pad(xp, ax.unnormalize(gx))
    y, my = ay.pad(xp, ay.unnormalize(gy))
    mx, my = mx * ax.scale, my * ay.scale  # d(source position)/d(grid value)
    if mode == "nearest":
        ix, iy = xp.rint(x), xp.rint(y)
        valid = ax.inside(xp, ix) & ay.inside(xp, iy)
        return [_Tap(_flat(xp, ix, iy, valid, W, N, H * W), valid, xp.ones_like(x))]
    x_w, y_n = xp.floor(x), xp.floor(y)
    tx, ty = x - x_w, y - y_n
    e, s = dtype.type(1) - tx, dtype.type(1) - ty
    x_in = [ax.inside(xp, x_w), ax.inside(xp, x_w + 1)]
    y_in = [ay.inside(xp, y_n), ay.inside(xp, y_n + 1)]
    taps = []
    # corner (dy, dx): weight along x is e (dx 0) or tx (dx 1), its x-derivative -1 or +1
    for dy, (wy_, sy) in enumerate(((s, -1), (ty, 1))):
        for dx, (wx_, sx) in enumerate(((e, -1), (tx, 1))):
            valid = x_in[dx] & y_in[dy]
            index = _flat(xp, x_w + dx, y_n + dy, valid, W, N, H * W)
            taps.append(_Tap(index, valid, wy_ * wx_, wx=(sx * wy_) * mx, wy=(sy * wx_) * my,
                             wxy=(sx * sy) * (mx * my)))
    return taps


_A = -0.75  # PyTorch's cubic convolution constant


def _cubic(xp, t, dtype):
    """Keys' four weights at fraction ``t``, with their first and second derivatives in ``t``."""
    a = dtype.type(_A)

    def far(u):  # 1 < |u| < 2
        return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a, (3 * a * u - 10 * a) * u + 8 * a, 6 * a * u - 10 * a

    def near(u):  # |u| <= 1
        return (((a + 2) * u - (a + 3)) * u * u + 1, (3 * (a + 2) * u - 2 * (a + 3)) * u,
                6 * (a + 2) * u - 2 * (a + 3))

    one, two = dtype.type(1), dtype.type(2)
    (c0, d0, s0), (c1, d1, s1) = far(t + one), near(t)
    (c2, d2, s2), (c3, d3, s3) = near(one - t), far(two - t)
    return (c0, c1, c2, c3), (d0, d1, -d2, -d3), (s0, s1, s2, s3)


def _cubic_taps(xp, gx, gy, ax: _Axis, ay: _Axis, N: int, H: int, W: int, clamp: bool) -> list[_Tap]:
    """16 taps: the 4x4 block around ``floor`` of the unnormalised position; each tap's position
    goes through the padding mode on its own (PyTorch's ``get_value_bounded``); the derivatives see
    the unnormalisation only (as PyTorch's)."""
    dtype = gx.dtype
    x, y = ax.unnormalize(gx), ay.unnormalize(gy)
    x0, y0 = xp.floor(x), xp.floor(y)
    cx, dcx, scx = _cubic(xp, x - x0, dtype)
    cy, dcy, scy = _cubic(xp, y - y0, dtype)
    sx, sy = ax.scale, ay.scale
    columns, rows = [], []
    for i in range(4):
        col = xp.trunc(ax.pad(xp, x0 + dtype.type(i - 1))[0])
        row = xp.trunc(ay.pad(xp, y0 + dtype.type(i - 1))[0])
        columns.append((col, ax.inside(xp, col) | clamp))
        rows.append((row, ay.inside(xp, row) | clamp))
    taps = []
    for j in range(4):
        row, row_in = rows[j]
        for i in range(4):
            col, col_in = columns[i]
            valid = col_in & row_in
            taps.append(_Tap(_flat(xp, col, row, valid, W, N, H * W), valid, cx[i] * cy[j],
                             wx=(dcx[i] * cy[j]) * sx, wy=(cx[i] * dcy[j]) * sy,
                             wxx=(scx[i] * cy[j]) * (sx * sx), wxy=(dcx[i] * dcy[j]) * (sx * sy),
                             wyy=(cx[i] * scy[j]) * (sy * sy)))
    return taps


# ---------------------------------------------------------------------------- gathers and scatters
def _channels_last(xp, array):
    """(N, C, H, W) -> (N*H*W, C), the rows :func:`_flat` indexes."""
    N, C, H, W = array.shape
    return xp.ascontiguousarray(xp.moveaxis(array.reshape(N, C, H * W), 1, 2)).reshape(N * H * W, C)


def _read(xp, rows, tap: _Tap):
    """(N, P, C): what the tap reads (0 where it reads nothing)."""
    return xp.where(tap.valid[..., None], rows[tap.index], 0)


def _combine(terms):
    out = None
    for coefficient, values in terms:
        if coefficient is None:
            continue
        term = coefficient[..., None] * values
        out = term if out is None else out + term
    return out


def _to_output(xp, values, shape):
    """(N, P, C) -> (N, C, Ho, Wo)."""
    N, Ho, Wo = shape
    return xp.ascontiguousarray(xp.moveaxis(values, 2, 1)).reshape(N, values.shape[2], Ho, Wo)


def _to_rows(xp, array):
    """(N, C, Ho, Wo) -> (N, P, C)."""
    N, C, Ho, Wo = array.shape
    return xp.moveaxis(array.reshape(N, C, Ho * Wo), 1, 2)


def _scatter(xp, device, parts, shape):
    """Add each (tap, values (N, P, C)) onto the rows the tap reads: (N, C, H, W)."""
    N, C, H, W = shape
    rows = xp.zeros((N * H * W, C), dtype=parts[0][1].dtype if parts else xp.float32)
    index = [tap.index[tap.valid] for tap, _ in parts]
    values = [vals[tap.valid] for tap, vals in parts]
    if parts and sum(int(i.size) for i in index):
        alert_not_deterministic("grid_sampler_2d_backward_cuda", device)
        xp.add.at(rows, xp.concatenate(index), xp.concatenate(values))
    return xp.ascontiguousarray(xp.moveaxis(rows.reshape(N, H * W, C), 2, 1)).reshape(N, C, H, W)


def _plan(xp, input_shape, grid, mode, padding, align_corners):
    return _taps(xp, grid, input_shape[2], input_shape[3], mode, padding, align_corners)


class GridSampler2D(Function):
    """out[n, c, p] = sum over taps of w * input[n, c, tap] (see the notation block above)."""

    @staticmethod
    def forward(ctx, input, grid, mode, padding, align_corners):  # noqa: A002 - PyTorch's name
        xp = input.xp
        ctx.options = (mode, padding, align_corners)
        ctx.save_for_backward(input, grid)
        N, Ho, Wo = grid.shape[:3]
        with quiet(xp):
            taps = _plan(xp, input.shape, grid._array, mode, padding, align_corners)
            rows = _channels_last(xp, input._array)
            out = _combine((tap.w, _read(xp, rows, tap)) for tap in taps)
        return _to_output(xp, out, (N, Ho, Wo))

    @staticmethod
    def backward(ctx, grad_output):
        input, grid = ctx.saved_tensors  # noqa: A001
        grad_input, grad_grid = GridSampler2DBackward.apply(grad_output, input, grid, *ctx.options,
                                                            ctx.needs_input_grad[0])
        return grad_input, grad_grid, None, None, None


class GridSampler2DBackward(Function):
    """The gradients of :class:`GridSampler2D` for its input and grid (the grid's always, as
    PyTorch); its own backward gives the gradients of gradients."""

    @staticmethod
    def forward(ctx, grad_output, input, grid, mode, padding, align_corners, input_needed):  # noqa: A002
        xp = input.xp
        ctx.options, ctx.input_needed = (mode, padding, align_corners), input_needed
        ctx.save_for_backward(grad_output, input, grid)
        with quiet(xp):
            taps = _plan(xp, input.shape, grid._array, mode, padding, align_corners)
            g_rows = _to_rows(xp, grad_output._array)
            if input_needed:
                grad_input = _scatter(xp, input.device, [(t, t.w[..., None] * g_rows) for t in taps],
                                      input.shape)
            else:  # a placeholder: the input needs no gradient (PyTorch skips it too)
                grad_input = xp.zeros(input.shape, dtype=input._array.dtype)
            if mode == "nearest":
                grad_grid = xp.zeros(grid.shape, dtype=grid._array.dtype)
            else:
                rows = _channels_last(xp, input._array)
                values = [_read(xp, rows, t) for t in taps]
                gx = (_combine((t.wx, v) for t, v in zip(taps, values)) * g_rows).sum(-1)
                gy = (_combine((t.wy, v) for t, v in zip(taps, values)) * g_rows).sum(-1)
                grad_grid = xp.stack([gx, gy], -1).reshape(grid.shape)
        return grad_input, grad_grid

    @staticmethod
    @once_differentiable
    def backward(ctx, gg_input, gg_grid):
        """With upstream ``gg_input`` (for grad_input) and ``gg_grid`` = (ggx, ggy): for each tap,
        d/d grad_output = w * gg_input[tap] + (ggx wx + ggy wy) * input[tap];
        d/d input += grad_output * (ggx wx + ggy wy) at the tap;
        d/d grid_x = sum_c grad_output * (wx * gg_input[tap] + (ggx wxx + ggy wxy) * input[tap])."""
        grad_output, input, grid = ctx.saved_tensors  # noqa: A001
        mode, padding, align_corners = ctx.options
        xp = input.xp
        with quiet(xp):
            taps = _plan(xp, input.shape, grid._array, mode, padding, align_corners)
            rows = _channels_last(xp, input._array)
            g_rows = _to_rows(xp, grad_output._array)
            if not ctx.input_needed:  # the grad_input was a placeholder
                gg_input = None
            gg_rows = None if gg_input is None else _channels_last(xp, gg_input._array)
            smooth = mode != "nearest" and gg_grid is not None
            if smooth:
                flat = (grid.shape[0], grid.shape[1] * grid.shape[2])
                ggx = gg_grid._array[..., 0].reshape(flat)
                ggy = gg_grid._array[..., 1].reshape(flat)
            d_go = d_in = d_grid = None
            terms_go, parts_in, terms_x, terms_y = [], [], [], []
            for tap in taps:
                read_gg = None if gg_rows is None else _read(xp, rows=gg_rows, tap=tap)
                if read_gg is not None:
                    terms_go.append((tap.w, read_gg))
                    terms_x.append((tap.wx, read_gg))
                    terms_y.append((tap.wy, read_gg))
                if smooth:
                    moved = ggx * tap.wx + ggy * tap.wy  # d(position weight) along the upstream
                    value = _read(xp, rows, tap)
                    terms_go.append((moved, value))
                    parts_in.append((tap, moved[..., None] * g_rows))
                    terms_x.append((_sum_or_none(ggx, tap.wxx, ggy, tap.wxy), value))
                    terms_y.append((_sum_or_none(ggx, tap.wxy, ggy, tap.wyy), value))
            N, Ho, Wo = grid.shape[:3]
            if ctx.needs_input_grad[0]:
                combined = _combine(terms_go)
                d_go = (xp.zeros(grad_output.shape, dtype=grad_output._array.dtype) if combined is None
                        else _to_output(xp, combined, (N, Ho, Wo)))
            if ctx.needs_input_grad[1] and parts_in:
                d_in = _scatter(xp, input.device, parts_in, input.shape)
            if ctx.needs_input_grad[2]:
                dx, dy = _combine(terms_x), _combine(terms_y)
                dx = xp.zeros_like(g_rows[..., 0]) if dx is None else (dx * g_rows).sum(-1)
                dy = xp.zeros_like(g_rows[..., 0]) if dy is None else (dy * g_rows).sum(-1)
                d_grid = xp.stack([dx, dy], -1).reshape(grid.shape)
        wrap = grad_output._new
        return (None if d_go is None else wrap(d_go), None if d_in is None else wrap(d_in),
                None if d_grid is None else wrap(d_grid), None, None, None, None)


def _sum_or_none(a, wa, b, wb):
    if wa is None and wb is None:
        return None
    if wa is None:
        return b * wb
    if wb is None:
        return a * wa
    return a * wa + b * wb


_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def _check(input: Tensor, grid: Tensor, mode: str) -> None:  # noqa: A002
    """PyTorch's ``check_grid_sampler_common`` and ``check_grid_sampler_2d``, in its order."""
    check_same_device(input, grid)
    if input.dim() == 0 or grid.dim() == 0 or input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input "
                           f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if input.dim() == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    for d in range(2, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but "
                               f"input has sizes {list(input.shape)} with dimension {d} being empty")
    if input.dim() == 5:
        raise NotImplementedError("grid_sample: volumetric (5-D) input is not supported by minitorch_conv")
    if input.dim() != 4 or grid.dim() != 4:
        raise RuntimeError("grid_sampler(): expected 4D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"grid_sampler_2d_cpu_kernel_impl" not implemented for '
                                  f"'{scalar_type_name(input.dtype)}'")
    if grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(input.dtype)} but found "
                           f"{scalar_type_name(grid.dtype)}")


@parse_args("Tensor input, Tensor grid, object mode, object padding_mode, object align_corners")
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",  # noqa: A002 - PyTorch's name
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """``input`` read at the positions ``grid`` gives, by interpolation: PyTorch's
    ``F.grid_sample`` for 4-D input.

    input (N, C, H, W), grid (N, Ho, Wo, 2) -> (N, C, Ho, Wo). ``grid[n, h, w]`` is the (x, y)
    position, normalised so that -1 and 1 are the input's edges (its corner pixels' centres with
    ``align_corners=True``). ``mode``: 'bilinear', 'nearest' or 'bicubic'; ``padding_mode``: what
    positions outside read, 'zeros', 'border' (the nearest edge pixel) or 'reflection'.
    ``align_corners=None`` acts as False, with PyTorch's warning. Differentiable in input and grid,
    twice.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> image = mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> centre_and_corner = mt.tensor([[[[0.0, 0.0], [-1.0, -1.0]]]])
    >>> F.grid_sample(image, centre_and_corner, align_corners=True)
    tensor([[[[2.5000, 1.0000]]]])
    """
    if mode not in _MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
                         f"'bicubic', but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    elif align_corners.__class__ is not bool:
        raise TypeError("grid_sampler(): argument 'align_corners' (position 5) must be bool, not "
                        f"{type(align_corners).__name__}")
    _check(input, grid, mode)
    return GridSampler2D.apply(input, grid, mode, padding_mode, align_corners)
