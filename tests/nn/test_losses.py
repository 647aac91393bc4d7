"""Losses: every function of ``nn.functional`` and its Module, with every reduction and option.

Each is compared with PyTorch where it is installed (values, and gradients of a random upstream
gradient, in float64), and everywhere against central differences and hand-computed values.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import check_grad, check_torch, raises_like_torch, to_numpy

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv import nn
from minitorch_conv.ops.loss import CrossEntropyFunction

REDUCTIONS = ["mean", "sum", "none"]


def _signs(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


# name -> (function of (lib, reduction, *inputs), the inputs as arrays). Targets that are labels,
# signs or class weights are constants inside the function; every array listed is differentiated
# (in PyTorch too). Every case runs with each reduction.
def _cases(rng):
    x, y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5)) * 2
    w = rng.uniform(0.5, 2, (4, 5))
    signs, signs4 = _signs(rng, (4, 5)), _signs(rng, 4)
    labels = rng.integers(0, 2, (4, 5)).astype(float)
    classes, class_w = rng.integers(0, 5, 4), rng.uniform(0.5, 2, 5)
    listed = np.array([[3, 0, -1, 2, 1], [1, -1, 0, 0, 0], [4, 3, 2, 1, 0], [-1, 2, 3, 0, 0]])
    third = rng.standard_normal((4, 5))

    def distance(L):
        return lambda u, v: 1 - L.nn.functional.cosine_similarity(u, v)

    return {
        "smooth_l1": (lambda L, r, a, b: L.nn.functional.smooth_l1_loss(a, b, reduction=r), [x, y]),
        "smooth_l1_beta": (lambda L, r, a, b: L.nn.functional.smooth_l1_loss(
            a, b, reduction=r, beta=0.4), [x, y]),
        "smooth_l1_beta0": (lambda L, r, a, b: L.nn.functional.smooth_l1_loss(
            a, b, reduction=r, beta=0.0), [x, y]),
        "huber": (lambda L, r, a, b: L.nn.functional.huber_loss(a, b, reduction=r), [x, y]),
        "huber_delta": (lambda L, r, a, b: L.nn.functional.huber_loss(a, b, reduction=r, delta=1.7),
                        [x, y]),
        "huber_weight": (lambda L, r, a, b: L.nn.functional.huber_loss(
            a, b, reduction=r, weight=L.tensor(w)), [x, y]),
        "mse_weight": (lambda L, r, a, b: L.nn.functional.mse_loss(
            a, b, reduction=r, weight=L.tensor(w)), [x, y]),
        "l1_weight": (lambda L, r, a, b: L.nn.functional.l1_loss(
            a, b, reduction=r, weight=L.tensor(w)), [x, y]),
        "kl_div": (lambda L, r, a, b: L.nn.functional.kl_div(a, b, reduction=r),
                   [np.log(rng.dirichlet(np.ones(5), 4)), rng.dirichlet(np.ones(5), 4)]),
        "kl_div_log_target": (lambda L, r, a, b: L.nn.functional.kl_div(
            a, b, reduction=r, log_target=True),
            [np.log(rng.dirichlet(np.ones(5), 4)), np.log(rng.dirichlet(np.ones(5), 4))]),
        "poisson": (lambda L, r, a, b: L.nn.functional.poisson_nll_loss(a, b, reduction=r),
                    [x, rng.poisson(2.0, (4, 5)).astype(float) + 0.5]),
        "poisson_rate_full": (lambda L, r, a, b: L.nn.functional.poisson_nll_loss(
            a, b, log_input=False, full=True, reduction=r),
            [rng.uniform(0.5, 3, (4, 5)), rng.uniform(0, 4, (4, 5))]),
        "poisson_full": (lambda L, r, a, b: L.nn.functional.poisson_nll_loss(
            a, b, full=True, eps=1e-3, reduction=r), [x, rng.uniform(0, 4, (4, 5))]),
        "gaussian_nll": (lambda L, r, a, b, v: L.nn.functional.gaussian_nll_loss(
            a, b, v, reduction=r), [x, y, rng.uniform(0.5, 2, (4, 5))]),
        "gaussian_nll_full_shared": (lambda L, r, a, b, v: L.nn.functional.gaussian_nll_loss(
            a, b, v, full=True, reduction=r), [x, y, rng.uniform(0.5, 2, (4,))]),
        "gaussian_nll_column": (lambda L, r, a, b, v: L.nn.functional.gaussian_nll_loss(
            a, b, v, reduction=r), [x, y, rng.uniform(0.5, 2, (4, 1))]),
        "cosine_embedding": (lambda L, r, a, b: L.nn.functional.cosine_embedding_loss(
            a, b, L.tensor(signs4), margin=0.2, reduction=r), [x, y]),
        "cosine_embedding_1d": (lambda L, r, a, b: L.nn.functional.cosine_embedding_loss(
            a, b, L.tensor(-1), margin=-0.5, reduction=r), [x[0], y[0]]),
        "margin_ranking": (lambda L, r, a, b: L.nn.functional.margin_ranking_loss(
            a, b, L.tensor(signs4), margin=0.3, reduction=r), [x[:, 0], y[:, 0]]),
        "triplet": (lambda L, r, a, b, c: L.nn.functional.triplet_margin_loss(a, b, c, reduction=r),
                    [x, y, third]),
        "triplet_p1_swap": (lambda L, r, a, b, c: L.nn.functional.triplet_margin_loss(
            a, b, c, margin=3.0, p=1, swap=True, reduction=r), [x, y, third]),
        "triplet_with_distance": (lambda L, r, a, b, c: L.nn.functional.triplet_margin_with_distance_loss(
            a, b, c, distance_function=distance(L), margin=0.8, swap=True, reduction=r), [x, y, third]),
        "hinge_embedding": (lambda L, r, a: L.nn.functional.hinge_embedding_loss(
            a, L.tensor(signs), margin=0.8, reduction=r), [x]),
        "soft_margin": (lambda L, r, a: L.nn.functional.soft_margin_loss(
            a, L.tensor(signs), reduction=r), [x]),
        "multilabel_soft_margin": (lambda L, r, a: L.nn.functional.multilabel_soft_margin_loss(
            a, L.tensor(labels), reduction=r), [x]),
        "multilabel_soft_margin_weight": (lambda L, r, a: L.nn.functional.multilabel_soft_margin_loss(
            a, L.tensor(labels), weight=L.tensor(class_w), reduction=r), [x]),
        "multi_margin": (lambda L, r, a: L.nn.functional.multi_margin_loss(
            a, L.tensor(classes), reduction=r), [x]),
        "multi_margin_p2_weight": (lambda L, r, a: L.nn.functional.multi_margin_loss(
            a, L.tensor(classes), p=2, margin=0.7, weight=L.tensor(class_w), reduction=r), [x]),
        "multi_margin_1d": (lambda L, r, a: L.nn.functional.multi_margin_loss(
            a, L.tensor(2), reduction=r), [x[0]]),
        "multilabel_margin": (lambda L, r, a: L.nn.functional.multilabel_margin_loss(
            a, L.tensor(listed), reduction=r), [x]),
        "bce": (lambda L, r, a, b: L.nn.functional.binary_cross_entropy(a, b, reduction=r),
                [rng.uniform(0.05, 0.95, (4, 5)), rng.uniform(0, 1, (4, 5))]),
    }


CASE_NAMES = sorted(_cases(np.random.default_rng(0)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_loss_matches_torch(rng, name, reduction):
    torch = pytest.importorskip("torch")
    fn, arrays = _cases(rng)[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning, on both sides
        check_torch(torch, lambda L, *t: fn(L, reduction, *t), arrays, rng, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_loss_gradient_numerically(rng, name):
    fn, arrays = _cases(rng)[name]

    def call(*tensors):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(mt, "none", *tensors)

    check_grad(call, arrays, rng)


def test_loss_values_by_hand():
    x, y = mt.tensor([0.5, -3.0]), mt.tensor([0.0, 0.0])
    assert F.smooth_l1_loss(x, y, reduction="none").tolist() == [0.125, 2.5]
    assert F.smooth_l1_loss(x, y, beta=0.0, reduction="none").tolist() == [0.5, 3.0]
    assert F.huber_loss(x, y, delta=2.0, reduction="none").tolist() == [0.125, 4.0]
    p, q = np.array([[0.2, 0.8]]), np.array([[0.5, 0.5]])
    want = float((q * np.log(q / p)).sum())
    assert F.kl_div(mt.tensor(np.log(p)), mt.tensor(q), reduction="batchmean").item() == \
        pytest.approx(want)
    assert F.kl_div(mt.tensor(np.log(p)), mt.tensor(np.log(q)), reduction="sum",
                    log_target=True).item() == pytest.approx(want)
    assert F.kl_div(mt.tensor([[-1.0]]), mt.tensor([[0.0]]), reduction="sum").item() == 0.0
    rate, count = 2.0, 3.0
    want = rate - count * np.log(rate + 1e-8) + count * np.log(count) - count + 0.5 * np.log(
        2 * np.pi * count)
    got = F.poisson_nll_loss(mt.tensor([rate]), mt.tensor([count]), log_input=False, full=True)
    assert got.item() == pytest.approx(want)
    assert F.gaussian_nll_loss(mt.tensor([1.0]), mt.tensor([3.0]), mt.tensor([2.0]),
                               full=True).item() == pytest.approx(
        0.5 * (np.log(2.0) + 4.0 / 2.0) + 0.5 * np.log(2 * np.pi))
    assert F.margin_ranking_loss(mt.tensor([1.0, 3.0]), mt.tensor([2.0, 1.0]), mt.tensor([1.0, 1.0]),
                                 margin=0.5, reduction="none").tolist() == [1.5, 0.0]
    a, pos, neg = mt.tensor([[0.0, 0.0]]), mt.tensor([[3.0, 4.0]]), mt.tensor([[1.0, 0.0]])
    assert F.triplet_margin_loss(a, pos, neg, eps=0.0).item() == pytest.approx(5.0)
    assert F.triplet_margin_loss(a, pos, neg, eps=0.0, swap=True).item() == pytest.approx(5.0)
    assert F.hinge_embedding_loss(mt.tensor([0.3, 2.0]), mt.tensor([-1.0, -1.0]),
                                  reduction="none").tolist() == pytest.approx([0.7, 0.0])
    assert F.soft_margin_loss(mt.tensor([1000.0]), mt.tensor([-1.0])).item() == 1000.0  # no overflow
    logits, labels = np.array([[0.0, 2.0, -1.0]]), np.array([[1.0, 0.0, 1.0]])
    probs = 1 / (1 + np.exp(-logits))
    want = -(labels * np.log(probs) + (1 - labels) * np.log(1 - probs)).mean()
    assert F.multilabel_soft_margin_loss(mt.tensor(logits), mt.tensor(labels)).item() == \
        pytest.approx(want)
    x = mt.tensor([[0.1, 0.2, 0.4, 0.8]])
    assert F.multi_margin_loss(x, mt.tensor([3])).item() == pytest.approx((0.3 + 0.4 + 0.6) / 4)
    assert F.multilabel_margin_loss(x, mt.tensor([[3, 0, -1, 1]])).item() == pytest.approx(
        ((1 - (0.8 - 0.2)) + (1 - (0.8 - 0.4)) + (1 - (0.1 - 0.2)) + (1 - (0.1 - 0.4))) / 4)


def test_loss_modules_match_torch_and_their_functions(rng):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    signs = _signs(rng, (3, 4))
    # (name, kwargs, differentiated inputs, constant inputs after them)
    cases = [("SmoothL1Loss", dict(beta=0.5), (x, y), ()), ("HuberLoss", dict(delta=0.7), (x, y), ()),
             ("KLDivLoss", dict(reduction="batchmean"), (np.log(rng.dirichlet(np.ones(4), 3)),
                                                          rng.dirichlet(np.ones(4), 3)), ()),
             ("PoissonNLLLoss", dict(full=True), (x, rng.uniform(0, 3, (3, 4))), ()),
             ("GaussianNLLLoss", dict(full=True), (x, y, rng.uniform(0.5, 1, (3, 4))), ()),
             ("CosineEmbeddingLoss", dict(margin=0.1), (x, y), (np.array([1, -1, 1]),)),
             ("MarginRankingLoss", dict(margin=0.2), (x[:, 0], y[:, 0]), (np.array([1.0, -1, 1]),)),
             ("HingeEmbeddingLoss", dict(margin=2.0), (x,), (signs,)),
             ("TripletMarginLoss", dict(margin=2.0, swap=True), (x, y, x * 0.5 + y), ()),
             ("TripletMarginWithDistanceLoss", dict(margin=0.5), (x, y, x * 0.5 + y), ()),
             ("SoftMarginLoss", dict(reduction="sum"), (x,), (signs,)),
             ("MultiLabelSoftMarginLoss", dict(), (x,), (rng.integers(0, 2, (3, 4)).astype(float),)),
             ("MultiMarginLoss", dict(p=2), (x,), (np.array([0, 3, 1]),)),
             ("MultiLabelMarginLoss", dict(), (x,), (np.array([[1, -1, 0, 0], [0, 1, 2, 3],
                                                                [3, 2, -1, 0]]),)),
             ("CrossEntropyLoss", dict(label_smoothing=0.2, ignore_index=1), (x,),
              (np.array([0, 1, 3]),)),
             ("NLLLoss", dict(reduction="sum"), (x,), (np.array([0, 1, 3]),)),
             ("MSELoss", dict(), (x, y), ()), ("L1Loss", dict(reduction="none"), (x, y), ())]
    for name, kwargs, arrays, constants in cases:
        ours = getattr(nn, name)(**kwargs)
        assert repr(ours).startswith(f"{name}(")
        try:
            import torch
        except ImportError:
            continue
        theirs = getattr(torch.nn, name)(**kwargs)
        assert repr(ours) == repr(theirs)

        def run(L, *t, ours=ours, theirs=theirs, constants=constants):
            return (ours if L is mt else theirs)(*t, *[L.tensor(c) for c in constants])

        check_torch(torch, run, list(arrays), rng, rtol=1e-9, atol=1e-11)


def test_weighted_loss_modules_keep_weight_as_a_buffer():
    for ours in (nn.MultiLabelSoftMarginLoss(weight=mt.ones(3)),
                 nn.MultiMarginLoss(weight=mt.ones(3)), nn.NLLLoss(weight=mt.ones(3))):
        assert list(ours.state_dict()) == ["weight"]
    assert list(nn.MultiMarginLoss().state_dict()) == []


def test_legacy_size_average_and_reduce():
    x, y = mt.tensor([1.0, 3.0]), mt.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert F.mse_loss(x, y, size_average=False).item() == 10.0
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert F.l1_loss(x, y, reduce=False).tolist() == [1.0, 3.0]
    with pytest.warns(UserWarning):
        assert nn.SmoothL1Loss(size_average=True).reduction == "mean"
    with pytest.warns(UserWarning):
        loss = nn.CrossEntropyLoss(None, False)  # PyTorch's positional order
    assert loss.reduction == "sum"
    logits, target = mt.tensor([[1.0, 2.0], [0.0, 1.0]]), mt.tensor([0, 1])
    with pytest.warns(UserWarning):
        summed = F.cross_entropy(logits, target, None, False)
    assert summed.item() == pytest.approx(F.cross_entropy(logits, target, reduction="sum").item())


def test_size_mismatch_warns_and_broadcasts_like_torch():
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3, 1\]\)\)"):
        loss = F.smooth_l1_loss(mt.zeros(3), mt.ones(3, 1), reduction="none")
    assert loss.shape == (3, 3)
    with pytest.warns(UserWarning, match="different to the input size"):
        assert F.huber_loss(mt.zeros(2, 1), mt.ones(2)).shape == ()


LOSS_ERRORS = [
    (lambda L: L.nn.functional.smooth_l1_loss(L.ones(2), L.ones(2), beta=-1.0), RuntimeError,
     "smooth_l1_loss does not support negative values for beta"),
    (lambda L: L.nn.functional.huber_loss(L.ones(2), L.ones(2), delta=0.0), RuntimeError,
     "huber_loss does not support non-positive values for delta"),
    (lambda L: L.nn.functional.huber_loss(L.ones(2), L.ones(2), weight=L.ones(3)), ValueError,
     "Weights and input must have the same size"),
    (lambda L: L.nn.functional.smooth_l1_loss(L.ones(2), L.ones(2), reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
    (lambda L: L.nn.functional.kl_div(L.ones(2), L.ones(2), reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
    (lambda L: L.nn.functional.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 1)),
     RuntimeError, "0D or 1D target tensor expected, multi-target not supported"),
    (lambda L: L.nn.functional.cosine_embedding_loss(L.ones(3), L.ones(3), L.ones(2)),
     RuntimeError, "1D target tensor expects 2D input tensors"),
    (lambda L: L.nn.functional.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 3), L.tensor(1.0)),
     RuntimeError, "0D target tensor expects 1D input tensors"),
    (lambda L: L.nn.functional.margin_ranking_loss(L.ones(2), L.ones(2), L.ones(2, 1)),
     RuntimeError, "margin_ranking_loss : All input tensors should have same dimension"),
    (lambda L: L.nn.functional.triplet_margin_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3)),
     RuntimeError, "expected to have the same number of dimensions, but got: anchor 2D, positive "
                   "2D, and negative 1D inputs"),
    (lambda L: L.nn.functional.triplet_margin_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3),
                                                   margin=0.0), ValueError,
     "margin must be greater than 0, got 0.0"),
    (lambda L: L.nn.TripletMarginWithDistanceLoss(margin=-1.0), ValueError,
     "expected margin to be greater than 0"),
    (lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3, 3)),
     ValueError, "var is of incorrect size"),
    (lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2), L.ones(2), -L.ones(2)), ValueError,
     "var has negative entry"),
    (lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2), L.ones(2), L.ones(2), reduction="x"),
     ValueError, "x is not valid"),
    (lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), p=3), ValueError,
     "only p == 1 and p == 2 supported"),
    (lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1, 2])), RuntimeError,
     r"target tensor should be 1-D with size equal to the number of input samples \(batch size\). "
     r"Expected target size \[2\], but got \[3\]"),
    (lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(2)),
     RuntimeError, r"inconsistent weight size, expected 3 but got \[2\]"),
    (lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 3])), RuntimeError,
     "target out of range"),
    (lambda L: L.nn.functional.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, 1, 2]])),
     RuntimeError, r"inconsistent target size: \[1, 3\] for input of size: \[2, 3\]"),
    (lambda L: L.nn.functional.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, 1, 3], [0, 1, 2]])),
     RuntimeError, "argument #2 'target' is out of range"),
    (lambda L: L.nn.functional.multilabel_soft_margin_loss(L.ones(2, 3), L.ones(2, 3),
                                                           reduction="x"), ValueError, "x is not valid"),
    (lambda L: L.nn.functional.binary_cross_entropy(L.ones(2) / 2, L.ones(3)), ValueError,
     r"Using a target size \(torch.Size\(\[3\]\)\) that is different to the input size"),
]


@pytest.mark.parametrize("case", range(len(LOSS_ERRORS)))
def test_loss_errors_match_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like_torch(*LOSS_ERRORS[case])


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(mt.zeros(2, 2), mt.ones(2, 2) / 2)


# ---------------------------------------------------------------------------- nll_loss, cross_entropy
def _class_problem(rng, shape, ignore=None):
    x = rng.standard_normal(shape)
    classes = shape[1] if len(shape) > 1 else shape[0]
    target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, classes, target_shape)
    if ignore is not None and target.ndim:
        target.flat[::3] = ignore
    return x, target


SHAPES = [(6, 4), (3, 4, 5), (2, 4, 3, 2), (4,)]
OPTIONS = [dict(), dict(weight=True), dict(ignore_index=1), dict(ignore_index=-100, ignore=True),
           dict(weight=True, ignore_index=2, ignore=True), dict(label_smoothing=0.3),
           dict(weight=True, ignore_index=0, ignore=True, label_smoothing=0.15)]


def _split(kwargs, rng, classes):
    kwargs = dict(kwargs)
    weight = rng.uniform(0.5, 2.0, classes) if kwargs.pop("weight", False) else None
    ignore = kwargs.pop("ignore", False)
    return kwargs, weight, (kwargs.get("ignore_index", -100) if ignore else None)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", range(len(OPTIONS)))
@pytest.mark.parametrize("shape", SHAPES)
def test_cross_entropy_and_nll_match_torch(rng, shape, options, reduction):
    torch = pytest.importorskip("torch")
    classes = shape[1] if len(shape) > 1 else shape[0]
    kwargs, weight, ignore = _split(OPTIONS[options], rng, classes)
    x, target = _class_problem(rng, shape, ignore)
    arrays = [x] if weight is None else [x, weight]

    def run(L, logits, *w):
        w_tensor = L.tensor(weight) if w else None
        return L.nn.functional.cross_entropy(logits, L.tensor(target), w_tensor,
                                             reduction=reduction, **kwargs)

    check_torch(torch, run, [x], rng, rtol=1e-9, atol=1e-11)
    if "label_smoothing" not in kwargs:
        def run_nll(L, logits):
            w_tensor = None if weight is None else L.tensor(weight)
            return L.nn.functional.nll_loss(logits, L.tensor(target), w_tensor, reduction=reduction,
                                            **kwargs)

        check_torch(torch, run_nll, [x], rng, rtol=1e-9, atol=1e-11)
    del arrays


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [dict(), dict(label_smoothing=0.2), dict(weight=True),
                                    dict(weight=True, label_smoothing=0.4)])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (2, 3, 2, 2), (3,)])
def test_cross_entropy_probability_targets_match_torch(rng, shape, kwargs, reduction):
    torch = pytest.importorskip("torch")
    class_dim = 1 if len(shape) > 1 else 0
    kwargs = dict(kwargs)
    weight = rng.uniform(0.5, 2.0, shape[class_dim]) if kwargs.pop("weight", False) else None
    x = rng.standard_normal(shape)
    p = rng.dirichlet(np.ones(shape[class_dim]), int(np.prod(shape)) // shape[class_dim])
    p = np.moveaxis(p.reshape((shape[0],) + shape[2:] + (shape[1],)), -1, 1) if class_dim else p[0]
    check_torch(torch, lambda L, a, b: L.nn.functional.cross_entropy(
        a, b, None if weight is None else L.tensor(weight), reduction=reduction, **kwargs), [x, p],
        rng, rtol=1e-9, atol=1e-11)


def test_cross_entropy_gradients_numerically(rng):
    weight = mt.tensor([0.5, 2.0, 1.0, 1.5], dtype=mt.float64)
    target = mt.tensor([[0, 3], [1, -100], [2, 2]])
    check_grad(lambda x: F.cross_entropy(x, target, weight, label_smoothing=0.2, reduction="none"),
               [rng.standard_normal((3, 4, 2))], rng)
    check_grad(lambda x: F.cross_entropy(x, target, weight, label_smoothing=0.2),
               [rng.standard_normal((3, 4, 2))], rng)
    check_grad(lambda x: F.nll_loss(x, mt.tensor(1), weight), [rng.standard_normal(4)], rng)
    check_grad(lambda x, p: F.cross_entropy(x, p, weight, label_smoothing=0.1),
               [rng.standard_normal((2, 4)), rng.dirichlet(np.ones(4), 2)], rng)


def test_cross_entropy_by_hand():
    logits = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    weight = np.array([2.0, 1.0, 0.5])
    target = np.array([2, 0])
    want = -(weight[target] * logp[[0, 1], target]).sum() / weight[target].sum()
    got = F.cross_entropy(mt.tensor(logits), mt.tensor(target), mt.tensor(weight))
    assert got.item() == pytest.approx(want)
    eps = 0.3
    smooth = -(logp * weight).sum(1) / 3
    want_ls = (1 - eps) * want + eps * smooth.sum() / weight[target].sum()
    got = F.cross_entropy(mt.tensor(logits), mt.tensor(target), mt.tensor(weight), label_smoothing=eps)
    assert got.item() == pytest.approx(want_ls)
    probs = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    want_p = -(probs * logp).sum(1).mean()
    assert F.cross_entropy(mt.tensor(logits), mt.tensor(probs)).item() == pytest.approx(want_p)
    ignored = F.cross_entropy(mt.tensor(logits), mt.tensor([2, -100]), reduction="none")
    assert ignored.tolist()[1] == 0.0


def test_all_ignored_targets_give_nan_and_zero_gradient_like_torch():
    for kwargs in (dict(), dict(label_smoothing=0.2), dict(weight=mt.ones(3))):
        x = mt.randn(2, 3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no NumPy 0 / 0 warnings either
            loss = F.cross_entropy(x, mt.tensor([-100, -100]), **kwargs)
            loss.backward()
        assert np.isnan(loss.item()) and (x.grad == 0).all()
    x = mt.randn(0, 3, requires_grad=True)
    assert np.isnan(F.cross_entropy(x, mt.zeros(0, dtype=mt.int64)).item())
    assert np.isnan(F.cross_entropy(mt.randn(0, 3), mt.randn(0, 3)).item())


def test_cross_entropy_is_finite_with_minus_infinity_logits_elsewhere():
    x = mt.tensor([[0.0, -float("inf"), 1.0]], requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([2]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(to_numpy(x.grad)).all()
    torch = pytest.importorskip("torch")
    t = torch.tensor([[0.0, -float("inf"), 1.0]], requires_grad=True)
    torch.nn.functional.cross_entropy(t, torch.tensor([2])).backward()
    np.testing.assert_allclose(to_numpy(x.grad), t.grad.numpy(), rtol=1e-6)


def test_cross_entropy_accepts_uint8_targets_and_double_backward(rng):
    x = mt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert F.nll_loss(x, mt.tensor([0, 1, 3], dtype=mt.uint8)).shape == ()
    target = mt.tensor([0, 3, 1])
    assert mt.autograd.gradgradcheck(
        lambda t: F.cross_entropy(t, target, label_smoothing=0.1, reduction="none"), (x,))


CLASS_ERRORS = [
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 4])), IndexError,
     "Target 4 is out of bounds"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(3, 4), L.tensor([0, 1, -1])), IndexError,
     "Target -1 is out of bounds"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1])), ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(2\)"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(3, 4), L.tensor([0.0, 1.0, 2.0])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 2], dtype=L.int32)),
     RuntimeError, "expected target dtype to be Long or Byte, but got Int"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.zeros(3, 5)), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.zeros(3, 4, dtype=L.int64)),
     RuntimeError, "Expected floating point type for target with class probabilities, got Long"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 2]), weight=L.ones(3)),
     RuntimeError, r"weight tensor should be defined either for all 4 classes or no classes but got "
                   r"weight tensor of shape: \[3\]"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.zeros(3, 4), weight=L.ones(3)),
     RuntimeError, "cross_entropy: weight tensor should be defined"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 2]),
                                             label_smoothing=1.5), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(3, 4), L.tensor([0, 1, 2]), reduction="avg"),
     ValueError, "avg is not a valid value for reduction"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3, 4, 5), L.zeros(2, 4, dtype=L.int64)),
     RuntimeError, "only batches of spatial targets supported"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(2, 3, 4, 5), L.zeros(2, 4, 6, dtype=L.int64)),
     RuntimeError, r"size mismatch \(got input: \[2, 3, 4, 5\] , target: \[2, 4, 6\]"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(2, 3, 4), L.zeros(2, 5, dtype=L.int64)),
     RuntimeError, r"Expected target size \[2, 4\], got \[2, 5\]"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(()), L.tensor(0)), ValueError,
     r"Expected 1 or more dimensions \(got 0\)"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(()), L.tensor(0)), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(()), L.tensor([0])), IndexError,
     r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(2, 3), [0, 1]), TypeError,
     r"nll_loss_nd\(\): argument 'target' \(position 2\) must be Tensor, not list"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3), L.tensor([0, 1]), weight=1), TypeError,
     r"cross_entropy_loss\(\): argument 'weight' \(position 3\) must be Tensor, not int"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(2, 3), L.tensor([0, 1]), ignore_index=2**63), ValueError,
     "Overflow when unpacking long long"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3), L.tensor([0, 1]), ignore_index=1.0), TypeError,
     r"argument 'ignore_index' \(position 5\) must be int, not float"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(3), L.tensor([0, 1])), ValueError,
     "For 1D input, 1D target must have size 1, but got target size: 2"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(2, 3), L.tensor([0, 1]), weight=L.ones(3, dtype=L.float64)),
     RuntimeError, "expected scalar type Float but found Double"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3), L.tensor([0, 1]), weight=L.ones(3, dtype=L.int64),
                                             label_smoothing=0.1),
     RuntimeError, "expected scalar type Float but found Long"),
    (lambda L: L.nn.functional.nll_loss(L.zeros(2, 3, 4, dtype=L.int64), L.zeros(2, 4, dtype=L.int64)),
     NotImplementedError, "\"nll_loss2d_forward_out_frame\" not implemented for 'Long'"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3, dtype=L.int32), L.tensor([0, 1])),
     NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Int'"),
    (lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3), L.zeros(2, 3), ignore_index=0), RuntimeError,
     "ignore_index is not supported for floating point target"),
]


@pytest.mark.parametrize("smoothing", [float("-inf"), -0.5, float("nan"), True])
def test_cross_entropy_label_smoothing_outside_the_interval_like_torch(smoothing):
    """PyTorch smooths only where ``label_smoothing > 0`` (NaN and negatives smooth nothing; True is 1)."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    t = np.array([0, 3, 1])
    ours = F.cross_entropy(mt.tensor(x), mt.tensor(t), label_smoothing=smoothing)
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t), label_smoothing=smoothing)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


def test_nll_loss_of_an_unbatched_input_takes_a_one_element_target():
    torch = pytest.importorskip("torch")
    x = [-0.5, -1.0, -2.0]
    for reduction in ("none", "mean"):
        ours = F.nll_loss(mt.tensor(x), mt.tensor([1]), reduction=reduction)
        theirs = torch.nn.functional.nll_loss(torch.tensor(x), torch.tensor([1]), reduction=reduction)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("case", range(len(CLASS_ERRORS)))
def test_class_loss_errors_match_torch(case):
    raises_like_torch(*CLASS_ERRORS[case])


# ---------------------------------------------------------------------------- the fused cross_entropy
# With class-index targets, cross_entropy is one node (log-softmax and NLL together, backward
# ``(softmax - q) * scale``); its first and second derivatives are checked here for every option.
FUSED_SHAPES = [(4, 3), (2, 3, 2, 2), (3,)]
FUSED_OPTIONS = [dict(), dict(weight=True), dict(label_smoothing=0.2),
                 dict(weight=True, ignore_index=1, ignore=True, label_smoothing=0.3)]


def _fused_problem(rng, shape, options):
    classes = shape[1] if len(shape) > 1 else shape[0]
    kwargs, weight, ignore = _split(options, rng, classes)
    x, target = _class_problem(rng, shape, ignore)
    if target.ndim == 0 and target == kwargs.get("ignore_index", -100):  # one element, all ignored:
        target = (target + 1) % classes  # 'mean' would be NaN (tested apart)
    return x, target, weight, kwargs


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", range(len(FUSED_OPTIONS)))
@pytest.mark.parametrize("shape", FUSED_SHAPES)
def test_fused_cross_entropy_gradcheck_and_gradgradcheck(rng, shape, options, reduction):
    x, target, weight, kwargs = _fused_problem(rng, shape, FUSED_OPTIONS[options])
    w = None if weight is None else mt.tensor(weight)

    def loss(logits):
        return F.cross_entropy(logits, mt.tensor(target), w, reduction=reduction, **kwargs)

    xm = mt.tensor(x, requires_grad=True)
    assert loss(xm).grad_fn.function is CrossEntropyFunction  # one node, not the composite
    assert loss(xm).grad_fn.name() == "NllLossBackward0"  # the node PyTorch's cross_entropy ends in
    assert mt.autograd.gradcheck(loss, (xm,))
    assert mt.autograd.gradgradcheck(loss, (xm,))


@pytest.mark.parametrize("options", range(len(FUSED_OPTIONS)))
def test_fused_cross_entropy_is_one_node_and_equals_the_composite(rng, options):
    """Against log_softmax + nll_loss (+ the smoothing term), worked out with other operations."""
    x, target, weight, kwargs = _fused_problem(rng, (5, 4), FUSED_OPTIONS[options])
    xm = mt.tensor(x, requires_grad=True)
    w = None if weight is None else mt.tensor(weight)
    loss = F.cross_entropy(xm, mt.tensor(target), w, reduction="none", **kwargs)
    edges = [edge for edge in loss.grad_fn.next_functions if edge[0] is not None]
    assert len(edges) == 1 and type(edges[0][0]).__name__ == "AccumulateGrad"  # straight from the logits
    logp = F.log_softmax(mt.tensor(x), 1)
    ignore_index = kwargs.get("ignore_index", -100)
    expected = F.nll_loss(logp, mt.tensor(target), w, ignore_index=ignore_index, reduction="none")
    ls = kwargs.get("label_smoothing", 0.0)
    if ls:
        counted = mt.tensor(target != ignore_index)
        weighted = logp if w is None else logp * w
        expected = expected * (1 - ls) - weighted.sum(1) * counted * (ls / 4)
    np.testing.assert_allclose(to_numpy(loss), to_numpy(expected), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("options", range(len(FUSED_OPTIONS)))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_cross_entropy_double_backward_matches_torch(rng, options, reduction):
    """A Hessian-vector product (grad of <v, dloss/dx>), and the gradient of dloss/dx with respect
    to the upstream gradient, against PyTorch's."""
    torch = pytest.importorskip("torch")
    x, target, weight, kwargs = _fused_problem(rng, (4, 3, 2), FUSED_OPTIONS[options])
    v = rng.standard_normal(x.shape)
    results = []
    for L in (mt, torch):
        logits = L.tensor(x, requires_grad=True)
        w = None if weight is None else L.tensor(weight)
        loss = L.nn.functional.cross_entropy(logits, L.tensor(target), w, reduction=reduction, **kwargs)
        upstream = L.tensor(rng.standard_normal(tuple(loss.shape)) if L is mt else results[0][2],
                            requires_grad=True)
        (g,) = L.autograd.grad(loss, logits, upstream, create_graph=True)
        (g * L.tensor(v)).sum().backward()
        results.append((logits.grad.detach().numpy(), upstream.grad.detach().numpy(),
                        upstream.detach().numpy()))
    for ours, theirs in zip(results[0][:2], results[1][:2]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_fused_cross_entropy_ignores_later_in_place_changes_to_its_logits_like_torch(rng):
    """PyTorch's log_softmax saves its output, not the logits: changing them afterwards is fine."""
    torch = pytest.importorskip("torch")
    x, target = rng.standard_normal((3, 4)), rng.integers(0, 4, 3)
    grads = []
    for L in (mt, torch):
        leaf = L.tensor(x, requires_grad=True)
        logits = leaf * 1.0
        loss = L.nn.functional.cross_entropy(logits, L.tensor(target), label_smoothing=0.1)
        with L.no_grad():
            logits.add_(5.0)
        loss.backward()
        grads.append(leaf.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-14)


def test_fused_cross_entropy_keeps_float32_and_tracks_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((8, 10)).astype(np.float32)
    target = rng.integers(0, 10, 8)
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lm = F.cross_entropy(xm, mt.tensor(target), label_smoothing=0.1)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(target), label_smoothing=0.1)
    lm.backward()
    lt.backward()
    assert lm.dtype == xm.grad.dtype == mt.float32
    np.testing.assert_allclose(to_numpy(lm), lt.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(xm.grad), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_cross_entropy_with_class_weights_that_need_a_gradient_takes_the_composite_path():
    x = mt.randn(3, 4, dtype=mt.float64, requires_grad=True)
    weight = mt.rand(4, dtype=mt.float64).requires_grad_()
    loss = F.cross_entropy(x, mt.tensor([0, 1, 3]), weight, label_smoothing=0.2)
    assert loss.grad_fn.function is not CrossEntropyFunction
    loss.backward()
    assert weight.grad is not None and x.grad is not None
