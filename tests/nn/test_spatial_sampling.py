"""Spatial sampling and unpooling: F.affine_grid, F.grid_sample, F.max_unpool1d/2d,
F.max_pool2d_with_indices, nn.MaxUnpool1d/2d, nn.Unfold, nn.Fold.

Values and gradients (first and second order) are compared with PyTorch where it is installed;
float64 gradients are checked numerically everywhere."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.nn as nn
import minitorch_conv.nn.functional as F

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _np(t):
    return None if t is None else t.detach().numpy()


def _sampling_case(rng, dtype, size=(4, 5)):
    x = rng.standard_normal((2, 3) + size).astype(dtype)
    grid = rng.uniform(-2.5, 2.5, (2, 3, 4, 2)).astype(dtype)  # well outside [-1, 1] too
    return x, grid


# ---------------------------------------------------------------------------- grid_sample vs PyTorch
@pytest.mark.parametrize("mode,padding_mode,align_corners",
                         list(itertools.product(MODES, PADDINGS, (False, True))))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grid_sample_matches_pytorch_with_double_backward(mode, padding_mode, align_corners, dtype):
    torch = pytest.importorskip("torch")
    tol = 1e-12 if dtype == np.float64 else 5e-5
    rng = np.random.default_rng(len(mode) * 7 + len(padding_mode) + align_corners)
    for size in ((4, 5), (1, 3), (3, 1)):
        x, grid = _sampling_case(rng, dtype, size)
        go = rng.standard_normal((2, 3, 3, 4)).astype(dtype)
        wx, wg = rng.standard_normal(x.shape).astype(dtype), rng.standard_normal(grid.shape).astype(dtype)
        kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)

        tx, tg, tgo = (torch.tensor(a, requires_grad=True) for a in (x, grid, go))
        ty = torch.nn.functional.grid_sample(tx, tg, **kw)
        tdx, tdg = torch.autograd.grad(ty, (tx, tg), tgo, create_graph=True)
        second = (tdx * torch.tensor(wx)).sum() + (tdg * torch.tensor(wg)).sum()
        want2 = torch.autograd.grad(second, (tx, tg, tgo), allow_unused=True)

        mx, mg, mgo = (mt.tensor(a, requires_grad=True) for a in (x, grid, go))
        my = F.grid_sample(mx, mg, **kw)
        assert my.dtype == mx.dtype and my.grad_fn.name() == "GridSampler2DBackward0"
        mdx, mdg = mt.autograd.grad(my, (mx, mg), mgo, create_graph=True)
        second = (mdx * mt.tensor(wx)).sum() + (mdg * mt.tensor(wg)).sum()
        got2 = mt.autograd.grad(second, (mx, mg, mgo), allow_unused=True)

        shapes = [my.shape, x.shape, grid.shape, x.shape, grid.shape, go.shape]
        for ours, theirs, shape in zip((my, mdx, mdg, *got2), (ty, tdx, tdg, *want2), shapes):
            want = np.zeros(shape) if theirs is None else _np(theirs)
            got = np.zeros(shape) if ours is None else _np(ours)
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_grid_sample_exact_points_and_nearest_rounding():
    torch = pytest.importorskip("torch")
    x = np.arange(20.0).reshape(1, 1, 4, 5)
    # grid values on pixel centres, on borders, half-way points (nearest rounds half to even)
    values = np.array([-1.0, -0.75, -0.5, -0.25, 0.0, 0.2, 0.5, 0.8, 1.0, 1.2, 3.0, -3.0, np.nan])
    gx, gy = np.meshgrid(values, values[::-1])
    grid = np.stack([gx, gy], -1)[None]
    for mode, padding_mode, align_corners in itertools.product(MODES, PADDINGS, (False, True)):
        kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        want = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid), **kw).numpy()
        got = F.grid_sample(mt.tensor(x), mt.tensor(grid), **kw).numpy()
        finite = ~np.isnan(grid).any(-1)[None]  # NaN positions: compared only where PyTorch is defined
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-12, err_msg=str(kw))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", (False, True))
def test_grid_sample_gradcheck(mode, padding_mode, align_corners):
    rng = np.random.default_rng(3)
    x = mt.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    # away from pixel boundaries, where the map is smooth in the grid
    grid_values = rng.uniform(-1.3, 1.3, (1, 2, 3, 2))
    grid = mt.tensor(grid_values, requires_grad=mode != "nearest")

    def fn(a, g):
        return F.grid_sample(a, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners)

    assert mt.autograd.gradcheck(fn, (x, grid))
    assert mt.autograd.gradgradcheck(fn, (x, grid))


def test_grid_sample_triple_backward_raises():
    x = mt.randn(1, 1, 3, 3, dtype=mt.float64, requires_grad=True)
    g = mt.zeros(1, 2, 2, 2, dtype=mt.float64, requires_grad=True)
    y = F.grid_sample(x, g, align_corners=False)
    upstream = mt.ones(1, 1, 2, 2, dtype=mt.float64, requires_grad=True)
    dx, dg = mt.autograd.grad(y, (x, g), upstream, create_graph=True)
    ddx = mt.autograd.grad(dg, x, mt.ones_like(dg).requires_grad_(), create_graph=True)[0]
    with pytest.raises(RuntimeError, match="differentiate twice"):
        ddx.sum().backward()


def test_grid_sample_input_without_grad_and_empty_shapes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, grid = _sampling_case(rng, np.float64)
    g = mt.tensor(grid, requires_grad=True)
    F.grid_sample(mt.tensor(x), g, align_corners=True).sum().backward()
    tg = torch.tensor(grid, requires_grad=True)
    torch.nn.functional.grid_sample(torch.tensor(x), tg, align_corners=True).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), tg.grad.numpy(), rtol=1e-12, atol=1e-12)
    empty_batch = F.grid_sample(mt.zeros(0, 2, 3, 3), mt.zeros(0, 2, 2, 2), align_corners=False)
    empty_grid = F.grid_sample(mt.zeros(1, 2, 3, 3), mt.zeros(1, 0, 2, 2), align_corners=False)
    assert empty_batch.shape == (0, 2, 2, 2) and empty_grid.shape == (1, 2, 0, 2)


def test_grid_sample_argument_errors_and_warning():
    x, g = mt.zeros(1, 2, 4, 4), mt.zeros(1, 3, 3, 2)
    with pytest.raises(ValueError, match="expected mode"):
        F.grid_sample(x, g, mode="area")
    with pytest.raises(ValueError, match="expected padding_mode"):
        F.grid_sample(x, g, padding_mode="circular")
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(x, mt.zeros(2, 3, 3, 2), align_corners=False)
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        F.grid_sample(x, mt.zeros(1, 3, 3, 3), align_corners=False)
    with pytest.raises(RuntimeError, match="non-empty spatial dimensions"):
        F.grid_sample(mt.zeros(1, 2, 0, 4), g, align_corners=False)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        F.grid_sample(x, g.double(), align_corners=False)
    with pytest.raises(NotImplementedError):
        F.grid_sample(x.long(), g.long(), align_corners=False)
    with pytest.raises(TypeError, match="align_corners"):
        F.grid_sample(x, g, align_corners=1)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, g)


# ---------------------------------------------------------------------------- affine_grid
@pytest.mark.parametrize("align_corners", (False, True))
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 7, 3), (2, 1, 1, 4), (2, 1, 3, 1)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_grid_matches_pytorch(align_corners, size, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    theta = rng.standard_normal((2, 2, 3)).astype(dtype)
    upstream = rng.standard_normal((2,) + size[2:] + (2,)).astype(dtype)
    tt = torch.tensor(theta, requires_grad=True)
    mtt = mt.tensor(theta, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.nn.functional.affine_grid(tt, size, align_corners=align_corners)
        got = F.affine_grid(mtt, size, align_corners=align_corners)
    assert got.dtype == mtt.dtype and got.grad_fn.name() == "AffineGridGeneratorBackward0"
    tol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=tol, atol=tol)
    want.backward(torch.tensor(upstream))
    got.backward(mt.tensor(upstream))
    np.testing.assert_allclose(mtt.grad.numpy(), tt.grad.numpy(), rtol=tol * 10, atol=tol * 10)


def test_affine_grid_identity_base_grid_and_gradcheck():
    torch = pytest.importorskip("torch")
    identity = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=np.float32)
    for steps in (2, 3, 7, 10, 33):  # PyTorch's float32 linspace, bit for bit
        for align_corners in (False, True):
            want = torch.nn.functional.affine_grid(torch.tensor(identity), (1, 1, steps, steps + 1),
                                                   align_corners=align_corners).numpy()
            got = F.affine_grid(mt.tensor(identity), (1, 1, steps, steps + 1),
                                align_corners=align_corners).numpy()
            np.testing.assert_array_equal(got, want)
    theta = mt.tensor(np.random.default_rng(0).standard_normal((2, 2, 3)), requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False), (theta,))
    assert mt.autograd.gradgradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=True), (theta,))


def test_spatial_transformer_pipeline_gradcheck():
    """affine_grid into grid_sample, differentiated in theta and in the image (what an STN does)."""
    rng = np.random.default_rng(2)
    near_identity = np.array([[[0.9, 0.1, 0.05], [-0.2, 1.1, 0.1]]])
    theta = mt.tensor(near_identity + 0.01 * rng.standard_normal((1, 2, 3)), requires_grad=True)
    image = mt.tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)

    def stn(t, x):
        return F.grid_sample(x, F.affine_grid(t, (1, 2, 4, 4), align_corners=False), align_corners=False)

    assert mt.autograd.gradcheck(stn, (theta, image))


def test_affine_grid_errors_and_warnings():
    theta = mt.zeros(1, 2, 3)
    with pytest.raises(ValueError, match="floating point"):
        F.affine_grid(theta.long(), (1, 1, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(mt.zeros(1, 3, 3), (1, 1, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="non-zero, positive"):
        F.affine_grid(theta, (1, 0, 2, 2), align_corners=False)
    with pytest.raises(NotImplementedError, match="4D and 5D"):
        F.affine_grid(theta, (1, 2, 2), align_corners=False)
    with pytest.raises(RuntimeError):
        F.affine_grid(mt.zeros(2, 2, 3), (1, 1, 2, 2), align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(theta, (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="unit-size grids"):
        F.affine_grid(theta, (1, 1, 1, 2), align_corners=True)


# ---------------------------------------------------------------------------- unpooling
def test_max_unpool2d_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 7, 6))
    cases = [(2, None, 0, None), (3, 2, 1, (7, 6)), ((2, 3), (2, 1), 0, None), (2, None, 0, (7, 6)),
             (2, None, 0, [2, 3, 7, 7])]
    for kernel, stride, padding, output_size in cases:
        pooled, indices = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding,
                                                         return_indices=True)
        tp = pooled.clone().requires_grad_()
        want = torch.nn.functional.max_unpool2d(tp, indices, kernel, stride, padding, output_size)
        upstream = rng.standard_normal(tuple(want.shape))
        want.backward(torch.tensor(upstream))
        mp = mt.tensor(pooled.numpy(), requires_grad=True)
        got = F.max_unpool2d(mp, mt.tensor(indices.numpy()), kernel, stride, padding, output_size)
        assert got.grad_fn.name() == "MaxUnpool2DBackward0"
        got.backward(mt.tensor(upstream))
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        np.testing.assert_array_equal(mp.grad.numpy(), tp.grad.numpy())
        # unbatched
        got3 = F.max_unpool2d(mp[0], mt.tensor(indices.numpy()[0]), kernel, stride, padding, output_size)
        np.testing.assert_array_equal(got3.detach().numpy(), want.detach().numpy()[0])


def test_max_unpool1d_and_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 9))
    pooled, indices = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, 1, return_indices=True)
    want = torch.nn.MaxUnpool1d(3, 2, 1)(pooled, indices, output_size=(10,))
    got = nn.MaxUnpool1d(3, 2, 1)(mt.tensor(pooled.numpy()), mt.tensor(indices.numpy()), output_size=(10,))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert repr(nn.MaxUnpool1d(3, 2, 1)) == repr(torch.nn.MaxUnpool1d(3, 2, 1))
    assert repr(nn.MaxUnpool2d((2, 3), stride=1)) == repr(torch.nn.MaxUnpool2d((2, 3), stride=1))
    # a pooling autoencoder's round trip through the modules
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    image = mt.tensor(rng.standard_normal((1, 2, 4, 6)), requires_grad=True)
    restored = unpool(*pool(image), output_size=image.size())
    tpool, tunpool = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
    np.testing.assert_array_equal(restored.detach().numpy(),
                                  tunpool(*tpool(torch.tensor(image.detach().numpy()))).numpy())


def test_max_unpool_gradcheck_and_errors():
    rng = np.random.default_rng(7)
    x = mt.tensor(rng.standard_normal((1, 2, 4, 4)))
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    p = pooled.detach().requires_grad_()
    assert mt.autograd.gradcheck(lambda a: F.max_unpool2d(a, indices, 2), (p,))
    assert mt.autograd.gradgradcheck(lambda a: F.max_unpool2d(a, indices, 2), (p,))
    p1, i1 = F.max_pool1d(x[0], 2, return_indices=True)
    p1 = p1.detach().requires_grad_()
    assert mt.autograd.gradcheck(lambda a: F.max_unpool1d(a, i1, 2), (p1,))
    with pytest.raises(RuntimeError, match="int64"):
        F.max_unpool2d(p, indices.int(), 2)
    with pytest.raises(RuntimeError, match="Found an invalid max index: 2[0-9] "):
        F.max_unpool2d(p, indices + 20, 2)
    with pytest.raises(RuntimeError, match="shape of indices"):
        F.max_unpool2d(p, indices[..., :1], 2)
    with pytest.raises(RuntimeError, match="3d or 4d"):
        F.max_unpool2d(p[0, 0], indices[0, 0], 2)
    with pytest.raises(ValueError, match="dim 0 must be between 2 and 6"):
        F.max_unpool2d(p, indices, 2, output_size=(7, 4))
    with pytest.raises(ValueError, match="2 or 4 elements"):
        F.max_unpool2d(p, indices, 2, output_size=(4,))


def test_max_pool2d_with_indices_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(8).standard_normal((2, 3, 7, 6))
    mx = mt.tensor(x, requires_grad=True)
    values, indices = F.max_pool2d_with_indices(mx, 3, 2, 1, 1, True)
    want_values, want_indices = torch.nn.functional.max_pool2d_with_indices(torch.tensor(x), 3, 2, 1, 1, True)
    np.testing.assert_array_equal(values.detach().numpy(), want_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), want_indices.numpy())
    assert values.grad_fn.name() == "MaxPool2DWithIndicesBackward0"


# ---------------------------------------------------------------------------- Unfold / Fold modules
def test_unfold_fold_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(9).standard_normal((2, 3, 6, 7))
    for kw in [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))]:
        ours, theirs = nn.Unfold(**kw), torch.nn.Unfold(**kw)
        assert repr(ours) == repr(theirs)
        cols = ours(mt.tensor(x))
        np.testing.assert_allclose(cols.numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-12)
        ours_fold, theirs_fold = nn.Fold(output_size=(6, 7), **kw), torch.nn.Fold(output_size=(6, 7), **kw)
        assert repr(ours_fold) == repr(theirs_fold)
        np.testing.assert_allclose(ours_fold(cols).numpy(),
                                   theirs_fold(torch.tensor(cols.numpy())).numpy(), rtol=1e-12, atol=1e-12)
