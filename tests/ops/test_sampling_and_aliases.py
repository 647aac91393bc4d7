"""Draws from distributions (normal, bernoulli, multinomial, poisson, randint_like), PyTorch's
alias names and in-place forms, and a bool tensor's repr: against PyTorch where it is installed,
and against statistics where the values are random."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt


def test_normal_overloads_shapes_dtypes_and_zero_gradients():
    mt.manual_seed(0)
    assert tuple(mt.normal(mt.zeros(2, 1), mt.ones(3)).shape) == (2, 3)
    assert mt.normal(0.0, mt.ones(2)).dtype == mt.float32
    assert mt.normal(mt.zeros(2, dtype=mt.float64), 1.0).dtype == mt.float64
    assert mt.normal(0.0, 1.0, (2,), dtype=mt.float64).dtype == mt.float64
    exact = mt.normal(mt.tensor([1.0, -5.0]), mt.tensor([0.0, 0.0]))
    assert exact.tolist() == [1.0, -5.0]
    mean, std = mt.zeros(3, requires_grad=True), mt.ones(3, requires_grad=True)
    y = mt.normal(mean, std)
    assert y.grad_fn.name() == "NormalBackward3"
    y.sum().backward()
    assert mean.grad.tolist() == [0.0] * 3 and std.grad.tolist() == [0.0] * 3
    draws = mt.normal(mt.full((20000,), 2.0), 3.0).numpy()
    assert abs(draws.mean() - 2.0) < 0.1 and abs(draws.std() - 3.0) < 0.1


def test_bernoulli_multinomial_poisson_statistics():
    mt.manual_seed(1)
    assert mt.bernoulli(mt.tensor([0.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 0.0]
    share = mt.bernoulli(mt.full((20000,), 0.3)).mean().item()
    assert abs(share - 0.3) < 0.02
    assert abs(mt.ones(20000).bernoulli(0.25).mean().item() - 0.25) < 0.02
    p = mt.tensor([0.1, 0.2, 0.7])
    counts = np.bincount(mt.multinomial(p, 20000, replacement=True).numpy(), minlength=3) / 20000
    np.testing.assert_allclose(counts, [0.1, 0.2, 0.7], atol=0.02)
    two_rows = mt.multinomial(mt.tensor([[0.0, 1.0, 3.0], [2.0, 0.0, 2.0]]), 20000, replacement=True).numpy()
    np.testing.assert_allclose(np.bincount(two_rows[0], minlength=3) / 20000, [0.0, 0.25, 0.75], atol=0.02)
    np.testing.assert_allclose(np.bincount(two_rows[1], minlength=3) / 20000, [0.5, 0.0, 0.5], atol=0.02)
    rows = mt.multinomial(mt.tensor([[0.0, 1.0, 1.0], [5.0, 0.0, 0.0]]), 1)
    assert rows.dtype == mt.int64 and rows[1].item() == 0 and rows[0].item() in (1, 2)
    pairs = np.stack([mt.multinomial(p, 2).numpy() for _ in range(2000)])
    assert (pairs[:, 0] != pairs[:, 1]).all()  # without replacement
    # the first draw follows p; the pair's share of each category is PyTorch's (sequential draws)
    np.testing.assert_allclose(np.bincount(pairs[:, 0], minlength=3) / 2000, [0.1, 0.2, 0.7], atol=0.04)
    shares = np.bincount(pairs.ravel(), minlength=3) / 4000
    np.testing.assert_allclose(shares, [0.17, 0.355, 0.475], atol=0.04)
    assert abs(mt.poisson(mt.full((20000,), 3.0)).mean().item() - 3.0) < 0.1
    like = mt.randint_like(mt.zeros(2, 3, dtype=mt.float64), 4, 5)
    assert like.dtype == mt.float64 and like.tolist() == [[4.0] * 3] * 2


@pytest.mark.parametrize("call", [
    lambda L: L.normal(0.0, -1.0, (2,)),
    lambda L: L.normal(L.zeros(2), -1.0),
    lambda L: L.normal(L.zeros(2, dtype=L.int64), 1.0),
    lambda L: L.bernoulli(L.tensor([1.5])),
    lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    lambda L: L.multinomial(L.tensor([1.0, 1.0]), 3),
    lambda L: L.multinomial(L.tensor([-1.0, 1.0]), 1),
    lambda L: L.multinomial(L.zeros(2, 2, 2), 1),
    lambda L: L.poisson(L.tensor([-1.0])),
])
def test_bad_parameters_raise_pytorchs_class_and_message(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(mt)
    assert str(ours.value).split("\n")[0] == str(theirs.value).split("\n")[0]


ALIASES = {
    "absolute": lambda L, x: L.absolute(x), "multiply": lambda L, x: x.multiply(x),
    "subtract": lambda L, x: L.subtract(x, 1.5), "negative": lambda L, x: x.negative(),
    "greater": lambda L, x: x.greater(0), "less_equal": lambda L, x: L.less_equal(x, 1.0),
    "not_equal": lambda L, x: x.not_equal(2.0), "concat": lambda L, x: L.concat([x, x], 1),
    "concatenate": lambda L, x: L.concatenate([x, x]), "moveaxis": lambda L, x: L.moveaxis(x, 0, 1),
    "swapaxes": lambda L, x: x.swapaxes(0, 1), "square": lambda L, x: L.square(x),
    "t": lambda L, x: L.t(x), "ravel": lambda L, x: x.ravel(), "fix": lambda L, x: L.fix(x * 1.5),
    "clip_": lambda L, x: x.clone().clip_(-1, 1), "cumsum_": lambda L, x: x.clone().cumsum_(1),
    "tril_": lambda L, x: x.clone().tril_(), "triu_": lambda L, x: x.clone().triu_(1),
    "eq_": lambda L, x: x.clone().eq_(2.0), "gt_": lambda L, x: x.clone().gt_(0),
    "nan_to_num_": lambda L, x: x.masked_fill(x == 0, float("nan")).nan_to_num_(nan=7.0),
    "ndimension": lambda L, x: x.ndimension(), "get_device": lambda L, x: x.get_device(),
    "is_nonzero": lambda L, x: L.is_nonzero(x[:1, :1]),
    "is_floating_point": lambda L, x: L.is_floating_point(x),
}


@pytest.mark.parametrize("name", list(ALIASES))
def test_aliases_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    values = [[-2.0, 0.5, 2.0], [3.0, 0.0, -0.25]]
    ours = ALIASES[name](mt, mt.tensor(values))
    theirs = ALIASES[name](torch, torch.tensor(values))
    if isinstance(theirs, torch.Tensor):
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    else:
        assert ours == theirs


def test_in_place_alias_keeps_the_graph():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y.cumsum_(0)
    assert y.grad_fn.name() == "CumsumBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 2.0, 1.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.clip_(0, 1)


def test_bool_tensor_repr_pads_like_pytorch():
    assert repr(mt.tensor([True])) == "tensor([True])"
    assert repr(mt.tensor([True, False])) == "tensor([ True, False])"
    assert repr(mt.tensor([[True], [True]])) == "tensor([[True],\n        [True]])"
