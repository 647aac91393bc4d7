"""Pictures drawn by the code: im2col, col2im, the autograd graph, filters, feature maps, gradients.

Every function here computes what it shows with minitorch_conv itself (``F.unfold``, ``F.fold``,
``grad_fn.next_functions``, a model's forward hooks) and draws it with matplotlib. Each returns the
``matplotlib.figure.Figure`` and, given ``path``, also saves it there (PNG, SVG or PDF, from the
suffix). Figures are built without ``pyplot``, so no GUI backend is needed and nothing is kept in a
global figure list.

matplotlib is optional: it is imported only when a function runs (``pip install matplotlib``, or
the ``docs`` / ``examples`` extras).

>>> import minitorch_conv as mt
>>> from minitorch_conv import viz
>>> x = mt.tensor([1.0, 2.0], requires_grad=True)
>>> fig = viz.graph((x * x).sum(), names={"x": x})
>>> len(fig.axes)
1

The figures of the documentation are made by these functions, all at once, with
``python docs/make_figures.py``.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections import deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import nn
from .autograd.engine import AccumulateGrad
from .autograd.grad_mode import no_grad
from .nn import functional as F
from .ops.window import output_length, pair
from .tensor import Tensor

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "col2im_accumulation",
    "data_parallel",
    "feature_maps",
    "filters",
    "grad_heatmap",
    "graph",
    "im2col_matrix",
    "matrices",
]

PathLike = str | os.PathLike

_NODE_COLORS = {"tensor": "#c7e9c0", "function": "#c6dbef", "leaf": "#fdd0a2"}
_PAD_COLOR = "#d9d9d9"
_OUTPUT = "the output tensor"  # the key of y's own box in graph() (tensors make poor dict keys)


# ---------------------------------------------------------------------------------- helpers
def _figure(width: float, height: float) -> Figure:
    """A new Figure that belongs to no pyplot state (rendered with the Agg canvas when saved)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "minitorch_conv.viz draws with matplotlib: pip install matplotlib "
            "(or pip install 'minitorch_conv[docs]')"
        ) from exc
    return Figure(figsize=(width, height), layout="constrained")


def _finish(fig: Figure, path: PathLike | None, dpi: int = 100) -> Figure:
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        # no "Software" stamp: the same figure gives the same file with any matplotlib version
        fig.savefig(path, dpi=dpi, metadata={"Software": None} if str(path).endswith(".png") else None)
    return fig


def _numpy(value: Any) -> np.ndarray:
    """A Tensor (any device, any requires_grad) or array-like as a float64 NumPy array."""
    if isinstance(value, Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _pair(value: int | Sequence[int]) -> tuple[int, int]:
    first, second = pair(value)
    return (int(first), int(second))


def _fmt(value: float) -> str:
    """A number short enough for a grid cell: integers without a point, others with 2 decimals."""
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e5:
        return str(int(value))
    return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.0e}"


def _colors(n: int) -> list:
    """``n`` distinct colours (tab10, then tab20, then a sampled hue circle)."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](k) for k in range(n)]
    if n <= 20:
        return [colormaps["tab20"](k) for k in range(n)]
    return [colormaps["hsv"](k / n) for k in range(n)]


def _grid_axis(ax, rows: int, cols: int) -> None:
    """Square cells with thin grid lines, row 0 at the top, no ticks."""
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)


def _annotate(ax, values: np.ndarray, fontsize: float = 8, colors: np.ndarray | None = None) -> None:
    for (r, c), v in np.ndenumerate(values):
        color = "black" if colors is None else colors[r, c]
        ax.text(c, r, _fmt(v), ha="center", va="center", fontsize=fontsize, color=color)


def _text_colors(values: np.ndarray, cmap, vmin: float, vmax: float) -> np.ndarray:
    """White text on dark cells, black on light ones."""
    span = (vmax - vmin) or 1.0
    rgba = cmap((values - vmin) / span)
    luminance = 0.299 * rgba[..., 0] + 0.587 * rgba[..., 1] + 0.114 * rgba[..., 2]
    return np.where(luminance < 0.5, "white", "black")


def _image_2d(x: Any) -> np.ndarray:
    """A single-channel image as (H, W): from (H, W), (1, H, W) or (1, 1, H, W)."""
    array = _numpy(x)
    while array.ndim > 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise ValueError(
            f"expected one single-channel image of shape (H, W), (1, H, W) or (1, 1, H, W), got "
            f"shape {tuple(_numpy(x).shape)}"
        )
    return array


def _geometry(kernel, stride, padding, dilation) -> str:
    """``kernel 3x3, stride 2, padding 1``: the settings that differ from the defaults."""
    text = f"kernel {kernel[0]}x{kernel[1]}"
    for name, value, neutral in (("stride", stride, (1, 1)), ("padding", padding, (0, 0)),
                                 ("dilation", dilation, (1, 1))):
        if tuple(value) != neutral:
            text += f", {name} {value[0]}" if value[0] == value[1] else f", {name} {tuple(value)}"
    return text


# ---------------------------------------------------------------------------------- im2col
def im2col_matrix(
    x: Any = None,
    kernel_size: int | Sequence[int] = 2,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    path: PathLike | None = None,
) -> Figure:
    """The im2col matrix of a small single-channel image, each patch and its column in one colour.

    Left, one small copy of the (zero-padded) image per output position ``(y, x)``, in the order of
    the columns, with the ``kh*kw`` pixels that patch reads filled in its colour (padding in grey).
    Right, the matrix ``F.unfold`` returns: ``kh*kw`` rows (kernel offset ``(i, j)``, ``j``
    fastest) by ``L = Ho*Wo`` columns, each column tinted with its patch's colour.

    ``x`` is an (H, W) image (or (1, H, W), (1, 1, H, W)); the default is ``arange(16)`` as 4x4.
    Meant for small images: it draws ``Ho*Wo + 1`` axes.

    >>> from minitorch_conv import viz
    >>> fig = viz.im2col_matrix(kernel_size=2)   # 4x4 image, 2x2 kernel: 3x3 patches
    >>> len(fig.axes)
    10
    """
    image = np.arange(16.0).reshape(4, 4) if x is None else _image_2d(x)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = map(_pair, (kernel_size, stride, padding, dilation))
    H, W = image.shape
    cols = _numpy(F.unfold(Tensor(image[None, None]), (kh, kw), dilation=(dh, dw), padding=(ph, pw),
                           stride=(sh, sw)))[0]
    Ho, Wo = output_length(H, kh, sh, ph, ph, dh), output_length(W, kw, sw, pw, pw, dw)
    L, K = Ho * Wo, kh * kw
    Hp, Wp = H + 2 * ph, W + 2 * pw
    padded = np.zeros((Hp, Wp))
    padded[ph:ph + H, pw:pw + W] = image
    colors = _colors(L)

    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle

    geometry = _geometry((kh, kw), (sh, sw), (ph, pw), (dh, dw))
    suptitle = f"{H}x{W} image, {geometry}: each patch becomes one column"
    thumb = 0.26 * max(Hp, Wp) + 0.3
    left_w, left_h = Wo * thumb, Ho * thumb + 0.3
    right_w = 0.45 * L + 1.4
    right_h = 0.38 * K + 1.0
    fig = _figure(max(left_w + right_w, 0.09 * len(suptitle)), max(left_h, right_h) + 0.4)
    outer = fig.add_gridspec(1, 2, width_ratios=[left_w, right_w])
    left = outer[0].subgridspec(Ho, Wo)
    small_font = 7 if max(Hp, Wp) <= 6 else 5.5
    for y in range(Ho):
        for xo in range(Wo):
            col = y * Wo + xo
            ax = fig.add_subplot(left[y, xo])
            _grid_axis(ax, Hp, Wp)
            for r in range(Hp):
                for c in range(Wp):
                    if not (ph <= r < ph + H and pw <= c < pw + W):
                        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color=_PAD_COLOR, zorder=0))
            for i in range(kh):
                for j in range(kw):
                    r, c = y * sh + i * dh, xo * sw + j * dw
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color=colors[col], alpha=0.75,
                                           zorder=1))
            _annotate(ax, padded, fontsize=small_font)
            ax.set_title(f"column {col}", fontsize=8, color=colors[col], pad=2)

    ax = fig.add_subplot(outer[1])
    _grid_axis(ax, K, L)
    for col in range(L):
        ax.add_patch(Rectangle((col - 0.5, -0.5), 1, K, color=to_rgba(colors[col], 0.35), zorder=0))
    _annotate(ax, cols, fontsize=8)
    ax.tick_params(labelbottom=True, labelleft=True, labelsize=7)
    ax.set_xticks(range(L), [str(c) for c in range(L)])
    ax.set_yticks(range(K), [f"({i},{j})" for i in range(kh) for j in range(kw)])
    ax.set_xlabel(f"column y*{Wo} + x = output position (y, x)\n(L = Ho*Wo = {L} columns)", fontsize=8)
    ax.set_ylabel("row = kernel offset (i, j)", fontsize=8)
    ax.set_title(f"im2col: ({K}, {L}) = (kh*kw, Ho*Wo)", fontsize=9)
    fig.suptitle(suptitle, fontsize=10)
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- col2im
def col2im_accumulation(
    image_size: int | Sequence[int] = 4,
    kernel_size: int | Sequence[int] = 2,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    cols: Any = None,
    path: PathLike | None = None,
) -> Figure:
    """How col2im adds the columns back into an image, one kernel offset at a time.

    col2im runs a loop over the ``kh*kw`` kernel offsets ``(i, j)``; offset ``(i, j)`` adds the
    (Ho, Wo) block ``cols[i, j]`` into a strided slice of the padded image. There is one panel per
    offset. Each panel shows the block in the cells it lands on, and the padding in grey (what lands
    there is cropped away). The last panel is the sum, ``F.fold(cols)``.

    With ``cols=None`` every entry is 1, so the sum counts how many patches read each pixel: how
    many times im2col copied it, and how many gradients col2im adds into it. ``cols`` may be any
    array with ``kh*kw*Ho*Wo`` entries, laid out as ``(kh*kw, Ho*Wo)`` (one channel).

    >>> from minitorch_conv import viz
    >>> fig = viz.col2im_accumulation(4, 2)   # 4 offsets + the sum
    >>> len(fig.axes)
    5
    """
    (H, W), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = map(
        _pair, (image_size, kernel_size, stride, padding, dilation))
    Ho, Wo = output_length(H, kh, sh, ph, ph, dh), output_length(W, kw, sw, pw, pw, dw)
    if Ho < 1 or Wo < 1:
        raise ValueError(f"a {kh}x{kw} kernel does not fit a {H}x{W} image with these settings")
    if cols is None:
        blocks = np.ones((kh * kw, Ho * Wo))
    else:
        blocks = _numpy(cols)
        if blocks.size != kh * kw * Ho * Wo:
            raise ValueError(f"cols has {blocks.size} entries; expected kh*kw*Ho*Wo = "
                             f"{kh}*{kw}*{Ho}*{Wo} = {kh * kw * Ho * Wo}")
        blocks = blocks.reshape(kh * kw, Ho * Wo)
    Hp, Wp = H + 2 * ph, W + 2 * pw
    fold = {"kernel_size": (kh, kw), "dilation": (dh, dw), "stride": (sh, sw)}
    total = _numpy(F.fold(Tensor(blocks[None]), (H, W), padding=(ph, pw), **fold))[0, 0]

    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    cmap = colormaps["Blues"] if cols is None else colormaps["RdBu_r"]
    panels = kh * kw + 1
    ncols = min(panels, kw + 1 if kh * kw > 4 else panels)
    nrows = math.ceil(panels / ncols)
    cell = 0.34 if max(Hp, Wp) <= 6 else 0.26
    fig = _figure(ncols * (Wp * cell + 0.3), nrows * (Hp * cell + 0.55) + 0.4)
    gs = fig.add_gridspec(nrows, ncols)
    if cols is None:
        vmin, vmax = 0.0, max(float(total.max()), 1.0)
    else:
        vmax = max(float(np.abs(total).max()), float(np.abs(blocks).max()), 1e-12)
        vmin = -vmax
    for k in range(kh * kw):
        i, j = divmod(k, kw)
        contribution = np.zeros((Hp, Wp))
        mask = np.zeros((Hp, Wp), dtype=bool)
        rows = slice(i * dh, i * dh + sh * (Ho - 1) + 1, sh)
        columns = slice(j * dw, j * dw + sw * (Wo - 1) + 1, sw)
        contribution[rows, columns] = blocks[k].reshape(Ho, Wo)
        mask[rows, columns] = True
        ax = fig.add_subplot(gs[k // ncols, k % ncols])
        _grid_axis(ax, Hp, Wp)
        shown = np.ma.masked_array(contribution, ~mask)
        ax.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax, zorder=1)
        for r in range(Hp):
            for c in range(Wp):
                if not (ph <= r < ph + H and pw <= c < pw + W):
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color=_PAD_COLOR, alpha=0.7, zorder=2))
        text = _text_colors(contribution, cmap, vmin, vmax)
        for (r, c), v in np.ndenumerate(contribution):
            if mask[r, c]:
                ax.text(c, r, _fmt(v), ha="center", va="center", fontsize=7, color=text[r, c], zorder=3)
        ax.set_title(f"offset ({i},{j}): += cols[{i},{j}]", fontsize=8, pad=2)
    ax = fig.add_subplot(gs[(panels - 1) // ncols, (panels - 1) % ncols])
    _grid_axis(ax, H, W)
    ax.imshow(total, cmap=cmap, vmin=vmin, vmax=vmax)
    _annotate(ax, total, fontsize=7, colors=_text_colors(total, cmap, vmin, vmax))
    ax.set_title("sum: patches per pixel" if cols is None else "sum: col2im(cols)", fontsize=8,
                 fontweight="bold", pad=2)
    what = "1 per column entry" if cols is None else "the given columns"
    geometry = _geometry((kh, kw), (sh, sw), (ph, pw), (dh, dw))
    fig.suptitle(f"col2im on a {H}x{W} image, {geometry}: {what}, added offset by offset", fontsize=9)
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- matrices
def matrices(
    arrays: Mapping[str, Any],
    path: PathLike | None = None,
    title: str | None = None,
    cmap: str = "RdBu_r",
) -> Figure:
    """A row of small 2-D arrays, each cell coloured and written out: for worked examples.

    ``arrays`` maps a title to a Tensor or array; leading dimensions of size 1 are dropped (a
    (1, 1, 4, 4) tensor shows as 4x4). Each panel has its own colour scale. With the default
    diverging ``cmap`` white is 0, red positive, blue negative; with any other colormap the lightest
    colour is 0.

    >>> import numpy as np
    >>> from minitorch_conv import viz
    >>> fig = viz.matrices({"x": np.arange(16).reshape(4, 4), "w": np.eye(2)})
    >>> [ax.get_title().splitlines() for ax in fig.axes]
    [['x', '(4, 4)'], ['w', '(2, 2)']]
    """
    from matplotlib import colormaps

    items = [(name, _numpy(value)) for name, value in arrays.items()]
    shown = []
    for name, value in items:
        while value.ndim > 2 and value.shape[0] == 1:
            value = value[0]
        if value.ndim == 1:
            value = value[None]
        if value.ndim != 2:
            raise ValueError(f"{name!r}: expected a 2-D array (after dropping leading 1s), got shape "
                             f"{value.shape}")
        shown.append((name, value))
    if not shown:
        raise ValueError("matrices() needs at least one array")
    cell = 0.42
    widths = [max(v.shape[1] * cell, 0.9, 0.075 * len(name)) for name, v in shown]
    height = max(v.shape[0] for _, v in shown) * cell + 0.9 + (0.3 if title else 0)
    fig = _figure(max(sum(widths) + 0.35 * len(shown), 0.085 * len(title or "")), height)
    gs = fig.add_gridspec(1, len(shown), width_ratios=widths)
    colormap = colormaps[cmap]
    for k, (name, value) in enumerate(shown):
        ax = fig.add_subplot(gs[k])
        _grid_axis(ax, *value.shape)
        if cmap == "RdBu_r":  # diverging: white is 0
            vmax = float(np.abs(value).max()) or 1.0
            vmin = -vmax
        else:  # sequential: the lightest colour is 0 (or the minimum, if negative)
            vmin, vmax = min(float(value.min()), 0.0), float(value.max())
            vmax = vmax if vmax > vmin else vmin + 1.0
        ax.imshow(value, cmap=colormap, vmin=vmin, vmax=vmax)
        _annotate(ax, value, fontsize=8, colors=_text_colors(value, colormap, vmin, vmax))
        ax.set_title(f"{name}\n{tuple(value.shape)}", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- autograd graph
def _node_label(node, names: Mapping[int, str]) -> tuple[str, str]:
    if isinstance(node, AccumulateGrad):
        leaf = node.variable
        shape = tuple(leaf.shape) if leaf is not None else ()
        name = names.get(id(leaf), "leaf") if leaf is not None else "leaf"
        return f"AccumulateGrad\n{name} {shape}", "leaf"
    return node.name(), "function"


def _backward_order(root) -> dict:
    """The order in which ``run_backward`` runs each node (the same Kahn walk with a LIFO stack)."""
    dependencies = {root: 0}
    stack, seen = [root], {root}
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            if edge[0] is None:
                continue
            dependencies[edge[0]] = dependencies.get(edge[0], 0) + 1
            if edge[0] not in seen:
                seen.add(edge[0])
                stack.append(edge[0])
    order, ready = {}, [root]
    while ready:
        node = ready.pop()
        order[node] = len(order) + 1
        for edge in node.next_functions:
            if edge[0] is not None:
                dependencies[edge[0]] -= 1
                if dependencies[edge[0]] == 0:
                    ready.append(edge[0])
    return order


def graph(
    y: Tensor,
    names: Mapping[str, Tensor] | None = None,
    path: PathLike | None = None,
    show_order: bool = True,
) -> Figure:
    """The autograd graph behind ``y``: the nodes ``backward`` visits, drawn from ``grad_fn``.

    The walk starts at ``y.grad_fn`` and follows each node's ``next_functions``. Each arrow is one
    entry ``(next_node, output_nr)`` of that tuple. Arrows point the way the gradient travels: from
    the output down to the leaves, which end in ``AccumulateGrad`` nodes that write ``.grad``. A
    ``None`` entry (an input that needs no gradient) has no arrow. ``names`` labels leaves, e.g.
    ``{"x": x, "w": w}``. With ``show_order``, each node shows its place in the order the engine runs
    the nodes (``#1`` runs first). A node runs only after every arrow into it has delivered its
    gradient.

    Drawn with matplotlib alone (no graphviz): nodes are placed in layers by their longest
    distance from the output, so every arrow points down.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import viz
    >>> a = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> b = mt.tensor([3.0, 4.0], requires_grad=True)
    >>> fig = viz.graph((a * b + b).sum(), names={"a": a, "b": b})
    >>> sum(1 for p in fig.axes[0].patches if type(p).__name__ == "FancyBboxPatch")  # y + 5 nodes
    6
    """
    if not isinstance(y, Tensor):
        raise TypeError(f"graph() expects a Tensor, got {type(y).__name__}")
    root = y.grad_fn
    if root is None:
        if not y.requires_grad:
            raise ValueError("y has no grad_fn and does not require grad: there is no graph to draw "
                             "(was it computed under no_grad, or from tensors that do not require grad?)")
        root = y._grad_accumulator()
    leaf_names = {id(t): n for n, t in (names or {}).items()}

    # nodes in breadth-first discovery order (it keeps the arrows from crossing in simple graphs),
    # edges as (from, to, output_nr), and each node's longest distance from the output
    nodes, edges, seen = [root], [], {root}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for edge in node.next_functions:
            if edge[0] is None:
                continue
            nxt, nr = edge
            edges.append((node, nxt, nr))
            if nxt not in seen:
                seen.add(nxt)
                nodes.append(nxt)
                queue.append(nxt)
    order = _backward_order(root)
    depth = {root: 1}
    for node in sorted(nodes, key=order.__getitem__):  # parents run before children
        for edge in node.next_functions:
            if edge[0] is not None:
                depth[edge[0]] = max(depth.get(edge[0], 0), depth[node] + 1)
    layers: dict[int, list] = {}
    for node in nodes:
        layers.setdefault(depth[node], []).append(node)

    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    labels = {node: _node_label(node, leaf_names) for node in nodes}
    out_name = leaf_names.get(id(y), "output")
    labels[_OUTPUT] = (f"{out_name}\nshape {tuple(y.shape)}, {y.dtype.name}", "tensor")
    char_w, line_h, gap_x, gap_y = 0.085, 0.2, 0.35, 0.75

    def size(key) -> tuple[float, float]:
        text = labels[key][0]
        if show_order and key is not _OUTPUT:
            text += f"  #{order[key]}"
        lines = text.split("\n")
        return max(len(line) for line in lines) * char_w + 0.3, len(lines) * line_h + 0.2

    rows = [[_OUTPUT]] + [layers[d] for d in sorted(layers)]
    widths = [sum(size(n)[0] for n in row) + gap_x * (len(row) - 1) for row in rows]
    heights = [max(size(n)[1] for n in row) for row in rows]
    total_w = max(widths) + 0.4
    total_h = sum(heights) + gap_y * (len(rows) - 1) + 0.4
    fig = _figure(total_w, total_h)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, total_w)
    ax.set_ylim(0, total_h)
    ax.axis("off")

    centre = {}
    top = total_h - 0.2
    for row, width, height in zip(rows, widths, heights):
        x = (total_w - width) / 2
        for key in row:
            w, h = size(key)
            centre[key] = (x + w / 2, top - height / 2, w, h)
            x += w + gap_x
        top -= height + gap_y

    for key, (cx, cy, w, h) in centre.items():
        text, kind = labels[key]
        ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h,
                                    boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor=_NODE_COLORS[kind], edgecolor="0.3", linewidth=0.8))
        if show_order and key is not _OUTPUT:
            text = text.replace("\n", f"  #{order[key]}\n", 1) if "\n" in text else f"{text}  #{order[key]}"
        ax.text(cx, cy, text, ha="center", va="center", fontsize=8.5, family="monospace")

    def arrow(src, dst, label=None):
        sx, sy, _, sh = centre[src]
        dx, dy, _, dh = centre[dst]
        ax.add_patch(FancyArrowPatch((sx, sy - sh / 2), (dx, dy + dh / 2), arrowstyle="-|>",
                                     mutation_scale=10, color="0.25", linewidth=0.9, shrinkA=1, shrinkB=1))
        if label:
            ax.text((sx + dx) / 2 + 0.05, (sy - sh / 2 + dy + dh / 2) / 2, label, fontsize=7, color="0.35")

    arrow(_OUTPUT, root, "grad_fn")
    for src, dst, nr in edges:
        arrow(src, dst, f"out {nr}" if len(dst.output_meta) > 1 else None)
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- filters
def _first_conv_weight(model: Any) -> np.ndarray:
    if isinstance(model, nn.Module):
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                return _numpy(module.weight)
        raise ValueError(f"{type(model).__name__} has no Conv2d layer")
    return _numpy(model)


def filters(
    weight: Any,
    path: PathLike | None = None,
    max_filters: int = 32,
    max_channels: int = 4,
    title: str | None = None,
) -> Figure:
    """A convolution's kernels as small images: one row per filter, one column per input channel.

    ``weight`` is a (O, C, kh, kw) Tensor or array, an ``nn.Conv2d``, or any Module (its first
    convolution is shown). At most ``max_filters`` filters and ``max_channels`` channels are drawn.
    Filters with a single channel are laid out in a square grid instead. One colour scale, centred
    on 0 (red positive, blue negative), is shared by all kernels.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn, viz
    >>> fig = viz.filters(nn.Conv2d(1, 8, 3))
    >>> len(fig.axes)   # 8 kernels in a 3x3 grid (one left empty) + the colour bar
    10
    """
    w = _first_conv_weight(weight)
    if w.ndim != 4:
        raise ValueError(f"expected a 4-D weight (O, C, kh, kw), got shape {w.shape}")
    O, C = min(w.shape[0], max_filters), min(w.shape[1], max_channels)
    w = w[:O, :C]
    if C == 1:
        ncols = math.ceil(math.sqrt(O))
        nrows = math.ceil(O / ncols)
        cells = [((k // ncols, k % ncols), (k, 0), f"{k}") for k in range(nrows * ncols)]
    else:
        nrows, ncols = O, C
        cells = [((o, c), (o, c), f"{o}, ch {c}") for o in range(O) for c in range(C)]
    from matplotlib import colormaps

    kh, kw = w.shape[2:]
    tile = 0.55 if max(kh, kw) <= 5 else 0.9
    suptitle = title or f"filters ({w.shape[0]}, {w.shape[1]}, {kh}, {kw}) shown: {O} x {C}"
    width = max(ncols * tile + 1.0, 2.5)
    suptitle = textwrap.fill(suptitle, width=int(width / 0.075))
    fig = _figure(width, nrows * tile + 0.45 + 0.18 * (suptitle.count("\n") + 1))
    gs = fig.add_gridspec(nrows, ncols + 1, width_ratios=[1] * ncols + [0.15])
    vmax = float(np.abs(w).max()) or 1.0
    image = None
    for (r, c), (o, ch), label in cells:
        ax = fig.add_subplot(gs[r, c])
        ax.set_xticks([])
        ax.set_yticks([])
        if o >= O:
            ax.axis("off")
            continue
        image = ax.imshow(w[o, ch], cmap=colormaps["RdBu_r"], vmin=-vmax, vmax=vmax)
        ax.set_title(label, fontsize=6, pad=1)
    fig.colorbar(image, cax=fig.add_subplot(gs[:, ncols]))
    fig.suptitle(suptitle, fontsize=9)
    return _finish(fig, path)


def feature_maps(
    model: Any,
    x: Any,
    path: PathLike | None = None,
    layers: Sequence[Any] | None = None,
    max_channels: int = 8,
) -> Figure:
    """What a model's layers make of one input: the input, then a row of channels per layer.

    ``model`` is an ``nn.Module`` and ``x`` one input, (C, H, W) or (1, C, H, W). The outputs of
    ``layers`` (default: every ``nn.Conv2d`` and ``nn.ReLU`` in the model, in order) are captured with
    forward hooks during one forward pass under ``no_grad``; the hooks are removed afterwards. The
    first ``max_channels`` channels of each are shown, each on its own colour scale.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn, viz
    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
    >>> fig = viz.feature_maps(model, mt.randn(1, 8, 8))
    >>> sum(ax.get_visible() and ax.axison for ax in fig.axes)   # input + 4 conv + 4 relu
    9
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"feature_maps() expects an nn.Module, got {type(model).__name__}")
    inp = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
    if inp.ndim == 3:
        inp = inp.unsqueeze(0)
    if inp.ndim != 4 or inp.shape[0] != 1:
        raise ValueError(f"expected one input of shape (C, H, W) or (1, C, H, W), got {list(inp.shape)}")
    if layers is None:
        layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ReLU))]
    if not layers:
        raise ValueError("no layers to show: pass layers=[...] (the model has no Conv2d or ReLU)")
    names = {id(m): n or type(model).__name__ for n, m in model.named_modules()}
    captured: list[tuple[str, np.ndarray]] = []
    handles = [layer.register_forward_hook(
        lambda m, _inputs, out: captured.append((names.get(id(m), type(m).__name__), _numpy(out))))
        for layer in layers]
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(inp)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    rows = [("input", _numpy(inp))] + [
        (f"{name}: {type(m).__name__}", out) for (name, out), m in zip(captured, layers)
    ]
    rows = [(name, out) for name, out in rows if out.ndim == 4]
    ncols = max(min(out.shape[1], max_channels) for _, out in rows)
    fig = _figure(ncols * 0.95 + 0.4, len(rows) * 1.05 + 0.4)
    gs = fig.add_gridspec(len(rows), ncols)
    from matplotlib import colormaps

    for r, (name, out) in enumerate(rows):
        for c in range(ncols):
            ax = fig.add_subplot(gs[r, c])
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= min(out.shape[1], max_channels):
                ax.axis("off")
                continue
            ax.imshow(out[0, c], cmap=colormaps["viridis"])
            ax.set_title(f"ch {c}", fontsize=6, pad=1)
            if c == 0:
                ax.set_ylabel(name, fontsize=7)
    fig.suptitle("feature maps of one input", fontsize=9)
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- gradients
def grad_heatmap(
    grad: Any,
    path: PathLike | None = None,
    title: str | None = None,
    annotate: bool | None = None,
    max_channels: int = 8,
) -> Figure:
    """A gradient (or any signed map) as heatmaps, one per channel, red positive and blue negative.

    ``grad`` is a Tensor or array: (H, W), (C, H, W), or (N, C, H, W) (the first sample is shown);
    pass ``x.grad`` after ``backward``. All panels share one colour scale, centred on 0, so the
    channels can be compared. Values are written in the cells when ``annotate`` is True (default:
    when the maps have at most 8x8 pixels).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import viz
    >>> x = mt.randn(1, 3, 5, 5, requires_grad=True)
    >>> (x * x).sum().backward()
    >>> fig = viz.grad_heatmap(x.grad)
    >>> len(fig.axes)   # 3 channels + the colour bar
    4
    """
    g = _numpy(grad)
    if g.ndim == 4:
        g = g[0]
    if g.ndim == 2:
        g = g[None]
    if g.ndim != 3:
        raise ValueError(f"expected (H, W), (C, H, W) or (N, C, H, W), got shape {_numpy(grad).shape}")
    g = g[:max_channels]
    C, H, W = g.shape
    if annotate is None:
        annotate = H * W <= 64
    from matplotlib import colormaps

    cmap = colormaps["RdBu_r"]
    vmax = float(np.abs(g).max()) or 1.0
    tile = max(1.2, 0.36 * W) if annotate else 1.6
    fig = _figure(C * tile + 0.9, tile * H / W + 0.7)
    gs = fig.add_gridspec(1, C + 1, width_ratios=[1] * C + [0.08])
    image = None
    for c in range(C):
        ax = fig.add_subplot(gs[c])
        if annotate:
            _grid_axis(ax, H, W)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        image = ax.imshow(g[c], cmap=cmap, vmin=-vmax, vmax=vmax)
        if annotate:
            _annotate(ax, g[c], fontsize=7, colors=_text_colors(g[c], cmap, -vmax, vmax))
        if C > 1:
            ax.set_title(f"channel {c}", fontsize=8)
    fig.colorbar(image, cax=fig.add_subplot(gs[C]))
    fig.suptitle(title or "gradient", fontsize=9)
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- data parallelism
def data_parallel(
    model: Any = None,
    inputs: Any = None,
    targets: Any = None,
    world_size: int = 3,
    entries: int = 6,
    path: PathLike | None = None,
) -> Figure:
    """Data parallelism on real numbers: each rank's gradient of its share of the batch, the
    all-reduce, and the average every rank ends with.

    The batch is split as ``DistributedSampler(shuffle=False)`` splits it (rank ``r`` takes samples
    ``r, r + world_size, ...``). Each rank, a copy of ``model``, computes the gradient of the mean
    cross-entropy over its share; the all-reduce sums the ranks' gradients and each divides by
    ``world_size``. The result is the gradient of the whole batch computed in one process: the
    figure computes that too and prints the largest difference. Each row of cells shows the first
    ``entries`` numbers of the flattened gradient (``model.parameters()`` in order).

    Without arguments: a ``Linear(4, 3)`` in float64 and 6 samples, all drawn from a fixed seed.
    The number of samples must divide by ``world_size`` (equal shares, as DDP's batches).

    >>> from minitorch_conv import viz
    >>> fig = viz.data_parallel(world_size=2, entries=4)
    >>> fig.axes[0].texts[-1].get_text().startswith("every rank now holds the gradient of the whole batch")
    True
    """
    import copy

    from matplotlib import colormaps
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

    from .backends import float64
    from .utils.data import DistributedSampler

    if model is None:
        rng = np.random.default_rng(0)
        model = nn.Linear(4, 3, dtype=float64)
        model.load_state_dict({"weight": Tensor(rng.standard_normal((3, 4))),
                               "bias": Tensor(rng.standard_normal(3))})
        inputs = Tensor(rng.standard_normal((2 * world_size, 4))) if inputs is None else inputs
        targets = Tensor(rng.integers(0, 3, 2 * world_size)) if targets is None else targets
    n = inputs.shape[0]
    if n % world_size:
        raise ValueError(f"data_parallel: {n} samples do not divide into {world_size} equal shares")

    def gradient(replica, index) -> np.ndarray:
        for p in replica.parameters():
            p.grad = None
        F.cross_entropy(replica(inputs[index]), targets[index]).backward()
        return np.concatenate([_numpy(p.grad).ravel() for p in replica.parameters()])

    shares = [list(DistributedSampler(range(n), num_replicas=world_size, rank=r, shuffle=False))
              for r in range(world_size)]
    local = [gradient(copy.deepcopy(model), Tensor(np.asarray(share)))[:entries] for share in shares]
    averaged = np.sum(local, axis=0) / world_size
    whole = gradient(copy.deepcopy(model), Tensor(np.arange(n)))[:entries]
    difference = float(np.abs(averaged - whole).max())

    cmap = colormaps["RdBu_r"]
    vmax = float(max(np.abs(local).max(), np.abs(averaged).max())) or 1.0
    cell, column = 0.42, max(entries * 0.42 + 0.5, 2.4)
    width, height = world_size * column + 0.4, 4.6
    fig = _figure(width, height)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")

    def cells(values: np.ndarray, x0: float, y: float) -> None:
        colors = _text_colors(values[None], cmap, -vmax, vmax)[0]
        for k, value in enumerate(values):
            ax.add_patch(Rectangle((x0 + k * cell, y - cell / 2), cell, cell, edgecolor="0.5", linewidth=0.6,
                                   facecolor=cmap((value + vmax) / (2 * vmax))))
            ax.text(x0 + (k + 0.5) * cell, y, _fmt(value), ha="center", va="center", fontsize=6.5,
                    color=colors[k])

    def arrow(x: float, y_from: float, y_to: float) -> None:
        ax.add_patch(FancyArrowPatch((x, y_from), (x, y_to), arrowstyle="-|>", mutation_scale=9,
                                     color="0.3", linewidth=0.9))

    bar_top, bar_bottom = 2.45, 1.95
    for r, share in enumerate(shares):
        centre = 0.2 + (r + 0.5) * column
        x0 = centre - entries * cell / 2
        ax.add_patch(FancyBboxPatch((centre - column / 2 + 0.12, 3.85), column - 0.24, 0.55,
                                    boxstyle="round,pad=0.02,rounding_size=0.08", edgecolor="0.3",
                                    facecolor=_NODE_COLORS["leaf"], linewidth=0.8))
        ax.text(centre, 4.125, f"rank {r}: samples {', '.join(map(str, share))}", ha="center", va="center",
                fontsize=8)
        ax.text(centre, 3.55, f"g{r}: the gradient of its share", ha="center", va="center", fontsize=7.5,
                color="0.3")
        cells(local[r], x0, 3.15)
        arrow(centre, 3.15 - cell / 2 - 0.02, bar_top)
        arrow(centre, bar_bottom, 1.45 + cell / 2 + 0.02)
        cells(averaged, x0, 1.45)
        ax.text(centre, 0.95, "the average, on every rank", ha="center", va="center", fontsize=7.5,
                color="0.3")
    ax.add_patch(FancyBboxPatch((0.3, bar_bottom), width - 0.6, bar_top - bar_bottom,
                                boxstyle="round,pad=0.02,rounding_size=0.08", edgecolor="0.3",
                                facecolor=_NODE_COLORS["function"], linewidth=0.8))
    terms = " + ".join(f"g{r}" for r in range(world_size))
    ax.text(width / 2, (bar_top + bar_bottom) / 2,
            f"all-reduce: every rank receives ({terms}) / {world_size}", ha="center", va="center", fontsize=9)
    ax.text(width / 2, 0.4, f"every rank now holds the gradient of the whole batch of {n} samples (one "
            f"process computes the same, largest difference {difference:.0e})", ha="center", va="center",
            fontsize=7.5)
    return _finish(fig, path)
