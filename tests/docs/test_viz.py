"""minitorch_conv.viz: each function draws what the code computes, on tiny inputs (Agg, no display)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import minitorch_conv as mt  # noqa: E402
from minitorch_conv import nn, viz  # noqa: E402
from minitorch_conv.autograd.engine import AccumulateGrad  # noqa: E402


def _boxes(fig):
    return [p for p in fig.axes[0].patches if type(p).__name__ == "FancyBboxPatch"]


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_viz_does_not_import_matplotlib_until_used():
    import subprocess
    import sys

    code = "import sys, minitorch_conv.viz; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_im2col_matrix_draws_one_thumbnail_per_patch_and_the_unfold_matrix():
    x = np.arange(16.0).reshape(4, 4)
    fig = viz.im2col_matrix(x, kernel_size=2)
    assert len(fig.axes) == 9 + 1
    matrix = fig.axes[-1]
    values = mt.nn.functional.unfold(mt.tensor(x[None, None]), 2)[0].numpy()  # (4, 9)
    assert _texts(matrix) == [f"{int(v)}" for v in values.ravel()]
    # the first patch colours pixels 0, 1, 4, 5: 4 coloured cells (no padding cells)
    assert len(fig.axes[0].patches) == 4


def test_im2col_matrix_with_stride_padding_dilation():
    fig = viz.im2col_matrix(np.ones((5, 5)), kernel_size=3, stride=2, padding=1)  # Ho = Wo = 3
    assert len(fig.axes) == 9 + 1
    pad_cells = 7 * 7 - 5 * 5
    assert len(fig.axes[0].patches) == pad_cells + 9  # grey padding + the 3x3 patch
    fig = viz.im2col_matrix(np.ones((5, 5)), kernel_size=2, dilation=2)  # Ho = Wo = 3
    assert len(fig.axes) == 10
    with pytest.raises(ValueError, match="single-channel"):
        viz.im2col_matrix(np.ones((2, 4, 4)))


def test_col2im_accumulation_counts_and_sums_like_fold():
    fig = viz.col2im_accumulation(4, 2)
    assert len(fig.axes) == 4 + 1
    assert _texts(fig.axes[-1]) == ["1", "2", "2", "1", "2", "4", "4", "2",
                                    "2", "4", "4", "2", "1", "2", "2", "1"]
    cols = np.arange(36.0).reshape(4, 9)
    fig = viz.col2im_accumulation(4, 2, cols=cols)
    folded = mt.nn.functional.fold(mt.tensor(cols[None]), (4, 4), 2)[0, 0].numpy()
    assert _texts(fig.axes[-1]) == [f"{int(v)}" if v else "0" for v in folded.ravel()]
    with pytest.raises(ValueError, match="expected kh\\*kw\\*Ho\\*Wo"):
        viz.col2im_accumulation(4, 2, cols=np.ones(5))


def test_col2im_accumulation_stride_and_padding():
    fig = viz.col2im_accumulation(5, 3, stride=2, padding=1)
    assert len(fig.axes) == 9 + 1
    x = mt.ones(1, 1, 5, 5, requires_grad=True)
    mt.nn.functional.conv2d(x, mt.ones(1, 1, 3, 3), stride=2, padding=1).sum().backward()
    assert _texts(fig.axes[-1]) == [str(int(v)) for v in x.grad.numpy().ravel()]


def test_matrices_one_panel_per_array():
    fig = viz.matrices({"x": mt.arange(6.0).reshape(1, 1, 2, 3), "v": [1.0, -2.0]}, title="t")
    assert [ax.get_title() for ax in fig.axes] == ["x\n(2, 3)", "v\n(1, 2)"]
    assert _texts(fig.axes[1]) == ["1", "-2"]
    with pytest.raises(ValueError, match="2-D"):
        viz.matrices({"bad": np.ones((2, 2, 2))})


def test_graph_draws_every_node_the_engine_visits():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    y = (a * b + b.exp()).sum()
    fig = viz.graph(y, names={"a": a, "b": b})
    # the output box + Sum, Add, Mul, Exp + one AccumulateGrad per leaf
    assert len(_boxes(fig)) == 1 + 4 + 2
    arrows = [p for p in fig.axes[0].patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == 1 + 6  # y -> grad_fn; Sum->Add, Add->Mul, Add->Exp, Mul->a, Mul->b, Exp->b
    labels = "\n".join(_texts(fig.axes[0]))
    for name in ("SumBackward0  #1", "AddBackward0  #2", "MulBackward0", "ExpBackward0", "a (2,)", "b (2,)"):
        assert name in labels


def test_graph_order_matches_the_engine():
    x = mt.tensor([0.5, 1.5], requires_grad=True)
    y = (x.exp() * x).sum()
    order = viz._backward_order(y.grad_fn)
    assert order[y.grad_fn] == 1
    assert order[x._grad_accumulator()] == len(order)  # the leaf runs last
    assert all(isinstance(n, AccumulateGrad) or n.name().endswith("Backward0") for n in order)


def test_graph_of_a_leaf_and_of_no_graph():
    leaf = mt.ones(3, requires_grad=True)
    assert len(_boxes(viz.graph(leaf))) == 2
    with pytest.raises(ValueError, match="no graph"):
        viz.graph(mt.ones(3))
    with pytest.raises(TypeError):
        viz.graph(np.ones(3))


def test_filters_from_a_module_a_tensor_and_a_model():
    fig = viz.filters(nn.Conv2d(1, 8, 3))
    assert len(fig.axes) == 9 + 1  # 3x3 grid (one cell empty) + colour bar
    assert sum(len(ax.images) for ax in fig.axes[:-1]) == 8
    fig = viz.filters(mt.randn(4, 3, 2, 2))
    assert len(fig.axes) == 4 * 3 + 1
    model = nn.Sequential(nn.Linear(2, 2), nn.Conv2d(2, 5, 3))
    assert sum(len(ax.images) for ax in viz.filters(model, max_channels=1).axes[:-1]) == 5
    with pytest.raises(ValueError, match="no Conv2d"):
        viz.filters(nn.Sequential(nn.Linear(2, 2)))


def test_feature_maps_uses_hooks_and_removes_them():
    conv = nn.Conv2d(1, 3, 3, padding=1)
    model = nn.Sequential(conv, nn.ReLU(), nn.Conv2d(3, 2, 3))
    model.train()
    fig = viz.feature_maps(model, mt.randn(1, 6, 6))
    shown = [ax for ax in fig.axes if ax.axison]
    assert len(shown) == 1 + 3 + 3 + 2
    assert not conv._forward_hooks and model.training  # hooks removed, mode restored
    fig = viz.feature_maps(model, mt.randn(1, 1, 6, 6), layers=[model[2]], max_channels=1)
    assert sum(ax.axison for ax in fig.axes) == 2
    with pytest.raises(ValueError, match="one input"):
        viz.feature_maps(model, mt.randn(2, 1, 6, 6))


def test_grad_heatmap_one_panel_per_channel_and_annotations():
    x = mt.randn(2, 3, 4, 4, requires_grad=True)
    (x * x).sum().backward()
    fig = viz.grad_heatmap(x.grad)
    assert len(fig.axes) == 3 + 1
    assert len(fig.axes[0].texts) == 16  # 4x4 values written out
    big = viz.grad_heatmap(np.ones((20, 20)))
    assert len(big.axes) == 2 and not big.axes[0].texts
    with pytest.raises(ValueError):
        viz.grad_heatmap(np.ones(5))


def test_path_saves_the_figure(tmp_path):
    target = tmp_path / "sub" / "fig.png"
    fig = viz.col2im_accumulation(3, 2, path=target)
    assert target.read_bytes().startswith(b"\x89PNG") and fig is not None


def test_docstring_examples():
    result = doctest.testmod(viz, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0
