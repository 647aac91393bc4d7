"""nn: Module bookkeeping, layers, losses and init, against PyTorch where it is installed and against
central differences (float64, random upstream gradient) everywhere."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest
from helpers import check_grad, check_torch, compare_module, copy_torch_state, raises_like_torch, to_numpy

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv import nn


# ---------------------------------------------------------------------------- helpers
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
        self.fc2 = nn.Linear(3, 2, bias=False)

    def forward(self, x):
        return self.fc2(self.block(self.act(self.fc1(x))))


# ---------------------------------------------------------------------------- Module
def test_registration_and_iteration():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias", "block.1.weight",
                     "block.1.bias", "fc2.weight"]
    assert len(list(net.parameters())) == 7
    assert [n for n, _ in net.named_buffers()] == ["block.1.running_mean", "block.1.running_var",
                                                   "block.1.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "block", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "block", "block.0", "block.1",
                                                   "fc2"]
    assert net.fc2.bias is None
    assert net.get_submodule("block.1") is net.block[1]
    assert list(net.parameters(recurse=False)) == []


def test_replacing_a_parameter_keeps_its_place_like_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours.weight = nn.Parameter(mt.ones(2, 3))
    theirs.weight = torch.nn.Parameter(torch.ones(2, 3))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert ours.weight.tolist() == [[1.0] * 3] * 2


def test_linear_refuses_an_input_of_another_dtype_like_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.nn.Linear(3, 2)(torch.ones(1, 3, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="same dtype"):
        nn.Linear(3, 2)(mt.ones(1, 3, dtype=mt.float64))  # no silent float64 model output

def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    seq = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assignment_rules():
    m = nn.Module()
    m.w = nn.Parameter(mt.zeros(2))
    with pytest.raises(TypeError, match="cannot assign"):
        m.w = mt.zeros(2)  # a plain tensor where a Parameter lives
    m.w = None
    assert m.w is None and "w" in m._parameters
    m.register_buffer("buf", mt.ones(1))
    with pytest.raises(TypeError):
        m.buf = 3
    m.sub = nn.Linear(1, 1)
    del m.sub
    assert not hasattr(m, "sub")
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        _ = m.missing
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        m.register_parameter("p", mt.zeros(1))
    m.register_buffer("tmp", mt.zeros(1), persistent=False)
    assert "tmp" not in m.state_dict() and "buf" in m.state_dict()


def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_requires_grad():
    net = Net()
    net(mt.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_dtype_keeps_parameter_objects():
    net = Net()
    weight = net.fc1.weight
    net.to(mt.float64)
    assert net.fc1.weight is weight and weight.dtype == mt.float64
    assert isinstance(net.fc1.weight, nn.Parameter)
    assert net.block[1].running_mean.dtype == mt.float64
    assert net.block[1].num_batches_tracked.dtype == mt.int64  # integers are not cast
    assert net(mt.randn(3, 4, dtype=mt.float64)).dtype == mt.float64
    net.float()
    assert weight.dtype == mt.float32
    with pytest.raises(TypeError, match="floating point"):
        net.to(mt.int64)


@pytest.mark.skipif(mt.cuda.is_available(), reason="checks the no-GPU error")
def test_to_cuda_without_gpu_is_clear():
    with pytest.raises(RuntimeError, match="cuda"):
        nn.Linear(2, 2).to("cuda")


def test_apply_and_hooks():
    seen = []
    net = Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 3
    outputs = []
    handle = net.fc1.register_forward_hook(lambda m, inp, out: outputs.append(out.shape))
    net(mt.randn(2, 4))
    handle.remove()
    net(mt.randn(2, 4))
    assert outputs == [mt.Size([2, 3])]


def test_repr_tree():
    assert repr(Net()) == (
        "Net(\n"
        "  (fc1): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (act): ReLU()\n"
        "  (block): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=3, bias=True)\n"
        "    (1): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n"
        "  )\n"
        "  (fc2): Linear(in_features=3, out_features=2, bias=False)\n"
        ")"
    )
    p = nn.Parameter(mt.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert repr(nn.MaxPool2d(2)) == \
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"


def test_parameter_basics():
    t = mt.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert type(p * 2) is mt.Tensor  # results of ops are plain tensors
    assert type(p.detach()) is mt.Tensor
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])


def test_deepcopy_gives_an_independent_module():
    import copy

    net = Net()
    net(mt.randn(5, 4)).sum().backward()
    twin = copy.deepcopy(net)
    assert isinstance(twin.fc1.weight, nn.Parameter) and twin.fc1.weight is not net.fc1.weight
    assert twin.fc1.weight.backend is net.fc1.weight.backend
    np.testing.assert_array_equal(to_numpy(twin.fc1.weight.grad), to_numpy(net.fc1.weight.grad))
    with mt.no_grad():
        twin.fc1.weight.add_(1.0)
        twin.block[1].running_mean.add_(1.0)
    assert not np.array_equal(to_numpy(twin.fc1.weight), to_numpy(net.fc1.weight))
    assert not np.array_equal(to_numpy(twin.block[1].running_mean),
                              to_numpy(net.block[1].running_mean))


# ---------------------------------------------------------------------------- state_dict
def test_state_dict_round_trip():
    a, b = Net(), Net()
    a(mt.randn(6, 4))  # move the running statistics
    state = a.state_dict()
    assert isinstance(state, OrderedDict)
    assert all(isinstance(v, mt.Tensor) and not v.requires_grad for v in state.values())
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, va), vb in zip(state.items(), b.state_dict().values()):
        np.testing.assert_array_equal(to_numpy(va), to_numpy(vb), err_msg=name)
    assert b.fc1.weight.requires_grad  # still a parameter after loading


def test_load_state_dict_errors_name_the_keys():
    net = Net()
    state = net.state_dict()
    del state["fc1.bias"]
    state["extra.weight"] = mt.zeros(1)
    state["fc2.weight"] = mt.zeros(5, 5)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Net" in message
    assert 'Missing key(s) in state_dict: "fc1.bias"' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in message
    assert "size mismatch for fc2.weight" in message and "[5, 5]" in message and "[2, 3]" in message


def test_load_state_dict_non_strict_and_bad_values():
    net = Net()
    before = to_numpy(net.fc1.bias).copy()
    state = {"fc1.weight": mt.ones(3, 4), "nope": mt.zeros(1)}
    missing, unexpected = net.load_state_dict(state, strict=False)
    # non-strict still reports the keys, as PyTorch does; it only does not raise for them
    assert unexpected == ["nope"]
    # (as in PyTorch, a checkpoint without num_batches_tracked keeps the module's own count)
    assert missing == [k for k in net.state_dict()
                       if k != "fc1.weight" and not k.endswith("num_batches_tracked")]
    assert float(net.fc1.weight.sum()) == 12.0
    np.testing.assert_array_equal(to_numpy(net.fc1.bias), before)
    torch = pytest.importorskip("torch")
    result = torch.nn.Linear(4, 3).load_state_dict({"weight": torch.ones(3, 4), "nope": torch.zeros(1)},
                                                   strict=False)
    ours = nn.Linear(4, 3).load_state_dict({"weight": mt.ones(3, 4), "nope": mt.zeros(1)}, strict=False)
    assert (ours.missing_keys, ours.unexpected_keys) == (result.missing_keys, result.unexpected_keys)
    with pytest.raises(RuntimeError, match="size mismatch"):  # even when not strict
        net.load_state_dict({"fc1.weight": mt.ones(2, 2)}, strict=False)
    with pytest.raises(RuntimeError, match="expected a Tensor"):
        net.load_state_dict({"fc1.weight": np.ones((3, 4))}, strict=False)


# ---------------------------------------------------------------------------- containers
def test_sequential_and_module_list():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2
    seq.append(nn.Sigmoid())
    assert list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and isinstance(seq[1], nn.Linear)
    with pytest.raises(IndexError):
        seq[5]
    named = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh())]))
    assert [n for n, _ in named.named_children()] == ["a", "b"]
    layers = nn.ModuleList([nn.Linear(1, 1)])
    layers.append(nn.Linear(1, 2))
    layers += [nn.Linear(2, 2)]
    layers.insert(0, nn.ReLU())
    assert len(layers) == 4 and isinstance(layers[0], nn.ReLU)
    assert len(list(layers.parameters())) == 6
    heads = nn.ModuleDict({"x": nn.Linear(1, 1)})
    assert "x" in heads and len(list(heads.parameters())) == 2


# ---------------------------------------------------------------------------- layers vs PyTorch
def test_linear_matches_torch(rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Linear(5, 3).double()
    ours = nn.Linear(5, 3, dtype=mt.float64)
    copy_torch_state(theirs, ours)
    compare_module(torch, ours, theirs, rng.standard_normal((4, 5)), rng)
    compare_module(torch, ours, theirs, rng.standard_normal((2, 3, 5)), rng)


@pytest.mark.parametrize("name,kwargs", [("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}),
                                         ("Tanh", {}), ("Sigmoid", {}), ("Softmax", {"dim": 1}),
                                         ("LogSoftmax", {"dim": 1}), ("Flatten", {}),
                                         ("Identity", {}), ("GELU", {}),
                                         ("GELU", {"approximate": "tanh"}), ("SiLU", {}),
                                         ("ELU", {"alpha": 0.7}), ("Softplus", {}),
                                         ("Softplus", {"beta": 2.0, "threshold": 1.5})])
def test_activations_match_torch(rng, name, kwargs):
    torch = pytest.importorskip("torch")
    compare_module(torch, getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs),
                   rng.standard_normal((3, 4, 2)), rng)


POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=2, stride=2, ceil_mode=True),
]


@pytest.mark.parametrize("kwargs", POOL_CASES)
def test_max_pool_matches_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    compare_module(torch, nn.MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs),
                   rng.standard_normal((2, 3, 7, 9)), rng)


def test_max_pool_dilation_indices_and_3d_input(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 7, 8))  # unbatched (C, H, W)
    compare_module(torch, nn.MaxPool2d(3, 2, 1, dilation=2), torch.nn.MaxPool2d(3, 2, 1, dilation=2),
                   x, rng)
    out, idx = F.max_pool2d(mt.tensor(x), 3, 1, 1, return_indices=True)
    out_t, idx_t = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(to_numpy(idx), idx_t.numpy())
    np.testing.assert_allclose(to_numpy(out), out_t.numpy())


def test_max_pool_ties_send_gradient_to_first_maximum():
    x = mt.ones(1, 1, 2, 2, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert to_numpy(x.grad).ravel().tolist() == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("kwargs", POOL_CASES + [
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=2, divisor_override=3),
])
def test_avg_pool_matches_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    compare_module(torch, nn.AvgPool2d(**kwargs), torch.nn.AvgPool2d(**kwargs),
                   rng.standard_normal((2, 3, 7, 9)), rng)


@pytest.mark.parametrize("size", [1, (3, 4), (2, None), (5, 7)])
def test_adaptive_avg_pool_matches_torch(rng, size):
    torch = pytest.importorskip("torch")
    compare_module(torch, nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size),
                   rng.standard_normal((2, 3, 7, 9)), rng)


@pytest.mark.parametrize("fn", ["max", "avg"])
def test_pooling_double_backward_matches_torch(rng, fn):
    """Gradients of gradients (create_graph=True): d/du <v, d/dx <u, pool(x)>>."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 2, 5, 6))
    u = rng.standard_normal((2, 2, 3, 3))
    v = rng.standard_normal((2, 2, 5, 6))
    results = {}
    for lib, pool, grad in ((mt, getattr(F, f"{fn}_pool2d"), mt.autograd.grad),
                            (torch, getattr(torch.nn.functional, f"{fn}_pool2d"),
                             torch.autograd.grad)):
        xx, uu = lib.tensor(x, requires_grad=True), lib.tensor(u, requires_grad=True)
        (gx,) = grad((pool(xx, 3, 2, 1) * uu).sum(), xx, create_graph=True)
        (gu,) = grad((gx * lib.tensor(v)).sum(), uu)
        results[lib.__name__] = (gx.detach().cpu().numpy(), gu.detach().cpu().numpy())
    for ours, theirs in zip(results["minitorch_conv"], results["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_pooling_bad_arguments():
    x = mt.zeros(1, 1, 4, 4)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        F.max_pool2d(mt.zeros(4, 4), 2)
    with pytest.raises(RuntimeError, match="too small"):
        F.avg_pool2d(mt.zeros(1, 1, 1, 1), 2)
    with pytest.raises(RuntimeError, match="stride"):
        F.max_pool2d(x, 2, stride=0)


@pytest.mark.parametrize("momentum,affine,track", [(0.1, True, True), (None, True, True),
                                                   (0.3, False, True), (0.1, True, False)])
def test_batch_norm_matches_torch(rng, momentum, affine, track):
    torch = pytest.importorskip("torch")
    kwargs = dict(momentum=momentum, affine=affine, track_running_stats=track)
    theirs = torch.nn.BatchNorm2d(3, **kwargs).double()
    ours = nn.BatchNorm2d(3, dtype=mt.float64, **kwargs)
    if affine:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-0.5, 0.5)
    copy_torch_state(theirs, ours)
    for _ in range(3):
        compare_module(torch, ours, theirs, rng.standard_normal((4, 3, 5, 5)) * 2 + 1, rng)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(to_numpy(ours.state_dict()[name]), value.numpy(), err_msg=name)
    ours.eval()
    theirs.eval()
    compare_module(torch, ours, theirs, rng.standard_normal((2, 3, 5, 5)), rng)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="4D"):
        nn.BatchNorm2d(3)(mt.zeros(2, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm2d(3)(mt.zeros(1, 3, 1, 1))
    with pytest.raises(RuntimeError, match="3 elements"):
        F.batch_norm(mt.zeros(2, 3, 2, 2), mt.zeros(2), mt.ones(2))


def test_dropout_train_and_eval():
    mt.manual_seed(0)
    drop = nn.Dropout(0.3)
    x = mt.ones(200, 50, requires_grad=True)
    y = drop(x)
    kept = to_numpy(y) != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(to_numpy(y)[kept], 1 / 0.7, rtol=1e-6)
    y.backward(mt.ones_like(y))
    np.testing.assert_array_equal(to_numpy(x.grad) != 0, kept)  # gradient flows through the mask
    assert drop.eval()(x) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    mt.manual_seed(3)
    a = to_numpy(F.dropout(mt.ones(10)))
    mt.manual_seed(3)
    np.testing.assert_array_equal(a, to_numpy(F.dropout(mt.ones(10))))


# ---------------------------------------------------------------------------- losses vs PyTorch
CE_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(label_smoothing=0.2),
    dict(weight=True),
    dict(weight=True, label_smoothing=0.1),
    dict(ignore_index=1),
    dict(ignore_index=1, weight=True, label_smoothing=0.3),
    dict(ignore_index=1, reduction="none", label_smoothing=0.3),
]


@pytest.mark.parametrize("kwargs", CE_CASES)
@pytest.mark.parametrize("spatial", [False, True])
def test_cross_entropy_matches_torch(rng, kwargs, spatial):
    torch = pytest.importorskip("torch")
    shape = (4, 5, 3, 2) if spatial else (6, 5)
    x = rng.standard_normal(shape)
    target = rng.integers(0, 5, (shape[0],) + shape[2:])
    kwargs = dict(kwargs)
    weight = rng.uniform(0.5, 2.0, 5) if kwargs.pop("weight", False) else None
    ours = nn.CrossEntropyLoss(weight=None if weight is None else mt.tensor(weight), **kwargs)
    theirs = torch.nn.CrossEntropyLoss(weight=None if weight is None else torch.tensor(weight),
                                       **kwargs)
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lm, lt = ours(xm, mt.tensor(target)), theirs(xt, torch.tensor(target))
    np.testing.assert_allclose(to_numpy(lm), lt.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(tuple(lt.shape))
    lm.backward(mt.tensor(g))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_numpy(xm.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(), dict(label_smoothing=0.25), dict(weight=True),
                                    dict(reduction="none")])
def test_cross_entropy_probability_targets_match_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 3))
    p = rng.dirichlet(np.ones(3), 4)
    kwargs = dict(kwargs)
    weight = rng.uniform(0.5, 2.0, 3) if kwargs.pop("weight", False) else None
    lm = F.cross_entropy(mt.tensor(x), mt.tensor(p), None if weight is None else mt.tensor(weight),
                         **kwargs)
    lt = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(p),
                                           None if weight is None else torch.tensor(weight),
                                           **kwargs)
    np.testing.assert_allclose(to_numpy(lm), lt.numpy(), rtol=1e-10)


@pytest.mark.parametrize("kwargs", [dict(), dict(reduction="sum"), dict(weight=True),
                                    dict(ignore_index=2, reduction="none")])
def test_nll_and_mse_match_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((5, 4))
    target = rng.integers(0, 4, 5)
    kwargs = dict(kwargs)
    weight = rng.uniform(0.5, 2.0, 4) if kwargs.pop("weight", False) else None
    lm = nn.NLLLoss(None if weight is None else mt.tensor(weight), **kwargs)(mt.tensor(x),
                                                                              mt.tensor(target))
    lt = torch.nn.NLLLoss(None if weight is None else torch.tensor(weight), **kwargs)(
        torch.tensor(x), torch.tensor(target))
    np.testing.assert_allclose(to_numpy(lm), lt.numpy(), rtol=1e-12)
    reduction = kwargs.get("reduction", "mean")
    y = rng.standard_normal((5, 4))
    np.testing.assert_allclose(
        to_numpy(nn.MSELoss(reduction=reduction)(mt.tensor(x), mt.tensor(y))),
        torch.nn.MSELoss(reduction=reduction)(torch.tensor(x), torch.tensor(y)).numpy(), rtol=1e-12)


def test_loss_errors():
    logits = mt.zeros(2, 3)
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(logits, mt.tensor([0, 3]))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="to match target batch_size"):
        F.cross_entropy(logits, mt.tensor([0, 1, 2]))
    with pytest.warns(UserWarning, match="Using a target size"):  # broadcast, as PyTorch does
        assert F.mse_loss(mt.zeros(3), mt.zeros(3, 1)).item() == 0.0
    with pytest.raises(RuntimeError, match="label_smoothing"):
        F.cross_entropy(logits, mt.tensor([0, 1]), label_smoothing=1.5)


# ---------------------------------------------------------------------------- numerical gradients
NUMERIC_CASES = {
    "linear": (lambda x, w, b: F.linear(x, w, b), [(3, 4), (2, 4), (2,)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), [(3, 4)]),
    "max_pool": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 5, 6)]),
    "avg_pool": (lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 5, 6)]),
    "adaptive_avg_pool": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   [(3, 2, 2, 2), (2,), (2,)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, mt.tensor([0, 2, 1]), label_smoothing=0.1,
                                                weight=mt.tensor([1.0, 2.0, 0.5],
                                                                 dtype=mt.float64)), [(3, 3)]),
    "mse": (lambda x, y: F.mse_loss(x, y), [(3, 2), (3, 2)]),
}


@pytest.mark.parametrize("name", sorted(NUMERIC_CASES))
def test_gradients_numerically(rng, name):
    fn, shapes = NUMERIC_CASES[name]
    arrays = [rng.standard_normal(s) for s in shapes]
    if name == "max_pool":  # distinct values: no ties within eps
        arrays[0] = rng.permutation(np.arange(arrays[0].size, dtype=np.float64)).reshape(shapes[0])
    check_grad(fn, arrays, rng)


# ---------------------------------------------------------------------------- init
def test_init_bounds_and_gains():
    w = mt.empty(300, 200)
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    bound = 1 / math.sqrt(200)
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.95 * bound
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(float(w.std()) - math.sqrt(2 / 300)) < 0.01 * math.sqrt(2 / 300) * 5
    nn.init.xavier_uniform_(w, gain=2.0)
    assert float(w.abs().max()) <= 2.0 * math.sqrt(6 / 500)
    nn.init.xavier_normal_(w)
    assert abs(float(w.std()) - math.sqrt(2 / 500)) < 0.05 * math.sqrt(2 / 500)
    nn.init.constant_(w, 0.5)
    assert float(w.min()) == float(w.max()) == 0.5
    assert float(nn.init.zeros_(w).abs().sum()) == 0.0
    assert float(nn.init.ones_(w).sum()) == w.numel()
    assert nn.init._calculate_fan_in_and_fan_out(mt.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError):
        nn.init._calculate_fan_in_and_fan_out(mt.empty(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")


def test_init_gains_match_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("leaky_relu", None),
                        ("selu", None), ("conv2d", None), ("sigmoid", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    for shape in [(5, 3), (8, 4, 3, 3), (2, 6, 5)]:
        assert nn.init._calculate_fan_in_and_fan_out(mt.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_init_is_seeded_and_consumes_the_generator():
    mt.manual_seed(7)
    a = to_numpy(nn.Linear(4, 3).weight)
    b = to_numpy(nn.Linear(4, 3).weight)
    mt.manual_seed(7)
    np.testing.assert_array_equal(a, to_numpy(nn.Linear(4, 3).weight))
    assert not np.array_equal(a, b)


# ---------------------------------------------------------------------------- training
def test_small_training_run_reduces_the_loss():
    mt.manual_seed(0)
    x = mt.randn(32, 1, 6, 6)
    y = mt.tensor(np.arange(32) % 4)
    model = nn.Sequential(nn.AvgPool2d(2, 1), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4, 32),
                          nn.BatchNorm1d(32), nn.LeakyReLU(), nn.Dropout(0.1), nn.Linear(32, 4))
    opt = mt.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]



def test_max_pool_nan_wins_its_window_and_takes_the_gradient():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan  # in the top-left window, whose largest number is 5 at (1, 1)
    xt = mt.tensor(x, requires_grad=True)
    y, indices = F.max_pool2d(xt, 2, return_indices=True)
    values = y.detach().numpy()[0, 0]
    assert np.isnan(values[0, 0]) and values[0, 1] == 7 and values[1, 1] == 15
    assert indices.numpy()[0, 0, 0, 0] == 1
    y.backward(mt.ones_like(y))
    grad = xt.grad.numpy()[0, 0]
    assert grad[0, 1] == 1 and grad[1, 1] == 0 and grad.sum() == 4


def test_max_pool_with_nan_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 7, 8))
    x[rng.random(x.shape) < 0.1] = np.nan
    ours = F.max_pool2d(mt.tensor(x), 3, stride=2, padding=1)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(x), 3, stride=2, padding=1)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_linear_on_more_than_two_dimensions_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x, w, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((6, 5)), rng.standard_normal(6)
    upstream = rng.standard_normal((2, 3, 4, 6))
    ours = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out_ours, out_theirs = F.linear(*ours), torch.nn.functional.linear(*theirs)
    out_ours.backward(mt.tensor(upstream))
    out_theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-12)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- added activations and losses
def _probabilities(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


# name: (fn(lib, *inputs), [(shape, draw)]): lib is minitorch_conv or torch; every floating input
# requires grad, targets and weights included (torch differentiates those too)
FUNCTIONAL_CASES = {
    "gelu": (lambda l, x: l.nn.functional.gelu(x), [((3, 4), "normal")]),
    "gelu_tanh": (lambda l, x: l.nn.functional.gelu(x, approximate="tanh"), [((3, 4), "normal")]),
    "silu": (lambda l, x: l.nn.functional.silu(x), [((3, 4), "normal")]),
    "elu": (lambda l, x: l.nn.functional.elu(x, alpha=0.7), [((3, 4), "normal")]),
    "softplus": (lambda l, x: l.nn.functional.softplus(x * 10), [((3, 4), "normal")]),
    "softplus_beta": (lambda l, x: l.nn.functional.softplus(x, beta=2.0, threshold=1.5),
                      [((3, 4), "normal")]),
    "l1": (lambda l, x, y: l.nn.functional.l1_loss(x, y), [((3, 4), "normal"), ((3, 4), "normal")]),
    "l1_sum": (lambda l, x, y: l.nn.L1Loss(reduction="sum")(x, y),
               [((3, 4), "normal"), ((3, 4), "normal")]),
    "l1_none": (lambda l, x, y: l.nn.functional.l1_loss(x, y, reduction="none"),
                [((5,), "normal"), ((5,), "normal")]),
    "bce": (lambda l, x, t: l.nn.functional.binary_cross_entropy(x, t),
            [((3, 4), "probability"), ((3, 4), "probability")]),
    "bce_weight_none": (lambda l, x, t: l.nn.functional.binary_cross_entropy(
        x, t, l.tensor([0.5, 2.0, 1.0, 3.0], dtype=x.dtype), reduction="none"),
        [((3, 4), "probability"), ((3, 4), "probability")]),
    "bce_module_sum": (lambda l, x, t: l.nn.BCELoss(reduction="sum")(x, t),
                       [((6,), "probability"), ((6,), "probability")]),
    "bce_logits": (lambda l, x, t: l.nn.functional.binary_cross_entropy_with_logits(x * 5, t),
                   [((3, 4), "normal"), ((3, 4), "probability")]),
    # (torch refuses gradients for weight and pos_weight here: constants)
    "bce_logits_weights": (lambda l, x, t: l.nn.functional.binary_cross_entropy_with_logits(
        x, t, l.tensor([[0.5], [1.5], [2.0]], dtype=x.dtype), reduction="sum",
        pos_weight=l.tensor([3.0, 0.5, 1.0, 2.0], dtype=x.dtype)),
        [((3, 4), "normal"), ((3, 4), "probability")]),
    "bce_logits_module": (lambda l, x, t: l.nn.BCEWithLogitsLoss(reduction="none")(x, t),
                          [((2, 3), "normal"), ((2, 3), "probability")]),
}


def _functional_arrays(rng, specs):
    return [rng.standard_normal(shape) if draw == "normal" else _probabilities(rng, shape)
            for shape, draw in specs]


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_CASES))
def test_added_functional_match_torch(rng, name):
    torch = pytest.importorskip("torch")
    fn, specs = FUNCTIONAL_CASES[name]
    check_torch(torch, fn, _functional_arrays(rng, specs), rng)


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_CASES))
def test_added_functional_gradients_numerically(rng, name):
    fn, specs = FUNCTIONAL_CASES[name]
    check_grad(lambda *xs: fn(mt, *xs), _functional_arrays(rng, specs), rng)


def test_bce_at_zero_and_one_matches_torch():
    """Logs clamped at -100 and the gradient's 1e-12 floor: finite where the naive formula is not."""
    torch = pytest.importorskip("torch")
    x, t = [1.0, 0.0, 1.0, 0.0, 0.5], [0.0, 1.0, 1.0, 0.0, 0.3]
    xm = mt.tensor(x, dtype=mt.float64, requires_grad=True)
    tm = mt.tensor(t, dtype=mt.float64, requires_grad=True)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(t, dtype=torch.float64, requires_grad=True)
    lm, lt = F.binary_cross_entropy(xm, tm, reduction="none"), torch.nn.functional.binary_cross_entropy(
        xt, tt, reduction="none")
    np.testing.assert_allclose(to_numpy(lm), lt.detach().numpy(), rtol=1e-12)
    lm.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(to_numpy(xm.grad), xt.grad.numpy(), rtol=1e-8)  # torch's 1e-12 is a float
    # the target's gradient is that of the loss as computed, logs clamped at -100: +-100 where
    # torch, differentiating the unclamped logs, gives +-inf
    finite = np.isfinite(tt.grad.numpy())
    np.testing.assert_allclose(to_numpy(tm.grad)[finite], tt.grad.numpy()[finite], rtol=1e-12)
    assert (np.sign(to_numpy(tm.grad)[~finite]) == np.sign(tt.grad.numpy()[~finite])).all()
    assert (np.abs(to_numpy(tm.grad)[~finite]) == 100).all()
    for dtype in (mt.float32, mt.float64):  # no warning, no inf, no nan
        loss = F.binary_cross_entropy(mt.tensor([0.0, 1.0], dtype=dtype), mt.tensor([1.0, 0.0], dtype=dtype))
        assert loss.item() == pytest.approx(100.0)


def test_bce_with_logits_is_stable_for_large_logits():
    torch = pytest.importorskip("torch")
    x, t = [800.0, -800.0, 30.0, -30.0, 0.0], [0.0, 1.0, 1.0, 0.0, 1.0]
    pw = [3.0]
    for dtype in ("float32", "float64"):
        xm = mt.tensor(x, dtype=getattr(mt, dtype), requires_grad=True)
        xt = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
        lm = F.binary_cross_entropy_with_logits(xm, mt.tensor(t, dtype=getattr(mt, dtype)), reduction="none",
                                                pos_weight=mt.tensor(pw, dtype=getattr(mt, dtype)))
        lt = torch.nn.functional.binary_cross_entropy_with_logits(
            xt, torch.tensor(t, dtype=getattr(torch, dtype)), reduction="none",
            pos_weight=torch.tensor(pw, dtype=getattr(torch, dtype)))
        assert lm.dtype == getattr(mt, dtype)
        np.testing.assert_allclose(to_numpy(lm), lt.detach().numpy(), rtol=1e-6)
        lm.sum().backward()
        lt.sum().backward()
        np.testing.assert_allclose(to_numpy(xm.grad), xt.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_elu_softplus_gelu_stay_finite_on_large_inputs():
    x = mt.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    for fn in (F.elu, F.softplus, F.gelu, F.silu):
        x.grad = None
        y = fn(x)
        y.sum().backward()
        assert np.isfinite(to_numpy(y)).all() and np.isfinite(to_numpy(x.grad)).all(), fn.__name__


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    idx = np.array([[0, 3], [2, 1]])
    for k in (-1, 5):
        ours = F.one_hot(mt.tensor(idx), k)
        theirs = torch.nn.functional.one_hot(torch.tensor(idx), k)
        assert ours.dtype == mt.int64 and ours.tolist() == theirs.tolist()
    assert F.one_hot(mt.tensor([], dtype=mt.int64), 3).shape == (0, 3)


ADDED_NN_ERRORS = [
    (lambda l: l.nn.functional.one_hot(l.tensor([1.0, 2.0])), RuntimeError, "LongTensor"),
    (lambda l: l.nn.functional.one_hot(l.tensor([1, 5]), 3), RuntimeError, "smaller than num_classes"),
    (lambda l: l.nn.functional.one_hot(l.tensor([1, -1])), RuntimeError, "non-negative"),
    (lambda l: l.nn.functional.one_hot(l.tensor([], dtype=l.int64)), RuntimeError, "empty tensor"),
    (lambda l: l.nn.functional.gelu(l.ones(2), approximate="fast"), RuntimeError, "none or tanh"),
    (lambda l: l.nn.GELU(approximate="fast")(l.ones(2)), RuntimeError, "none or tanh"),
    (lambda l: l.nn.functional.binary_cross_entropy(l.tensor([1.5]), l.tensor([0.5])), RuntimeError,
     "between 0 and 1"),
    (lambda l: l.nn.functional.binary_cross_entropy(l.ones(2) / 2, l.ones(3)), ValueError, "size"),
    (lambda l: l.nn.functional.binary_cross_entropy_with_logits(l.ones(2), l.ones(3)), ValueError,
     "Target size"),
]


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("case", range(len(ADDED_NN_ERRORS)))
def test_added_nn_errors_match_torch(case):
    raises_like_torch(*ADDED_NN_ERRORS[case])


def test_added_modules_repr_and_buffers_match_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in [("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}),
                         ("SiLU", {"inplace": True}), ("ELU", {"alpha": 0.5}), ("Softplus", {}),
                         ("Softplus", {"beta": 2, "threshold": 10}), ("L1Loss", {}), ("BCELoss", {}),
                         ("BCEWithLogitsLoss", {})]:
        assert repr(getattr(nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))
    for loss in (nn.BCEWithLogitsLoss, nn.BCELoss, nn.L1Loss):  # checked earlier than in torch
        with pytest.raises(ValueError, match="not a valid value for reduction"):
            loss(reduction="avg")
    ours = nn.BCEWithLogitsLoss(weight=mt.ones(3), pos_weight=mt.ones(3) * 2)
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.ones(3), pos_weight=torch.ones(3) * 2)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "pos_weight"]
