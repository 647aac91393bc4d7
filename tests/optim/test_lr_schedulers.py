"""lr_scheduler: every schedule against PyTorch's over many steps, the formulas by hand, the warnings.

With PyTorch installed, each scheduler runs beside PyTorch's on a two-group optimizer; after every
step the last lr, each group's lr and momentum (or beta1) must agree, and at the end so must the
state dicts. Without PyTorch, the schedules are checked against their closed forms written out
here, and the warnings against PyTorch's texts.
"""

from __future__ import annotations

import inspect
import io
import math
import warnings

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv import nn

STEPS = 40


def two_groups(lib, optimizer="SGD"):
    """An optimizer with two groups (lr 0.5 and 0.1), momentum (or betas) for the cyclic schedules."""
    params = [lib.nn.Parameter(lib.zeros(1)), lib.nn.Parameter(lib.zeros(1))]
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.1}]
    if optimizer == "SGD":
        return lib.optim.SGD(groups, lr=0.5, momentum=0.9)
    return getattr(lib.optim, optimizer)(groups, lr=0.5)


def scale(epoch):  # a plain function: saved as None in state dicts, like a lambda
    return 1 / (epoch + 1)


SCHEDULES = {
    "step": lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda S, o: S.MultiStepLR(o, milestones=[5, 2, 9, 5], gamma=0.5),
    "constant": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4),
    "constant_default": lambda S, o: S.ConstantLR(o),
    "linear": lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=7),
    "linear_default": lambda S, o: S.LinearLR(o),
    "exponential": lambda S, o: S.ExponentialLR(o, gamma=0.9),
    "polynomial": lambda S, o: S.PolynomialLR(o, total_iters=8, power=1.5),
    "polynomial_default": lambda S, o: S.PolynomialLR(o),
    "cosine": lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "lambda": lambda S, o: S.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 + e % 3]),
    "multiplicative": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.95),
    "warm_restarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3),
    "warm_restarts_mult": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=0.01),
    "cyclic": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "cyclic_triangular2": lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                                  step_size_down=5, mode="triangular2"),
    "cyclic_exp_range": lambda S, o: S.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=2, mode="exp_range",
                                                gamma=0.9, base_momentum=0.7, max_momentum=[0.95, 0.9]),
    "cyclic_custom": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=scale,
                                             scale_mode="iterations", cycle_momentum=False),
    "onecycle": lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=STEPS),
    "onecycle_linear_three_phase": lambda S, o: S.OneCycleLR(
        o, max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=10, anneal_strategy="linear", three_phase=True,
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0, base_momentum=[0.8, 0.7]),
    "onecycle_no_momentum": lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=50, cycle_momentum=False),
    "sequential": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.CosineAnnealingLR(o, T_max=20)],
        milestones=[5]),
    "sequential_three": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.2, total_iters=10), S.ExponentialLR(o, gamma=0.8),
            S.StepLR(o, step_size=4, gamma=0.5)], milestones=[3, 8]),
    "chained": lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=5),
                                                S.ExponentialLR(o, gamma=0.9)]),
    "chained_with_optimizer": lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, start_factor=0.5, total_iters=4), S.MultiStepLR(o, [3, 6], gamma=0.5)], optimizer=o),
}
ADAM_SCHEDULES = ["cyclic", "onecycle", "sequential"]  # also on Adam: the momentum is betas[0]


def momenta(opt) -> list:
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def comparable(value):
    """A state-dict value in a form both libraries share (functions and tensors aside)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(comparable(v) for v in value)
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-12, abs=1e-15)
    return value


def run_beside_torch(torch, kind, optimizer="SGD", steps=STEPS):
    opt_m, opt_t = two_groups(mt, optimizer), two_groups(torch, optimizer)
    s_m = SCHEDULES[kind](mt.optim.lr_scheduler, opt_m)
    s_t = SCHEDULES[kind](torch.optim.lr_scheduler, opt_t)
    for step in range(steps + 1):
        assert s_m.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12, abs=1e-15), step
        assert [g["lr"] for g in opt_m.param_groups] == pytest.approx(
            [g["lr"] for g in opt_t.param_groups], rel=1e-12, abs=1e-15), step
        assert momenta(opt_m) == pytest.approx(momenta(opt_t), rel=1e-12), step
        if step < steps:
            opt_m.step()
            opt_t.step()
            s_m.step()
            s_t.step()
    return s_m, s_t, opt_m, opt_t


@pytest.mark.parametrize("kind", sorted(SCHEDULES))
def test_schedule_matches_torch(kind):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the right order warns in neither library
        s_m, s_t, opt_m, opt_t = run_beside_torch(torch, kind)
    assert comparable(s_m.state_dict()) == s_t.state_dict()
    keys = {k for g in opt_t.param_groups for k in g if k != "params"}
    assert keys == {k for g in opt_m.param_groups for k in g if k != "params"}


@pytest.mark.parametrize("name", mt.optim.lr_scheduler.__all__)
def test_signatures_match_torch(name):
    torch = pytest.importorskip("torch")
    assert set(mt.optim.lr_scheduler.__all__) == set(torch.optim.lr_scheduler.__all__)
    ours, theirs = getattr(mt.optim.lr_scheduler, name), getattr(torch.optim.lr_scheduler, name)
    def parameters(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    for method in ("__init__", "step", "get_last_lr", "state_dict", "load_state_dict"):
        assert parameters(getattr(ours, method)) == parameters(getattr(theirs, method)), method


@pytest.mark.parametrize("kind", ADAM_SCHEDULES)
def test_schedule_cycles_adams_beta1(kind):
    torch = pytest.importorskip("torch")
    _, _, opt_m, _ = run_beside_torch(torch, kind, optimizer="Adam")
    assert opt_m.param_groups[0]["betas"][1] == 0.999


def test_lambda_state_dicts_match_torch():
    torch = pytest.importorskip("torch")

    class Warmup:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.steps)

    for cls in ("LambdaLR", "MultiplicativeLR"):
        states = []
        for lib in (mt, torch):
            opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1)), lib.nn.Parameter(lib.zeros(1))], lr=1.0)
            states.append(getattr(lib.optim.lr_scheduler, cls)(opt, Warmup(4)).state_dict())
        assert comparable(states[0]) == states[1]
        assert states[0]["lr_lambdas"] == [{"steps": 4}]


PLATEAU_CASES = [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.1),
    dict(factor=0.5, patience=1, threshold=0.5, threshold_mode="abs", cooldown=2),
    dict(mode="max", threshold_mode="abs", patience=0, min_lr=[0.2, 0.01], factor=0.3),
    dict(patience=0, eps=0.05, factor=0.9),
]
METRICS = [5.0, 4.0, 4.0, 4.1, 3.99, 3.99, 3.5, 3.5, 3.5, 3.5, 6.0, 2.0] + [2.0] * 12 + [1.0, 3.0] * 6


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=str)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    opt_m, opt_t = two_groups(mt), two_groups(torch)
    s_m = mt.optim.lr_scheduler.ReduceLROnPlateau(opt_m, **kwargs)
    s_t = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kwargs)
    metrics = METRICS if kwargs.get("mode") != "max" else [-m for m in METRICS]
    for metric in metrics:
        opt_m.step()
        opt_t.step()
        s_m.step(mt.tensor(metric, dtype=mt.float64))  # a 0-dim tensor metric is read with float()
        s_t.step(metric)
        assert s_m.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12)
        assert (s_m.num_bad_epochs, s_m.cooldown_counter, s_m.best) == \
            (s_t.num_bad_epochs, s_t.cooldown_counter, s_t.best)
    assert comparable(s_m.state_dict()) == s_t.state_dict()


# --------------------------------------------------------------------- closed forms, by hand
def lr_sequence(make, steps=STEPS, optimizer="SGD"):
    opt = two_groups(mt, optimizer)
    sched = make(mt.optim.lr_scheduler, opt)
    out = []
    for _ in range(steps + 1):
        out.append(sched.get_last_lr()[0])
        opt.step()
        if len(out) <= steps:
            sched.step()
    return np.array(out)


EPOCHS = np.arange(STEPS + 1)


def one_cycle_cos(t, total, max_lr, div=25.0, final_div=1e4, pct=0.3):
    start, end_up = max_lr / div, pct * total - 1
    if t <= end_up:
        return max_lr + (start - max_lr) * (1 + math.cos(math.pi * t / end_up)) / 2
    floor = start / final_div
    return floor + (max_lr - floor) * (1 + math.cos(math.pi * (t - end_up) / (total - 1 - end_up))) / 2


def warm_restarts(t, T_0, T_mult, base, eta_min):  # noqa: N803
    T_cur, T_i = t, T_0  # noqa: N806
    while T_cur >= T_i:
        T_cur, T_i = T_cur - T_i, T_i * T_mult  # noqa: N806
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2


def triangular(t, base, peak, half_period):
    cycle = math.floor(1 + t / (2 * half_period))
    x = abs(t / half_period - 2 * cycle + 1)
    return base + (peak - base) * max(0.0, 1 - x)


CLOSED_FORMS = {
    "step": 0.5 * 0.5 ** (EPOCHS // 3),
    "multistep": 0.5 * 0.5 ** ((EPOCHS >= 2) + 2 * (EPOCHS >= 5) + (EPOCHS >= 9)),
    "constant": np.where(EPOCHS < 4, 0.25, 0.5),
    "linear": 0.5 * (0.1 + 0.8 * np.minimum(EPOCHS, 7) / 7),
    "exponential": 0.5 * 0.9**EPOCHS,
    "polynomial": 0.5 * (1 - np.minimum(EPOCHS, 8) / 8) ** 1.5,
    "cosine": 0.001 + (0.5 - 0.001) * (1 + np.cos(np.pi * EPOCHS / 7)) / 2,  # and back up past T_max
    "warm_restarts_mult": [warm_restarts(t, 2, 2, 0.5, 0.01) for t in EPOCHS],
    "cyclic": [triangular(t, 0.01, 0.1, 4) for t in EPOCHS],
    "onecycle": [one_cycle_cos(t, STEPS, 0.5) for t in EPOCHS],
    "sequential": np.where(EPOCHS < 5, 0.5 * (0.1 + 0.9 * EPOCHS / 5),
                           0.5 * (1 + np.cos(np.pi * (EPOCHS - 5) / 20)) / 2),
    "chained": np.where(EPOCHS < 5, 0.05, 0.5) * 0.9**EPOCHS,
}


@pytest.mark.parametrize("kind", sorted(CLOSED_FORMS))
def test_schedule_follows_its_formula(kind):
    np.testing.assert_allclose(lr_sequence(SCHEDULES[kind]), CLOSED_FORMS[kind], rtol=1e-10, atol=1e-14)


def test_one_cycle_momentum_and_three_phases_by_hand():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=9, anneal_strategy="linear",
                                             three_phase=True, pct_start=1 / 3, div_factor=4.0,
                                             final_div_factor=5.0)
    lrs, moms = [], []
    for _ in range(10):
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        if len(lrs) < 10:
            sched.step()
    # up from 0.25 to 1 over steps 0..2, down to 0.25 at step 4, then to 0.25/5 at step 8, then stays
    np.testing.assert_allclose(lrs[:9], [0.25, 0.625, 1.0, 0.625, 0.25, 0.2, 0.15, 0.1, 0.05], rtol=1e-12)
    np.testing.assert_allclose(moms[:9], [0.95, 0.9, 0.85, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95], rtol=1e-12)
    with pytest.raises(ValueError, match="Tried to step 10 times. The specified number of total steps is 9"):
        sched.step()


def test_reduce_lr_on_plateau_by_hand():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]:
        opt.step()
        sched.step(metric)
        lrs.append(sched.get_last_lr())
    # bad epochs 2 and 3: halve at epoch 3; a cooldown epoch; halving again would go below min_lr
    assert [lr[0] for lr in lrs] == [0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]
    assert lrs[-1][1] == 0.1  # the second group is already below min_lr: it is left alone
    assert sched.best == 0.5 and sched.num_bad_epochs == 0


# --------------------------------------------------------------------- warnings and order
ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


def test_stepping_the_scheduler_first_warns():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match=ORDER_WARNING.replace("(", r"\(").replace(")", r"\)")) as record:
        sched.step()
    assert len(record) == 1
    assert "skipping the first value of the learning rate schedule" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only the first step is checked
        sched.step()


def test_warning_texts_are_torchs():
    torch = pytest.importorskip("torch")
    texts = []
    for lib in (mt, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            sched.step()                # before optimizer.step()
            sched.get_lr()              # outside step()
            sched.step(3)               # deprecated epoch argument
            other = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
            other_sched = lib.optim.lr_scheduler.StepLR(other, step_size=2)
            other.step = lambda: None
            other_sched.step()          # optimizer.step replaced after the scheduler was made
        texts.append([str(w.message) for w in record])
    assert texts[0] == texts[1] and len(texts[0]) == 4


def test_no_warning_in_the_right_order_and_for_plateau():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    plateau = mt.optim.lr_scheduler.ReduceLROnPlateau(opt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            sched.step()
            plateau.step(1.0)


def test_get_lr_outside_step_warns():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        sched.get_lr()


def test_step_with_epoch_warns_and_uses_the_closed_form():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(5)
    assert sched.last_epoch == 5 and sched.get_last_lr() == [0.125, 0.025]


@pytest.mark.parametrize("kind", ["step", "multistep", "constant", "linear", "exponential", "polynomial",
                                  "cosine", "cyclic", "warm_restarts_mult"])
def test_step_with_epoch_matches_torch(kind):
    torch = pytest.importorskip("torch")
    opt_m, opt_t = two_groups(mt), two_groups(torch)
    s_m = SCHEDULES[kind](mt.optim.lr_scheduler, opt_m)
    s_t = SCHEDULES[kind](torch.optim.lr_scheduler, opt_t)
    opt_m.step()
    opt_t.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 1, 7, 7.5 if kind == "warm_restarts_mult" else 8, 12, 2]:
            s_m.step(epoch)
            s_t.step(epoch)
            assert s_m.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12), epoch


def test_warm_restarts_fractional_epochs_and_refusals():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4)
    opt.step()
    sched.step(2.0)
    assert sched.get_last_lr()[0] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        sched.step(-1)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        mt.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 1.5"):
        mt.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)


# --------------------------------------------------------------------- arguments and resuming
BAD_SCHEDULERS = [
    (lambda S, o: S.ConstantLR(o, factor=1.5), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda S, o: S.LinearLR(o, start_factor=0), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda S, o: S.LinearLR(o, end_factor=2), ValueError,
     "Ending multiplicative factor expected to be between 0 and 1."),
    (lambda S, o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda S, o: S.ReduceLROnPlateau(o, mode="up"), ValueError, "mode up is unknown!"),
    (lambda S, o: S.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode x is unknown!"),
    (lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    (lambda S, o: S.CyclicLR(o, 0.1, 1.0, mode="zigzag"), ValueError, "mode is invalid and scale_fn is None"),
    (lambda S, o: S.CyclicLR(o, [0.1], 1.0), ValueError,
     "base_lr must have the same length as optimizer.param_groups. base_lr has 1 values, param_groups "
     "has 2."),
    (lambda S, o: S.OneCycleLR(o, 1.0), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda S, o: S.OneCycleLR(o, 1.0, total_steps=0), ValueError,
     "Expected positive integer total_steps, but got 0"),
    (lambda S, o: S.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1), ValueError,
     "Expected positive integer steps_per_epoch, but got -1"),
    (lambda S, o: S.OneCycleLR(o, 1.0, total_steps=10, pct_start=1), ValueError,
     "Expected float between 0 and 1 pct_start, but got 1"),
    (lambda S, o: S.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    (lambda S, o: S.LambdaLR(o, [abs]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda S, o: S.MultiplicativeLR(o, 0.5), TypeError, "lr_lambda should be a function, but got float"),
    (lambda S, o: S.SequentialLR(o, [], milestones=[]), ValueError,
     "SequentialLR expects at least one scheduler, but got no scheduler."),
    (lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[]), ValueError,
     "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
     "milestone points, but got number of schedulers 2 and the number of milestones to be equal to 0"),
    (lambda S, o: S.SequentialLR(o, [S.ReduceLROnPlateau(o)], milestones=[]), ValueError,
     "SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be "
     "specified when calling `step`, but got one at index 0 in the given schedulers sequence."),
    (lambda S, o: S.ChainedScheduler([]), ValueError,
     "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."),
    (lambda S, o: S.ChainedScheduler([object()], optimizer=o), TypeError,
     "ChainedScheduler at index 0 should have `optimizer` as its attribute."),
    (lambda S, o: S.StepLR(o, 2, last_epoch=3), KeyError,
     "param 'initial_lr' is not specified in param_groups[0]"),
    (lambda S, o: S.StepLR("not an optimizer", 2), TypeError, "str is not an Optimizer"),
]


@pytest.mark.parametrize("index", range(len(BAD_SCHEDULERS)))
def test_bad_scheduler_arguments(index):
    make, error, message = BAD_SCHEDULERS[index]
    with pytest.raises(error) as ours:
        make(mt.optim.lr_scheduler, two_groups(mt))
    assert message in str(ours.value)


@pytest.mark.parametrize("index", range(len(BAD_SCHEDULERS)))
def test_bad_scheduler_arguments_match_torch(index):
    torch = pytest.importorskip("torch")
    make, error, _ = BAD_SCHEDULERS[index]
    with pytest.raises(error) as ours:
        make(mt.optim.lr_scheduler, two_groups(mt))
    with pytest.raises(error) as theirs:
        make(torch.optim.lr_scheduler, two_groups(torch))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kind", sorted(SCHEDULES))
def test_state_dict_resumes_the_schedule(kind):
    """Save after 7 steps (through mt.save), rebuild, load: the next steps are the same."""
    opt = two_groups(mt)
    sched = SCHEDULES[kind](mt.optim.lr_scheduler, opt)
    for _ in range(7):
        opt.step()
        sched.step()
    buffer = io.BytesIO()
    mt.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, buffer)
    buffer.seek(0)
    saved = mt.load(buffer)
    opt2 = two_groups(mt)
    sched2 = SCHEDULES[kind](mt.optim.lr_scheduler, opt2)  # made first, then both loaded (PyTorch's order)
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    for _ in range(12):
        opt.step()
        opt2.step()
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert momenta(opt2) == momenta(opt)


def test_resuming_with_last_epoch():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        opt.step()
        sched.step()
    lr_at_4 = sched.get_last_lr()
    assert lr_at_4[0] == pytest.approx(0.5 * (1 + math.cos(math.pi * 4 / 10)) / 2)
    # as in PyTorch, resuming takes the optimizer's current lr as that of the next epoch (5)...
    resumed = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
    assert resumed.last_epoch == 5 and resumed.get_last_lr() == lr_at_4
    opt.step()
    resumed.step()  # ... and goes on with the recursive form from there
    ratio = (1 + math.cos(math.pi * 6 / 10)) / (1 + math.cos(math.pi * 5 / 10))
    assert resumed.get_last_lr()[0] == pytest.approx(lr_at_4[0] * ratio)


def test_tensor_lr_is_updated_in_place():
    lr = mt.tensor(0.5)
    opt = mt.optim.SGD([nn.Parameter(mt.zeros(1))], lr=lr)
    sched = mt.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == 0.25
    last = sched.get_last_lr()[0]
    assert isinstance(last, mt.Tensor) and last is not lr and last.item() == 0.25


def test_reduce_lr_on_plateau_after_adding_a_group():
    opt = two_groups(mt)
    sched = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [nn.Parameter(mt.zeros(1))]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match=r"The number of param groups in the `optimizer` \(3\) differs"):
        sched.step(2.0)
    default = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    opt.add_param_group({"params": [nn.Parameter(mt.zeros(1))]})
    default.step(1.0)
    default.step(2.0)  # a single min_lr is repeated for the new group
    assert default.min_lrs == [0] * 4


def test_old_lr_scheduler_name_is_kept():
    assert issubclass(mt.optim.lr_scheduler._LRScheduler, mt.optim.lr_scheduler.LRScheduler)


RESUMABLE = {
    "StepLR": dict(step_size=3, gamma=0.5),
    "CosineAnnealingLR": dict(T_max=7, eta_min=0.01),
    "LinearLR": dict(start_factor=0.2, total_iters=6),
    "PolynomialLR": dict(total_iters=9, power=2.0),
    "OneCycleLR": dict(max_lr=1.0, total_steps=30),
    "CyclicLR": dict(base_lr=0.01, max_lr=0.1, step_size_up=3),
    "CosineAnnealingWarmRestarts": dict(T_0=3, T_mult=2),
}


@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_resuming_with_last_epoch_matches_torch(name):
    torch = pytest.importorskip("torch")
    sequences = []
    for lib in (mt, torch):
        opt = two_groups(lib)
        make = getattr(lib.optim.lr_scheduler, name)
        sched = make(opt, **RESUMABLE[name])
        for _ in range(5):
            opt.step()
            sched.step()
        resumed = make(opt, **RESUMABLE[name], last_epoch=5)
        lrs = [resumed.get_last_lr()]
        for _ in range(8):
            opt.step()
            resumed.step()
            lrs.append(resumed.get_last_lr() + momenta(opt))
        sequences.append(lrs)
    assert sequences[0] == [pytest.approx(lrs, rel=1e-12) for lrs in sequences[1]]
