"""Operations built from other differentiable operations (ops/composite.py): values and float64
gradients (random upstream gradient) against PyTorch where installed, and gradcheck here."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 5))
V = RNG.standard_normal(3)

CASES = {
    "tril": (lambda lib, a: lib.tril(a, -1), A),
    "triu": (lambda lib, a: a.triu(2), A),
    "diag_vector_up": (lambda lib, a: lib.diag(a, 1), V),
    "diag_vector_down": (lambda lib, a: lib.diag(a, -2), V),
    "diag_matrix": (lambda lib, a: lib.diag(a, -1), A),
    "trace": (lambda lib, a: lib.trace(a), A),
    "roll": (lambda lib, a: lib.roll(a, (1, -2), (0, 1)), A),
    "roll_flat": (lambda lib, a: a.roll(3), A),
    "rot90": (lambda lib, a: lib.rot90(a, 1, (0, 1)), A),
    "rot90_3": (lambda lib, a: lib.rot90(a, 3, (1, 0)), A),
    "tile": (lambda lib, a: lib.tile(a, (2, 1, 2)), A),
    "repeat_interleave": (lambda lib, a: lib.repeat_interleave(a, 2, dim=1), A),
    "hstack": (lambda lib, a: lib.hstack([a, a * 2]), A),
    "vstack": (lambda lib, a: lib.vstack([a, a[0]]), A),
    "dstack": (lambda lib, a: lib.dstack([a, a]), A),
    "column_stack": (lambda lib, a: lib.column_stack([a[:, 0], a]), A),
    "tan": (lambda lib, a: lib.tan(a * 0.3), A),
    "fmod": (lambda lib, a: lib.fmod(a * 3, 1.5), A),
    "frac": (lambda lib, a: lib.frac(a * 3), A),
    "dist": (lambda lib, a: lib.dist(a, a.flip(0), 3), A),
    "cdist": (lambda lib, a: lib.cdist(a, a[:2] + 1), A),
    "broadcast": (lambda lib, a: lib.broadcast_tensors(a[:, :1], a[0])[0] * 2, A),
    "meshgrid_xy": (lambda lib, a: lib.meshgrid(a[0], a[:, 0], indexing="xy")[1] * 1, A),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_composite_ops_match_pytorch(name):
    torch = pytest.importorskip("torch")
    fn, data = CASES[name]
    ours_in = mt.tensor(data, dtype=mt.float64, requires_grad=True)
    theirs_in = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    ours, theirs = fn(mt, ours_in), fn(torch, theirs_in)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(mt.tensor(upstream, dtype=mt.float64))
    theirs.backward(torch.tensor(upstream, dtype=torch.float64))
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["tril", "diag_vector_up", "roll", "rot90", "repeat_interleave", "cdist"])
def test_composite_ops_gradcheck(name):
    fn, data = CASES[name]
    x = mt.tensor(data, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: fn(mt, t), (x,))


def test_nan_to_num_isinf_logspace_and_aliases():
    x = mt.tensor([float("nan"), float("inf"), -float("inf"), 1.5])
    assert mt.isinf(x).tolist() == [False, True, True, False]
    assert mt.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0).tolist() == [0.5, 9.0, -9.0, 1.5]
    assert mt.logspace(0, 3, 4, base=2).tolist() == [1.0, 2.0, 4.0, 8.0]
    assert mt.clip(mt.tensor([-2.0, 2.0]), -1, 1).tolist() == [-1.0, 1.0]
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        mt.tril(mt.ones(3))
