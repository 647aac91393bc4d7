"""Mixed precision: ``autocast``'s casting policies and ``GradScaler``'s algorithm, against
PyTorch's on the CPU (float16 autocast, ``torch.amp.GradScaler("cpu")``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch_conv as mt


def _model(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Conv2d(1, 3, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(27, 4))


def _copy_weights(source, target):
    torch = pytest.importorskip("torch")
    target.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in source.state_dict().items()})


def test_autocast_dtypes_match_pytorchs():
    torch = pytest.importorskip("torch")
    results = {}
    ours, theirs = _model(mt), _model(torch)
    _copy_weights(ours, theirs)
    data = np.random.default_rng(0).standard_normal((2, 1, 5, 5)).astype(np.float32)
    for lib, model in ((mt, ours), (torch, theirs)):
        x = lib.tensor(data, requires_grad=True)
        with lib.autocast("cpu", dtype=lib.float16):
            hidden = model[0](x)
            logits = model(x)
            probabilities = logits.softmax(1)
            loss = lib.nn.functional.cross_entropy(logits, lib.tensor([0, 3]))
            doubled = lib.ones(2, 2, dtype=lib.float64) @ lib.ones(2, 2, dtype=lib.float64)
            product = lib.ones(2, 3) @ lib.ones(3, 2)
            total = logits.sum()
        loss.backward()
        results[lib.__name__] = dict(
            dtypes=[str(t.dtype).split(".")[-1] for t in (hidden, logits, probabilities, loss, doubled,
                                                           product, total, x.grad, model[0].weight.grad)],
            loss=loss.item(), grad=x.grad.detach().numpy())
    ours, theirs = results["minitorch_conv"], results["torch"]
    assert ours["dtypes"] == theirs["dtypes"]
    assert ours["dtypes"][:4] == ["float16", "float16", "float16", "float32"]  # CPU lists
    assert abs(ours["loss"] - theirs["loss"]) < 1e-2
    np.testing.assert_allclose(ours["grad"], theirs["grad"], atol=1e-2)


def test_autocast_state_nesting_decorator_and_refusals():
    assert not mt.is_autocast_enabled("cpu")
    with mt.autocast("cpu", dtype=mt.float16):
        assert mt.is_autocast_enabled("cpu") and mt.get_autocast_dtype("cpu") == mt.float16
        with mt.autocast("cpu", enabled=False):
            assert (mt.ones(1, 2) @ mt.ones(2, 1)).dtype == mt.float32
        assert (mt.ones(1, 2) @ mt.ones(2, 1)).dtype == mt.float16
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            mt.nn.functional.binary_cross_entropy(mt.full((2,), 0.5), mt.ones(2))
    assert not mt.is_autocast_enabled("cpu")

    @mt.autocast("cpu", dtype=mt.float16)
    def product(a, b):
        return a @ b

    assert product(mt.ones(1, 2), mt.ones(2, 1)).dtype == mt.float16
    with pytest.raises(RuntimeError, match="unsupported autocast device_type"):
        mt.autocast("tpu")


def test_unsupported_targets_warn_and_disable():
    with pytest.warns(UserWarning, match="bfloat16 is not supported"):
        with mt.autocast("cpu"):  # PyTorch's CPU default is bfloat16, which minitorch_conv lacks
            assert (mt.ones(1, 2) @ mt.ones(2, 1)).dtype == mt.float32
    if not mt.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            scaler = mt.cuda.amp.GradScaler()
        assert not scaler.is_enabled() and scaler.scale(mt.ones(1)).item() == 1.0
        with pytest.warns(UserWarning, match="CUDA is not available"):
            with mt.autocast("cuda"):
                pass


def _scaled_training(lib, poison_steps):
    lib.manual_seed(0)
    weight = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
    optimizer = lib.optim.SGD([weight], lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=256.0, growth_interval=2)
    scales, returns = [], []
    for step in range(6):
        optimizer.zero_grad()
        loss = (weight ** 2).sum() * (float("inf") if step in poison_steps else 1.0)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        returns.append(scaler.step(optimizer))
        scaler.update()
        scales.append(scaler.get_scale())
    return weight.detach().numpy().copy(), scales, scaler.state_dict()


def test_grad_scaler_follows_pytorchs_algorithm():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's notes about unscale_ and inf gradients
        ours = _scaled_training(mt, poison_steps={1, 4})
        theirs = _scaled_training(torch, poison_steps={1, 4})
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert ours[1] == theirs[1]  # skipped steps halve the scale; two clean ones double it
    assert ours[2] == {k: (v.item() if hasattr(v, "item") else v) for k, v in theirs[2].items()}


def test_grad_scaler_errors_and_disabled_pass_through():
    weight = mt.nn.Parameter(mt.ones(2))
    optimizer = mt.optim.SGD([weight], lr=0.1)
    scaler = mt.amp.GradScaler("cpu")
    scaler.scale(weight.sum()).backward()
    scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        scaler.unscale_(optimizer)
    scaler.step(optimizer)
    with pytest.raises(RuntimeError, match="after step"):
        scaler.unscale_(optimizer)
    scaler.update()
    off = mt.amp.GradScaler("cpu", enabled=False)
    loss = weight.sum()
    assert off.scale(loss) is loss and off.state_dict() == {} and off.get_scale() == 1.0
    with pytest.raises(ValueError, match="growth factor"):
        mt.amp.GradScaler("cpu", growth_factor=0.5)
