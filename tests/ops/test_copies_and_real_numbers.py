"""The ``*_copy`` twins of the view operations, real tensors' answers to the complex-number
functions, the byte/char/short casts, and the window functions, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt


def test_copies_are_fresh_memory_with_the_views_values_and_gradients():
    x = mt.arange(6.0).reshape(2, 3).requires_grad_()
    y = mt.transpose_copy(x, 0, 1)
    assert y.is_contiguous() and y._base is None
    y.backward(mt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert x.grad.tolist() == [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]
    z = mt.view_copy(x.detach(), (3, 2))
    z.zero_()
    assert x.detach().sum().item() == 15.0  # writing the copy leaves the input alone
    pieces = mt.unbind_copy(x.detach())
    assert [p.tolist() for p in pieces] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_real_tensors_answers_to_complex_functions_are_pytorchs():
    torch = pytest.importorskip("torch")
    values = [-1.5, 0.0, 2.0, float("nan"), float("inf"), float("-inf")]
    ours, theirs = mt.tensor(values), torch.tensor(values)
    for name in ("real", "conj", "resolve_conj", "resolve_neg"):
        assert getattr(mt, name)(ours) is ours and getattr(torch, name)(theirs) is theirs
    np.testing.assert_array_equal(mt.angle(ours).numpy(), torch.angle(theirs).numpy())
    expected = torch.angle(torch.tensor([-2, 3])).numpy()
    np.testing.assert_array_equal(mt.angle(mt.tensor([-2, 3])).numpy(), expected)
    assert mt.conj_physical(ours) is not ours
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        mt.imag(ours)
    m = mt.arange(6.0).reshape(2, 3)
    assert m.mH.shape == m.H.shape == (3, 2) and not mt.is_conj(m) and not m.is_neg()


@pytest.mark.parametrize("cast,dtype", [("short", "int16"), ("char", "int8"), ("byte", "uint8")])
def test_integer_casts(cast, dtype):
    torch = pytest.importorskip("torch")
    values = [1.7, -2.2, 300.0]
    ours = getattr(mt.tensor(values[:2]), cast)()
    theirs = getattr(torch.tensor(values[:2]), cast)()
    assert ours.dtype.name == dtype and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
def test_windows_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    for length in (0, 1, 2, 5, 8):
        for periodic in (True, False):
            ours = getattr(mt, name)(length, periodic, dtype=mt.float64)
            theirs = getattr(torch, name)(length, periodic, dtype=torch.float64)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)
    assert getattr(mt, name)(4).dtype == mt.float32
    with pytest.raises(RuntimeError, match="non-negative window_length"):
        getattr(mt, name)(-1)
