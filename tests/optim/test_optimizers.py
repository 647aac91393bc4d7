"""Optimizers: every update against PyTorch step by step in float64, and hand-computed first steps.

With PyTorch installed, each optimizer runs side by side with PyTorch's on the same parameters (three
shapes in two groups, one gradient missing at one step) and the same random gradients; after every
step the parameters and the whole per-parameter state must agree to ~1e-12. Signatures, defaults,
error messages and state dicts are compared too, and state dicts cross over in both directions.
Without PyTorch, the first step of each optimizer is checked against the formula worked by hand.
"""

from __future__ import annotations

import copy
import inspect
import io
import pickle
import warnings

import numpy as np
import pytest
from helpers import to_numpy

import minitorch_conv as mt
from minitorch_conv import nn

NAMES = ["SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop", "Adamax", "NAdam", "RAdam"]

CASES = {
    "SGD": [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True),
            dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.1),
            dict(lr=0.1, momentum=0.9, maximize=True, weight_decay=0.01, foreach=False)],
    "Adam": [dict(), dict(lr=0.05, betas=(0.8, 0.99)), dict(lr=0.01, weight_decay=0.1),
             dict(lr=0.01, amsgrad=True, maximize=True, eps=1e-3),
             dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)],
    "AdamW": [dict(), dict(lr=0.01, weight_decay=0.1, amsgrad=True), dict(maximize=True, betas=(0.5, 0.9))],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.5, eps=1e-3, weight_decay=0.1), dict(maximize=True)],
    "Adagrad": [dict(), dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6),
                dict(maximize=True)],
    "RMSprop": [dict(), dict(lr=0.01, alpha=0.9, centered=True), dict(lr=0.01, momentum=0.9),
                dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)],
    "Adamax": [dict(), dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, eps=1e-3), dict(maximize=True)],
    "NAdam": [dict(), dict(lr=0.01, momentum_decay=0.1, weight_decay=0.1),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)],
    "RAdam": [dict(), dict(lr=0.01, weight_decay=0.1, betas=(0.9, 0.9)),  # beta2=0.9: rectified from step 6
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True, betas=(0.8, 0.9))],
}
CASE_IDS = [(name, i) for name in NAMES for i in range(len(CASES[name]))]
SHAPES = [(3, 4), (5,), ()]


def groups_of(params):
    """Two groups: the first two tensors with the defaults, the scalar with its own lr."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.03}]


def assert_same_state(state_m: dict, state_t: dict, where: str, rtol=1e-12, atol=1e-13) -> None:
    assert set(state_m) == set(state_t), where
    for key, theirs in state_t.items():
        ours = state_m[key]
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), (where, key)
        assert tuple(ours.shape) == tuple(theirs.shape), (where, key)
        np.testing.assert_allclose(to_numpy(ours), theirs.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{where}: state[{key!r}]")


def side_by_side(torch, name, kwargs, rng, steps=10, dtype="float64", rtol=1e-12, atol=1e-13):
    """Step our optimizer and PyTorch's on the same gradients, comparing after every step."""
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ours = [nn.Parameter(mt.tensor(a)) for a in init]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in init]
    opt_m = getattr(mt.optim, name)(groups_of(ours), **kwargs)
    opt_t = getattr(torch.optim, name)(groups_of(theirs), **kwargs)
    for step in range(steps):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if step == 3 and i == 1:  # no gradient: this parameter and its state are left alone
                a.grad = b.grad = None
                continue
            g = rng.standard_normal(SHAPES[i]).astype(dtype)
            a.grad, b.grad = mt.tensor(g), torch.tensor(g)
        opt_m.step()
        opt_t.step()
        for i, (a, b) in enumerate(zip(ours, theirs)):
            where = f"{name}({kwargs}) step {step + 1}, param {i}"
            np.testing.assert_allclose(to_numpy(a), b.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)
            assert_same_state(opt_m.state[a], opt_t.state[b], where, rtol, atol)
    return ours, theirs, opt_m, opt_t


@pytest.mark.parametrize("name, case", CASE_IDS)
def test_every_step_matches_torch_in_float64(rng, name, case):
    torch = pytest.importorskip("torch")
    kwargs = CASES[name][case]
    _, _, opt_m, opt_t = side_by_side(torch, name, kwargs, rng)
    sd_m, sd_t = opt_m.state_dict(), opt_t.state_dict()
    assert sd_m["param_groups"] == sd_t["param_groups"]
    assert sorted(sd_m["state"]) == sorted(sd_t["state"]) == [0, 1, 2]


@pytest.mark.parametrize("name", NAMES)
def test_float32_steps_track_torch(rng, name):
    """In float32 the arithmetic stays float32 (no float64 detour), so PyTorch is tracked closely."""
    torch = pytest.importorskip("torch")
    side_by_side(torch, name, CASES[name][-1], rng, steps=5, dtype="float32", rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_defaults_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = inspect.signature(getattr(mt.optim, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == \
           [(p.name, p.kind, p.default) for p in theirs.values()]
    p, q = [nn.Parameter(mt.zeros(1))], [torch.nn.Parameter(torch.zeros(1))]
    assert getattr(mt.optim, name)(p).defaults == getattr(torch.optim, name)(q).defaults


# PyTorch 2.13's defaults, written out: what the signatures must give without PyTorch to compare with
DEFAULTS = {
    "SGD": dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False),
    "Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 decoupled_weight_decay=False),
    "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                  decoupled_weight_decay=True),
    "Adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0),
    "Adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10),
    "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False),
    "Adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0),
    "NAdam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                  decoupled_weight_decay=False),
    "RAdam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False),
}


@pytest.mark.parametrize("name", NAMES)
def test_defaults_are_pytorchs(name):
    defaults = getattr(mt.optim, name)([nn.Parameter(mt.zeros(1))]).defaults
    assert {k: defaults[k] for k in DEFAULTS[name]} == DEFAULTS[name]
    assert defaults["maximize"] is False and defaults["foreach"] is None
    assert defaults["differentiable"] is False


# --------------------------------------------------------------------- first steps, by hand
P0, G = np.array([1.0, -2.0]), np.array([3.0, -4.0])
MU1 = 0.9 * (1 - 0.5 * 0.96 ** 0.004)  # NAdam's momentum schedule at steps 1 and 2
MU2 = 0.9 * (1 - 0.5 * 0.96 ** 0.008)
MU1_F32 = float(np.float32(MU1))  # PyTorch keeps the product of the mu's in float32
G_WD = G + 0.1 * P0  # the gradient with an L2 penalty of 0.1
FIRST_STEPS = {
    "sgd_nesterov_wd": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
                        P0 - 0.1 * (G_WD + 0.9 * G_WD)),
    "sgd_maximize": ("SGD", dict(lr=0.1, maximize=True), P0 + 0.1 * G),
    "sgd_dampening": ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5), P0 - 0.1 * G),  # b = g at first
    "adam": ("Adam", dict(lr=0.1), P0 - 0.1 * G / (np.abs(G) + 1e-8)),  # m/(1-b1) = g, v/(1-b2) = g^2
    "adam_l2_amsgrad": ("Adam", dict(lr=0.1, weight_decay=0.1, amsgrad=True),
                        P0 - 0.1 * G_WD / (np.abs(G_WD) + 1e-8)),
    "adamw": ("AdamW", dict(lr=0.1, weight_decay=0.5), P0 * (1 - 0.05) - 0.1 * G / (np.abs(G) + 1e-8)),
    "adadelta": ("Adadelta", dict(lr=1.0, rho=0.5, eps=1e-2),
                 P0 - np.sqrt(1e-2) / np.sqrt(0.5 * G**2 + 1e-2) * G),
    "adagrad": ("Adagrad", dict(lr=0.5, lr_decay=0.1, initial_accumulator_value=1.0),
                P0 - 0.5 * G / (np.sqrt(1.0 + G**2) + 1e-10)),
    "rmsprop_centered_momentum": ("RMSprop", dict(lr=0.01, alpha=0.75, centered=True, momentum=0.5),
                                  P0 - 0.01 * G / (np.sqrt(0.25 * G**2 - (0.25 * G) ** 2) + 1e-8)),
    "rmsprop_maximize": ("RMSprop", dict(lr=0.01, alpha=0.75, maximize=True),
                         P0 + 0.01 * G / (np.sqrt(0.25 * G**2) + 1e-8)),
    "adamax_wd": ("Adamax", dict(lr=0.1, weight_decay=0.1), P0 - 0.1 * G_WD / (np.abs(G_WD) + 1e-8)),
    "nadam": ("NAdam", dict(lr=0.1), P0 - 0.1 * (1 - MU1) / (1 - MU1_F32) * G / (np.abs(G) + 1e-8)
              - 0.1 * MU2 / (1 - MU1_F32 * MU2) * (0.1 * G) / (np.abs(G) + 1e-8)),
    "nadamw": ("NAdam", dict(lr=0.1, weight_decay=0.5, decoupled_weight_decay=True),
               P0 * 0.95 - 0.1 * (1 - MU1) / (1 - MU1_F32) * G / (np.abs(G) + 1e-8)
               - 0.1 * MU2 / (1 - MU1_F32 * MU2) * (0.1 * G) / (np.abs(G) + 1e-8)),
    "radam": ("RAdam", dict(lr=0.1), P0 - 0.1 * G),  # rho_1 = 1 <= 5: an unrectified momentum step
    "radam_l2": ("RAdam", dict(lr=0.1, weight_decay=0.1), P0 - 0.1 * G_WD),
}


@pytest.mark.parametrize("case", sorted(FIRST_STEPS))
def test_first_step_is_the_formula(case):
    name, kwargs, expected = FIRST_STEPS[case]
    w = nn.Parameter(mt.tensor(P0))
    opt = getattr(mt.optim, name)([w], **kwargs)
    w.grad = mt.tensor(G)
    opt.step()
    np.testing.assert_allclose(to_numpy(w), expected, rtol=1e-13, atol=1e-15)


def test_radam_rectified_steps_follow_the_paper(rng):
    """Seven steps with beta2 = 0.9: rho_t passes 5 at step 6, where the rectified adaptive step
    takes over; NumPy follows Liu et al.'s algorithm alongside."""
    b1, b2, lr, eps = 0.9, 0.9, 0.01, 1e-8
    p = rng.standard_normal(4)
    w = nn.Parameter(mt.tensor(p))
    opt = mt.optim.RAdam([w], lr=lr, betas=(b1, b2), eps=eps)
    m, v, rho_inf = np.zeros(4), np.zeros(4), 2 / (1 - b2) - 1
    for t in range(1, 8):
        g = rng.standard_normal(4)
        w.grad = mt.tensor(g)
        opt.step()
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * r * np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
        else:
            p = p - lr * m_hat
        np.testing.assert_allclose(to_numpy(w), p, rtol=1e-12, atol=1e-14, err_msg=f"step {t}")
    assert rho_t > 5


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_steps_on_each_device(device, name):
    """The same three steps on ``device`` as on the CPU (the step counters stay on the CPU)."""
    kwargs = CASES[name][-1]
    results = []
    for where in ("cpu", device):
        w = nn.Parameter(mt.tensor(np.linspace(-1.0, 1.0, 6)).to(where))
        opt = getattr(mt.optim, name)([w], **kwargs)
        for k in range(3):
            w.grad = mt.tensor(np.cos(np.arange(6.0) + k)).to(where)
            opt.step()
        assert w.device == mt.device(where) and all(
            value.device == mt.device("cpu" if key in ("step", "mu_product") else where)
            for key, value in opt.state[w].items())
        results.append(to_numpy(w))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_keep_float32_state(name):
    w = nn.Parameter(mt.tensor([1.0, -2.0]))
    opt = getattr(mt.optim, name)([w], **({"momentum": 0.9} if name == "SGD" else {}))
    for _ in range(2):
        w.grad = mt.tensor([0.5, -0.25])
        opt.step()
    assert w.dtype == mt.float32
    for key, value in opt.state[w].items():
        expected = mt.float32  # the moments follow the parameter; step and mu_product: float32 too
        assert value.dtype == expected, key
    assert np.all(np.isfinite(to_numpy(w))) and to_numpy(w)[0] != 1.0


def test_step_counters_are_float64_when_that_is_the_default_dtype():
    previous = mt.get_default_dtype()
    mt.set_default_dtype(mt.float64)
    try:
        w = nn.Parameter(mt.tensor([1.0]))
        opt = mt.optim.NAdam([w])
        w.grad = mt.tensor([1.0])
        opt.step()
        assert opt.state[w]["step"].dtype == opt.state[w]["mu_product"].dtype == mt.float64
    finally:
        mt.set_default_dtype(previous)


# --------------------------------------------------------------------- bad arguments
FUSED_FOREACH = "`fused` and `foreach` cannot be `True` together."
FUSED_DIFFERENTIABLE = "`fused` does not support `differentiable`"
BAD_ARGUMENTS = [
    ("SGD", dict(lr=-1), ValueError, "Invalid learning rate: -1"),
    ("SGD", dict(momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
    ("SGD", dict(weight_decay=-1e-4), ValueError, "Invalid weight_decay value: -0.0001"),
    ("SGD", dict(nesterov=True), ValueError, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(fused=True, differentiable=True), RuntimeError, FUSED_DIFFERENTIABLE),
    ("SGD", dict(fused=True, foreach=True), RuntimeError, FUSED_FOREACH),
    ("Adam", dict(lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("Adam", dict(eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.999)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    ("Adam", dict(betas=(0, 0.999)), ValueError, "betas must be either both floats or both Tensors"),
    ("Adam", dict(fused=True, foreach=True), RuntimeError, FUSED_FOREACH),
    ("AdamW", dict(betas=(0.9, 1.5)), ValueError, "Invalid beta parameter at index 1: 1.5"),
    ("AdamW", dict(fused=True, differentiable=True), RuntimeError, FUSED_DIFFERENTIABLE),
    ("Adadelta", dict(lr=-2), ValueError, "Invalid learning rate: -2"),
    ("Adadelta", dict(rho=1.5), ValueError, "Invalid rho value: 1.5"),
    ("Adadelta", dict(eps=-1e-6), ValueError, "Invalid epsilon value: -1e-06"),
    ("Adadelta", dict(weight_decay=-0.5), ValueError, "Invalid weight_decay value: -0.5"),
    ("Adagrad", dict(lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-0.1), ValueError,
     "Invalid initial_accumulator_value value: -0.1"),
    ("Adagrad", dict(eps=-1), ValueError, "Invalid epsilon value: -1"),
    ("Adagrad", dict(fused=True, differentiable=True), RuntimeError, FUSED_DIFFERENTIABLE),
    ("RMSprop", dict(alpha=-0.99), ValueError, "Invalid alpha value: -0.99"),
    ("RMSprop", dict(momentum=-1), ValueError, "Invalid momentum value: -1"),
    ("RMSprop", dict(eps=-1, momentum=-1), ValueError, "Invalid epsilon value: -1"),
    ("Adamax", dict(betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0"),
    ("Adamax", dict(lr=-1e-3), ValueError, "Invalid learning rate: -0.001"),
    ("NAdam", dict(momentum_decay=-1), ValueError, "Invalid momentum_decay value: -1"),
    ("NAdam", dict(betas=(-0.1, 0.9)), ValueError, "Invalid beta parameter at index 0: -0.1"),
    ("RAdam", dict(weight_decay=-2), ValueError, "Invalid weight_decay value: -2"),
    ("RAdam", dict(eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
]


@pytest.mark.parametrize("name, kwargs, error, message", BAD_ARGUMENTS)
def test_bad_arguments_raise_pytorchs_errors(name, kwargs, error, message):
    with pytest.raises(error) as ours:
        getattr(mt.optim, name)([nn.Parameter(mt.zeros(1))], **kwargs)
    assert str(ours.value) == message


@pytest.mark.parametrize("name, kwargs, error, message", BAD_ARGUMENTS)
def test_bad_argument_messages_are_torchs(name, kwargs, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(1))], **kwargs)
    assert str(theirs.value) == message


def test_bad_params():
    p = nn.Parameter(mt.zeros(1))
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        mt.optim.Adam([])
    with pytest.raises(TypeError, match="an iterable of Tensors or dicts, but got torch.FloatTensor"):
        mt.optim.Adam(p)
    with pytest.raises(TypeError, match="ordering of tensors in sets will change"):
        mt.optim.SGD([{"params": {p}}])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is int"):
        mt.optim.SGD([p, 3])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        mt.optim.SGD([p * 2])
    mt.optim.SGD([p * 2], differentiable=True)  # allowed, as in PyTorch
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        mt.optim.Adagrad([p], lr=mt.tensor([0.1, 0.2]))
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        mt.optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        mt.optim.SGD([p, p])


# --------------------------------------------------------------------- groups, names, state dicts
def test_named_parameters_are_kept_as_param_names():
    model = nn.Linear(2, 1)
    opt = mt.optim.Adam(model.named_parameters())
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="cannot add param group without names to the optimizer"):
        opt.add_param_group({"params": [nn.Parameter(mt.zeros(1))]})
    with pytest.raises(ValueError, match="Some param names are missing"):
        mt.optim.SGD([("a", nn.Parameter(mt.zeros(1))), nn.Parameter(mt.zeros(1))])


def test_named_parameters_state_dict_matches_torch():
    torch = pytest.importorskip("torch")
    ours = mt.optim.SGD(nn.Linear(2, 1).named_parameters(), lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD(torch.nn.Linear(2, 1).named_parameters(), lr=0.1, momentum=0.9)
    assert ours.state_dict()["param_groups"] == theirs.state_dict()["param_groups"]


def test_param_groups_and_skipping_params_without_grad():
    a, b, c = (nn.Parameter(mt.ones(2)) for _ in range(3))
    opt = mt.optim.Adam([{"params": [a]}, {"params": b, "lr": 1.0, "amsgrad": True}], lr=0.1)
    assert [(g["lr"], g["amsgrad"]) for g in opt.param_groups] == [(0.1, False), (1.0, True)]
    a.grad = mt.ones(2)
    opt.step()
    assert b not in opt.state and to_numpy(b).tolist() == [1.0, 1.0]
    opt.add_param_group({"params": [c], "betas": (0.5, 0.9)})
    assert opt.param_groups[2]["eps"] == 1e-8


def test_adagrad_state_exists_before_the_first_step():
    w = nn.Parameter(mt.zeros(3))
    opt = mt.optim.Adagrad([w], initial_accumulator_value=0.25)
    assert to_numpy(opt.state[w]["sum"]).tolist() == [0.25] * 3
    assert opt.state[w]["step"].item() == 0.0
    late = nn.Parameter(mt.zeros(1))
    opt.add_param_group({"params": [late], "initial_accumulator_value": 9.0})
    late.grad = mt.ones(1)
    opt.step()  # a later group is filled at its first step, from the constructor's defaults
    assert opt.state[late]["sum"].item() == pytest.approx(0.25 + 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_matches_torch(rng, name):
    torch = pytest.importorskip("torch")
    kwargs = CASES[name][-1]
    _, _, opt_m, opt_t = side_by_side(torch, name, kwargs, rng, steps=2)
    sd_m, sd_t = opt_m.state_dict(), opt_t.state_dict()
    assert set(sd_m) == set(sd_t) == {"state", "param_groups"}
    assert sd_m["param_groups"] == sd_t["param_groups"]
    for key in sd_t["state"]:
        assert list(sd_m["state"][key]) == list(sd_t["state"][key])  # the same keys, in the same order
        step_m, step_t = sd_m["state"][key]["step"] if "step" in sd_t["state"][key] else None, \
            sd_t["state"][key].get("step")
        if step_t is not None:
            assert step_m.shape == () and step_m.dtype.name == str(step_t.dtype).removeprefix("torch.")


def to_mt(value):
    """A PyTorch state dict's tensors as minitorch_conv tensors (and back, with ``to_torch``)."""
    if hasattr(value, "detach") and hasattr(value, "numpy") and not isinstance(value, mt.Tensor):
        return mt.tensor(value.detach().numpy().copy())
    if isinstance(value, dict):
        return {k: to_mt(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_mt(v) for v in value]
    return value


def to_torch(torch, value):
    if isinstance(value, mt.Tensor):
        return torch.tensor(to_numpy(value).copy())
    if isinstance(value, dict):
        return {k: to_torch(torch, v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_torch(torch, v) for v in value]
    return value


@pytest.mark.parametrize("name", NAMES)
def test_state_dicts_cross_over_to_and_from_torch(rng, name):
    """A state dict written by either library loads into the other, and both then go on alike."""
    torch = pytest.importorskip("torch")
    kwargs = CASES[name][-1]
    ours, theirs, opt_m, opt_t = side_by_side(torch, name, kwargs, rng, steps=3)
    twin_m = getattr(mt.optim, name)(groups_of([nn.Parameter(p.detach().clone()) for p in ours]), lr=7.0)
    twin_m.load_state_dict(to_mt(opt_t.state_dict()))
    twin_t = getattr(torch.optim, name)(groups_of([torch.nn.Parameter(p.detach().clone()) for p in theirs]),
                                        lr=7.0)
    twin_t.load_state_dict(to_torch(torch, opt_m.state_dict()))
    twins_m = [p for g in twin_m.param_groups for p in g["params"]]
    twins_t = [p for g in twin_t.param_groups for p in g["params"]]
    for _ in range(3):
        grads = [rng.standard_normal(s) for s in SHAPES]
        for a, b, g in zip(twins_m, twins_t, grads):
            a.grad, b.grad = mt.tensor(g), torch.tensor(g)
        twin_m.step()
        twin_t.step()
        for a, b in zip(twins_m, twins_t):
            np.testing.assert_allclose(to_numpy(a), b.detach().numpy(), rtol=1e-12, atol=1e-13)
            assert_same_state(twin_m.state[a], twin_t.state[b], name)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_through_save_continues_identically(rng, name):
    kwargs = CASES[name][-1]
    params = [nn.Parameter(mt.tensor(rng.standard_normal(s))) for s in SHAPES]
    opt = getattr(mt.optim, name)(groups_of(params), **kwargs)
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(6)]

    def run(opt, params, grads):
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = mt.tensor(g)
            opt.step()

    run(opt, params, grads[:3])
    buffer = io.BytesIO()
    mt.save({"params": [p.detach() for p in params], "opt": opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = mt.load(buffer)
    run(opt, params, grads[3:])
    twin = [nn.Parameter(p) for p in saved["params"]]
    twin_opt = getattr(mt.optim, name)(groups_of(twin), lr=123.0)
    twin_opt.load_state_dict(saved["opt"])
    assert twin_opt.param_groups[1]["lr"] == 0.03
    run(twin_opt, twin, grads[3:])
    for a, b in zip(params, twin):
        if name == "NAdam":  # loading casts mu_product to the parameter's dtype (as PyTorch does), so
            # the resumed run carries it in float64 where the first one rounded it to float32
            assert twin_opt.state[b]["mu_product"].dtype == mt.float64
            np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-9)
        else:
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def test_load_state_dict_casts_state_to_the_parameter():
    w64 = nn.Parameter(mt.tensor(np.array([1.0, 2.0])))
    opt64 = mt.optim.Adam([w64])
    w64.grad = mt.tensor(np.array([0.5, 0.5]))
    opt64.step()
    w32 = nn.Parameter(mt.tensor([1.0, 2.0]))
    opt32 = mt.optim.Adam([w32])
    opt32.load_state_dict(opt64.state_dict())
    state = opt32.state[w32]
    assert state["exp_avg"].dtype == mt.float32 and state["step"].dtype == mt.float32
    state["exp_avg"].add_(1.0)  # a copy: the source optimizer is not touched
    assert to_numpy(opt64.state[w64]["exp_avg"]).max() < 1.0
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt32.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt32.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


def test_old_state_dicts_get_the_missing_options():
    """A state dict from before an option existed loads with that option's default (as PyTorch's
    __setstate__ fills it), and a step saved as a number becomes a tensor."""
    w = nn.Parameter(mt.zeros(2))
    opt = mt.optim.Adam([w])
    old = {"state": {0: {"step": 3, "exp_avg": mt.zeros(2), "exp_avg_sq": mt.zeros(2)}},
           "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                             "amsgrad": False, "params": [0]}]}
    opt.load_state_dict(old)
    group = opt.param_groups[0]
    assert group["maximize"] is False and group["decoupled_weight_decay"] is False
    assert group["foreach"] is None
    assert isinstance(opt.state[w]["step"], mt.Tensor) and opt.state[w]["step"].item() == 3.0
    w.grad = mt.ones(2)
    opt.step()
    adamw = mt.optim.AdamW([nn.Parameter(mt.zeros(2))])
    adamw.load_state_dict(old)
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_optimizer_survives_deepcopy_and_pickle():
    w = nn.Parameter(mt.tensor([1.0, 2.0]))
    opt = mt.optim.RMSprop([w], lr=0.1, momentum=0.5)
    w.grad = mt.ones(2)
    opt.step()
    for twin in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        (p,) = twin.param_groups[0]["params"]
        assert p is not w and twin.state[p]["step"].item() == 1.0
        p.grad = mt.ones(2)
        twin.step()  # hooks come back empty; stepping works


def test_tensor_lr_gives_the_float_lr_update(rng):
    g = rng.standard_normal(3)
    results = []
    for lr in (0.01, mt.tensor(0.01, dtype=mt.float64)):
        w = nn.Parameter(mt.tensor(np.ones(3)))
        opt = mt.optim.Adam([w], lr=lr)
        w.grad = mt.tensor(g)
        opt.step()
        results.append(to_numpy(w))
    np.testing.assert_array_equal(results[0], results[1])


def test_closure_is_evaluated_with_grad_enabled():
    w = nn.Parameter(mt.tensor([3.0]))
    opt = mt.optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        assert opt.step(closure).item() == 9.0
    assert w.item() == 0.0


def test_zero_grad():
    w = nn.Parameter(mt.ones(2))
    opt = mt.optim.SGD([w])
    w.sum().backward()
    opt.zero_grad(set_to_none=False)
    assert to_numpy(w.grad).tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_repr_lists_each_group():
    opt = mt.optim.SGD([nn.Parameter(mt.ones(1))], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text and text.endswith(")")


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(mt.optim.NAdam([nn.Parameter(mt.ones(1))], lr=0.1)) == \
        repr(torch.optim.NAdam([torch.nn.Parameter(torch.ones(1))], lr=0.1))


# --------------------------------------------------------------------- hooks
def test_step_hooks_run_around_step_and_can_change_its_arguments():
    w = nn.Parameter(mt.ones(1))
    opt = mt.optim.SGD([w], lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre") or (args, {"closure": None}))
    post = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", args == (o,), kwargs)))
    glob = mt.optim.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: calls.append("global"))
    try:
        opt.step()
    finally:
        glob.remove()
    assert calls == ["global", "pre", ("post", True, {"closure": None})]
    pre.remove()
    post.remove()
    calls.clear()
    opt.step()
    assert calls == []
    opt.register_step_pre_hook(lambda o, a, k: "not a tuple")
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\)"):
        opt.step()


def test_step_hooks_run_once_when_a_subclass_calls_super_step():
    class LoggingAdam(mt.optim.Adam):
        def step(self, closure=None):
            self.steps = getattr(self, "steps", 0) + 1
            return super().step(closure)

    w = nn.Parameter(mt.ones(1))
    opt = LoggingAdam([w])
    calls = []
    opt.register_step_post_hook(lambda o, a, k: calls.append(1))
    w.grad = mt.ones(1)
    opt.step()
    assert calls == [1] and opt.steps == 1 and opt.state[w]["step"].item() == 1.0


def test_state_dict_hooks():
    opt = mt.optim.SGD([nn.Parameter(mt.ones(1))], lr=0.1)
    order = []
    opt.register_state_dict_pre_hook(lambda o: order.append("second"))
    opt.register_state_dict_pre_hook(lambda o: order.append("first"), prepend=True)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1 and order == ["first", "second"]
    loaded = []
    opt.register_load_state_dict_pre_hook(lambda o, sd: {**sd, "param_groups": [
        dict(sd["param_groups"][0], lr=0.5)]})
    opt.register_load_state_dict_post_hook(lambda o: loaded.append(o.param_groups[0]["lr"]))
    opt.load_state_dict(opt.state_dict())
    assert loaded == [0.5]


def test_capturable_foreach_and_fused_are_accepted_and_change_nothing(rng):
    g = rng.standard_normal(3)
    results = []
    for options in (dict(), dict(foreach=True), dict(fused=True), dict(capturable=True),
                    dict(differentiable=True)):
        w = nn.Parameter(mt.tensor(np.ones(3)))
        opt = mt.optim.Adam([w], lr=0.1, **options)
        for _ in range(2):
            w.grad = mt.tensor(g)
            opt.step()
        results.append(to_numpy(w))
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.optim.SGD([nn.Parameter(mt.ones(1))], foreach=True).step()
