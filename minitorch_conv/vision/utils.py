"""``make_grid`` and ``save_image`` (``torchvision.utils``): a batch of images as one picture.

>>> import minitorch_conv as mt
>>> from minitorch_conv.vision.utils import make_grid
>>> make_grid(mt.zeros(10, 1, 8, 8), nrow=5, padding=2).shape
minitorch_conv.Size([3, 22, 52])
"""

from __future__ import annotations

import math
import os
from typing import Any, BinaryIO

import numpy as np  # the grid is assembled on the host

from ..tensor import Tensor
from ._pil import pil_image_module

__all__ = ["make_grid", "save_image"]


def _host(tensor) -> np.ndarray:
    if isinstance(tensor, (list, tuple)):
        return np.stack([_host(t) for t in tensor])
    if isinstance(tensor, Tensor):
        return tensor.detach().cpu().numpy()
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")


def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Lay a (B, C, H, W) batch (or a list of (C, H, W) images) out in rows of ``nrow``, with
    ``padding`` pixels of ``pad_value`` around each; one-channel images become three. With
    ``normalize``, values are shifted and scaled to [0, 1] using ``value_range`` (default: the
    batch's min and max; per image with ``scale_each``).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.utils import make_grid
    >>> grid = make_grid(mt.arange(8.0).reshape(2, 1, 2, 2), padding=1, normalize=True)
    >>> grid.shape, float(grid.max())
    (minitorch_conv.Size([3, 4, 7]), 1.0)
    """
    array = _host(tensor)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        if array.shape[0] == 1:
            array = np.concatenate((array, array, array), 0)
        array = array[None]
    if array.ndim == 4 and array.shape[1] == 1:
        array = np.concatenate((array, array, array), 1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        array = array.astype(np.result_type(array.dtype, np.float32), copy=True)

        def norm(img: np.ndarray) -> np.ndarray:
            low, high = value_range if value_range is not None else (float(img.min()), float(img.max()))
            img = np.clip(img, low, high)
            return (img - low) / max(high - low, 1e-5)

        array = np.stack([norm(a) for a in array]) if scale_each else norm(array)
    if array.shape[0] == 1:
        return Tensor(np.ascontiguousarray(array[0]))
    nmaps = array.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(nmaps / xmaps))
    height, width = array.shape[2] + padding, array.shape[3] + padding
    grid = np.full(
        (array.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=array.dtype
    )
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding : (y + 1) * height, x * width + padding : (x + 1) * width] = array[k]
    return Tensor(grid)


def save_image(
    tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO, format: str | None = None, **kwargs: Any
) -> None:
    """Save an image, or a batch as a grid (``kwargs`` go to :func:`make_grid`), to a file: values
    in [0, 1] become 0..255. Uses Pillow where installed, else matplotlib.

    >>> import os, tempfile
    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.utils import save_image
    >>> path = os.path.join(tempfile.mkdtemp(), "grid.png")
    >>> save_image(mt.rand(4, 3, 8, 8), path, nrow=2)
    >>> os.path.getsize(path) > 0
    True
    """
    grid = make_grid(tensor, **kwargs).numpy()
    if grid.ndim == 2:
        grid = grid[None]
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    image_module = pil_image_module()
    if image_module is not None:
        image_module.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(fp, format=format)
        return
    try:
        import matplotlib.image
    except ImportError as exc:
        raise ImportError(
            "save_image needs Pillow or matplotlib: pip install 'minitorch_conv[vision]'"
        ) from exc
    matplotlib.image.imsave(
        fp,
        pixels[:, :, 0] if pixels.shape[2] == 1 else pixels,
        format=format,
        cmap="gray" if pixels.shape[2] == 1 else None,
    )
