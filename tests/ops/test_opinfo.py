"""PyTorch's own OpInfo samples, run through minitorch_conv.

For every op below, PyTorch's ``sample_inputs`` (float64, CPU) are converted to minitorch_conv
tensors and run through our op; the outputs must agree with PyTorch's in shape, dtype and value.
For differentiable ops the gradients of a random upstream gradient must agree too (our autograd
against PyTorch's). PyTorch's ``error_inputs`` must raise the same exception class here.

Needs PyTorch's test utilities (``torch`` and ``expecttest``); skipped without them. Samples per op
are capped (``MAX_SAMPLES``) to keep the file fast.

``python tests/ops/test_opinfo.py`` prints how many samples agree, op by op.
"""

from __future__ import annotations

import functools
import gc
import sys
import warnings

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

MAX_SAMPLES = 40
MAX_ERROR_INPUTS = 20


class Unsupported(Exception):
    """A sample that minitorch_conv cannot take by design (complex numbers, memory formats...)."""


# ---------------------------------------------------------------------------- the ops compared
def _method(name):
    return lambda self, *args, **kwargs: getattr(self, name)(*args, **kwargs)


def _attribute(name):
    return lambda self: getattr(self, name)


# OpInfo name -> our callable, where it is not simply ``mt.<name>`` or ``Tensor.<name>``
SPECIAL = {
    "T": _attribute("T"),
    "mT": _attribute("mT"),
    "zero_": lambda x: x.clone().zero_(),
    "where": lambda self, condition, other: mt.where(condition, self, other),
    "einsum": lambda tensors, equation: mt.einsum(equation, tensors),
    "nn.functional.embedding": lambda weight, indices, **kwargs: F.embedding(indices, weight, **kwargs),
    "polygamma": lambda input, n: mt.polygamma(n, input),  # the OpInfo's own argument order
    "special.polygamma": lambda input, n: mt.special.polygamma(n, input),
    "linalg.pinv.singular": lambda a, b: mt.linalg.pinv(a @ b.mT),  # (the variant's own op)
    "linalg.lstsq.grad_oriented": lambda a, b, driver: mt.linalg.lstsq(a, b, driver=driver)[:2],
}

# OpInfo names (with ``.variant``) deliberately not compared, and why
EXCLUDED = {
    # random outputs: nothing to compare value by value
    "randn": "random values", "rand_like": "random values", "randn_like": "random values",
    "randint": "random values", "nn.functional.dropout": "random values",
    "nn.functional.dropout2d": "random values", "nn.functional.dropout3d": "random values",
    "nn.functional.alpha_dropout": "random values",
    "normal.in_place": "its op is Tensor.normal_ (random values), not what the name resolves to",
    "nn.functional.rrelu": "random slopes in training mode (tests/nn/test_layers_1d.py checks them)",
    "nn.functional.feature_alpha_dropout.with_train": "random values",
    "nn.functional.feature_alpha_dropout.without_train": "random values in training mode",
    # uninitialised memory
    "empty": "uninitialised values", "empty_like": "uninitialised values",
    "new_empty": "uninitialised values",
    # complex numbers are not part of minitorch_conv
    "nn.functional.silu.complex": "complex dtypes",
    # a Triton kernel variant of bmm: the same samples as bmm
    "bmm.triton_optimized": "a duplicate of bmm's samples",
    # its samples pass a torch.nn.PairwiseDistance Module as distance_function (not convertible);
    # tests/nn/test_losses.py compares it with PyTorch instead
    "nn.functional.triplet_margin_with_distance_loss": "samples hold a torch Module",
}

# ops whose outputs are random draws: their samples are compared in shape and dtype only (and
# their gradients, zeros in both), their error inputs as every op's
RANDOM_VALUES = {"normal", "bernoulli", "multinomial", "randint_like"}

# Mismatches known and not yet fixed, each with what differs (strict: a fix makes the test fail
# until its line here is removed)
KNOWN_SAMPLE_MISMATCHES = {}
KNOWN_ERROR_MISMATCHES = {}

# error inputs that cannot apply: the reflected operators' OpInfos call the unbound method with a
# Python number as ``self`` (``Tensor.__radd__(2, t)``), a check of CPython's C descriptors that a
# Python class does not make; ``2 + t`` itself works in both
UNBOUND_METHOD_ERRORS = "reflected operator called unbound with a number as self"

# samples of a feature minitorch_conv leaves out (name: (what, predicate on the sample))
UNSUPPORTED_SAMPLES = {
    "nn.functional.grid_sample": ("volumetric (5-D) grid_sample", lambda sample: sample.input.dim() == 5),
    # attention dropout draws from each library's own generator: tests/nn/test_attention.py checks it
    "nn.functional.scaled_dot_product_attention": (
        "random values (dropout_p > 0)", lambda sample: sample.kwargs.get("dropout_p", 0.0) > 0),
    "nn.functional.multi_head_attention_forward": (
        "random values (dropout_p > 0 in training)",
        lambda sample: sample.args[9] > 0 and sample.kwargs.get("training", True)),
}

# looser tolerances where the algorithms differ in rounding (name: (rtol, atol))
TOLERANCES = {
    # a float32 ``aweights`` gets its gradient from four paths, summed in float32 in another order
    # than PyTorch's engine sums them (1.5e-5 apart on a gradient of 473)
    "cov": (1e-6, 1e-7),
}


def _resolve(opinfo):
    """Our callable for ``opinfo``, or None where minitorch_conv does not have the op."""
    name = opinfo.name
    if _full_name(opinfo) in SPECIAL:  # a variant whose op is not the name's function
        return SPECIAL[_full_name(opinfo)]
    if name in SPECIAL:
        return SPECIAL[name]
    if name.startswith("nn.functional."):
        return getattr(F, name[len("nn.functional."):], None)
    if name.startswith("special."):
        return getattr(mt.special, name[len("special."):], None)
    if name.startswith("linalg."):
        return getattr(mt.linalg, name[len("linalg."):], None)
    if "." in name:
        return None
    if hasattr(mt, name) and callable(getattr(mt, name)) and not isinstance(getattr(mt, name), type):
        return getattr(mt, name)
    if isinstance(getattr(mt.Tensor, name, None), property):
        return _attribute(name)
    if callable(getattr(mt.Tensor, name, None)):
        return _method(name)
    return None


def _full_name(opinfo) -> str:
    return opinfo.name + (f".{opinfo.variant_test_name}" if opinfo.variant_test_name else "")


@functools.lru_cache(maxsize=1)
def _op_db():
    from torch.testing._internal.common_methods_invocations import op_db

    gc.freeze()  # its hundreds of thousands of objects live on: keep the collector from rescanning them
    return {_full_name(o): o for o in op_db}


# ---------------------------------------------------------------------------- conversion
def _to_mt(value, torch, memo):
    """A PyTorch sample argument as minitorch_conv's (the same torch tensor -> the same tensor)."""
    if isinstance(value, torch.Tensor):
        if id(value) in memo:
            return memo[id(value)]
        if value.is_complex() or value.dtype in (torch.bfloat16,) or value.layout != torch.strided:
            raise Unsupported(f"tensor of dtype {value.dtype}, layout {value.layout}")
        try:
            array = value.detach().resolve_conj().resolve_neg().cpu().numpy().copy()
        except ValueError as error:  # more dimensions than NumPy allows
            raise Unsupported(str(error)) from None
        out = mt.tensor(array)
        if value.requires_grad:
            out.requires_grad_(True)
        memo[id(value)] = out
        return out
    if isinstance(value, torch.dtype):
        name = str(value).split(".")[-1]
        if not hasattr(mt, name) or not isinstance(getattr(mt, name), mt.dtype):
            raise Unsupported(f"dtype {value}")
        return getattr(mt, name)
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, (torch.memory_format, torch.layout, torch.Generator)):
        raise Unsupported(f"{type(value).__name__} argument")
    if isinstance(value, tuple):
        return tuple(_to_mt(v, torch, memo) for v in value)
    if isinstance(value, list):
        return [_to_mt(v, torch, memo) for v in value]
    if isinstance(value, dict):
        if "out" in value:
            raise Unsupported("out= arguments")
        return {k: _to_mt(v, torch, memo) for k, v in value.items()}
    return value


def _flatten(out) -> list:
    if isinstance(out, (tuple, list)):
        return [x for item in out for x in _flatten(item)]
    return [out]


def _leaves(value, torch) -> list:
    """The torch tensors in a sample that require grad, in order, each once."""
    found = []
    for item in _flatten(value) if not isinstance(value, dict) else _flatten(list(value.values())):
        if isinstance(item, dict):
            found += _leaves(item, torch)
        elif isinstance(item, torch.Tensor) and item.requires_grad and all(item is not f for f in found):
            found.append(item)
    return found


def _same_values(ours, theirs, torch, rtol, atol) -> str | None:
    """None where one output agrees with PyTorch's, else what differs."""
    if isinstance(theirs, torch.Tensor):
        if not isinstance(ours, mt.Tensor):
            return f"got {type(ours).__name__}, expected a Tensor"
        if tuple(ours.shape) != tuple(theirs.shape):
            return f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
        if ours.dtype.name != str(theirs.dtype).split(".")[-1]:
            return f"dtype {ours.dtype.name} != {theirs.dtype}"
        got, want = ours.detach().cpu().numpy(), theirs.detach().cpu().numpy()
        if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            return f"values differ by up to {np.nanmax(np.abs(got.astype(float) - want.astype(float)))}"
        return None
    if isinstance(ours, mt.Tensor):
        return f"got a Tensor, expected {type(theirs).__name__}"
    return None if ours == theirs or (ours != ours and theirs != theirs) else f"{ours!r} != {theirs!r}"


# ops whose outputs are unique only up to sign (LAPACK builds differ): values and gradients are
# compared after the sample's ``output_process_fn_grad`` (eigh's: eigenvalues and |eigenvectors|)
PROCESSED_OUTPUTS = {"linalg.eigh"}


def run_sample(fn, sample, torch, opinfo, rng, rtol=1e-7, atol=1e-7) -> str | None:
    """Run one sample through ``fn`` and torch's op; None where all agree, else what differs."""
    left_out = UNSUPPORTED_SAMPLES.get(opinfo.name)
    if left_out is not None and left_out[1](sample):
        raise Unsupported(left_out[0])
    memo = {}
    args = _to_mt((sample.input, *sample.args), torch, memo)
    kwargs = _to_mt(dict(sample.kwargs), torch, memo)
    try:
        theirs = opinfo.op(sample.input, *sample.args, **sample.kwargs)
    except Exception as error:  # noqa: BLE001 - a sample PyTorch itself refuses on this build
        raise Unsupported(f"PyTorch raised {type(error).__name__}") from None
    try:
        ours = fn(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - reported as a mismatch
        return f"raised {type(error).__name__}: {str(error)[:150]}"
    if opinfo.name in PROCESSED_OUTPUTS:  # outputs defined up to a sign: the sample's own map
        ours, theirs = sample.output_process_fn_grad(ours), sample.output_process_fn_grad(theirs)
    ours_flat, theirs_flat = _flatten(ours), _flatten(theirs)
    if len(ours_flat) != len(theirs_flat):
        return f"{len(ours_flat)} outputs, expected {len(theirs_flat)}"
    for k, (o, t) in enumerate(zip(ours_flat, theirs_flat)):
        if opinfo.name in RANDOM_VALUES and isinstance(o, mt.Tensor) and isinstance(t, torch.Tensor):
            o, t = o.detach().zero_() if o.dtype.is_floating_point else o * 0, t.detach() * 0
        problem = _same_values(o, t, torch, rtol, atol)
        if problem:
            return f"output {k}: {problem}"
    if not opinfo.supports_autograd:
        return None
    leaves = _leaves([sample.input, *sample.args, sample.kwargs], torch)
    pairs = [(o, t) for o, t in zip(ours_flat, theirs_flat)
             if isinstance(t, torch.Tensor) and t.requires_grad and t.is_floating_point()]
    if not leaves or not pairs:
        return None
    upstream = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
    want = torch.autograd.grad([t for _, t in pairs], leaves,
                               [torch.tensor(u, dtype=t.dtype) for u, (_, t) in zip(upstream, pairs)],
                               allow_unused=True)
    for k, (o, _) in enumerate(pairs):
        if not isinstance(o, mt.Tensor) or not o.requires_grad:
            return f"output {k} does not require grad"
    our_leaves = [memo[id(leaf)] for leaf in leaves]
    try:
        got = mt.autograd.grad([o for o, _ in pairs], our_leaves,
                               [mt.tensor(u).to(o.dtype) for u, (o, _) in zip(upstream, pairs)],
                               allow_unused=True)
    except Exception as error:  # noqa: BLE001
        return f"backward raised {type(error).__name__}: {str(error)[:150]}"
    for i, (g, w) in enumerate(zip(got, want)):
        g = np.zeros(tuple(our_leaves[i].shape)) if g is None else g.detach().cpu().numpy()
        # force: PyTorch's gradient may be a ZeroTensor (copysign's for ``other``)
        w = np.zeros(tuple(leaves[i].shape)) if w is None else w.detach().cpu().numpy(force=True)
        if g.shape != w.shape or not np.allclose(g, w, rtol=rtol * 10, atol=atol * 10, equal_nan=True):
            diff = np.nanmax(np.abs(g - w)) if g.shape == w.shape else f"shape {g.shape} != {w.shape}"
            return f"gradient of input {i} differs: {diff}"
    return None


def run_error_input(fn, error_input, opinfo, torch) -> str | None:
    """None where our op raises the class PyTorch raises for ``error_input``."""
    sample = error_input.sample_input
    try:  # some error inputs are for other builds or devices: PyTorch must raise here too
        opinfo.op(sample.input, *sample.args, **sample.kwargs)
    except error_input.error_type:
        pass
    except Exception as error:  # noqa: BLE001
        raise Unsupported(f"PyTorch raised {type(error).__name__}") from None
    else:
        raise Unsupported("PyTorch does not raise on this build")
    memo = {}
    args = _to_mt((sample.input, *sample.args), torch, memo)
    kwargs = _to_mt(dict(sample.kwargs), torch, memo)
    try:
        fn(*args, **kwargs)
    except error_input.error_type:
        return None
    except Exception as error:  # noqa: BLE001
        expected = error_input.error_type.__name__
        return f"raised {type(error).__name__} ({str(error)[:100]}), expected {expected}"
    return f"did not raise {error_input.error_type.__name__} ({error_input.error_regex[:80]})"


def measure(name, torch, max_samples=MAX_SAMPLES):
    """``(agreed, failures, unsupported)`` for the samples of OpInfo ``name``."""
    opinfo = _op_db()[name]
    fn = _resolve(opinfo)
    rng = np.random.default_rng(sum(map(ord, name)))
    agreed, failures, unsupported = 0, [], 0
    dtype = torch.float64 if opinfo.supports_dtype(torch.float64, "cpu") else torch.int64
    # the sample function itself, not ``opinfo.sample_inputs``: its tracking wrapper inspects the
    # whole Python stack for every sample, which costs more than the comparisons
    torch.random.default_generator.manual_seed(0)
    requires_grad = opinfo.supports_autograd and dtype.is_floating_point
    samples = opinfo.sample_inputs_func(opinfo, "cpu", dtype, requires_grad)
    for i, sample in enumerate(samples):
        if i >= max_samples:
            break
        try:
            problem = run_sample(fn, sample, torch, opinfo, rng, *TOLERANCES.get(name, (1e-7, 1e-7)))
        except Unsupported:
            unsupported += 1
            continue
        if problem:
            failures.append(f"sample {i} {sample.summary() if hasattr(sample, 'summary') else ''}: {problem}")
        else:
            agreed += 1
    return agreed, failures, unsupported


def measure_errors(name, torch, max_inputs=MAX_ERROR_INPUTS):
    opinfo = _op_db()[name]
    fn = _resolve(opinfo)
    agreed, failures = 0, []
    if opinfo.error_inputs_func is None:
        return 0, []
    torch.random.default_generator.manual_seed(0)
    error_inputs = list(opinfo.error_inputs_func(opinfo, "cpu"))[:max_inputs]
    for i, error_input in enumerate(error_inputs):
        if name.startswith("__r") and not isinstance(error_input.sample_input.input, torch.Tensor):
            continue  # UNBOUND_METHOD_ERRORS
        try:
            problem = run_error_input(fn, error_input, opinfo, torch)
        except Unsupported:
            continue
        if problem:
            failures.append(f"error input {i}: {problem}")
        else:
            agreed += 1
    return agreed, failures


def _all_names():
    names = []
    for name, opinfo in _op_db().items():
        if name not in EXCLUDED and _resolve(opinfo) is not None:
            names.append(name)
    return names


def _names_at_collection() -> list:
    """The OpInfo names we have; none where PyTorch's test utilities cannot be imported."""
    try:
        return _all_names()
    except ImportError:
        return []


def _params(names, known):
    if not names:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason="PyTorch's OpInfo database needs torch and expecttest"))]
    return [pytest.param(name, marks=pytest.mark.xfail(reason=known[name], strict=True))
            if name in known else name for name in names]


NAMES = _names_at_collection()


def _quietly(run, *args):
    """Run without warnings: NaN from a sample (``(-1) ** 0.5``) is the expected answer here, and
    the test suite turns NumPy's warnings in minitorch_conv into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(*args)


@pytest.mark.parametrize("name", _params(NAMES, KNOWN_SAMPLE_MISMATCHES))
def test_opinfo_samples_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    pytest.importorskip("expecttest")
    agreed, failures, _ = _quietly(measure, name, torch)
    assert not failures, f"{name}: {agreed} samples agree, {len(failures)} differ:\n" + "\n".join(failures)


@pytest.mark.parametrize("name", _params(NAMES, KNOWN_ERROR_MISMATCHES))
def test_opinfo_error_inputs_raise_pytorchs_class(name):
    torch = pytest.importorskip("torch")
    pytest.importorskip("expecttest")
    _, failures = _quietly(measure_errors, name, torch)
    assert not failures, f"{name}:\n" + "\n".join(failures)


def test_the_ops_we_have_are_compared():
    """The comparison reaches the ops this file is about (a resolver that found nothing would pass)."""
    pytest.importorskip("torch")
    pytest.importorskip("expecttest")
    for name in ("gather", "scatter_add", "index_select", "index_add", "masked_select", "sort", "topk",
                 "einsum", "addmm", "lerp", "addcdiv", "clamp", "isclose", "log1p", "div.floor_rounding",
                 "var.unbiased", "flip", "cat", "amax", "nn.functional.batch_norm", "where"):
        assert name in NAMES


if __name__ == "__main__":
    import torch

    total_ok = total = err_ok = err_total = 0
    for name in (sys.argv[1:] or _all_names()):
        ok, bad, skipped = _quietly(measure, name, torch)
        eok, ebad = _quietly(measure_errors, name, torch)
        total_ok += ok
        total += ok + len(bad)
        err_ok += eok
        err_total += eok + len(ebad)
        if bad or ebad:
            print(f"{name}: {ok}/{ok + len(bad)} samples, {eok}/{eok + len(ebad)} errors")
            for line in (bad + ebad)[:6]:
                print("    " + line[:300])
    print(f"samples: {total_ok}/{total}; error inputs: {err_ok}/{err_total}")
