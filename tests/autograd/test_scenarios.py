"""Autograd scenarios a PyTorch user writes, run in minitorch_conv and in PyTorch: the same values,
gradients, exception classes and messages (messages cut at 150 characters).

Each scenario takes the library (``minitorch_conv`` or ``torch``) and returns what it computed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch_conv as mt

X = np.array([0.5, -1.5, 2.0, 0.25])


def S(lib):  # noqa: N802 - a short name keeps the scenarios one-liners
    return lib.tensor(X, dtype=lib.float64, requires_grad=True)


scen = {}


def reg(f):
    scen[f.__name__] = f
    return f


@reg
def saved_output_exp(lib):
    x = S(lib)
    y = x.exp()
    y.add_(1)
    y.sum().backward()
    return x.grad


@reg
def saved_output_sigmoid(lib):
    x = S(lib)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()
    return x.grad


@reg
def saved_output_tanh(lib):
    x = S(lib)
    y = x.tanh()
    y.add_(1)
    y.sum().backward()
    return x.grad


@reg
def saved_output_relu(lib):
    x = S(lib)
    y = x.relu()
    y.add_(1)
    y.sum().backward()
    return x.grad


@reg
def saved_output_sqrt(lib):
    x = S(lib)
    y = (x * x).sqrt()
    y.add_(1)
    y.sum().backward()
    return x.grad


@reg
def saved_input_mul(lib):
    x = S(lib)
    a = x * 1
    y = a * a
    a.add_(1)
    y.sum().backward()
    return x.grad


@reg
def add_no_save(lib):
    x = S(lib)
    a = x * 1
    y = a + 2
    a.add_(1)
    y.sum().backward()
    return x.grad


@reg
def iadd_nonleaf(lib):
    x = S(lib)
    y = S(lib)
    a = x * 2
    a += y * y
    (a * a).sum().backward()
    return x.grad, y.grad


@reg
def setitem_clone(lib):
    x = S(lib)
    y = S(lib)
    a = x.clone()
    a[0] = y[1] * 3
    a[2:] = 0
    (a * a).sum().backward()
    return x.grad, y.grad


@reg
def setitem_mask(lib):
    x = S(lib)
    a = x * 1
    a[a > 0] = 0
    (a * a).sum().backward()
    return x.grad


@reg
def setitem_list(lib):
    x = S(lib)
    y = S(lib)
    a = x * 1
    a[[0, 2]] = y[:2]
    (a * a).sum().backward()
    return x.grad, y.grad


@reg
def view_2d_setitem(lib):
    x = S(lib)
    a = x * 1
    b = a.view(2, 2)
    b[0, 0] = 100
    (a * a).sum().backward()
    return a, x.grad


@reg
def leaf_nograd_inplace(lib):
    x = S(lib)
    y = x.sin()
    with lib.no_grad():
        x.add_(1)
    y.sum().backward()
    return x.grad


@reg
def leaf_data_inplace(lib):
    x = S(lib)
    y = x.sin()
    x.data.add_(1)
    y.sum().backward()
    return x.grad


@reg
def backward_twice(lib):
    x = S(lib)
    y = (x * x).sum()
    y.backward()
    y.backward()
    return x.grad


@reg
def retain_graph_twice(lib):
    x = S(lib)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


@reg
def requires_grad_nonleaf(lib):
    x = S(lib)
    (x * 2).requires_grad_(False)


@reg
def detach_inplace_nonview(lib):
    x = S(lib)
    a = x * 2
    a.detach_()
    return a.requires_grad, a.is_leaf


@reg
def detach_inplace_view(lib):
    x = S(lib)
    a = (x * 2)[1:]
    a.detach_()


@reg
def expand_sum(lib):
    x = S(lib)
    y = x[:1].expand(3, 4) * lib.tensor(np.arange(12.0).reshape(3, 4), dtype=lib.float64)
    y.sum().backward()
    return x.grad


@reg
def transpose_contig_inplace(lib):
    x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
    a = x.t().contiguous()
    a.mul_(2)
    a.sum().backward()
    return x.grad


@reg
def view_after_base_inplace(lib):
    x = S(lib)
    a = x * 1
    v = a[0]
    a.mul_(3)
    (v * 2).backward()
    return x.grad


@reg
def grad_zero_then_accum(lib):
    x = S(lib)
    (x * x).sum().backward()
    g = x.grad
    g.zero_()
    (x * 3).sum().backward()
    return g, x.grad


@reg
def inputs_backward(lib):
    x = S(lib)
    y = S(lib)
    (x * y).sum().backward(inputs=[x])
    return x.grad, y.grad


@reg
def grad_unused(lib):
    x = S(lib)
    y = S(lib)
    return lib.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)


@reg
def grad_unused_err(lib):
    x = S(lib)
    y = S(lib)
    return lib.autograd.grad((x * 2).sum(), [x, y])


@reg
def nograd_view_of_param_after_step(lib):
    x = S(lib)
    with lib.no_grad():
        v = x[1:]
        x.mul_(2)
    return (v * 2).sum()


@reg
def copy_into_leaf_nograd(lib):
    x = S(lib)
    with lib.no_grad():
        x.copy_(lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64))
    (x * x).sum().backward()
    return x.grad


@reg
def copy_broadcast(lib):
    x = S(lib)
    a = lib.zeros(3, 4, dtype=lib.float64)
    a.copy_(x)
    (a * a).sum().backward()
    return x.grad


@reg
def clone_inplace_independent(lib):
    x = S(lib)
    c = x.clone()
    c.add_(1)
    (c * x).sum().backward()
    return x.grad


@reg
def double_inplace(lib):
    x = S(lib)
    a = x * 1
    a.mul_(2).add_(1).pow_(2)
    a.sum().backward()
    return x.grad


@reg
def inplace_on_result_of_view_chain(lib):
    x = S(lib)
    a = (x * 1).view(2, 2).t()
    a[0].mul_(5)
    a.sum().backward()
    return x.grad


@reg
def unbind_then_use(lib):
    x = S(lib)
    a, b, c, d = (x * 1).unbind()
    (a * b + c).backward()
    return x.grad


@reg
def hook_on_view(lib):
    x = S(lib)
    a = x * 1
    v = a[1:]
    v.register_hook(lambda g: g * 10)
    v.sum().backward()
    return x.grad


@reg
def retain_grad_then_inplace(lib):
    x = S(lib)
    a = x * 1
    a.retain_grad()
    a.mul_(2)
    a.sum().backward()
    return a.grad, x.grad


@reg
def version_values(lib):
    x = S(lib)
    a = x * 1
    v = a[1:]
    v.add_(1)
    a.mul_(2)
    w = a.view(4)
    return a._version, v._version, w._version


@reg
def nonleaf_grad_access(lib):
    x = S(lib)
    a = x * 1
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        g = a.grad
    return g, len(w)


@reg
def float_grad_int_tensor(lib):
    return lib.tensor([1, 2]).requires_grad_()


@reg
def inplace_dtype_change(lib):
    a = lib.tensor([1, 2])
    a.add_(1.5)
    return a


@reg
def inplace_broadcast_error(lib):
    a = lib.zeros(3, dtype=lib.float64)
    a.add_(lib.zeros(2, 3, dtype=lib.float64))


@reg
def sum_to_inplace(lib):
    x = S(lib)
    y = x.reshape(2, 2).sum(0)
    y.add_(x[:2])
    y.sum().backward()
    return x.grad


@reg
def leaf_view_requires_grad_false_base(lib):
    b = lib.zeros(4, dtype=lib.float64)
    v = b[:2]
    v.requires_grad_()
    v.add_(1)


@reg
def output_modified_then_backward_via_other(lib):
    x = S(lib)
    y = x * 2
    z = y.exp()
    y.add_(1)
    (z.sum() + y.sum()).backward()
    return x.grad


@reg
def data_setter(lib):
    x = S(lib)
    x.data = lib.zeros(4, dtype=lib.float64)
    (x * x + x).sum().backward()
    return x.grad


@reg
def zero_grad_in_optimizer(lib):
    x = S(lib)
    opt = lib.optim.SGD([x], lr=0.1)
    (x * x).sum().backward()
    g = x.grad
    opt.zero_grad(set_to_none=False)
    return g is x.grad, x.grad


@reg
def sgd_step_and_views(lib):
    x = S(lib)
    v = x[1:]
    opt = lib.optim.SGD([x], lr=0.1)
    (x * x).sum().backward()
    opt.step()
    return v, x


@reg
def inplace_on_expanded_under_nograd(lib):
    a = lib.zeros(1, 4)
    e = a.expand(3, 4)
    with lib.no_grad():
        e.add_(1)


@reg
def chunk_nograd_inplace(lib):
    with lib.no_grad():
        a = lib.zeros(4)
        c = a.chunk(2)
        c[0].add_(1)
    return a


@reg
def double_backward_through_copyslices(lib):
    x = S(lib)
    a = x * 1
    a[1:3].mul_(x[:2])
    (g,) = lib.autograd.grad((a * a).sum(), x, create_graph=True)
    g.sum().backward()
    return g, x.grad


@reg
def hook_on_view_after_inplace(lib):
    x = S(lib)
    a = x * 2
    v = a[:2]
    v.mul_(3)
    seen = []
    a.register_hook(lambda g: seen.append(g.clone()))
    (a * a).sum().backward()
    return x.grad, seen[0]


@reg
def retain_grad_view(lib):
    x = S(lib)
    a = x * 2
    v = a[1:]
    v.retain_grad()
    (v * v).sum().backward()
    return v.grad, x.grad


@reg
def inplace_twice_on_view(lib):
    x = S(lib)
    a = x * 2
    a[1:].add_(1)
    a[2:].mul_(x[2:])
    (a**2).sum().backward()
    return a, x.grad


@reg
def base_and_view_inplace_interleaved(lib):
    x = S(lib)
    a = x * 2
    v = a[1:3]
    a.mul_(2)
    v.add_(x[:2])
    w = a[0:2]
    w.mul_(w.detach())
    a.sum().backward()
    return a, x.grad


@reg
def transpose_inplace_2d(lib):
    x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
    a = x * 1
    a.t()[1].mul_(10)
    (a * a).sum().backward()
    return a, x.grad


@reg
def view_unsqueeze_expand_inplace(lib):
    x = S(lib)
    a = x * 1
    a.unsqueeze(0).mul_(2)
    a.sum().backward()
    return x.grad


@reg
def grad_of_view_used_twice(lib):
    x = S(lib)
    a = x * 1
    v = a[:2]
    u = a[1:3]
    v.mul_(2)
    u.mul_(3)
    (a * a).sum().backward()
    return a, x.grad


@reg
def version_of_detached_after_inplace(lib):
    x = S(lib)
    d = x.detach()
    v = d[1:]
    v.add_(1)
    return x._version, d._version, v._version


@reg
def saved_view_modified(lib):
    x = S(lib)
    a = x * 1
    v = a[1:]
    y = v.exp()
    a.add_(1)
    y.sum().backward()
    return x.grad


@reg
def saved_base_modified_via_view(lib):
    x = S(lib)
    a = x * 1
    y = a.sin()
    a[1:].add_(1)
    y.sum().backward()


@reg
def setitem_tensor_index_int(lib):
    x = S(lib)
    a = x * 1
    a[lib.tensor(2)] = 7.0
    (a * a).sum().backward()
    return a, x.grad


@reg
def setitem_bool_mask_tensor_value(lib):
    x = S(lib)
    y = S(lib)
    a = x * 1
    a[a > 0] = y[a > 0] * 2
    (a * a).sum().backward()
    return x.grad, y.grad


@reg
def clone_of_view_independent(lib):
    x = S(lib)
    a = x * 1
    c = a[1:].clone()
    c.add_(5)
    (a * c.sum()).sum().backward()
    return x.grad


@reg
def contiguous_view_inplace(lib):
    x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
    a = (x * 1).t().contiguous()
    a.mul_(2)
    a.sum().backward()
    return x.grad


@reg
def reshape_copy_inplace_no_base_effect(lib):
    x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
    a = x * 1
    r = a.t().reshape(6)
    r.add_(1)
    return a, r._base is None


@reg
def leaf_nograd_then_view_grad(lib):
    x = S(lib)
    with lib.no_grad():
        x[1:].mul_(2)
    (x * x).sum().backward()
    return x, x.grad


@reg
def zero_grad_none(lib):
    x = S(lib)
    (x * x).sum().backward()
    x.grad = None
    (x * 3).sum().backward()
    return x.grad


@reg
def grad_setter_then_accumulate(lib):
    x = S(lib)
    x.grad = lib.ones(4, dtype=lib.float64)
    (x * x).sum().backward()
    return x.grad


@reg
def inference_mode_basic(lib):
    with lib.inference_mode():
        y = S(lib) * 2
    return y.requires_grad, y.is_inference()


@reg
def inference_tensor_in_autograd(lib):
    with lib.inference_mode():
        c = lib.ones(4, dtype=lib.float64)
    x = S(lib)
    (x * c).sum().backward()
    return x.grad


@reg
def no_grad_decorator(lib):
    @lib.no_grad()
    def f(t):
        return t * 2

    return f(S(lib)).requires_grad


@reg
def enable_grad_inside_no_grad(lib):
    x = S(lib)
    with lib.no_grad():
        with lib.enable_grad():
            y = x * 2
    return y.requires_grad


@reg
def set_grad_enabled_false(lib):
    x = S(lib)
    lib.set_grad_enabled(False)
    y = x * 2
    lib.set_grad_enabled(True)
    return y.requires_grad


@reg
def backward_nonscalar_no_grad(lib):
    x = S(lib)
    (x * 2).backward()


@reg
def autograd_grad_create_graph_hessian_vec(lib):
    x = S(lib)
    y = (x**3).sum()
    (g,) = lib.autograd.grad(y, x, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), x)
    return g, h


@reg
def requires_grad_on_int(lib):
    lib.tensor([1, 2, 3]).requires_grad_()


@reg
def chain_of_views_grad(lib):
    x = lib.tensor(np.arange(24.0).reshape(2, 3, 4), dtype=lib.float64, requires_grad=True)
    v = (
        x.permute(2, 0, 1)[1:3].transpose(0, 2).reshape(-1)
        if False
        else x.permute(2, 0, 1)[1:3].transpose(0, 2)
    )
    (v * v).sum().backward()
    return x.grad


@reg
def narrow_inplace(lib):
    x = S(lib)
    a = x * 1
    a.narrow(0, 1, 2).mul_(4)
    a.sum().backward()
    return x.grad


@reg
def select_inplace_2d(lib):
    x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
    a = x * 1
    a.select(1, 2).zero_()
    (a * a).sum().backward()
    return x.grad


@reg
def diagonal_inplace(lib):
    x = lib.tensor(np.arange(9.0).reshape(3, 3), dtype=lib.float64, requires_grad=True)
    a = x * 1
    a.diagonal().mul_(2)
    (a * a).sum().backward()
    return x.grad


@reg
def unfold_values(lib):
    x = S(lib)
    u = x.unfold(0, 2, 1)
    (u * lib.tensor([[1.0, 2.0]] * 3, dtype=lib.float64)).sum().backward()
    return u, x.grad


@reg
def mark_dirty_custom(lib):
    class Inc(lib.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            t.add_(1)
            ctx.mark_dirty(t)
            return t

        @staticmethod
        def backward(ctx, g):
            return g

    x = S(lib)
    a = x * 2
    b = Inc.apply(a)
    (b * b).sum().backward()
    return b is a, x.grad, a._version


@reg
def post_acc_hook_order(lib):
    x = S(lib)
    order = []
    x.register_hook(lambda g: order.append("pre"))
    x.register_post_accumulate_grad_hook(lambda t: order.append("post"))
    (x * x).sum().backward()
    return order


def _plain(value):
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "detach"):
        return np.asarray(value.detach().cpu().numpy()).round(10).tolist()
    return value


def _outcome(lib, scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", _plain(scenario(lib))
        except Exception as error:  # noqa: BLE001 - the exception is what we compare
            return type(error).__name__, str(error)[:150]


@pytest.mark.parametrize("name", sorted(scen))
def test_scenario_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    assert _outcome(mt, scen[name]) == _outcome(torch, scen[name])
