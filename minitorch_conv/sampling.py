"""Draws from distributions whose parameters are tensors: ``normal``, ``bernoulli``,
``multinomial``, ``poisson``, ``randint_like`` (PyTorch's functions of these names).

Each draws from the global generator of the parameters' device, or from ``generator``. As in
PyTorch, a draw is not differentiable in its parameters: where one requires grad, the result
has a node (``NormalBackward3``, ``BernoulliBackward0``) that passes zeros back.

Shapes: ``mean``/``std`` broadcast together; ``multinomial`` takes probabilities (n,) or (m, n)
and returns indices (k,) or (m, k).

>>> import minitorch_conv as mt
>>> _ = mt.manual_seed(0)
>>> mt.normal(mt.zeros(2, 3), 1.0).shape, mt.normal(0.0, 1.0, (4,)).dtype
(minitorch_conv.Size([2, 3]), minitorch_conv.float32)
>>> mt.bernoulli(mt.tensor([0.0, 1.0])), mt.multinomial(mt.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
(tensor([0., 1.]), tensor([1, 1]))
"""

from __future__ import annotations

import numpy as np

from ._arguments import parse_args
from .autograd.function import Function
from .backends import get_backend, get_default_dtype, int64, promote_types, to_dtype
from .tensor import Tensor

__all__ = ["normal", "bernoulli", "multinomial", "poisson", "randint_like"]


def _rng(backend, generator):
    return backend.rng if generator is None else generator.rng


def _on(backend, generator, array):
    """An array drawn from ``generator`` (a CPU ``mt.Generator``) moved to ``backend``'s device."""
    return array if generator is None else backend.asarray(array)


class _Draw(Function):
    """A random draw recorded in the graph: gradients of its parameters are zeros (PyTorch's)."""

    @staticmethod
    def forward(ctx, sample, *parameters):
        ctx.shapes = [None if p is None or not isinstance(p, Tensor) else p.shape for p in parameters]
        return sample._array

    @staticmethod
    def backward(ctx, grad):
        return (None, *(None if s is None else grad.new_zeros(s) for s in ctx.shapes))


class NormalTensorTensor(_Draw):
    node_name = "NormalBackward3"


class NormalTensorFloat(_Draw):
    node_name = "NormalBackward1"


class NormalFloatTensor(_Draw):
    node_name = "NormalBackward2"


class Bernoulli(_Draw):
    node_name = "BernoulliBackward0"


def _recorded(function, sample: Tensor, *parameters) -> Tensor:
    if any(isinstance(p, Tensor) and p.requires_grad for p in parameters):
        return function.apply(sample, *parameters)
    return sample


def _check_std(std) -> None:
    low = std.min().item() if isinstance(std, Tensor) else std
    if isinstance(std, Tensor) and std.numel() == 0:
        return
    if low < 0:
        shown = int(low) if float(low).is_integer() else low
        raise RuntimeError(f"normal expects std >= 0.0, but found std {shown}")


def _type_name(dtype) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(dtype.name, dtype.name)


def _standard_normal(backend, generator, shape, dtype):
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for \'{_type_name(dtype)}\'')
    draw_dtype = dtype.numpy if dtype.name in ("float32", "float64") else np.float64
    with backend.device_context():
        drawn = _rng(backend, generator).standard_normal(tuple(shape), dtype=draw_dtype)
        array = _on(backend, generator, drawn)
        return array.astype(dtype.numpy, copy=False)


@parse_args("Tensor|float mean, Tensor|float std, int[]? size, *, Generator? generator, ScalarType? dtype, "
            "Device? device, bool requires_grad",
            overloads=("Tensor mean, Tensor std, *, Generator? generator=None",
                       "Tensor mean, float std=1, *, Generator? generator=None",
                       "float mean, Tensor std, *, Generator? generator=None",
                       "float mean, float std, int[] size, *, Generator? generator=None, "
                       "ScalarType? dtype=None, Device? device=None, bool requires_grad=False"))
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Draws from N(mean, std**2): element-wise for tensor ``mean`` and/or ``std`` (broadcast
    together), or ``size`` draws for two numbers.

    >>> import minitorch_conv as mt
    >>> mt.normal(mt.tensor([0.0, 100.0]), mt.tensor([0.0, 0.0]))
    tensor([  0., 100.])
    """
    mean_is_tensor, std_is_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_is_tensor and not std_is_tensor:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got "
                f"({type(mean).__name__}, {type(std).__name__}), but expected one of:\n"
                " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
                "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
                "device = None, bool pin_memory = False, bool requires_grad = False)\n")
        _check_std(std)
        dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
        backend = get_backend(device)
        array = _standard_normal(backend, generator, size, dtype)
        return Tensor(array * std + mean if (mean, std) != (0.0, 1.0) else array,
                      backend=backend).requires_grad_(requires_grad)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments: size is only taken "
                        "with a float mean and a float std")
    _check_std(std)
    first = mean if mean_is_tensor else std
    if mean_is_tensor and std_is_tensor:
        out_dtype = promote_types(mean.dtype, std.dtype)
        shape = np.broadcast_shapes(tuple(mean.shape), tuple(std.shape))
        function = NormalTensorTensor
    else:
        out_dtype = first.dtype
        shape = tuple(first.shape)
        function = NormalTensorFloat if mean_is_tensor else NormalFloatTensor
    array = _standard_normal(first._backend, generator, shape, out_dtype)
    with first._backend.device_context():
        m = mean._array if mean_is_tensor else mean
        s = std._array if std_is_tensor else std
        sample = first._new((array * s + m).astype(out_dtype.numpy, copy=False))
    return _recorded(function, sample, mean if mean_is_tensor else None, std if std_is_tensor else None)


@parse_args("Tensor input, float? p, *, Generator? generator")
def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002 - PyTorch's name
    """0/1 draws, 1 with probability ``input`` (element-wise), or ``p`` for every element;
    the result has ``input``'s shape and dtype.

    >>> import minitorch_conv as mt
    >>> mt.bernoulli(mt.tensor([[1.0, 0.0]]))
    tensor([[1., 0.]])
    """
    probability = input._array if p is None else p
    if p is None and input.numel() and (bool((probability < 0).any()) or bool((probability > 1).any())
                                        or bool(input.isnan().any())):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to PyTorch.)")
    if p is not None and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    backend = input._backend
    with backend.device_context():
        uniform = _on(backend, generator, _rng(backend, generator).random(tuple(input.shape)))
        sample = input._new((uniform < probability).astype(input.dtype.numpy))
    return _recorded(Bernoulli, sample, input if p is None else None)


@parse_args("Tensor input, int num_samples, bool replacement, *, Generator? generator")
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:
    """``num_samples`` category indices per row of (unnormalised) probabilities ``input``, with or
    without replacement (int64).

    Without replacement each row is its keys ``log p - log(-log u)`` sorted (the Gumbel top-k
    trick: the same distribution as drawing one at a time and removing what was drawn).

    >>> import minitorch_conv as mt
    >>> sorted(mt.multinomial(mt.tensor([1.0, 1.0, 0.0]), 2).tolist())
    [0, 1]
    """
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    xp, backend = input.xp, input._backend
    probabilities = input._array.reshape(-1, categories).astype(np.float64)
    if bool((~xp.isfinite(probabilities)).any()) or bool((probabilities < 0).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = probabilities.sum(axis=1, keepdims=True)
    if bool((totals <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and bool(((probabilities > 0).sum(axis=1) < num_samples).any()):
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough "
                           "non-negative category to sample)")
    rows = probabilities.shape[0]
    with backend.device_context():
        uniform = _on(backend, generator, _rng(backend, generator).random((rows, num_samples if replacement
                                                                          else categories)))
        if replacement:  # inverse CDF: the first category whose cumulative share passes u
            cdf = xp.cumsum(probabilities / totals, axis=1)
            cdf[:, -1] = 1.0
            # one sorted search for all rows: row r's cdf shifted by r stays above row r-1's
            offsets = xp.arange(rows, dtype=cdf.dtype)[:, None]
            found = xp.searchsorted((cdf + offsets).ravel(), (uniform + offsets).ravel(), side="right")
            picks = xp.minimum(found.reshape(rows, num_samples) - offsets.astype(found.dtype) * categories,
                               categories - 1)
        else:
            with np.errstate(divide="ignore"):
                keys = xp.log(probabilities) - xp.log(-xp.log(uniform))
            picks = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    shape = (num_samples,) if input.ndim == 1 else (rows, num_samples)
    return input._new(picks.astype(np.int64).reshape(shape))


@parse_args("Tensor input, Generator? generator")
def poisson(input: Tensor, generator=None) -> Tensor:  # noqa: A002 - PyTorch's name
    """Poisson draws with rates ``input``, element-wise, in ``input``'s dtype.

    >>> import minitorch_conv as mt
    >>> mt.poisson(mt.zeros(3))
    tensor([0., 0., 0.])
    """
    if input.numel() and bool((input._array < 0).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    backend = input._backend
    rates = backend.to_numpy(input._array).astype(np.float64)
    rng = _rng(backend, generator) if generator is not None or backend.xp is np else None
    if rng is None:  # a GPU generator without Poisson draws: seed a CPU one from it
        rng = np.random.default_rng(int(backend.rng.integers(0, 2**63 - 1)))
    with backend.device_context():
        return input._new(backend.asarray(rng.poisson(rates).astype(input.dtype.numpy)))


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype=None, device=None,  # noqa: A002
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint`` with ``input``'s shape (and dtype and device unless given); one bound is ``high``.

    >>> import minitorch_conv as mt
    >>> mt.randint_like(mt.zeros(2, 2), 5, 6)
    tensor([[5., 5.],
            [5., 5.]])
    """
    from .creation import randint

    if not isinstance(input, Tensor):
        raise TypeError("randint_like(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if high is None:
        low, high = 0, low
    out = randint(low, high, tuple(input.shape), dtype=int64, device=device or input.device)
    return out.to(input.dtype if dtype is None else dtype).requires_grad_(requires_grad)


def _bernoulli_method(self: Tensor, p=None, *, generator=None) -> Tensor:
    """``x.bernoulli()``: draws with probabilities ``x`` (or ``p``), in ``x``'s shape and dtype."""
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


Tensor.bernoulli = _bernoulli_method
Tensor.multinomial = _multinomial_method
