"""autograd.functional: jacobian, hessian, vjp, jvp, hvp and vhp, checked two ways.

- Against hand-derived answers (no PyTorch needed): the Jacobian of ``x ** 3`` is ``diag(3 x^2)``,
  of ``A @ x`` is ``A`` (and ``x`` placed in each row, with respect to ``A``), the Hessian of
  ``x^T A x`` is ``A + A^T``, and the four products are those matrices times vectors.
- Against ``torch.autograd.functional`` where PyTorch is installed: the same functions of the same
  float64 random inputs, with single and tuple inputs and outputs, ``create_graph=True`` results
  differentiated once more, and the errors (class and message) of ``strict=True`` and of bad ``v``.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from helpers import to_numpy

import minitorch_conv as mt
from minitorch_conv.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

functional = importlib.import_module("minitorch_conv.autograd.functional")

# PyTorch's own forward-mode code warns about torch.jit.script on import; not ours to act on
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

NAMES = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def t64(array, requires_grad=False, device="cpu"):
    return mt.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad, device=device)


def leaves(result):
    """The tensors of a (nested) result, in order."""
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in leaves(r)]
    return [result]


def structure(result, lists_too=False):
    """The nesting of a result: 'T' for a tensor, a tuple of structures for a tuple.

    Ours are always tuples; PyTorch's forward-mode jacobian returns lists at some levels
    (``lists_too`` reads those as tuples).
    """
    if isinstance(result, tuple) or (lists_too and isinstance(result, list)):
        return tuple(structure(r, lists_too) for r in result)
    assert not isinstance(result, list), "results are tuples, never lists"
    return "T"


def lib_functional(lib):
    return lib.autograd.functional


def make(lib, arrays, requires_grad=False):
    """The float64 tensors of ``arrays`` in ``lib`` (minitorch_conv or torch)."""
    return [lib.tensor(a, requires_grad=requires_grad) for a in arrays]


def pack(tensors, as_tuple):
    return tuple(tensors) if as_tuple else tensors[0]


def assert_same(ours, theirs, check_requires_grad=True):
    """Same nesting, shapes, dtypes, values and requires_grad as PyTorch's result."""
    assert structure(ours) == structure(theirs, lists_too=True)
    for k, (o, t) in enumerate(zip(leaves(ours), leaves(theirs))):
        assert tuple(o.shape) == tuple(t.shape), f"leaf {k}: {tuple(o.shape)} != {tuple(t.shape)}"
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"leaf {k}: dtype"
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"leaf {k}")
        if check_requires_grad:
            assert o.requires_grad == t.requires_grad, f"leaf {k}: requires_grad"


# ---------------------------------------------------------------------------------------------------
# functions written with methods only, so one lambda serves minitorch_conv and torch

# (id, func, input shapes, inputs as a tuple)
JACOBIAN_CASES = [
    ("tensor_in_tensor_out", lambda x: (x.exp() * x).sum(dim=1), [(3, 4)], False),
    ("tuple_in_tensor_out", lambda x, y: x * y.sin() + x ** 2, [(2, 3), (2, 3)], True),
    ("tensor_in_tuple_out", lambda x: (x ** 2, x.tanh().sum()), [(2, 3)], False),
    ("tuple_in_tuple_out", lambda x, y: (x @ y, (x ** 3).sum(), y * y.exp()), [(2, 3), (3, 2)], True),
    ("unused_input", lambda x, y: x.sin(), [(3,), (2,)], True),
    ("zero_dim", lambda x: x * x.exp(), [()], False),
    ("identity", lambda x: x, [(2, 2)], False),
]

# scalar functions, for hessian, hvp and vhp
HESSIAN_CASES = [
    ("tensor_in", lambda x: (x ** 3).sum() + (x.sin() * x).sum(), [(2, 3)], False),
    ("tuple_in", lambda x, y: (x @ y).tanh().sum() + (x ** 3).sum(), [(2, 3), (3, 2)], True),
    ("unused_input", lambda x, y: (x ** 3).sum(), [(3,), (2,)], True),
    ("one_element", lambda x: (x.exp() * x).sum(), [(1,)], False),
]


def arrays_for(rng, shapes):
    return [rng.standard_normal(s) for s in shapes]


def outputs_of(func, arrays):
    with mt.no_grad():
        out = func(*make(mt, arrays))
    return [tuple(o.shape) for o in (out if isinstance(out, tuple) else (out,))], isinstance(out, tuple)


def ids(cases):
    return [c[0] for c in cases]


# ------------------------------------------------------------------------------------- the import
def test_import_paths():
    assert mt.autograd.functional is functional
    assert "functional" in mt.autograd.__all__
    for name in NAMES:
        assert getattr(mt.autograd.functional, name) is getattr(functional, name)
    assert sorted(functional.__all__) == sorted(NAMES)


def test_signatures_match_torch():
    torch = pytest.importorskip("torch")
    import inspect

    for name in NAMES:
        ours = inspect.signature(getattr(functional, name)).parameters
        theirs = inspect.signature(getattr(torch.autograd.functional, name)).parameters
        assert list(ours) == list(theirs), name
        assert [p.default for p in ours.values()] == [p.default for p in theirs.values()], name


def test_docstring_examples():
    result = doctest.testmod(functional)
    assert result.attempted >= 12 and result.failed == 0
    for name in NAMES:
        assert ">>> " in getattr(functional, name).__doc__, f"{name} has no example"


# ------------------------------------------------------------------- hand-derived answers, no torch
def test_jacobian_of_cube_is_diagonal(rng):
    a = rng.standard_normal((2, 3))
    jac = jacobian(lambda x: x ** 3, t64(a))
    want = np.zeros((2, 3, 2, 3))
    for idx in np.ndindex(2, 3):
        want[idx + idx] = 3 * a[idx] ** 2
    assert jac.shape == (2, 3, 2, 3) and jac.dtype == mt.float64 and not jac.requires_grad
    np.testing.assert_allclose(jac.numpy(), want, rtol=1e-12)


def test_jacobian_of_matrix_product(rng):
    """y = A @ x: dy_i/dx_k = A[i, k] and dy_i/dA[p, k] = [i == p] x[k]."""
    a, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    jac_a, jac_x = jacobian(lambda A, x: A @ x, (t64(a), t64(x)))
    np.testing.assert_allclose(jac_x.numpy(), a, rtol=1e-12)
    want = np.einsum("ip,k->ipk", np.eye(4), x)
    assert jac_a.shape == (4, 4, 3)
    np.testing.assert_allclose(jac_a.numpy(), want, rtol=1e-12)


def test_hessian_of_quadratic_form(rng, device):
    """f(x) = x^T A x has gradient (A + A^T) x and Hessian A + A^T, at every x."""
    a, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    A = t64(a, device=device)
    f = lambda x: x @ (A @ x)  # noqa: E731
    h = hessian(f, t64(x, device=device))
    assert h.device == A.device
    np.testing.assert_allclose(to_numpy(h), a + a.T, rtol=1e-12)
    v = rng.standard_normal(3)
    out, hv = hvp(f, t64(x, device=device), t64(v, device=device))
    np.testing.assert_allclose(out.item(), x @ a @ x, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(hv), (a + a.T) @ v, rtol=1e-12)
    vh = vhp(f, t64(x, device=device), t64(v, device=device))[1]
    np.testing.assert_allclose(to_numpy(vh), v @ (a + a.T), rtol=1e-12)


def test_hessian_of_cube_sum_and_tuple_blocks(rng):
    """f(x, y) = sum(x^3) + sum(x * y): d2f/dx2 = diag(6x), d2f/dxdy = I, d2f/dy2 = 0."""
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    (hxx, hxy), (hyx, hyy) = hessian(lambda x, y: (x ** 3).sum() + (x * y).sum(), (t64(x), t64(y)))
    np.testing.assert_allclose(hxx.numpy(), np.diag(6 * x), rtol=1e-12)
    np.testing.assert_allclose(hxy.numpy(), np.eye(3))
    np.testing.assert_allclose(hyx.numpy(), np.eye(3))
    np.testing.assert_allclose(hyy.numpy(), np.zeros((3, 3)))


def test_products_are_jacobian_times_vector(rng, device):
    """vjp = v^T J and jvp = J v, for J the Jacobian of y = tanh(W x), J = diag(1 - y^2) W."""
    w, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    W = t64(w, device=device)
    f = lambda x: (W @ x).tanh()  # noqa: E731
    y = np.tanh(w @ x)
    J = (1 - y ** 2)[:, None] * w
    u, v = rng.standard_normal(4), rng.standard_normal(3)
    out, uj = vjp(f, t64(x, device=device), t64(u, device=device))
    np.testing.assert_allclose(to_numpy(out), y, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(uj), u @ J, rtol=1e-12)
    out, jv = jvp(f, t64(x, device=device), t64(v, device=device))
    np.testing.assert_allclose(to_numpy(jv), J @ v, rtol=1e-12)
    for strategy, vectorize in [("reverse-mode", False), ("reverse-mode", True), ("forward-mode", True)]:
        jac = jacobian(f, t64(x, device=device), vectorize=vectorize, strategy=strategy)
        assert jac.device == W.device
        np.testing.assert_allclose(to_numpy(jac), J, rtol=1e-12, err_msg=strategy)


def test_hessian_outer_forward_mode_and_vectorize_give_the_same(rng):
    x = rng.standard_normal((2, 2))
    f = lambda x: (x ** 3).sum() + (x.sin() * x).sum()  # noqa: E731
    want = np.diag((6 * x + 2 * np.cos(x) - x * np.sin(x)).reshape(-1)).reshape(2, 2, 2, 2)
    for kwargs in [{}, {"vectorize": True}, {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}]:
        np.testing.assert_allclose(hessian(f, t64(x), **kwargs).numpy(), want, rtol=1e-12, err_msg=kwargs)


def test_v_none_for_single_elements():
    x = t64([2.0])
    assert vjp(lambda x: (x ** 3).sum(), x)[1].tolist() == [12.0]
    assert jvp(lambda x: x ** 3, x)[1].tolist() == [12.0]
    assert hvp(lambda x: (x ** 3).sum(), x)[1].tolist() == [12.0]
    assert vhp(lambda x: (x ** 3).sum(), x)[1].tolist() == [12.0]


def test_independent_input_gives_zeros_and_single_input_unwraps():
    x, y = t64([1.0, 2.0]), t64([3.0, 4.0, 5.0])
    jx, jy = jacobian(lambda x, y: x * 2, (x, y))
    assert jy.shape == (2, 3) and not jy.numpy().any()
    _, (gx, gy) = vjp(lambda x, y: x * 2, (x, y), t64([1.0, 1.0]))
    assert gx.tolist() == [2.0, 2.0] and gy.tolist() == [0.0, 0.0, 0.0]
    assert isinstance(jacobian(lambda x: x * 2, x), mt.Tensor)
    assert isinstance(jacobian(lambda x: (x * 2,), x), tuple)
    assert isinstance(jacobian(lambda x: x * 2, (x,)), tuple)
    assert isinstance(jacobian(lambda x: (x * 2,), (x,))[0], tuple)


def test_inputs_untouched_and_results_detached():
    x = t64([1.0, 2.0], requires_grad=True)
    v = t64([1.0, 1.0])
    before = x.detach().numpy().copy()
    f = lambda x: (x ** 3).sum()  # noqa: E731
    results = [jacobian(f, x), hessian(f, x), vjp(f, x), jvp(f, x, v), hvp(f, x, v), vhp(f, x, v),
               jacobian(lambda x: x ** 2, x, vectorize=True, strategy="forward-mode"),  # torch: attached
               hessian(f, x, vectorize=True, outer_jacobian_strategy="forward-mode")]  # torch: attached
    for result in results:
        for t in leaves(result):
            assert not t.requires_grad and t.grad_fn is None
    assert x.grad is None and x.is_leaf
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_create_graph_results_are_differentiable():
    """The second derivative of sum(x^3) through jacobian: d/dx sum(3 x^2) = 6 x."""
    x = t64([1.0, 2.0], requires_grad=True)
    jac = jacobian(lambda x: (x ** 3).sum(), x, create_graph=True)
    assert jac.requires_grad
    (g,) = mt.autograd.grad(jac.sum(), x)
    assert g.tolist() == [6.0, 12.0]
    h = hessian(lambda x: (x ** 3).sum(), x, create_graph=True)
    (g,) = mt.autograd.grad(h.sum(), x)  # d/dx sum(diag(6x)) = 6
    assert g.tolist() == [6.0, 6.0]


def test_works_under_no_grad():
    x = t64([1.0, 2.0])
    with mt.no_grad():
        out, g = vjp(lambda x: (x ** 2).sum(), x)
        h = hessian(lambda x: (x ** 3).sum(), x)
        assert not mt.is_grad_enabled()  # restored on the way out
    assert mt.is_grad_enabled()
    assert g.tolist() == [2.0, 4.0] and h.tolist() == [[6.0, 0.0], [0.0, 12.0]]
    assert not (out.requires_grad or g.requires_grad or h.requires_grad)


# -------------------------------------------------------------------------- parity with PyTorch
@pytest.mark.parametrize("vectorize,strategy", [(False, "reverse-mode"), (True, "reverse-mode"),
                                                (True, "forward-mode")])
@pytest.mark.parametrize("case", JACOBIAN_CASES, ids=ids(JACOBIAN_CASES))
def test_jacobian_like_torch(case, vectorize, strategy, rng):
    torch = pytest.importorskip("torch")
    _, func, shapes, as_tuple = case
    arrays = arrays_for(rng, shapes)
    results = [lib_functional(lib).jacobian(func, pack(make(lib, arrays), as_tuple),
                                            vectorize=vectorize, strategy=strategy)
               for lib in (mt, torch)]
    assert_same(*results)


@pytest.mark.parametrize("vectorize,strategy", [(False, "reverse-mode"), (True, "reverse-mode"),
                                                (True, "forward-mode")])
@pytest.mark.parametrize("case", HESSIAN_CASES, ids=ids(HESSIAN_CASES))
def test_hessian_like_torch(case, vectorize, strategy, rng):
    torch = pytest.importorskip("torch")
    _, func, shapes, as_tuple = case
    arrays = arrays_for(rng, shapes)
    results = [lib_functional(lib).hessian(func, pack(make(lib, arrays), as_tuple), vectorize=vectorize,
                                           outer_jacobian_strategy=strategy)
               for lib in (mt, torch)]
    # PyTorch's forward-over-reverse Hessian comes back attached to a graph even with
    # create_graph=False; ours is detached, like every other create_graph=False result
    assert_same(*results, check_requires_grad=strategy == "reverse-mode")
    assert not any(t.requires_grad for t in leaves(results[0]))


@pytest.mark.parametrize("name", ["vjp", "jvp"])
@pytest.mark.parametrize("case", JACOBIAN_CASES, ids=ids(JACOBIAN_CASES))
def test_vjp_jvp_like_torch(case, name, rng):
    torch = pytest.importorskip("torch")
    _, func, shapes, as_tuple = case
    arrays = arrays_for(rng, shapes)
    out_shapes, out_tuple = outputs_of(func, arrays)
    v_shapes, v_tuple = (out_shapes, out_tuple) if name == "vjp" else (shapes, as_tuple)
    v_arrays = arrays_for(rng, v_shapes)
    results = [getattr(lib_functional(lib), name)(func, pack(make(lib, arrays), as_tuple),
                                                  pack(make(lib, v_arrays), v_tuple))
               for lib in (mt, torch)]
    assert_same(*results)


@pytest.mark.parametrize("name", ["hvp", "vhp"])
@pytest.mark.parametrize("case", HESSIAN_CASES, ids=ids(HESSIAN_CASES))
def test_hvp_vhp_like_torch(case, name, rng):
    torch = pytest.importorskip("torch")
    _, func, shapes, as_tuple = case
    arrays, v_arrays = arrays_for(rng, shapes), arrays_for(rng, shapes)
    results = [getattr(lib_functional(lib), name)(func, pack(make(lib, arrays), as_tuple),
                                                  pack(make(lib, v_arrays), as_tuple))
               for lib in (mt, torch)]
    assert_same(*results)
    if case[0] == "one_element":  # v may be left out
        results = [getattr(lib_functional(lib), name)(func, make(lib, arrays)[0]) for lib in (mt, torch)]
        assert_same(*results)


def _second_derivatives(lib, name, func, arrays, as_tuple, v_arrays, v_tuple, weights_rng_seed):
    """Run ``name`` with create_graph=True on inputs (and v) that require grad, then backpropagate a
    random weighting of every result tensor to the inputs and to v."""
    inputs = make(lib, arrays, requires_grad=True)
    v = make(lib, v_arrays, requires_grad=True) if v_arrays is not None else []
    fn = getattr(lib_functional(lib), name)
    if v_arrays is None:
        result = fn(func, pack(inputs, as_tuple), create_graph=True)
    else:
        result = fn(func, pack(inputs, as_tuple), pack(v, v_tuple), create_graph=True)
    rng = np.random.default_rng(weights_rng_seed)
    total = None
    for t in leaves(result):
        if t.requires_grad:
            term = (t * lib.tensor(rng.standard_normal(tuple(t.shape)))).sum()
            total = term if total is None else total + term
    grads = lib.autograd.grad(total, inputs + v, allow_unused=True)
    return result, grads


CREATE_GRAPH_CASES = [
    ("jacobian", JACOBIAN_CASES[3]), ("jacobian", JACOBIAN_CASES[0]),
    ("hessian", HESSIAN_CASES[0]), ("hessian", HESSIAN_CASES[1]),
    ("vjp", JACOBIAN_CASES[3]), ("jvp", JACOBIAN_CASES[3]), ("vjp", JACOBIAN_CASES[2]),
    ("hvp", HESSIAN_CASES[1]), ("vhp", HESSIAN_CASES[1]), ("hvp", HESSIAN_CASES[2]),
]


@pytest.mark.parametrize("name,case", CREATE_GRAPH_CASES, ids=[f"{n}-{c[0]}" for n, c in CREATE_GRAPH_CASES])
def test_create_graph_like_torch(name, case, rng):
    torch = pytest.importorskip("torch")
    _, func, shapes, as_tuple = case
    arrays = arrays_for(rng, shapes)
    v_arrays = v_tuple = None
    if name in ("vjp", "jvp", "hvp", "vhp"):
        out_shapes, out_tuple = outputs_of(func, arrays)
        v_shapes, v_tuple = (out_shapes, out_tuple) if name == "vjp" else (shapes, as_tuple)
        v_arrays = arrays_for(rng, v_shapes)
    seed = int(rng.integers(2**31))
    (ours, our_grads), (theirs, their_grads) = [
        _second_derivatives(lib, name, func, arrays, as_tuple, v_arrays, v_tuple, seed) for lib in (mt, torch)
    ]
    assert_same(ours, theirs)
    assert any(t.requires_grad for t in leaves(ours))
    for k, (o, t) in enumerate(zip(our_grads, their_grads)):
        assert (o is None) == (t is None), f"gradient {k}"
        if o is not None:
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"gradient {k}")


def test_create_graph_with_inputs_that_need_no_grad(rng):
    """create_graph=True on an input that does not require grad: func runs on a detached copy that
    does, so the result still carries a graph (requires_grad=True), as in PyTorch."""
    torch = pytest.importorskip("torch")
    a = rng.standard_normal(3)
    results = [lib_functional(lib).jacobian(lambda x: x ** 3, lib.tensor(a), create_graph=True)
               for lib in (mt, torch)]
    assert_same(*results)


# ------------------------------------------------------------------------------ errors, like torch
X, Y, V2 = [0.5, -1.0, 2.0], [1.5, 0.25], [1.0, 2.0]


def _error_cases():
    """(id, call(lib, F, t), exception class, a fragment of the message). ``t`` makes a float64 tensor."""
    cube = lambda x: (x ** 3).sum()  # noqa: E731
    linear_in_x = lambda x, y: x * 2  # noqa: E731
    return [
        # strict: an input the outputs do not depend on
        ("jacobian_strict_unused", lambda lib, F, t: F.jacobian(linear_in_x, (t(X), t(Y)), strict=True),
         RuntimeError, "Output 0 of the user-provided function is independent of input 1"),
        ("jacobian_strict_linear_create_graph",
         lambda lib, F, t: F.jacobian(lambda x: x * 2, t(X), strict=True, create_graph=True),
         RuntimeError, "strict mode when create_graph=True"),
        ("jacobian_strict_detached_output",
         lambda lib, F, t: F.jacobian(lambda x: x.detach(), t(X), strict=True),
         RuntimeError, "Output 0 of the user-provided function does not require gradients"),
        ("jacobian_strict_tuple_out",
         lambda lib, F, t: F.jacobian(lambda x, y: (x * y.sum(), x * 3), (t(X), t(Y)), strict=True),
         RuntimeError, "Output 1 of the user-provided function is independent of input 1"),
        ("vjp_strict_unused", lambda lib, F, t: F.vjp(linear_in_x, (t(X), t(Y)), t(X), strict=True),
         RuntimeError, "The output of the user-provided function is independent of input 1"),
        ("vjp_strict_linear_create_graph",
         lambda lib, F, t: F.vjp(lambda x: x * 2, t(X), t(X), strict=True, create_graph=True),
         RuntimeError, "independent of input 0. This is not allowed in strict mode when create_graph"),
        ("vjp_strict_detached", lambda lib, F, t: F.vjp(lambda x: x.detach(), t(X), t(X), strict=True),
         RuntimeError, "does not require gradients"),
        ("jvp_strict_unused",
         lambda lib, F, t: F.jvp(linear_in_x, (t(X), t(Y)), (t(X), t(Y)), strict=True),
         RuntimeError, "The output of the user-provided function is independent of input 1"),
        ("jvp_strict_linear_create_graph",
         lambda lib, F, t: F.jvp(lambda x: x * 2, t(X), t(X), strict=True, create_graph=True),
         RuntimeError, "The jacobian of the user-provided function is independent of input 0"),
        ("hessian_strict_linear", lambda lib, F, t: F.hessian(lambda x: x.sum(), t(X), strict=True),
         RuntimeError, "While computing the hessian, found that the jacobian"),
        ("hessian_strict_unused",
         lambda lib, F, t: F.hessian(lambda x, y: (x ** 2).sum(), (t(X), t(Y)), strict=True),
         RuntimeError, "with respect to input 1 is independent of the input"),
        ("hessian_strict_constant_create_graph",
         lambda lib, F, t: F.hessian(lambda x: (x * x).sum(), t(X), strict=True, create_graph=True),
         RuntimeError, "strict mode when create_graph=True"),
        ("hessian_strict_ok", lambda lib, F, t: F.hessian(cube, t(X), strict=True, create_graph=True),
         None, None),
        ("vhp_strict_linear", lambda lib, F, t: F.vhp(lambda x: x.sum(), t(X), t(X), strict=True),
         RuntimeError, "While computing the hessian, found that the jacobian"),
        ("hvp_strict_unused",
         lambda lib, F, t: F.hvp(lambda x, y: (x ** 2).sum() + y.sum(), (t(X), t(Y)), (t(X), t(Y)),
                                 strict=True),
         RuntimeError, "with respect to input 1 is independent of the input"),
        ("hvp_strict_constant_create_graph",
         lambda lib, F, t: F.hvp(lambda x: (x * x).sum(), t(X), t(X), strict=True, create_graph=True),
         RuntimeError, "The hessian of the user-provided function is independent of input 0"),
        ("vhp_strict_constant_create_graph",
         lambda lib, F, t: F.vhp(lambda x: (x * x).sum(), t(X), t(X), strict=True, create_graph=True),
         RuntimeError, "The hessian of the user-provided function is independent of input 0"),
        # flags that do not go together
        ("jacobian_strict_vectorize",
         lambda lib, F, t: F.jacobian(lambda x: x ** 2, t(X), strict=True, vectorize=True),
         RuntimeError, "`strict=True` and `vectorized=True` are not supported together"),
        ("forward_mode_strict",
         lambda lib, F, t: F.jacobian(lambda x: x ** 2, t(X), strict=True, vectorize=True,
                                      strategy="forward-mode"),
         RuntimeError, '`strict=True` and `strategy="forward-mode"` are not supported together'),
        ("forward_mode_not_vectorized",
         lambda lib, F, t: F.jacobian(lambda x: x ** 2, t(X), strategy="forward-mode"),
         NotImplementedError, "only implemented for `vectorize=True`"),
        ("forward_mode_create_graph",
         lambda lib, F, t: F.jacobian(lambda x: x ** 2, t(X), create_graph=True, vectorize=True,
                                      strategy="forward-mode"),
         NotImplementedError, '`create_graph=True` and `strategy="forward-mode"`'),
        ("bad_strategy", lambda lib, F, t: F.jacobian(lambda x: x ** 2, t(X), strategy="sideways"),
         AssertionError, 'Expected strategy to be either "forward-mode" or "reverse-mode"'),
        ("hessian_bad_strategy",
         lambda lib, F, t: F.hessian(cube, t(X), outer_jacobian_strategy="sideways"),
         AssertionError, 'Expected strategy to be either "forward-mode" or "reverse-mode".'),
        ("hessian_forward_not_vectorized",
         lambda lib, F, t: F.hessian(cube, t(X), outer_jacobian_strategy="forward-mode"),
         NotImplementedError, "only implemented for `vectorize=True`"),
        # types
        ("inputs_list", lambda lib, F, t: F.jacobian(lambda x: x, [t(X)]),
         TypeError, "The inputs given to jacobian must be either a Tensor or a tuple of Tensors but the "
                    "given inputs has type <class 'list'>"),
        ("inputs_tuple_with_float", lambda lib, F, t: F.vjp(lambda x, y: x, (t(X), 3.0), t(X)),
         TypeError, "the value at index 1 has type <class 'float'>"),
        ("output_not_tensor", lambda lib, F, t: F.jacobian(lambda x: 3.0, t(X)),
         TypeError, "The outputs of the user-provided function given to jacobian must be"),
        ("forward_mode_output_list",
         lambda lib, F, t: F.jacobian(lambda x: [x], t(X), vectorize=True, strategy="forward-mode"),
         TypeError, "The outputs given to None must be"),
        ("hessian_tuple_output", lambda lib, F, t: F.hessian(lambda x: (x.sum(), x.sum()), t(X)),
         RuntimeError, "The function given to hessian should return a single Tensor"),
        ("hessian_many_elements", lambda lib, F, t: F.hessian(lambda x: x ** 2, t(X)),
         RuntimeError, "The Tensor returned by the function given to hessian should contain a single"),
        ("hvp_many_elements", lambda lib, F, t: F.hvp(lambda x: x ** 2, t(X), t(X)),
         RuntimeError, "The Tensor returned by the function given to hvp should contain a single"),
        ("vhp_tuple_output", lambda lib, F, t: F.vhp(lambda x: (x.sum(),), t(X), t(X)),
         RuntimeError, "The function given to vhp should return a single Tensor"),
        # v
        ("vjp_v_none", lambda lib, F, t: F.vjp(lambda x: x ** 2, t(X)),
         RuntimeError, "The vector v can only be None if the user-provided function returns a single"),
        ("jvp_v_none", lambda lib, F, t: F.jvp(lambda x: x ** 2, t(X)),
         RuntimeError, "The vector v can only be None if the input to the user-provided function"),
        ("hvp_v_none", lambda lib, F, t: F.hvp(cube, t(X)),
         RuntimeError, "The vector v can only be None if the input to the user-provided function"),
        ("vhp_v_none_tuple", lambda lib, F, t: F.vhp(lambda x, y: x.sum(), (t([1.0]), t([2.0]))),
         RuntimeError, "The vector v can only be None if the input to the user-provided function"),
        ("vjp_v_two_for_one", lambda lib, F, t: F.vjp(lambda x: x ** 2, t(X), (t(X), t(X))),
         RuntimeError, "The given v should contain a single Tensor."),
        ("vjp_v_wrong_length",
         lambda lib, F, t: F.vjp(lambda x: (x ** 2, x.sum()), t(X), (t(X),)),
         RuntimeError, "v is a tuple of invalid length: should be 2 but got 1."),
        ("vjp_v_wrong_size", lambda lib, F, t: F.vjp(lambda x: x ** 2, t(X), t(V2)),
         RuntimeError, r"v has invalid size: should be \S+Size\(\[3\]\) but got \S+Size\(\[2\]\)\."),
        ("jvp_v_entry_wrong_size", lambda lib, F, t: F.jvp(linear_in_x, (t(X), t(Y)), (t(X), t(X))),
         RuntimeError, r"Entry 1 in v has invalid size: should be \S+Size\(\[2\]\)"),
        ("hvp_v_wrong_length", lambda lib, F, t: F.hvp(lambda x, y: x.sum(), (t(X), t(Y)), (t(X),)),
         RuntimeError, "v is a tuple of invalid length: should be 2 but got 1."),
        ("vhp_v_list", lambda lib, F, t: F.vhp(cube, t(X), [t(X)]),
         TypeError, "The v given to vhp must be either a Tensor or a tuple of Tensors"),
        ("jvp_v_float", lambda lib, F, t: F.jvp(cube, t(X), 1.0),
         TypeError, "The v given to jvp must be either a Tensor"),
    ]


ERROR_CASES = _error_cases()


def _outcome(lib, call):
    t = lambda values: lib.tensor(np.asarray(values, dtype=np.float64))  # noqa: E731
    try:
        call(lib, lib.autograd.functional, t)
    except Exception as error:  # noqa: BLE001 - the outcome is compared, whatever it is
        return type(error), str(error).replace("torch.Size", "minitorch_conv.Size")
    return None, None


@pytest.mark.parametrize("case", ERROR_CASES, ids=ids(ERROR_CASES))
def test_errors(case):
    _, call, error, fragment = case
    got_error, message = _outcome(mt, call)
    assert got_error is error, message
    if error is not None:
        import re

        assert re.search(fragment if "\\" in fragment else re.escape(fragment), message), message


@pytest.mark.parametrize("case", ERROR_CASES, ids=ids(ERROR_CASES))
def test_errors_like_torch(case):
    torch = pytest.importorskip("torch")
    _, call, _, _ = case
    assert _outcome(mt, call) == _outcome(torch, call)
