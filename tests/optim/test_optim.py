"""optim: SGD and Adam trained through autograd against PyTorch, param groups, state_dict.

Every optimizer's update, option by option, is in test_optimizers.py; the schedules are in
test_lr_schedulers.py.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import to_numpy

import minitorch_conv as mt
from minitorch_conv import nn


def trajectories(torch, make_ours, make_theirs, rng, steps=8, dtype="float64", shapes=((3, 4), (4,))):
    """Run both optimizers on the same quadratic-plus-linear losses; return both parameter lists."""
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [nn.Parameter(mt.tensor(a)) for a in init]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in init]
    opt_m, opt_t = make_ours(ours), make_theirs(theirs)
    for _ in range(steps):
        coeffs = [rng.standard_normal(s).astype(dtype) for s in shapes]
        opt_m.zero_grad()
        opt_t.zero_grad()
        sum(((p * p) * 0.5 + p * mt.tensor(c)).sum() for p, c in zip(ours, coeffs)).backward()
        sum(((p * p) * 0.5 + p * torch.tensor(c)).sum() for p, c in zip(theirs, coeffs)).backward()
        opt_m.step()
        opt_t.step()
    return ours, theirs, opt_m, opt_t


SGD_CASES = [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True),
             dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.1),
             dict(lr=0.1, momentum=0.9, maximize=True)]
ADAM_CASES = [dict(), dict(lr=0.05, betas=(0.8, 0.99)), dict(lr=0.01, weight_decay=0.1),
              dict(lr=0.01, amsgrad=True), dict(lr=0.01, eps=1e-3, maximize=True)]


@pytest.mark.parametrize("kwargs", SGD_CASES)
def test_sgd_trajectory_matches_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs, opt_m, opt_t = trajectories(
        torch, lambda p: mt.optim.SGD(p, **kwargs), lambda p: torch.optim.SGD(p, **kwargs), rng)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(to_numpy(a), b.detach().numpy(), rtol=1e-12, atol=1e-14)
    if kwargs.get("momentum"):
        np.testing.assert_allclose(to_numpy(opt_m.state[ours[0]]["momentum_buffer"]),
                                   opt_t.state[theirs[0]]["momentum_buffer"].numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs", ADAM_CASES)
def test_adam_trajectory_matches_torch(rng, name, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs, opt_m, opt_t = trajectories(
        torch, lambda p: getattr(mt.optim, name)(p, **kwargs),
        lambda p: getattr(torch.optim, name)(p, **kwargs), rng)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(to_numpy(a), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    state_m, state_t = opt_m.state[ours[0]], opt_t.state[theirs[0]]
    assert set(state_m) == set(state_t)
    assert state_m["step"].item() == state_t["step"].item() == 8
    for key in state_t:
        np.testing.assert_allclose(to_numpy(state_m[key]), state_t[key].numpy(), rtol=1e-10)


def test_adam_float32_stays_float32_and_tracks_torch(rng):
    torch = pytest.importorskip("torch")
    ours, theirs, opt_m, _ = trajectories(torch, lambda p: mt.optim.Adam(p, lr=0.01),
                                          lambda p: torch.optim.Adam(p, lr=0.01), rng,
                                          dtype="float32")
    assert ours[0].dtype == mt.float32 and opt_m.state[ours[0]]["exp_avg"].dtype == mt.float32
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(to_numpy(a), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    p, q = [nn.Parameter(mt.zeros(1))], [torch.nn.Parameter(torch.zeros(1))]
    for name in ("SGD", "Adam", "AdamW"):
        ours, theirs = getattr(mt.optim, name)(p).defaults, getattr(torch.optim, name)(q).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)


def test_param_groups_and_skipping_params_without_grad():
    a, b, c = (nn.Parameter(mt.ones(2)) for _ in range(3))
    opt = mt.optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    (a.sum() + b.sum()).backward()
    opt.step()
    np.testing.assert_allclose(to_numpy(a), [0.9, 0.9], rtol=1e-6)
    assert to_numpy(b).tolist() == [0.0, 0.0]
    opt.add_param_group({"params": [c], "momentum": 0.9})
    opt.step()  # c has no gradient: untouched
    assert to_numpy(c).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    opt.zero_grad()
    assert a.grad is None
    (a.sum()).backward()
    opt.zero_grad(set_to_none=False)
    assert to_numpy(a.grad).tolist() == [0.0, 0.0]


def test_bad_hyperparameters():
    p = [nn.Parameter(mt.zeros(1))]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        mt.optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        mt.optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        mt.optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty parameter list"):
        mt.optim.Adam([])
    with pytest.raises(TypeError):
        mt.optim.Adam(nn.Parameter(mt.zeros(1)))
    with pytest.raises(ValueError, match="non-leaf"):
        mt.optim.SGD([nn.Parameter(mt.zeros(1)) * 2])


def test_step_runs_closure():
    w = nn.Parameter(mt.tensor([3.0]))
    opt = mt.optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 9.0
    assert w.item() == 0.0


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_state_dict_round_trip_continues_identically(rng, name):
    kwargs = dict(lr=0.1, momentum=0.9) if name == "SGD" else dict(lr=0.1, amsgrad=True)
    x = mt.tensor(rng.standard_normal((8, 3)))

    def run(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()

    mt.manual_seed(0)
    model = nn.Linear(3, 2, dtype=mt.float64)
    opt = getattr(mt.optim, name)(model.parameters(), **kwargs)
    run(model, opt, 3)
    buffer = io.BytesIO()  # state_dict() shares the live tensors (as in PyTorch): save a copy
    mt.save({"model": model.state_dict(), "opt": opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = mt.load(buffer)
    saved_model, saved_opt = saved["model"], saved["opt"]
    assert sorted(saved_opt["state"]) == [0, 1]
    assert saved_opt["param_groups"][0]["params"] == [0, 1]
    run(model, opt, 3)

    twin = nn.Linear(3, 2, dtype=mt.float64)
    twin.load_state_dict(saved_model)
    twin_opt = getattr(mt.optim, name)(twin.parameters(), lr=123.0)
    twin_opt.load_state_dict(saved_opt)
    assert twin_opt.param_groups[0]["lr"] == 0.1
    run(twin, twin_opt, 3)
    for a, b in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def test_load_state_dict_mismatch_is_clear():
    a = mt.optim.SGD([nn.Parameter(mt.zeros(1))], lr=0.1)
    b = mt.optim.SGD([nn.Parameter(mt.zeros(1)), nn.Parameter(mt.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        a.load_state_dict(b.state_dict())


def test_state_dict_matches_torch_layout():
    torch = pytest.importorskip("torch")
    ours = mt.optim.Adam([nn.Parameter(mt.ones(2))], lr=0.1)
    theirs = torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=0.1)
    for opt in (ours, theirs):
        (opt.param_groups[0]["params"][0] ** 2).sum().backward()
        opt.step()
    s_m, s_t = ours.state_dict(), theirs.state_dict()
    assert set(s_m) == set(s_t) == {"state", "param_groups"}
    assert set(s_m["state"][0]) == set(s_t["state"][0])
    assert set(s_t["param_groups"][0]) >= set(s_m["param_groups"][0])
