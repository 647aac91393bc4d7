"""Test helpers: a numerical gradient check and a one-line comparison with PyTorch.

``check_grad(fn, arrays)`` runs ``fn`` on float64 tensors, backpropagates a *random* upstream
gradient ``u`` and compares each input's ``.grad`` with central differences of ``<u, fn(x)>``.
It is written here, independently of ``mt.autograd.gradcheck``, so that the two check each other.

``check_torch(torch, fn, arrays)`` runs the same ``fn(lib, *inputs)`` with ``lib`` being
minitorch_conv and then torch, and compares the outputs and the gradients of a random upstream
gradient. Because minitorch_conv follows PyTorch's API, one lambda serves both.
"""

from __future__ import annotations

import re

import numpy as np
from hypothesis import HealthCheck, settings

import minitorch_conv as mt

# hypothesis: few examples, no deadline (the first call of an op pays for imports)
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def to_numpy(tensor) -> np.ndarray:
    """A tensor's values as a NumPy array, whatever its device and requires_grad."""
    return tensor.detach().cpu().numpy()


def as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def on(lib, values, like):
    """``values`` as a tensor of ``lib`` (minitorch_conv or torch) on ``like``'s device: the index,
    mask and condition tensors a case builds must sit where its inputs are, as in PyTorch."""
    return lib.tensor(values, device=like.device)


def numerical_vjp(fn, arrays, upstreams, device="cpu", eps=1e-6) -> list[np.ndarray]:
    """Central differences of ``sum_k <upstreams[k], fn(*arrays)[k]>`` with respect to each array."""

    def objective(values):
        with mt.no_grad():
            outs = as_tuple(fn(*[mt.tensor(v, device=device) for v in values]))
        return sum(float(np.sum(to_numpy(o).astype(np.float64) * u)) for o, u in zip(outs, upstreams))

    grads = []
    for i, array in enumerate(arrays):
        grad = np.zeros(array.shape)
        for j in np.ndindex(array.shape):
            values = [a.copy() for a in arrays]
            values[i][j] = array[j] + eps
            plus = objective(values)
            values[i][j] = array[j] - eps
            minus = objective(values)
            grad[j] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def check_grad(fn, arrays, rng, device="cpu", rtol=1e-5, atol=1e-6):
    """Check ``fn``'s backward against central differences, in float64, with a random upstream.

    ``arrays`` are float64 NumPy arrays (the inputs); ``fn`` takes tensors and returns a tensor or
    a tuple of tensors. Every input must receive a gradient of its own shape and dtype.
    Returns the outputs, for further checks.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    inputs = [mt.tensor(a, device=device, requires_grad=True) for a in arrays]
    outs = as_tuple(fn(*inputs))
    upstreams = [rng.standard_normal(tuple(o.shape)) for o in outs]
    if len(outs) == 1:
        outs[0].backward(mt.tensor(upstreams[0], device=device))
    else:  # several outputs: backpropagate sum_k <u_k, out_k>, which has the same gradient
        total = sum((o * mt.tensor(u, device=device)).sum() for o, u in zip(outs, upstreams))
        total.backward()
    expected = numerical_vjp(fn, arrays, upstreams, device=device)
    for i, (x, want) in enumerate(zip(inputs, expected)):
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.shape == x.shape, f"input {i}: grad shape {x.grad.shape} != {x.shape}"
        assert x.grad.dtype == mt.float64, f"input {i}: grad dtype {x.grad.dtype}"
        assert x.grad.device == x.device
        np.testing.assert_allclose(to_numpy(x.grad), want, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")
    return outs


def check_torch(torch, fn, arrays, rng, device="cpu", dtype="float64", rtol=1e-6, atol=1e-7):
    """Compare ``fn(mt, *inputs)`` with ``fn(torch, *inputs)``: outputs, then input gradients.

    ``arrays`` are NumPy arrays; floating ones become tensors that require grad. The upstream
    gradient is random; an input that torch gives no gradient must get none or zeros here.
    """
    arrays = [np.asarray(a) for a in arrays]
    floating = [a.dtype.kind == "f" for a in arrays]
    arrays = [a.astype(dtype) if f else a for a, f in zip(arrays, floating)]
    ours = [mt.tensor(a, device=device, requires_grad=f) for a, f in zip(arrays, floating)]
    theirs = [torch.tensor(a, requires_grad=bool(f)) for a, f in zip(arrays, floating)]
    out_ours, out_theirs = as_tuple(fn(mt, *ours)), as_tuple(fn(torch, *theirs))
    assert len(out_ours) == len(out_theirs)
    for k, (o, t) in enumerate(zip(out_ours, out_theirs)):
        assert tuple(o.shape) == tuple(t.shape), f"output {k}: shape {tuple(o.shape)} != {tuple(t.shape)}"
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"output {k}: dtype"
        np.testing.assert_allclose(to_numpy(o), t.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"output {k}")
    pairs = [(o, t) for o, t in zip(out_ours, out_theirs) if t.requires_grad]
    if not pairs:
        return
    upstreams = [rng.standard_normal(tuple(t.shape)).astype(dtype) for _, t in pairs]
    sum((o * mt.tensor(u, device=device)).sum() for (o, _), u in zip(pairs, upstreams)).backward()
    sum((t * torch.tensor(u)).sum() for (_, t), u in zip(pairs, upstreams)).backward()
    for i, (x, y) in enumerate(zip(ours, theirs)):
        if not y.requires_grad:
            continue
        want = np.zeros(y.shape) if y.grad is None else y.grad.numpy()
        got = np.zeros(tuple(x.shape)) if x.grad is None else to_numpy(x.grad)
        if x.grad is not None:
            assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
        np.testing.assert_allclose(got, want, rtol=rtol * 10, atol=atol * 10,
                                   err_msg=f"gradient of input {i}")


def raises_like_torch(call, error, match) -> None:
    """``call(lib)`` raises ``error`` matching ``match`` with minitorch_conv, and with torch if installed."""
    import pytest

    libs = [mt]
    try:
        import torch

        libs.append(torch)
    except ImportError:
        pass
    for lib in libs:
        with pytest.raises(error, match=match):
            call(lib)


def copy_torch_state(torch_module, module) -> None:
    """Load a PyTorch module's parameters and buffers into ours."""
    module.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in torch_module.state_dict().items()})


def compare_module(torch, ours, theirs, x: np.ndarray, rng, rtol=1e-6, atol=1e-7):
    """Forward, input gradient and parameter gradients of ``ours`` and ``theirs`` (a PyTorch module
    with the same parameter names) on ``x``, with a random upstream gradient."""
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = ours(xm), theirs(xt)
    np.testing.assert_allclose(to_numpy(ym), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = rng.standard_normal(tuple(yt.shape))
    ym.backward(mt.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_numpy(xm.grad), xt.grad.numpy(), rtol=rtol, atol=atol)
    theirs_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(theirs_params)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(to_numpy(p.grad), theirs_params[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


def same_error_as_torch(our_call, their_call) -> None:
    """Both raise the same class with the same first line of message (``torch.Size`` read as
    ``minitorch_conv.Size``; a printed set's elements sorted: PyTorch prints a Python set, the valid
    padding modes, whose order follows the process's string hashing)."""
    import pytest

    with pytest.raises(Exception) as theirs:
        their_call()
    with pytest.raises(Exception) as ours:
        our_call()
    assert type(ours.value) is type(theirs.value)
    want = str(theirs.value).splitlines()[0].replace("torch.Size", "minitorch_conv.Size")
    assert _sorted_sets(str(ours.value).splitlines()[0]) == _sorted_sets(want)


def _sorted_sets(message: str) -> str:
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)
