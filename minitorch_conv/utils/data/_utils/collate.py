"""``default_collate`` (samples to a batch) and ``default_convert`` (NumPy arrays to tensors),
as ``torch.utils.data`` has them.

>>> import numpy as np
>>> from minitorch_conv.utils.data import default_collate, default_convert
>>> default_collate([(np.zeros(2), 1), (np.ones(2), 0)])
[tensor([[0., 0.],
        [1., 1.]], dtype=minitorch_conv.float64), tensor([1, 0])]
>>> default_convert({"x": np.arange(2)})
{'x': tensor([0, 1])}
"""

from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any

import numpy as np  # samples arrive as NumPy arrays and scalars

from ....backends import float64, int64
from ....creation import as_tensor, tensor
from ....ops.shape import stack
from ....tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_NUMPY_STRINGS_OR_OBJECTS = re.compile(r"[SaUO]")
_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_numpy_value(obj: Any) -> bool:
    return type(obj).__module__ == "numpy" and type(obj).__name__ not in ("str_", "string_", "bytes_")


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars become tensors, inside tuples, lists, dicts and named tuples too;
    everything else is left as it is. The DataLoader's ``collate_fn`` when ``batch_size=None``.

    >>> import numpy as np
    >>> from minitorch_conv.utils.data import default_convert
    >>> default_convert((np.zeros(2, dtype=np.float32), 3, "a"))
    [tensor([0., 0.]), 3, 'a']
    """
    if isinstance(data, Tensor):
        return data
    if _is_numpy_value(data):
        if isinstance(data, np.ndarray) and _NUMPY_STRINGS_OR_OBJECTS.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return type(data)(converted)
        except TypeError:  # a mapping type that cannot be rebuilt this way
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # PyTorch's (a list, for backward compatibility)
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted_list = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(converted_list):
                    clone[i] = d
                return clone
            return type(data)(converted_list)
        except TypeError:
            return converted_list
    return data


def _stack(tensors: list[Tensor]) -> Tensor:
    if any(t.requires_grad for t in tensors):
        return stack(tensors)
    first = tensors[0]
    if any(t.shape != first.shape for t in tensors):
        return stack(tensors)  # its error names the shapes
    return Tensor(first.xp.stack([t._array for t in tensors]), backend=first._backend)


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch, PyTorch's rules:

    - tensors are stacked (a new first dimension), NumPy arrays too, as tensors;
    - Python ints become an int64 tensor, floats a float64 tensor, bools a bool tensor; NumPy
      scalars keep their dtype;
    - strings stay a list; dicts, named tuples and sequences are collated field by field
      (a tuple of fields gives a list, as in PyTorch);
    - anything else is a TypeError.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.utils.data import default_collate
    >>> xs, ys = default_collate([(mt.zeros(2), 1), (mt.ones(2), 0)])
    >>> xs.shape, ys
    (minitorch_conv.Size([2, 2]), tensor([1, 0]))
    >>> default_collate([{"w": 0.5, "name": "a"}, {"w": 1.5, "name": "b"}])
    {'w': tensor([0.5000, 1.5000], dtype=minitorch_conv.float64), 'name': ['a', 'b']}
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(list(batch))
    if _is_numpy_value(elem):
        if isinstance(elem, np.ndarray):
            if _NUMPY_STRINGS_OR_OBJECTS.search(elem.dtype.str):
                raise TypeError(_ERROR.format(elem.dtype))
            return default_collate([as_tensor(b) for b in batch])
        if elem.shape == ():  # a NumPy scalar
            return as_tensor(np.asarray(batch))
    if isinstance(elem, bool):
        return tensor(list(batch))
    if isinstance(elem, float):
        return tensor(list(batch), dtype=float64)
    if isinstance(elem, int):
        return tensor(list(batch), dtype=int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = default_collate(samples)
                return clone
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERROR.format(type(elem)))
