"""The optimizers' array implementations (``foreach`` / ``fused``) against the reference loop and PyTorch.

SGD, Adam, AdamW, RMSprop and Adagrad update the parameters' arrays directly when ``foreach`` or
``fused`` is on (and by default); the reference loop of in-place tensor operations runs with
``foreach=False``. Over a grid of every option combination, in float32 and float64, for several
steps (one parameter without a gradient at one step, a 0-d parameter among them):
- both implementations give the same parameters and state, bit for bit, and move every version
  counter alike;
- the default (array) implementation follows PyTorch's step by step, and the version counters
  move as PyTorch's single-tensor and foreach implementations move them; with ``foreach=True`` and
  ``fused=True``, ours follow PyTorch's foreach and fused implementations.
Then the choice of implementation (PyTorch's rules), the fused state layout, version counters seen
by autograd, and state dicts across implementations and to and from PyTorch.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv import nn
from minitorch_conv.optim.optimizer import _implementation

SHAPES = [(3, 4), (5,), ()]
STEPS = 4


def grid(**choices):
    """Every combination of the given option values, as dicts."""
    names = list(choices)
    return [dict(zip(names, values)) for values in itertools.product(*choices.values())]


def sgd_cases():
    cases = []
    for case in grid(momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True],
                     weight_decay=[0, 0.1], maximize=[False, True]):
        if case["nesterov"] and (case["momentum"] == 0 or case["dampening"] != 0):
            continue  # refused by the constructor
        cases.append(dict(case, lr=0.1))
    return cases


CASES = {
    "SGD": sgd_cases(),
    "Adam": [dict(case, lr=0.05) for case in grid(weight_decay=[0, 0.1], amsgrad=[False, True],
                                                  maximize=[False, True],
                                                  decoupled_weight_decay=[False, True])],
    "AdamW": [dict(case, lr=0.05) for case in grid(weight_decay=[0, 0.1], amsgrad=[False, True],
                                                   maximize=[False, True])],
    "RMSprop": [dict(case, lr=0.01) for case in grid(momentum=[0, 0.9], centered=[False, True],
                                                     weight_decay=[0, 0.1], maximize=[False, True])],
    "Adagrad": [dict(case, lr=0.1) for case in grid(lr_decay=[0, 0.1], weight_decay=[0, 0.1],
                                                    maximize=[False, True])],
}
CASE_IDS = [(name, i) for name, cases in CASES.items() for i in range(len(cases))]
HAS_FUSED = {"SGD", "Adam", "AdamW", "Adagrad"}


def implementations(name: str) -> list[dict]:
    """The array implementations' flags: ``foreach=True``, the default, and ``fused=True``."""
    return [dict(foreach=True), dict()] + ([dict(fused=True)] if name in HAS_FUSED else [])


def initial_values(rng, dtype: str) -> list[np.ndarray]:
    return [np.asarray(rng.standard_normal(s)).astype(dtype) for s in SHAPES]


def gradients(rng, dtype: str) -> list[list[np.ndarray | None]]:
    """STEPS lists of gradients, one per parameter; parameter 1 has none at step 2."""
    return [[None if (step == 2 and i == 1) else np.asarray(rng.standard_normal(s)).astype(dtype)
             for i, s in enumerate(SHAPES)] for step in range(STEPS)]


def groups_of(params):
    """Two groups, the second with its own lr, as in tests/optim/test_optimizers.py."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.03}]


def run_ours(name, kwargs, init, grads):
    params = [nn.Parameter(mt.tensor(a.copy())) for a in init]
    opt = getattr(mt.optim, name)(groups_of(params), **kwargs)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else mt.tensor(g)
        opt.step()
        history.append(snapshot(params, opt))
    return history


def snapshot(params, opt) -> list[dict]:
    """Each parameter's value and version, and each state entry's value and version."""
    out = []
    for p in params:
        entry = {"param": (p.detach().numpy().copy(), p._version)}
        for key, value in opt.state[p].items():
            entry[key] = (np.asarray(value.detach().cpu().numpy()).copy(), value._version)
        out.append(entry)
    return out


def assert_bitwise_equal(history_a, history_b, where: str) -> None:
    for step, (a, b) in enumerate(zip(history_a, history_b), start=1):
        for i, (entry_a, entry_b) in enumerate(zip(a, b)):
            assert set(entry_a) == set(entry_b), (where, step, i)
            for key in entry_a:
                (value_a, version_a), (value_b, version_b) = entry_a[key], entry_b[key]
                assert value_a.dtype == value_b.dtype, (where, step, i, key)
                np.testing.assert_array_equal(value_a, value_b, err_msg=f"{where} step {step} {i} {key}")
                assert version_a == version_b, (where, step, i, key, version_a, version_b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, case", CASE_IDS)
def test_array_implementations_equal_the_reference_bit_for_bit(rng, name, case, dtype):
    kwargs = CASES[name][case]
    init, grads = initial_values(rng, dtype), gradients(rng, dtype)
    reference = run_ours(name, dict(kwargs, foreach=False), init, grads)
    assert not np.array_equal(reference[-1][0]["param"][0], init[0])  # the steps moved the weights
    for flags in implementations(name):
        fast = run_ours(name, dict(kwargs, **flags), init, grads)
        if flags.get("fused"):  # the one difference: ``step`` is float32 on the parameter's device
            for history in (fast, reference):
                for entries in history:
                    for entry in entries:
                        entry.pop("step", None)
        assert_bitwise_equal(fast, reference, f"{name}({kwargs}, {flags})")


def assert_follows_pytorch(torch, name, kwargs, flags, dtype, rng, versions=True):
    """Ours and PyTorch's optimizer with the same flags, step by step on the same gradients."""
    rtol, atol = (1e-12, 1e-13) if dtype == "float64" else (2e-5, 1e-6)
    init, grads = initial_values(rng, dtype), gradients(rng, dtype)
    ours = run_ours(name, dict(kwargs, **flags), init, grads)
    params = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    opt = getattr(torch.optim, name)(groups_of(params), **kwargs, **flags)
    for step, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else torch.tensor(g)
        opt.step()
        for i, (p, entry) in enumerate(zip(params, ours[step])):
            where = f"{name}({kwargs}, {flags}) {dtype} step {step + 1} param {i}"
            theirs = {"param": p.detach()} | dict(opt.state[p])
            assert set(entry) == set(theirs), where
            for key, (value, version) in entry.items():
                np.testing.assert_allclose(value, theirs[key].detach().numpy(), rtol=rtol, atol=atol,
                                           err_msg=f"{where} {key}")
                assert value.dtype == theirs[key].detach().numpy().dtype, (where, key)
                if versions:
                    assert version == theirs[key]._version, (where, key)


@pytest.mark.parametrize("name, case", CASE_IDS)
def test_the_default_implementation_follows_pytorchs_step_by_step(rng, name, case):
    """Ours by default (the array implementation) against PyTorch's on the CPU (its single-tensor
    loop): values, dtypes and version counters, float64 (float32 for every third case)."""
    torch = pytest.importorskip("torch")
    for dtype in ("float64", "float32") if case % 3 == 0 else ("float64",):
        assert_follows_pytorch(torch, name, CASES[name][case], {}, dtype, rng)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("flags", [dict(foreach=True), dict(fused=True)], ids=["foreach", "fused"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_foreach_and_fused_follow_pytorchs_own(rng, name, flags, dtype):
    """With the same flags as PyTorch's foreach and fused implementations, on the options that
    change the most; PyTorch's fused kernels move no version counter (ours do)."""
    torch = pytest.importorskip("torch")
    if flags.get("fused") and name not in HAS_FUSED:
        pytest.skip(f"{name} has no fused implementation (in PyTorch either)")
    for kwargs in CASES[name][-2:]:
        assert_follows_pytorch(torch, name, kwargs, flags, dtype, rng, versions=not flags.get("fused"))


# --------------------------------------------------------------------- which implementation runs
def one_group(**options):
    return {"params": [], "lr": 0.1, "foreach": None, "fused": None, "differentiable": False,
            "capturable": False, **options}


@pytest.mark.parametrize("options, expected", [
    (dict(), "foreach"),                                   # neither given: foreach, as PyTorch on CUDA
    (dict(foreach=False), "single"),
    (dict(foreach=True), "foreach"),
    (dict(fused=True), "fused"),
    (dict(fused=False), "single"),                         # fused given: foreach stays off
    (dict(differentiable=True), "single"),
    (dict(lr=mt.tensor(0.1)), "single"),                   # Adam: a tensor lr keeps the loop
    (dict(lr=mt.tensor(0.1), capturable=True), "foreach"),
    (dict(lr=mt.tensor(0.1), fused=True), "fused"),
])
def test_the_implementation_is_chosen_as_pytorch_chooses(options, expected):
    params = [nn.Parameter(mt.ones(2))]
    assert _implementation(one_group(**options), params, tensor_lr_stops_foreach=True) == expected


def test_sgd_keeps_foreach_with_a_tensor_lr():
    group = one_group(lr=mt.tensor(0.1))
    assert _implementation(group, [nn.Parameter(mt.ones(2))], foreach_first=True) == "foreach"


@pytest.mark.parametrize("name", sorted(HAS_FUSED))
def test_each_step_runs_the_chosen_implementation(monkeypatch, name):
    cls = getattr(mt.optim, name)
    calls = []
    monkeypatch.setattr(cls, "_step_arrays", lambda self, group, params: calls.append("arrays"))
    monkeypatch.setattr(cls, "_step_tensors", lambda self, group, params: calls.append("tensors"))
    for flags in (dict(), dict(foreach=True), dict(fused=True), dict(foreach=False),
                  dict(differentiable=True)):
        w = nn.Parameter(mt.ones(2))
        w.grad = mt.ones(2)
        cls([w], lr=0.1, **flags).step()
    assert calls == ["arrays", "arrays", "arrays", "tensors", "tensors"]


# --------------------------------------------------------------------- fused: PyTorch's state layout
@pytest.mark.parametrize("name", sorted(HAS_FUSED - {"SGD"}))
def test_fused_steps_are_float32_on_the_parameters_device(device, name):
    previous = mt.get_default_dtype()
    mt.set_default_dtype(mt.float64)
    try:
        w = nn.Parameter(mt.ones(3).to(device))
        opt = getattr(mt.optim, name)([w], lr=0.1, fused=True)
        w.grad = mt.ones(3).to(device)
        opt.step()
        step = opt.state[w]["step"]
        assert step.dtype == mt.float32 and step.device == w.device and step.item() == 1.0
        unfused = getattr(mt.optim, name)([w], lr=0.1)
        unfused.step()
        assert unfused.state[w]["step"].dtype == mt.float64  # the default dtype, on the CPU
    finally:
        mt.set_default_dtype(previous)


@pytest.mark.parametrize("name", sorted(HAS_FUSED))
def test_fused_refuses_parameters_that_are_not_floating_point(name):
    w = mt.zeros(2, dtype=mt.int64)
    w.grad = mt.ones(2, dtype=mt.int64)
    with pytest.raises(RuntimeError, match=r"^`fused=True` requires all the params to be floating point "
                                           r"Tensors of supported devices: \['mps', 'cuda', .*\] but "
                                           r"minitorch_conv.int64 and cpu$"):
        getattr(mt.optim, name)([w], fused=True).step()


def test_fused_and_foreach_together_are_refused_as_in_pytorch():
    for name in HAS_FUSED:
        with pytest.raises(RuntimeError, match="^`fused` and `foreach` cannot be `True` together.$"):
            getattr(mt.optim, name)([nn.Parameter(mt.ones(1))], fused=True, foreach=True)
    with pytest.raises(TypeError, match="fused"):  # as in PyTorch, RMSprop has no fused kernel
        mt.optim.RMSprop([nn.Parameter(mt.ones(1))], fused=True)


# --------------------------------------------------------------------- version counters and autograd
@pytest.mark.parametrize("flags", [dict(foreach=False), dict(), dict(fused=True)])
def test_a_graph_that_saved_a_parameter_refuses_backward_after_the_step(flags):
    w = nn.Parameter(mt.tensor([1.0, -2.0]))
    opt = mt.optim.Adam([w], lr=0.1, **flags)
    (w * w).sum().backward()
    loss = (w * w).sum()  # Mul saved w at version 0
    opt.step()
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: \[torch.FloatTensor \[2\]\] "
                                           r"is at version 1; expected version 0 instead"):
        loss.backward()


def test_views_of_a_parameter_see_the_step_and_its_version():
    base = nn.Parameter(mt.zeros(2, 3))
    view = base.detach()[0]  # shares memory and version counter
    opt = mt.optim.SGD([base], lr=1.0)
    base.grad = mt.ones(2, 3)
    opt.step()
    assert view._version == base._version == 1
    np.testing.assert_array_equal(view.numpy(), -np.ones(3))


def test_inference_parameters_are_refused_as_an_in_place_write_refuses_them():
    with mt.inference_mode():
        w = mt.ones(2)
    w.grad = mt.ones(2)
    messages = []
    refusal = "Inplace update to inference tensor outside InferenceMode"
    for flags in (dict(foreach=False), dict(foreach=True)):
        with pytest.raises(RuntimeError, match=refusal) as e:
            mt.optim.SGD([w], lr=0.1, **flags).step()
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    np.testing.assert_array_equal(w.numpy(), np.ones(2))  # refused before anything was written


def test_the_step_is_not_recorded_by_autograd():
    w = nn.Parameter(mt.tensor([1.0, 2.0]))
    w.grad = mt.tensor([0.5, 0.5])
    mt.optim.SGD([w], lr=0.1, momentum=0.9).step()
    assert w.is_leaf and w.grad_fn is None and w.requires_grad


# --------------------------------------------------------------------- state dicts
@pytest.mark.parametrize("name", sorted(HAS_FUSED))
def test_state_dicts_cross_between_implementations_and_pytorch(rng, name):
    torch = pytest.importorskip("torch")
    init = initial_values(rng, "float64")
    grads = gradients(rng, "float64") + gradients(rng, "float64")
    kwargs = CASES[name][-1]
    ours = [nn.Parameter(mt.tensor(a.copy())) for a in init]
    opt = getattr(mt.optim, name)(groups_of(ours), **kwargs, fused=True)
    for step_grads in grads[:STEPS]:
        for p, g in zip(ours, step_grads):
            p.grad = None if g is None else mt.tensor(g)
        opt.step()
    saved = opt.state_dict()
    # ... into our foreach implementation and into PyTorch's fused one, stepping on from there
    twin_params = [nn.Parameter(p.detach().clone()) for p in ours]
    twin = getattr(mt.optim, name)(groups_of(twin_params), **kwargs, foreach=True)
    twin.load_state_dict(saved)
    assert twin.param_groups[0]["fused"] is True  # the saved groups' flags come along, as in PyTorch
    for group in twin.param_groups:  # ... and are the user's to change: step on with foreach
        group["fused"], group["foreach"] = False, True
    theirs = [torch.nn.Parameter(torch.tensor(p.detach().numpy().copy())) for p in ours]
    opt_t = getattr(torch.optim, name)(groups_of(theirs), **kwargs, fused=True)
    opt_t.load_state_dict({"state": {k: {key: torch.tensor(v.numpy()) for key, v in s.items()}
                                     for k, s in saved["state"].items()},
                           "param_groups": saved["param_groups"]})
    for step_grads in grads[STEPS:]:
        for a, b, c, g in zip(ours, twin_params, theirs, step_grads):
            a.grad = b.grad = None if g is None else mt.tensor(g)
            c.grad = None if g is None else torch.tensor(g)
        opt.step()
        twin.step()
        opt_t.step()
    for a, b, c in zip(ours, twin_params, theirs):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), rtol=1e-12, atol=1e-13)
    assert opt.state_dict()["param_groups"] == opt_t.state_dict()["param_groups"]
