"""Make every picture of the documentation, with ``minitorch_conv.viz``, into docs/img.

    python docs/make_figures.py              # writes docs/img/*.png
    python docs/make_figures.py OUTDIR       # somewhere else

Each entry of ``FIGURES`` is a function that returns a matplotlib Figure; the numbers in the
pictures are computed by minitorch_conv when this runs. The filters, feature maps and gradient
heatmap come from a small CNN trained here for a few seconds on scikit-learn's 8x8 digits (fixed
seed), so they need scikit-learn. Run it again after a change to the code the pictures show; the
tests check that every picture a page shows is listed here and present in docs/img.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv import nn, viz

IMG = Path(__file__).resolve().parent / "img"


# ------------------------------------------------------------------- the worked example (4x4, 2x2)
def worked_example():
    """x, W, b, dY of docs/conv-backward.md, and what autograd makes of them."""
    x = mt.arange(16.0).reshape(1, 1, 4, 4).requires_grad_()
    w = mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    dy = mt.tensor([[[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, -1.0, 1.0]]]])
    y = F.conv2d(x, w, b)
    y.backward(dy)
    return x, w, b, y, dy


def fig_worked_forward():
    x, w, b, y, _ = worked_example()
    return viz.matrices({"x": x, "W": w, "y = conv2d(x, W) + b": y},
                        title="forward: b = 1, y[0, 0] = 0*1 + 1*2 + 4*3 + 5*4 + 1 = 35")


def fig_worked_backward():
    x, w, _, _, dy = worked_example()
    return viz.matrices({"dY (given)": dy, "dX = col2im(W^T dY)": x.grad, "dW = dY cols^T": w.grad},
                        title="backward: db = dY.sum() = 3")


def fig_col2im_grad():
    _, w, _, _, dy = worked_example()
    dcols = w.detach().reshape(1, 4).T @ dy.reshape(1, 9)  # (kh*kw, L) = (4, 1) @ (1, 9)
    return viz.col2im_accumulation(4, 2, cols=dcols)


# ------------------------------------------------------------------- the autograd graph
def fig_autograd_graph():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    y = (a * b + b.exp()).sum()  # the expression of docs/autograd.md
    return viz.graph(y, names={"a": a, "b": b})


# ------------------------------------------------------------------- an in-place write through a view
def _inplace_view_example(write: bool):
    """docs/views-inplace.md: (a * a).sum() for a = 2x, before and after a[1:].mul_(w)."""
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = mt.tensor([10.0, 100.0], requires_grad=True)
    a = x * 2
    if write:
        a[1:].mul_(w)
        return viz.graph((a * a).sum(), names={"x": x, "w": w})
    return viz.graph((a * a).sum(), names={"x": x})


# ------------------------------------------------------------------- groups
def fig_groups_weight():
    """A grouped convolution's weight as one (O, C*kh*kw) matrix: zero outside the diagonal blocks."""
    O, C, G, k = 4, 4, 2, 1
    weight = np.arange(1.0, O * (C // G) * k * k + 1).reshape(O, C // G, k, k)
    full = np.zeros((O, C * k * k))
    for o in range(O):
        g = o // (O // G)
        full[o, g * (C // G) * k * k:(g + 1) * (C // G) * k * k] = weight[o].reshape(-1)
    return viz.matrices({"weight (4, 2, 1, 1), groups=2": weight.reshape(O, -1),
                         "as one (O, C) matrix": full}, cmap="Blues",
                        title="groups=2: output channels 0-1 read input channels 0-1, 2-3 read 2-3")


# ------------------------------------------------------------------- a small trained CNN
@functools.cache
def trained_cnn():
    """A two-convolution CNN trained for two epochs on the 8x8 digits (a few seconds, seed 0)."""
    from minitorch_conv import Generator
    from minitorch_conv.utils.data import DataLoader
    from minitorch_conv.vision.datasets import load_digits

    mt.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    )
    optimizer = mt.optim.Adam(model.parameters(), lr=1e-2)
    train, test = load_digits(True), load_digits(False)
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=Generator(0))
    for _ in range(2):
        for images, labels in loader:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with mt.no_grad():
        images, labels = test.tensors
        accuracy = (model(images).argmax(1) == labels).float().mean().item()
    print(f"small CNN: test accuracy {accuracy:.3f} after 2 epochs")
    return model, test


def fig_filters():
    model, _ = trained_cnn()
    return viz.filters(model, title="first convolution of a small CNN trained on 8x8 digits: 8 filters")


def fig_feature_maps():
    model, test = trained_cnn()
    image, _label = test[0]
    return viz.feature_maps(model, image, layers=[model[0], model[1], model[3]])


def fig_grad_heatmap():
    model, test = trained_cnn()
    image, label = test[0]
    x = image.unsqueeze(0).requires_grad_()
    model(x)[0, int(label.item())].backward()
    return viz.grad_heatmap(x.grad, title=f"d(score of class {int(label.item())}) / d(input pixels)")


FIGURES = {
    "autograd_graph.png": fig_autograd_graph,
    "inplace_view_before.png": functools.partial(_inplace_view_example, False),
    "inplace_view_after.png": functools.partial(_inplace_view_example, True),
    "im2col.png": functools.partial(viz.im2col_matrix, None, 2),
    "col2im_counts.png": functools.partial(viz.col2im_accumulation, 4, 2),
    "worked_forward.png": fig_worked_forward,
    "worked_backward.png": fig_worked_backward,
    "col2im_grad.png": fig_col2im_grad,
    "im2col_stride_padding.png": functools.partial(viz.im2col_matrix, None, 3, stride=2, padding=1),
    "im2col_dilation.png": functools.partial(viz.im2col_matrix, np.arange(25.0).reshape(5, 5), 2,
                                             dilation=2),
    "col2im_stride2.png": functools.partial(viz.col2im_accumulation, 5, 3, stride=2),
    "groups_weight.png": fig_groups_weight,
    "filters.png": fig_filters,
    "feature_maps.png": fig_feature_maps,
    "grad_heatmap.png": fig_grad_heatmap,
    "data_parallel.png": viz.data_parallel,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else IMG
    out.mkdir(parents=True, exist_ok=True)
    for name, make in FIGURES.items():
        fig = make()
        fig.savefig(out / name, dpi=100, metadata={"Software": None})
        print(f"{name:28} {(out / name).stat().st_size // 1024:4} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
