"""Parameters to one flat vector and back (PyTorch's ``parameters_to_vector``)."""

from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...ops.shape import cat
from ...tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable).

    >>> import minitorch_conv as mt
    >>> mt.nn.utils.parameters_to_vector(mt.nn.Linear(2, 3).parameters()).shape
    minitorch_conv.Size([9])
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in their order).

    >>> import minitorch_conv as mt
    >>> layer = mt.nn.Linear(2, 1)
    >>> mt.nn.utils.vector_to_parameters(mt.arange(3.0), layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[0.0, 1.0]], [2.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    start = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[start:start + n].reshape(p.shape))
            start += n
