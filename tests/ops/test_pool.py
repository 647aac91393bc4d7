"""Pooling's arguments: PyTorch's types, values and exception classes (ops/pool.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import check_torch, raises_like_torch

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

# (function, positional arguments after the input, keyword arguments, what PyTorch does:
#  an exception class, or the output shape)
CASES = [
    ("max_pool2d", (2,), {}, (1, 2, 2, 2)),
    ("max_pool2d", ((1, 2, 3),), {}, RuntimeError),
    ("max_pool2d", (2.0,), {}, TypeError),
    ("max_pool2d", ("a",), {}, TypeError),
    ("max_pool2d", (True,), {}, TypeError),
    ("max_pool2d", ([],), {}, RuntimeError),
    ("max_pool2d", (None,), {}, TypeError),
    ("max_pool2d", (2,), {"stride": 0}, RuntimeError),
    ("max_pool2d", (2,), {"stride": [2]}, (1, 2, 2, 2)),
    ("max_pool2d", (2,), {"stride": []}, (1, 2, 2, 2)),
    ("max_pool2d", (2,), {"stride": (1, 2, 3)}, RuntimeError),
    ("max_pool2d", (2,), {"stride": 2**63}, ValueError),
    ("max_pool2d", (2,), {"stride": (2**63,)}, TypeError),
    ("max_pool2d", (2,), {"padding": 2}, RuntimeError),
    ("max_pool2d", (2,), {"dilation": 0}, RuntimeError),
    ("max_pool2d", (2,), {"dilation": (1, 2, 3)}, RuntimeError),
    ("max_pool2d", (2,), {"ceil_mode": 1}, TypeError),
    ("max_pool2d", (3,), {"stride": 2, "ceil_mode": True}, (1, 2, 2, 2)),
    ("avg_pool2d", (2,), {"divisor_override": 0}, RuntimeError),
    ("avg_pool2d", (2,), {"divisor_override": 2.5}, TypeError),
    ("avg_pool2d", (2.5,), {}, TypeError),
    ("avg_pool2d", (2,), {"count_include_pad": 0}, TypeError),
    ("avg_pool2d", (5,), {}, RuntimeError),
    ("avg_pool2d", (2,), {"padding": -1}, RuntimeError),
    ("adaptive_avg_pool2d", (2.5,), {}, TypeError),
    ("adaptive_avg_pool2d", ((2,),), {}, RuntimeError),
    ("adaptive_avg_pool2d", ((2, 3, 4),), {}, RuntimeError),
    ("adaptive_avg_pool2d", ("ab",), {}, TypeError),
    ("adaptive_avg_pool2d", ((2, "a"),), {}, TypeError),
    ("adaptive_avg_pool2d", ((None, 3),), {}, (1, 2, 4, 3)),
    ("adaptive_avg_pool2d", (0,), {}, (1, 2, 0, 0)),
]


def _outcome(module, functional, name, args, kwargs):
    x = module.arange(32.0).reshape(1, 2, 4, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return tuple(getattr(functional, name)(x, *args, **kwargs).shape)
        except Exception as error:  # noqa: BLE001 - the class is what is compared
            return type(error)


@pytest.mark.parametrize("name, args, kwargs, expected", CASES)
def test_pooling_arguments_get_pytorchs_answer(name, args, kwargs, expected):
    assert _outcome(mt, F, name, args, kwargs) == expected


@pytest.mark.parametrize("name, args, kwargs, expected", CASES)
def test_the_expected_answers_are_pytorchs(name, args, kwargs, expected):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    assert _outcome(torch, TF, name, args, kwargs) == expected


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"])
@pytest.mark.parametrize("bad", [[1.0, 2.0], None, "x"])
def test_a_non_tensor_input_is_a_type_error_naming_the_argument(name, bad):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' \(position 1\) must be Tensor"):
        getattr(F, name)(bad, 2)


def test_return_indices_takes_any_truth_value_as_pytorch_does():
    out, indices = F.max_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=1)
    assert indices.tolist() == [[[[5, 7], [13, 15]]]] and out.shape == (1, 1, 2, 2)


# ------------------------------------------------------------------ adaptive average pooling's windows
@pytest.mark.parametrize("shape, size", [((2, 3, 7, 5), (3, 4)), ((3, 5, 4), (5, 2)), ((1, 2, 4, 4), (8, 3)),
                                         ((2, 2, 3, 6, 5), 1), ((3, 5), 1), ((2, 3, 4, 5), (2, None))])
def test_adaptive_avg_pool2d_values_and_gradients_are_pytorchs(shape, size):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    check_torch(torch, lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, size),
                [rng.standard_normal(shape)], rng)


def test_adaptive_avg_pool2d_second_order_gradients_are_pytorchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, up = rng.standard_normal((1, 2, 5, 7)), rng.standard_normal((1, 2, 3, 4))
    results = []
    for lib in (mt, torch):
        t = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad((lib.nn.functional.adaptive_avg_pool2d(t, (3, 4)) * t.sum()
                                  * lib.tensor(up)).sum(), t, create_graph=True)
        (g2,) = lib.autograd.grad((g * g).sum(), t)
        results.append((g.detach().numpy(), g2.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_adaptive_avg_pool2d_keeps_inf_in_its_own_windows():
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(1, 4, 6)
    x[0, 0, 1], x[0, 3, 5] = np.inf, -np.inf
    for size in [(2, 3), (3, 4), (1, 5), 1]:
        ours = F.adaptive_avg_pool2d(mt.tensor(x), size).numpy()
        theirs = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x), size).numpy()
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("call, error, match", [
    (lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(1, 2, 3, 3, dtype=L.int32), 2), NotImplementedError,
     "\"adaptive_avg_pool2d\" not implemented for 'Int'"),
    (lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(1, 2, 3, 3, dtype=L.bool), 1), RuntimeError,
     "mean\\(\\): could not infer output dtype. Input dtype must be either a floating point or "
     "complex dtype. Got: Bool"),
    (lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(3, 0, 4), 2), RuntimeError,
     "with dimension 1 being empty"),
    (lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(3), 1), IndexError,
     "Dimension out of range \\(expected to be in range of \\[-1, 0\\], but got -2\\)"),
    (lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(2, 3), (1, 1)), ValueError,
     "Input dimension should be at least 3"),
    (lambda L: L.nn.functional.avg_pool2d(L.tensor(1.0), 1), IndexError,
     "Dimension specified as -3 but tensor has no dimensions"),
    (lambda L: L.nn.functional.avg_pool2d(L.ones(2, 3), 1), IndexError,
     "Dimension out of range \\(expected to be in range of \\[-2, 1\\], but got -3\\)"),
    (lambda L: L.nn.functional.avg_pool2d(L.ones(2, 0, 3, 3), 1), RuntimeError,
     "Expected 3D or 4D \\(batch mode\\) tensor with optional 0 dim batch size for input, "
     "but got:\\[2, 0, 3, 3\\]"),
    (lambda L: L.nn.functional.max_pool2d(L.ones(0, 3, 3), 1), RuntimeError,
     "with optional 0 dim batch size for input, but got:\\[0, 3, 3\\]"),
])
def test_pooling_refuses_what_pytorch_refuses(call, error, match):
    raises_like_torch(call, error, match)


def test_adaptive_avg_pool2d_of_an_empty_window_is_nan_as_the_mean_is():
    out = F.adaptive_avg_pool2d(mt.ones(2, 3, 0, 4), 1)
    assert tuple(out.shape) == (2, 3, 1, 1) and bool(out.isnan().all())


@pytest.mark.parametrize("output_size", [2**20, 2**62, (2**40, 2**40)])
def test_adaptive_pooling_to_a_size_no_machine_holds_is_pytorchs_runtime_error(output_size):
    """PyTorch's allocator (or its size arithmetic) refuses with a RuntimeError, never NumPy's
    MemoryError, and nothing loops over the windows first."""
    with pytest.raises(RuntimeError, match="allocate|overflow"):
        F.adaptive_avg_pool2d(mt.ones(1, 2, 4, 4), output_size)


def test_adaptive_pooling_upsampling_windows_agree_with_a_hand_count():
    """Output 5 from 3 positions: windows [0,1) [0,2) [1,2) [1,3) [2,3) (PyTorch's floor/ceil)."""
    x = mt.tensor([[[1.0, 2.0, 4.0]]])
    out = F.adaptive_avg_pool2d(x.unsqueeze(-1).transpose(-1, -2), (1, 5))
    assert out.reshape(-1).tolist() == [1.0, 1.5, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("use_numba", [True, False])
def test_max_pool2d_with_several_nans_picks_the_last_like_pytorch(use_numba, monkeypatch):
    """PyTorch's kernel replaces the running maximum by every NaN it meets: the last NaN of a
    window is the one its index (and its gradient) goes to."""
    torch = pytest.importorskip("torch")
    backend = mt.backends.get_backend("cpu")
    if use_numba and not getattr(backend, "use_numba", False):
        pytest.skip("Numba is not installed")
    monkeypatch.setattr(backend, "use_numba", use_numba)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 7))
    x[rng.random(x.shape) < 0.3] = np.nan
    ours = mt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (y, i), (ty, ti) = (F.max_pool2d(ours, 3, 2, 1, return_indices=True),
                        torch.nn.functional.max_pool2d(theirs, 3, 2, 1, return_indices=True))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    upstream = rng.standard_normal(tuple(ty.shape))
    y.backward(mt.tensor(upstream))
    ty.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())
