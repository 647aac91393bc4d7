"""``mt.linalg`` (torch.linalg): values and float64 gradients (a random upstream gradient) against
PyTorch on random well-conditioned batches, gradcheck and gradgradcheck here, node names, errors."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import minitorch_conv as mt

RNG = np.random.default_rng(11)
GENERAL = RNG.standard_normal((2, 4, 4)) + 4 * np.eye(4)  # well conditioned
_M = RNG.standard_normal((2, 4, 4))
SPD = _M @ _M.transpose(0, 2, 1) + 4 * np.eye(4)  # symmetric positive-definite
TALL = RNG.standard_normal((2, 5, 3))
WIDE = RNG.standard_normal((2, 3, 5))
RHS = RNG.standard_normal((2, 4, 3))


def _sym(lib, a):
    return (a + a.mT) / 2


# name: (function of (lib, *tensors) with lib torch or mt, inputs); factors whose sign is arbitrary
# (qr, eigh, svd) enter through sign-invariant expressions
CASES = {
    "inv": (lambda lib, a: lib.linalg.inv(a), (GENERAL,)),
    "inv_ex": (lambda lib, a: lib.linalg.inv_ex(a).inverse, (GENERAL,)),
    "inverse": (lambda lib, a: lib.inverse(a), (GENERAL,)),
    "det": (lambda lib, a: lib.linalg.det(a), (GENERAL,)),
    "det_method": (lambda lib, a: a.det(), (GENERAL,)),
    "slogdet": (lambda lib, a: lib.linalg.slogdet(a).logabsdet, (GENERAL,)),
    "logdet": (lambda lib, a: lib.logdet(a), (SPD,)),
    "solve": (lambda lib, a, b: lib.linalg.solve(a, b), (GENERAL, RHS)),
    "solve_vector": (lambda lib, a, b: lib.linalg.solve(a, b), (GENERAL, RHS[..., 0])),
    "solve_broadcast": (lambda lib, a, b: lib.linalg.solve(a, b), (GENERAL[0], RHS)),
    "solve_right": (lambda lib, a, b: lib.linalg.solve(a, b, left=False), (GENERAL, RHS.transpose(0, 2, 1))),
    "cholesky": (lambda lib, a: lib.linalg.cholesky(_sym(lib, a)), (SPD,)),
    "cholesky_upper": (lambda lib, a: lib.linalg.cholesky(_sym(lib, a), upper=True), (SPD,)),
    "cholesky_legacy": (lambda lib, a: lib.cholesky(_sym(lib, a)), (SPD,)),  # (deprecated in torch)
    "qr_tall": (lambda lib, a: [f.abs() for f in lib.linalg.qr(a)], (TALL,)),
    "qr_wide": (lambda lib, a: [f.abs() for f in lib.linalg.qr(a)], (WIDE,)),
    "qr_complete_wide": (lambda lib, a: [f.abs() for f in lib.linalg.qr(a, mode="complete")], (WIDE,)),
    "eigh": (lambda lib, a: [lib.linalg.eigh(_sym(lib, a)).eigenvalues,
                             lib.linalg.eigh(_sym(lib, a)).eigenvectors.abs()], (GENERAL,)),
    "eigvalsh": (lambda lib, a: lib.linalg.eigvalsh(a, UPLO="U"), (GENERAL,)),  # the upper triangle
    "eigvalsh_sym": (lambda lib, a: lib.linalg.eigvalsh(_sym(lib, a)), (GENERAL,)),
    "svd_tall": (lambda lib, a: [f.abs() for f in lib.linalg.svd(a, full_matrices=False)], (TALL,)),
    "svd_wide": (lambda lib, a: [f.abs() for f in lib.linalg.svd(a, full_matrices=False)], (WIDE,)),
    "svd_projector": (lambda lib, a: (lambda u: u @ u.mT)(lib.linalg.svd(a).U[..., :2]), (TALL,)),
    "svdvals": (lambda lib, a: lib.linalg.svdvals(a), (WIDE,)),
    "svd_legacy": (lambda lib, a: [f.abs() for f in lib.svd(a)], (TALL,)),
    "pinv": (lambda lib, a: lib.linalg.pinv(a), (TALL,)),
    "lstsq": (lambda lib, a, b: lib.linalg.lstsq(a, b).solution, (TALL, TALL[..., :2])),
    "lstsq_gelsd": (lambda lib, a, b: list(lib.linalg.lstsq(a, b, driver="gelsd"))[:2],
                    (TALL, TALL[..., ::-1].copy())),
    "lstsq_vector": (lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gels")[:2], (TALL, TALL[..., 0] + 1)),
    "lstsq_wide": (lambda lib, a, b: lib.linalg.lstsq(a, b).solution, (WIDE, WIDE[..., :2])),
    "matrix_power_3": (lambda lib, a: lib.linalg.matrix_power(a, 3), (GENERAL,)),
    "matrix_power_neg": (lambda lib, a: lib.linalg.matrix_power(a, -2), (GENERAL,)),
    "multi_dot": (lambda lib, a, b: lib.linalg.multi_dot([a[0], b[0], b[1].mT]), (GENERAL, RHS)),
    "vector_norm": (lambda lib, a: lib.linalg.vector_norm(a, 3, dim=(0, 2)), (TALL,)),
    "vector_norm_inf": (lambda lib, a: lib.linalg.vector_norm(a, float("inf"), dim=-1), (TALL,)),
    "matrix_norm_fro": (lambda lib, a: lib.linalg.matrix_norm(a), (TALL,)),
    "matrix_norm_nuc": (lambda lib, a: lib.linalg.matrix_norm(a, "nuc", keepdim=True), (TALL,)),
    "matrix_norm_2": (lambda lib, a: lib.linalg.matrix_norm(a, 2), (TALL,)),
    "matrix_norm_-2": (lambda lib, a: lib.linalg.matrix_norm(a, -2, dim=(2, 1)), (TALL,)),
    "matrix_norm_1": (lambda lib, a: lib.linalg.matrix_norm(a, 1, keepdim=True), (TALL,)),
    "matrix_norm_-inf": (lambda lib, a: lib.linalg.matrix_norm(a, float("-inf"), dim=(0, 2)), (TALL,)),
    "norm_matrix": (lambda lib, a: lib.linalg.norm(a[0], float("inf")), (TALL,)),
    "norm_flat": (lambda lib, a: lib.linalg.norm(a), (TALL,)),
    "norm_dim": (lambda lib, a: lib.linalg.norm(a, 1, dim=1), (TALL,)),
}


def _outputs(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    fn, arrays = CASES[name]
    ours_in = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = _outputs(fn(mt, *ours_in)), _outputs(fn(torch, *theirs_in))
    rng = np.random.default_rng(3)
    ups = [rng.standard_normal(tuple(t.shape)) for t in theirs]
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape) and o.dtype == mt.float64
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-9)
    sum(((o * mt.tensor(u)).sum() for o, u in zip(ours, ups)), mt.tensor(0.0, dtype=mt.float64)).backward()
    sum((t * torch.tensor(u)).sum() for t, u in zip(theirs, ups)).backward()
    for a, b in zip(ours_in, theirs_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-7, atol=1e-9)


GRADCHECK = ["inv", "det", "slogdet", "logdet", "solve", "solve_vector", "solve_right", "cholesky",
             "cholesky_upper", "qr_tall", "qr_wide", "eigh", "eigvalsh_sym", "svd_tall", "svd_wide",
             "svdvals", "pinv", "lstsq", "lstsq_gelsd", "lstsq_wide", "matrix_norm_2", "matrix_norm_nuc",
             "matrix_power_neg"]


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck_and_gradgradcheck(name):
    fn, arrays = CASES[name]
    inputs = tuple(mt.tensor(a[:1] if a.ndim == 3 else a, requires_grad=True) for a in arrays)
    if name == "solve_vector":
        inputs = (mt.tensor(arrays[0][:1], requires_grad=True), mt.tensor(arrays[1][:1], requires_grad=True))
    assert mt.autograd.gradcheck(lambda *xs: fn(mt, *xs), inputs)
    assert mt.autograd.gradgradcheck(lambda *xs: fn(mt, *xs), inputs)


def test_det_gradient_of_singular_matrix_is_the_cofactor_matrix():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]])  # rank 2
    ours, theirs = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    mt.linalg.det(ours).backward()
    torch.linalg.det(theirs).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)
    assert np.abs(ours.grad.numpy()).max() > 1  # not zero: the cofactors of a rank-2 matrix


def test_node_names():
    a = mt.tensor(GENERAL, requires_grad=True)
    s = mt.tensor(SPD, requires_grad=True)
    names = {
        "LinalgInvExBackward0": mt.linalg.inv(a), "LinalgDetBackward0": mt.linalg.det(a),
        "LinalgSlogdetBackward0": mt.linalg.slogdet(a)[1], "LinalgSolveExBackward0": mt.linalg.solve(a, a),
        "LinalgCholeskyExBackward0": mt.linalg.cholesky(s), "CholeskyBackward0": mt.cholesky(s),
        "LinalgQrBackward0": mt.linalg.qr(a)[0], "LinalgEighBackward0": mt.linalg.eigvalsh(s),
        "LinalgSvdBackward0": mt.linalg.svdvals(a), "LogdetBackward0": mt.logdet(s),
        "LinalgVectorNormBackward0": mt.linalg.norm(a),
    }
    for name, out in names.items():
        assert out.grad_fn.name() == name


def test_namespace_and_aliases():
    module = importlib.import_module("minitorch_conv.linalg")
    assert mt.linalg is module and mt.linalg.__name__ == "minitorch_conv.linalg"
    from minitorch_conv.ops.linalg import matmul  # the products' module keeps its imports

    assert mt.linalg.matmul is matmul and mt.matmul is matmul
    assert issubclass(mt.linalg.LinAlgError, RuntimeError)
    a = mt.tensor(GENERAL)
    np.testing.assert_allclose(mt.det(a).numpy(), np.linalg.det(GENERAL))
    np.testing.assert_allclose(a.inverse().numpy(), np.linalg.inv(GENERAL), rtol=1e-12)
    u, s, v = mt.svd(mt.tensor(TALL))
    assert tuple(u.shape) == (2, 5, 3) and tuple(v.shape) == (2, 3, 3)
    np.testing.assert_allclose((u * s.unsqueeze(-2) @ v.mT).numpy(), TALL, atol=1e-12)
    u, s, v = mt.svd(mt.tensor(TALL), some=False)
    assert tuple(u.shape) == (2, 5, 5)
    u, s, v = mt.svd(mt.tensor(TALL), compute_uv=False)
    assert float(u.abs().sum()) == 0 and tuple(v.shape) == (2, 3, 3)


def test_float32_stays_float32():
    a = mt.tensor(GENERAL.astype(np.float32))
    for out in (mt.linalg.inv(a), mt.linalg.det(a), mt.linalg.svdvals(a), mt.linalg.slogdet(a).sign,
                mt.linalg.eigh(a).eigenvalues, mt.linalg.qr(a).R, mt.linalg.matrix_norm(a, 2)):
        assert out.dtype == mt.float32


def test_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.linalg.inv(lib.ones(3, 3, dtype=lib.int64)),
        lambda lib: lib.linalg.det(lib.ones(3, 2)),
        lambda lib: lib.linalg.inv(lib.ones(3)),
        lambda lib: lib.linalg.inv(lib.zeros(2, 3, 3)),
        lambda lib: lib.linalg.inv(lib.tensor([[1.0, 2.0], [2.0, 4.0]])),
        lambda lib: lib.linalg.cholesky(-lib.eye(3)),
        lambda lib: lib.linalg.cholesky(lib.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0], [0.0, 2.0, 1.0]])),
        lambda lib: lib.linalg.solve(lib.zeros(3, 3), lib.ones(3)),
        lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(2)),
        lambda lib: lib.linalg.qr(lib.ones(3, 3), mode="full"),
        lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), ord=3),
        lambda lib: lib.linalg.matrix_norm(lib.ones(3)),
        lambda lib: lib.linalg.norm(lib.ones(2, 2, 2), ord=1),
        lambda lib: lib.linalg.norm(lib.ones(2, 2, 2), ord="fro", dim=0),
        lambda lib: lib.linalg.matrix_power(lib.ones(2, 3), 2),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as theirs:
            case(torch)
        with pytest.raises(RuntimeError) as ours:
            case(mt)
        assert str(ours.value) == str(theirs.value)
        is_linalg_error = isinstance(theirs.value, torch.linalg.LinAlgError)
        assert isinstance(ours.value, mt.linalg.LinAlgError) == is_linalg_error


def test_inv_ex_reports_singular_matrices():
    a = mt.tensor(np.stack([np.eye(2), np.zeros((2, 2))]))
    inverse, info = mt.linalg.inv_ex(a)
    assert info.dtype == mt.int32 and info.tolist() == [0, 1]
    np.testing.assert_allclose(inverse[0].numpy(), np.eye(2))
    with pytest.raises(mt.linalg.LinAlgError):
        mt.linalg.inv_ex(a, check_errors=True)


def test_qr_backward_refuses_what_pytorch_refuses():
    a = mt.tensor(TALL, requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        mt.linalg.qr(a, mode="complete").Q.sum().backward()
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        mt.linalg.qr(a, mode="r").R.sum().backward()


def test_matrix_rank_and_zero_power():
    a = mt.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    assert mt.linalg.matrix_rank(a).item() == 1 and mt.linalg.matrix_rank(a).dtype == mt.int64
    assert mt.linalg.matrix_rank(a, atol=10.0).item() == 0
    eye = mt.linalg.matrix_power(a, 0)
    eye.sum().backward()
    assert eye.tolist() == [[1.0, 0.0], [0.0, 1.0]] and a.grad.abs().sum().item() == 0


@pytest.mark.parametrize("ord", [0.5, -1, -2.5])
def test_vector_norm_small_orders_use_pytorch_subgradient_at_zero(ord):
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]])
    ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    up = np.array([1.5, -0.5])
    out_ours = mt.linalg.vector_norm(ours, ord, dim=1)
    out_theirs = torch.linalg.vector_norm(theirs, ord, dim=1)
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-12)
    (out_ours * mt.tensor(up)).sum().backward()
    (out_theirs * torch.tensor(up)).sum().backward()
    np.testing.assert_array_equal(np.isnan(ours.grad.numpy()), False)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    positive = mt.tensor(np.abs(x[:1]) + 0.5, requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: mt.linalg.vector_norm(t, ord), (positive,))


def test_pinv_of_rank_deficient_and_hermitian_matrices_match_pytorch():
    torch = pytest.importorskip("torch")
    a, b = RNG.standard_normal((4, 2)), RNG.standard_normal((3, 2))
    low_rank = a @ b.T  # rank 2
    ours, theirs = mt.tensor(low_rank, requires_grad=True), torch.tensor(low_rank, requires_grad=True)
    up = RNG.standard_normal((3, 4))
    (mt.linalg.pinv(ours) * mt.tensor(up)).sum().backward()
    (torch.linalg.pinv(theirs) * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-8, atol=1e-10)
    assert mt.linalg.pinv(ours).grad_fn.name() == "LinalgPinvBackward0"
    np.testing.assert_allclose(mt.linalg.pinv(mt.tensor(SPD), hermitian=True).numpy(),
                               torch.linalg.pinv(torch.tensor(SPD), hermitian=True).numpy(), rtol=1e-10)
    assert mt.linalg.matrix_rank(mt.tensor(low_rank)).item() == 2
    assert mt.linalg.matrix_rank(mt.tensor(SPD), hermitian=True).tolist() == [4, 4]


def test_cholesky_ex_and_solve_ex_report_failures_like_pytorch():
    torch = pytest.importorskip("torch")
    a = np.stack([np.diag([1.0, 2.0, -1.0, 3.0]), SPD[0]])
    ours, theirs = mt.linalg.cholesky_ex(mt.tensor(a)), torch.linalg.cholesky_ex(torch.tensor(a))
    assert ours.info.tolist() == theirs.info.tolist() == [3, 0]
    np.testing.assert_allclose(ours.L[1].numpy(), theirs.L[1].numpy(), rtol=1e-12)
    with pytest.raises(mt.linalg.LinAlgError, match="leading minor of order 3"):
        mt.linalg.cholesky_ex(mt.tensor(a), check_errors=True)
    singular = np.stack([GENERAL[0], np.zeros((4, 4))])
    ours = mt.linalg.solve_ex(mt.tensor(singular), mt.tensor(RHS))
    theirs = torch.linalg.solve_ex(torch.tensor(singular), torch.tensor(RHS))
    assert (ours.info.tolist()[0], ours.info.tolist()[1] > 0) == (0, True) == (theirs.info.tolist()[0], True)
    np.testing.assert_allclose(ours.result[0].numpy(), theirs.result[0].numpy(), rtol=1e-10)
