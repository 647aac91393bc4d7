"""The ``*_copy`` operations: a view operation's result as a tensor of its own memory.

PyTorch keeps a copying twin of each view operation (``torch.transpose_copy``, ``view_copy``,
``unbind_copy``, ...): the same values and gradients as the view, in fresh contiguous memory, so
an in-place change of the result never reaches the input. Each one here is the view operation
followed by ``clone``.

>>> import minitorch_conv as mt
>>> x = mt.arange(6.0).reshape(2, 3)
>>> y = mt.transpose_copy(x, 0, 1)
>>> y.is_contiguous(), y._base is None, y.tolist()
(True, True, [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]])
"""

from __future__ import annotations

from ..tensor import Tensor

# name of the copy -> the view operation it copies
_VIEWS = {
    "alias_copy": lambda input: input.view(input.shape),  # noqa: A006
    "diagonal_copy": Tensor.diagonal,
    "expand_copy": Tensor.expand,
    "narrow_copy": Tensor.narrow,
    "permute_copy": Tensor.permute,
    "select_copy": Tensor.select,
    "slice_copy": lambda input, dim=0, start=None, end=None, step=1: input[  # noqa: A006
        (slice(None),) * (dim % max(input.ndim, 1)) + (slice(start, end, step),)],
    "squeeze_copy": Tensor.squeeze,
    "t_copy": Tensor.t,
    "transpose_copy": Tensor.transpose,
    "unfold_copy": Tensor.unfold,
    "unsqueeze_copy": Tensor.unsqueeze,
    "view_copy": Tensor.view,
}


def _copy_of(name: str, view):
    def copy(input: Tensor, *args, **kwargs) -> Tensor:  # noqa: A002 - PyTorch's name
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return view(input, *args, **kwargs).clone()

    copy.__name__ = copy.__qualname__ = name
    copy.__doc__ = f"``{name[:-5]}`` of ``input``, in memory of its own (PyTorch's ``torch.{name}``)."
    return copy


def _unbind_copy(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002 - PyTorch's name
    """``unbind`` with each piece in memory of its own."""
    return tuple(piece.clone() for piece in input.unbind(dim))


def _split_with_sizes_copy(input: Tensor, split_sizes, dim: int = 0) -> tuple:  # noqa: A002
    """``split_with_sizes`` with each piece in memory of its own."""
    return tuple(piece.clone() for piece in input.split(list(split_sizes), dim))


def _narrow_for_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """``narrow``, with narrow_copy's own check of a dimension past the last (a RuntimeError; a
    negative one out of range stays an IndexError, as in PyTorch)."""
    if isinstance(dim, int) and dim >= input.ndim:
        raise RuntimeError("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got "
                           "false.  (Could this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    return input.narrow(dim, start, length)


_VIEWS["narrow_copy"] = _narrow_for_copy
COPIES = {name: _copy_of(name, view) for name, view in _VIEWS.items()}
COPIES.update({"unbind_copy": _unbind_copy, "split_with_sizes_copy": _split_with_sizes_copy})
globals().update(COPIES)
__all__ = sorted(COPIES)
