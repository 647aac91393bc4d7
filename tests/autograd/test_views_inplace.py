"""Views, in-place operations and version counters, against PyTorch's semantics.

A table of view operations x in-place operations x situations runs the same program in
minitorch_conv and in PyTorch (where installed) and compares values, gradients and errors. The
silent-wrong-gradient cases found in the engine are kept as regression tests with hand-derived
expectations, so they run without PyTorch too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch_conv as mt

RNG = np.random.default_rng(1234)
X0 = RNG.standard_normal((3, 4))
Y0 = RNG.standard_normal((3, 4))
W0 = RNG.standard_normal((3, 4))  # the random upstream weighting of the loss

# ---------------------------------------------------------------------------- the table
# view operations on a (3, 4) tensor; each also names the shape of what it returns
VIEWS = {
    "slice": lambda a: a[1:3],
    "step_slice": lambda a: a[:, ::2],
    "int_index": lambda a: a[1],
    "view": lambda a: a.view(12),
    "view_2d": lambda a: a.view(4, 3),
    "reshape": lambda a: a.reshape(2, 6),
    "t": lambda a: a.t(),
    "transpose": lambda a: a.transpose(0, 1),
    "permute": lambda a: a.permute(1, 0),
    "unsqueeze": lambda a: a.unsqueeze(0),
    "squeeze": lambda a: a.unsqueeze(1).squeeze(1),
    "narrow": lambda a: a.narrow(1, 1, 2),
    "select": lambda a: a.select(1, 2),
    "diagonal": lambda a: a.diagonal(),
    "unfold": lambda a: a.unfold(1, 2, 2),
    "view_of_view": lambda a: a[1:][:, 1:],
    "view_of_view_of_view": lambda a: a.t()[1:].unsqueeze(0),
    "expand": lambda a: a[:1].expand(3, 4),
    "expand_unit": lambda a: a.unsqueeze(0).expand(1, 3, 4),
    "split": lambda a: a.split(1)[1],
    "split_sizes": lambda a: a.split([1, 2])[1],
    "chunk": lambda a: a.chunk(3, dim=1)[0],
    "unbind": lambda a: a.unbind()[2],
    "movedim": lambda a: a.movedim(0, 1),
    "ellipsis": lambda a: a[..., 1],
    "none_index": lambda a: a[None, 1:],
    "detach": lambda a: a.detach(),
}


def _operand(lib, view):
    """A tensor that requires grad, shaped like ``view``, from fixed numbers."""
    data = np.resize(Y0, tuple(view.shape)).copy()
    return lib.tensor(data, dtype=lib.float64, requires_grad=True)


INPLACE = {
    "add_scalar": lambda lib, v: v.add_(1.5),
    "mul_scalar": lambda lib, v: v.mul_(-2.0),
    "iadd_tensor": lambda lib, v: v.__iadd__(_operand(lib, v)),
    "mul_tensor": lambda lib, v: v.mul_(_operand(lib, v)),
    "div_tensor": lambda lib, v: v.div_(_operand(lib, v) + 3.0),
    "copy": lambda lib, v: v.copy_(_operand(lib, v)),
    "zero": lambda lib, v: v.zero_(),
    "fill": lambda lib, v: v.fill_(0.25),
    "pow": lambda lib, v: v.pow_(2),
    "clamp": lambda lib, v: v.clamp_(min=0.0),
    "addcmul": lambda lib, v: v.addcmul_(_operand(lib, v), _operand(lib, v), value=0.5),
    "setitem": lambda lib, v: v.__setitem__(..., _operand(lib, v)) if v.ndim else v.copy_(_operand(lib, v)),
    "exp": lambda lib, v: v.exp_(),
    "relu": lambda lib, v: v.relu_(),
    "sigmoid": lambda lib, v: v.sigmoid_(),
    "masked_fill": lambda lib, v: v.masked_fill_(_operand(lib, v).detach() > 0, -0.5),
}


def _run(lib, situation, view_name, op_name):
    """One scenario; returns a dict of numpy results (values and gradients)."""
    view_fn, op = VIEWS[view_name], INPLACE[op_name]
    x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
    w = lib.tensor(W0, dtype=lib.float64)
    out = {}
    if situation == "nonleaf":  # the view of an intermediate, written in grad mode
        a = x * 2.0
        v = view_fn(a)
        op(lib, v)
        loss = (a * a * w).sum() + (v * v).sum()
        loss.backward()
        out.update(a=a.detach().numpy(), v=v.detach().numpy(), x_grad=x.grad.numpy())
    elif situation == "leaf":  # the view of a leaf that requires grad
        op(lib, view_fn(x))
    elif situation == "plain_base":  # a base outside the graph, an operand inside it
        b = lib.tensor(W0.copy(), dtype=lib.float64)
        v = view_fn(b)
        y = _operand(lib, v)
        v.copy_(v * y)
        op(lib, v)
        (b * b).sum().backward()
        out.update(b=b.detach().numpy(), y_grad=y.grad.numpy())
    elif situation == "no_grad_write":  # a write under no_grad to memory a backward saved
        a = x * 2.0
        saved = a.sin()
        with lib.no_grad():
            op(lib, view_fn(a))
        (saved * w).sum().backward()
        out.update(x_grad=x.grad.numpy())
    elif situation == "view_made_in_no_grad":  # made under no_grad, written in grad mode
        a = x * 2.0
        with lib.no_grad():
            v = view_fn(a)
        op(lib, v)
        (a * w).sum().backward()
        out.update(a=a.detach().numpy(), x_grad=x.grad.numpy())
    elif situation == "base_written":  # the base written in place, the view used afterwards
        a = x * 2.0
        v = view_fn(a)
        a.mul_(lib.tensor(W0, dtype=lib.float64))
        (v * v).sum().backward()
        out.update(v=v.detach().numpy(), x_grad=x.grad.numpy())
    return out


def _outcome(lib, *scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", _run(lib, *scenario)
        except Exception as error:  # noqa: BLE001 - the exception is what we compare
            return type(error).__name__, str(error)


SITUATIONS = ["nonleaf", "leaf", "plain_base", "no_grad_write", "view_made_in_no_grad", "base_written"]
TABLE = [(s, v, o) for s in SITUATIONS for v in VIEWS for o in INPLACE
         if s in ("nonleaf", "plain_base") or o in ("add_scalar", "mul_tensor", "copy", "zero")]


def _same_message(ours: str, theirs: str) -> bool:
    """PyTorch's message, allowing for its node names (``MulBackward0``) and hints we word alike."""
    theirs = theirs.split(" Hint:")[0]
    ours = ours.split(" Hint:")[0]
    return ours == theirs


@pytest.mark.parametrize("situation,view_name,op_name", TABLE)
def test_views_and_inplace_match_pytorch(situation, view_name, op_name):
    torch = pytest.importorskip("torch")
    kind, ours = _outcome(mt, situation, view_name, op_name)
    torch_kind, theirs = _outcome(torch, situation, view_name, op_name)
    assert kind == torch_kind, f"ours: {kind} {ours}\nPyTorch: {torch_kind} {theirs}"
    if kind != "ok":
        assert _same_message(ours, theirs), f"ours: {ours}\nPyTorch: {theirs}"
        return
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-12, err_msg=key)


def _positions(make_view, shape=(3, 4)):
    """The flat positions of the base's elements that ``make_view`` picks (in the view's order)."""
    return make_view(mt.arange(float(np.prod(shape))).reshape(*shape)).numpy().astype(int)


@pytest.mark.parametrize("view_name", ["slice", "t", "diagonal", "unfold", "view_of_view", "select"])
@pytest.mark.parametrize("grad_mode", [True, False])
def test_a_write_through_a_view_reaches_the_base_and_moves_the_shared_version(view_name, grad_mode):
    base = mt.tensor(X0.copy())
    v = VIEWS[view_name](base)
    before = base._version
    with mt.set_grad_enabled(grad_mode):
        v.add_(1.0)
    expected = X0.copy().reshape(-1)
    expected[_positions(VIEWS[view_name])] += 1.0  # no position repeats in these views
    np.testing.assert_array_equal(base.numpy().reshape(-1), expected)
    assert base._version == v._version == before + 1
    assert v._base is base and v._is_view() and not base._is_view()


# ---------------------------------------------------------------------------- the silent cases
def leaf(values):
    return mt.tensor(values, dtype=mt.float64, requires_grad=True)


def test_inplace_add_on_a_view_of_an_intermediate_reaches_its_gradient():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    a.view(3).add_(1)  # a becomes x + 1
    (a * a).sum().backward()
    assert a.tolist() == [2.0, 3.0, 4.0]
    assert x.grad.tolist() == [4.0, 6.0, 8.0]  # d/dx (x+1)^2 = 2(x+1)


@pytest.mark.parametrize("make_view", [
    lambda a: a[0:2], lambda a: a.t(), lambda a: a.permute(1, 0), lambda a: a.unsqueeze(0)[0],
    lambda a: a.reshape(4)[:2], lambda a: a[1], lambda a: a[:, 1:][0:1],
])
def test_inplace_mul_through_any_view_scales_the_base_and_its_gradient(make_view):
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    a = x * 1
    v = make_view(a)
    v.mul_(3.0)
    scale = np.ones(4)
    scale[_positions(make_view, (2, 2))] = 3.0
    scale = scale.reshape(2, 2)
    np.testing.assert_array_equal(a.detach().numpy(), x.detach().numpy() * scale)
    a.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), scale)


def test_a_write_under_no_grad_through_a_slice_is_caught_by_the_saved_tensor_check():
    x = leaf([0.1, 0.2, 0.3])
    a = x * 1
    y = a.sin()  # saves a
    with mt.no_grad():
        a[0:2].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*is at version 1; "
                                           "expected version 0 instead"):
        y.sum().backward()


def test_a_write_through_detach_is_caught_too():
    x = leaf([0.1, 0.2, 0.3])
    y = x.sin()
    x.detach().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("write, message", [
    (lambda x: (x * 1)[:1].expand(3).add_(1), "more than one element of the written-to tensor"),
    (lambda x: (x * 1).split(1)[0].add_(1), "Output 0 of Split is a view and is being modified inplace"),
    (lambda x: (x * 1).chunk(3)[1].add_(1), "Output 1 of Split is a view"),
    (lambda x: (x * 1).split([1, 2])[1].add_(1), "Output 1 of SplitWithSizes is a view"),
    (lambda x: (x * 1).unbind()[2].add_(1), "Output 2 of Unbind is a view"),
    (lambda x: x[:2].add_(1), "a view of a leaf Variable that requires grad"),
    (lambda x: x.add_(1), "a leaf Variable that requires grad is being used in an in-place operation"),
])
def test_writes_pytorch_refuses_are_refused(write, message):
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=message):
        write(x)
    assert x.tolist() == [1.0, 2.0, 3.0]  # and nothing was written


def test_a_view_made_under_no_grad_cannot_be_written_in_grad_mode():
    x = leaf([1.0, 2.0, 3.0])
    with mt.no_grad():
        v = x[:2]
    assert v.requires_grad and v.is_leaf  # PyTorch's view of a base that requires grad
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified"):
        v.add_(1)
    with mt.no_grad():
        v.add_(1)  # both inside no_grad: allowed, untracked
    assert x.tolist() == [2.0, 3.0, 3.0]


def test_other_views_rebuild_their_history_after_the_base_is_written():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    v = a[1:]
    a.mul_(mt.tensor([1.0, 10.0, 100.0], dtype=mt.float64))
    assert v.tolist() == [20.0, 300.0]
    v.sum().backward()
    assert x.grad.tolist() == [0.0, 10.0, 100.0]


def test_a_plain_base_joins_the_graph_through_a_view():
    y = leaf([5.0, 6.0])
    b = mt.zeros(3, dtype=mt.float64)
    rest = b[2:]
    b[:2].copy_(y * y)
    assert b.grad_fn.name() == "CopySlices" and rest.requires_grad
    (b * mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64)).sum().backward()
    assert y.grad.tolist() == [10.0, 24.0]


def test_view_refuses_strides_it_cannot_describe_and_reshape_copies():
    t = mt.arange(12.0).reshape(3, 4).t()
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's size"):
        t.view(12)
    flat = t.reshape(12)
    assert flat._base is None and flat.tolist() == t.contiguous().view(12).tolist()
    assert mt.arange(12.0).reshape(3, 4)[:, :2].view(3, 2, 1)._is_view()  # a compatible view


@pytest.mark.parametrize("shape, strides, new_shape", [
    ((3, 4), (4, 1), (12,)), ((3, 4), (1, 3), (12,)), ((2, 3, 4), (12, 4, 1), (6, 4)),
    ((2, 3, 4), (12, 1, 3), (2, 12)), ((2, 3, 4), (12, 1, 3), (6, 4)), ((4, 1, 3), (3, 7, 1), (2, 2, 3)),
    ((1, 6), (100, 1), (2, 3)), ((3, 2), (2, 1), (3, 1, 2, 1)), ((0, 3), (3, 1), (3, 0)),
])
def test_view_strides_match_pytorch(shape, strides, new_shape):
    torch = pytest.importorskip("torch")
    from minitorch_conv.ops.shape import _strides_for_view

    base = torch.zeros(200, dtype=torch.float64).as_strided(shape, strides)
    try:
        expected = tuple(base.view(new_shape).stride())
    except RuntimeError:
        expected = None
    ours = _strides_for_view(shape, strides, new_shape)
    if expected is None or 0 in shape:
        assert ours == expected or 0 in shape
    else:
        assert ours == expected


# ---------------------------------------------------------------------------- .grad
def test_grad_accumulates_in_place_so_a_kept_reference_stays_current():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    kept = x.grad
    (x * x).sum().backward()
    assert kept is x.grad and kept.tolist() == [4.0, 8.0]


def test_assigning_a_grad_checks_type_shape_and_dtype():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of "
                                        "type list"):
        x.grad = [1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[2\]' to a "
                                           "tensor of size"):
        x.grad = mt.zeros(2, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype 'float' to a tensor "
                                           "with grad_dtype 'Double'"):
        x.grad = mt.zeros(3, dtype=mt.float32)
    x.grad = mt.ones(3, dtype=mt.float64)
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    del x.grad
    assert x.grad is None


def test_reading_grad_of_a_non_leaf_warns_unless_retained():
    x = leaf([1.0])
    y = x * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None and y.retains_grad


# ---------------------------------------------------------------------------- hooks
def test_register_hook_replaces_the_gradient_and_can_be_removed():
    x = leaf([1.0, 2.0])
    a = x * 1
    handle = a.register_hook(lambda g: g * 10)
    seen = []
    a.register_hook(lambda g: seen.append(g.tolist()))
    (a * a).sum().backward()
    assert x.grad.tolist() == [20.0, 40.0] and seen == [[20.0, 40.0]]
    handle.remove()
    x.grad = None
    a = x * 1
    a.register_hook(lambda g: seen.append(g.tolist()))
    (a * a).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_leaf_hooks_run_before_accumulation_and_in_autograd_grad():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g + 1)
    (x * x).sum().backward()
    assert x.grad.tolist() == [3.0, 5.0]
    (g,) = mt.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [3.0, 5.0]
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require "
                                           "gradient"):
        mt.zeros(2).register_hook(lambda g: g)


def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0], [4.0, 8.0]]
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf"):
        (x * 1).register_post_accumulate_grad_hook(lambda t: None)


def test_hooks_match_pytorch():
    torch = pytest.importorskip("torch")

    def program(lib):
        x = lib.tensor(X0[0], dtype=lib.float64, requires_grad=True)
        a = x * 2
        a.register_hook(lambda g: g * lib.tensor(W0[0], dtype=lib.float64))
        a.retain_grad()
        b = a.exp()
        b.register_hook(lambda g: None)
        x.register_hook(lambda g: g - 1)
        (b * a).sum().backward()
        return x.grad.numpy(), a.grad.numpy()

    for ours, theirs in zip(program(mt), program(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13)


# ---------------------------------------------------------------------------- custom in-place Functions
class MulTwoInPlace(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x._array *= 2
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_mark_dirty_gives_the_input_the_new_history():
    x = leaf([1.0, 2.0])
    a = x * 1
    version = a._version
    out = MulTwoInPlace.apply(a)
    assert out is a and a._version == version + 1 and a.tolist() == [2.0, 4.0]
    (a * a).sum().backward()
    assert x.grad.tolist() == [8.0, 16.0]  # d/dx (2x)^2


def test_mark_dirty_on_a_view_rewrites_the_base():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    MulTwoInPlace.apply(a[1:])
    assert a.tolist() == [1.0, 4.0, 6.0]
    a.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        MulTwoInPlace.apply(leaf([1.0]))


def test_once_differentiable_refuses_a_second_derivative():
    class Cube(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x._array ** 3

        @staticmethod
        @mt.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = leaf([2.0])
    (g,) = mt.autograd.grad(Cube.apply(x), x, create_graph=True)
    assert g.tolist() == [12.0] and not g.requires_grad  # the upstream ones need no gradient
    upstream = leaf([1.0])
    (g,) = mt.autograd.grad(Cube.apply(x), x, grad_outputs=upstream, create_graph=True)
    assert g.grad_fn.name() == "Error"
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked "
                                           "with @once_differentiable"):
        g.backward()


# ---------------------------------------------------------------------------- gradcheck through views
@pytest.mark.parametrize("view_name",
                         ["slice", "t", "diagonal", "unfold", "select", "view_of_view", "narrow"])
def test_gradcheck_through_a_view_written_in_place(view_name):
    def program(x, y):
        a = x * 1.5
        v = VIEWS[view_name](a)
        v.mul_(y.reshape(v.shape) if y.numel() == v.numel() else y.sum())
        return a.sin()

    x = mt.tensor(X0, dtype=mt.float64, requires_grad=True)
    probe = VIEWS[view_name](mt.tensor(X0))
    y = mt.tensor(RNG.standard_normal(tuple(probe.shape)), dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(program, (x, y))
    assert mt.autograd.gradgradcheck(program, (x, y))


@pytest.mark.parametrize("make", [
    lambda t: t.diagonal(1), lambda t: t.diagonal(-1, 0, 1), lambda t: t.unfold(1, 3, 1),
    lambda t: t.narrow(0, 1, 2), lambda t: t.select(-1, 0), lambda t: t.movedim(0, -1),
])
def test_new_view_ops_values_and_gradients(make):
    x = mt.tensor(X0, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: make(t) * 1.0, (x,))
    assert mt.autograd.gradgradcheck(lambda t: make(t) * 1.0, (x,))
    out = make(x)
    assert out._base is x
    torch = pytest.importorskip("torch")
    expected = make(torch.tensor(X0))
    np.testing.assert_array_equal(out.detach().numpy(), expected.numpy())
    assert tuple(out.stride()) == tuple(expected.stride())


# ---------------------------------------------------------------------------- views from custom Functions
class Identity(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad


class Pass2(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x, y

    @staticmethod
    def backward(ctx, gx, gy):
        return gx, gy


def test_an_input_returned_as_is_is_a_view_that_may_not_be_written():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    out = Identity.apply(a)
    assert out._base is a and out.grad_fn.name() == "IdentityBackward"
    with pytest.raises(RuntimeError, match="Output 0 of Identity is a view and is being modified inplace. "
                                           "This view was created inside a custom Function"):
        out.add_(1)
    _, second = Pass2.apply(a, a * 2)
    with pytest.raises(RuntimeError, match="Output 1 of Pass2 is a view .* returns multiple views"):
        second.add_(1)
    with mt.no_grad():
        out.add_(1)  # untracked: allowed, and it writes the input's memory
    assert a.tolist() == [2.0, 3.0, 4.0]


def test_custom_function_views_match_pytorch():
    torch = pytest.importorskip("torch")

    def program(lib, function_class):
        class Id(function_class):
            @staticmethod
            def forward(ctx, x):
                return x[1:]

            @staticmethod
            def backward(ctx, grad):
                return lib.cat([grad[:1] * 0, grad])

        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        try:
            Id.apply(x * 1).mul_(2)
        except RuntimeError as error:
            return str(error)
        return "no error"

    assert program(mt, mt.autograd.Function) == program(torch, torch.autograd.Function)


# ---------------------------------------------------------------------------- inplace=True in nn
@pytest.mark.parametrize("make_layer", [
    lambda nn: nn.ReLU(inplace=True), lambda nn: nn.LeakyReLU(0.2, inplace=True),
    lambda nn: nn.ELU(0.7, inplace=True), lambda nn: nn.SiLU(inplace=True),
])
def test_inplace_activations_write_their_input_and_match_pytorch(make_layer):
    torch = pytest.importorskip("torch")

    def program(lib):
        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        w = lib.tensor(W0, dtype=lib.float64)
        hidden = x * w
        out = make_layer(lib.nn)(hidden)
        assert out is hidden  # the same tensor, rewritten
        (out * out * w).sum().backward()
        return out.detach().numpy(), x.grad.numpy()

    for ours, theirs in zip(program(mt), program(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_an_inplace_relu_on_a_leaf_is_refused():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        mt.nn.functional.relu(leaf([1.0, -1.0]), inplace=True)
