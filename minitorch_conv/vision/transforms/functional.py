"""The image operations behind the transforms (``torchvision.transforms.functional``).

Three kinds of image come in, and each goes out as the kind it came in as:

- a **tensor**: ``(..., C, H, W)``, any float dtype in [0, 1] or uint8 in [0, 255];
- a **PIL image** (where Pillow is installed): worked on by Pillow, as torchvision does;
- a **NumPy array**: where torchvision takes a PIL image, an array is the array of one,
  ``(H, W)`` or ``(H, W, C)``, and it is worked on with the tensor algorithms; where torchvision
  takes only tensors (``normalize``, ``erase``, ``convert_image_dtype``), an array is a tensor's
  data, ``(..., C, H, W)``.

Tensor images are computed on the host with NumPy in their own dtype (float32 stays float32;
uint8 goes through float32 and is rounded back, as in torchvision) and come back on their device.

>>> import minitorch_conv as mt
>>> from minitorch_conv.vision.transforms import functional as F
>>> img = mt.arange(12.0).reshape(1, 3, 4)
>>> F.hflip(img)[0, 0].tolist()
[3.0, 2.0, 1.0, 0.0]
>>> tuple(F.resize(img, [6, 8]).shape)
(1, 6, 8)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from enum import Enum

import numpy as np  # images are computed on the host

from ... import backends
from ...tensor import Tensor
from .._pil import is_pil_image, require_pil

__all__ = [
    "InterpolationMode",
    "to_tensor",
    "pil_to_tensor",
    "to_pil_image",
    "convert_image_dtype",
    "normalize",
    "resize",
    "pad",
    "crop",
    "center_crop",
    "hflip",
    "vflip",
    "rotate",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "adjust_hue",
    "rgb_to_grayscale",
    "erase",
    "get_dimensions",
    "get_image_size",
    "get_image_num_channels",
]


class InterpolationMode(Enum):
    """How to sample between pixels (torchvision's names).

    >>> from minitorch_conv.vision.transforms import InterpolationMode
    >>> InterpolationMode("bilinear") is InterpolationMode.BILINEAR
    True"""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


_PIL_FILTERS = {"nearest": 0, "nearest-exact": 0, "bilinear": 2, "bicubic": 3}  # PIL.Image.Resampling


def _interpolation(mode) -> InterpolationMode:
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, str):
        return InterpolationMode(mode)
    if isinstance(mode, int):  # a PIL resampling constant
        names = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC}
        if mode in names:
            return names[mode]
    raise TypeError(
        f"Argument interpolation should be of type InterpolationMode instead of {type(mode).__name__}"
    )


# ---------------------------------------------------------------------------- image kinds
class _Planes:
    """An image as a NumPy array laid out ``(..., C, H, W)``, and how to turn a result back into
    the kind of image it came from."""

    def __init__(self, img, layout: str = "pil"):
        self.kind = "tensor" if isinstance(img, Tensor) else "numpy" if isinstance(img, np.ndarray) else None
        if self.kind is None:
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        if self.kind == "tensor":
            self.tensor = img
            self.array = img._backend.to_numpy(img.detach()._array)
            self.hwc = False
        else:
            self.hwc = layout == "pil"
            if self.hwc:
                if img.ndim not in (2, 3):
                    raise ValueError(f"an image array should be (H, W) or (H, W, C), got shape {img.shape}")
                self.squeeze = img.ndim == 2
                self.array = img[None] if self.squeeze else img.transpose(2, 0, 1)
            else:
                self.array = img
        if self.array.ndim < 2:
            raise TypeError(f"Tensor is not a torch image: shape {tuple(self.array.shape)}")

    def back(self, array: np.ndarray):
        if self.kind == "tensor":
            backend = self.tensor._backend
            with backend.device_context():
                return Tensor(backend.asarray(np.ascontiguousarray(array)), backend=backend)
        if self.hwc:
            return array[0] if self.squeeze else np.ascontiguousarray(array.transpose(1, 2, 0))
        return array


def get_dimensions(img) -> list[int]:
    """``[channels, height, width]`` of an image.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.get_dimensions(np.zeros((5, 7, 3), dtype=np.uint8))
    [3, 5, 7]
    """
    if is_pil_image(img):
        return [len(img.getbands()), img.height, img.width]
    array = _Planes(img).array
    channels = array.shape[-3] if array.ndim >= 3 else 1
    return [channels, array.shape[-2], array.shape[-1]]


def get_image_size(img) -> list[int]:
    """``[width, height]`` of an image.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.get_image_size(np.zeros((5, 7), dtype=np.uint8))
    [7, 5]"""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    """The number of channels of an image.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.get_image_num_channels(mt.zeros(3, 4, 4))
    3"""
    return get_dimensions(img)[0]


def _max_value(dtype: np.dtype) -> float:
    return float(np.iinfo(dtype).max) if np.issubdtype(dtype, np.integer) else 1.0


def _round_back(result: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A float result in the image's own dtype: integers rounded (half to even), as torchvision."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(result), info.min, info.max).astype(dtype)
    return result.astype(dtype, copy=False)


def _float_work(array: np.ndarray) -> np.ndarray:
    return array if np.issubdtype(array.dtype, np.floating) else array.astype(np.float32)


# ---------------------------------------------------------------------------- conversions
def to_tensor(pic) -> Tensor:
    """A PIL image or an (H, W[, C]) array as a (C, H, W) tensor; uint8 is scaled to float in
    [0, 1] (in the default dtype), other dtypes are kept.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.to_tensor(np.full((1, 2, 3), 255, dtype=np.uint8))
    tensor([[[1., 1.]],
    <BLANKLINE>
            [[1., 1.]],
    <BLANKLINE>
            [[1., 1.]]])
    """
    if is_pil_image(pic):
        modes = {"I": np.int32, "I;16": np.int16, "F": np.float32}
        array = np.array(pic, modes.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            array = 255 * array
        array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = np.ascontiguousarray(array.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        dtype = backends.get_default_dtype().numpy
        return Tensor(chw.astype(dtype) / dtype.type(255))
    return Tensor(chw)


def pil_to_tensor(pic) -> Tensor:
    """A PIL image (or an (H, W[, C]) array) as a (C, H, W) tensor of the same dtype, not scaled.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.pil_to_tensor(np.full((1, 2), 7, dtype=np.uint8))
    tensor([[[7, 7]]], dtype=minitorch_conv.uint8)
    """
    if is_pil_image(pic):
        array = np.asarray(pic).reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    elif isinstance(pic, np.ndarray) and pic.ndim in (2, 3):
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    return Tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))


def to_pil_image(pic, mode: str | None = None):
    """A (C, H, W) tensor or an (H, W[, C]) array as a PIL image (needs Pillow). Float values in
    [0, 1] are multiplied by 255 and truncated to uint8, as torchvision does.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.to_pil_image(mt.ones(3, 2, 4)).size  # needs Pillow
    (4, 2)"""
    image_module = require_pil("to_pil_image")
    if isinstance(pic, Tensor):
        array = pic.detach().cpu().numpy()
        if array.ndim == 2:
            array = array[None]
        if array.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {array.ndim} dimensions.")
        array = array.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        array = pic[:, :, None] if pic.ndim == 2 else pic
        if array.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if np.issubdtype(array.dtype, np.floating):
        array = (array * 255).astype(np.uint8)
    if array.shape[2] == 1:
        return (
            image_module.fromarray(array[:, :, 0], mode=mode)
            if mode
            else image_module.fromarray(array[:, :, 0])
        )
    return image_module.fromarray(array, mode=mode) if mode else image_module.fromarray(array)


def convert_image_dtype(image, dtype=None):
    """Change an image's dtype, rescaling its values (float in [0, 1], integers over their range).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.convert_image_dtype(mt.tensor([[[0, 128, 255]]], dtype=mt.uint8), mt.float32)
    tensor([[[0.0000, 0.5020, 1.0000]]])
    """
    dtype = backends.get_default_dtype() if dtype is None else backends.to_dtype(dtype)
    planes = _Planes(image, layout="tensor")
    src = planes.array.dtype
    out = dtype.numpy
    if src == out:
        return image
    src_float = np.issubdtype(src, np.floating)
    out_float = np.issubdtype(out, np.floating)
    if src_float and out_float:
        return planes.back(planes.array.astype(out))
    if src_float:
        if (src == np.float32 and out in (np.int32, np.int64)) or (src == np.float64 and out == np.int64):
            raise RuntimeError(
                f"The cast from {backends.to_dtype(src)} to {dtype} cannot be performed safely."
            )
        eps = 1e-3
        scaled = planes.array * src.type(_max_value(out) + 1.0 - eps)
        return planes.back(scaled.astype(out))
    input_max = _max_value(src)
    if out_float:
        return planes.back(planes.array.astype(out) / out.type(input_max))
    output_max = _max_value(out)
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return planes.back((planes.array // factor).astype(out))
    factor = int((output_max + 1) // (input_max + 1))
    return planes.back(planes.array.astype(out) * out.type(factor))


def normalize(tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
    """``(tensor - mean) / std`` per channel of a float (..., C, H, W) tensor (differentiable).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.normalize(mt.ones(2, 1, 1), [0.5, 0.0], [0.5, 2.0]).flatten().tolist()
    [1.0, 0.5]
    """
    if isinstance(tensor, np.ndarray):
        return normalize(Tensor(tensor), mean, std, inplace).numpy()
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(
            f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tensor.shape}"
        )
    dtype = tensor.dtype.numpy
    mean_a, std_a = np.asarray(mean, dtype=dtype), np.asarray(std, dtype=dtype)
    if (std_a == 0).any():
        raise ValueError(
            f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero."
        )
    if mean_a.ndim == 1:
        mean_a = mean_a.reshape(-1, 1, 1)
    if std_a.ndim == 1:
        std_a = std_a.reshape(-1, 1, 1)
    if not tensor.requires_grad and not inplace:  # the data-loading case: plain array arithmetic
        planes = _Planes(tensor)
        return planes.back((planes.array - mean_a) / std_a)
    backend = tensor._backend
    with backend.device_context():
        mean_t = Tensor(backend.asarray(mean_a), backend=backend)
        std_t = Tensor(backend.asarray(std_a), backend=backend)
    if inplace:
        return tensor.sub_(mean_t).div_(std_t)
    return (tensor - mean_t) / std_t


# ---------------------------------------------------------------------------- geometry
def hflip(img):
    """Mirror left to right.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.hflip(np.array([[1, 2, 3]]))
    array([[3, 2, 1]])"""
    if is_pil_image(img):
        return img.transpose(require_pil("hflip").Transpose.FLIP_LEFT_RIGHT)
    planes = _Planes(img)
    return planes.back(planes.array[..., ::-1])


def vflip(img):
    """Mirror top to bottom.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.vflip(np.array([[1], [2]]))
    array([[2],
           [1]])"""
    if is_pil_image(img):
        return img.transpose(require_pil("vflip").Transpose.FLIP_TOP_BOTTOM)
    planes = _Planes(img)
    return planes.back(planes.array[..., ::-1, :])


def _parse_padding(padding) -> tuple[int, int, int, int]:
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(
            f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple"
        )
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    return tuple(int(p) for p in padding)


def _pad_planes(array: np.ndarray, ltrb: tuple[int, int, int, int], fill, mode: str) -> np.ndarray:
    left, top, right, bottom = ltrb
    # negative padding crops
    h, w = array.shape[-2:]
    array = array[..., max(-top, 0) : h - max(-bottom, 0), max(-left, 0) : w - max(-right, 0)]
    left, top, right, bottom = (max(p, 0) for p in ltrb)
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        if isinstance(fill, (tuple, list)):
            if array.ndim < 3 or len(fill) not in (1, array.shape[-3]):
                raise ValueError(f"fill {fill} does not have one value or one per channel")
            values = np.asarray(fill, dtype=np.float64)
            out = np.empty(
                array.shape[:-2] + (array.shape[-2] + top + bottom, array.shape[-1] + left + right),
                dtype=array.dtype,
            )
            out[...] = values.reshape(-1, 1, 1).astype(array.dtype) if values.size > 1 else values[0]
            out[..., top : top + array.shape[-2], left : left + array.shape[-1]] = array
            return out
        return np.pad(array, widths, mode="constant", constant_values=fill)
    if mode == "reflect" and (max(top, bottom) >= array.shape[-2] or max(left, right) >= array.shape[-1]):
        raise RuntimeError(
            f"Padding size should be less than the corresponding input dimension, but got: "
            f"padding ({left}, {right}) at dimension {array.ndim - 1} of input {list(array.shape)}"
        )
    return np.pad(array, widths, mode=mode)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders: ``padding`` is one int (all sides), (left/right, top/bottom) or (left, top,
    right, bottom); ``padding_mode`` is ``constant`` (with ``fill``), ``edge``, ``reflect`` (the
    edge pixel not repeated) or ``symmetric`` (repeated). Negative padding crops.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.pad(np.array([[1, 2, 3]], dtype=np.uint8), [2, 0], padding_mode="reflect")
    array([[3, 2, 1, 2, 3, 2, 1]], dtype=uint8)
    """
    ltrb = _parse_padding(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if not isinstance(fill, (numbers.Number, tuple, list)) or isinstance(fill, bool):
        raise TypeError("Got inappropriate fill arg")
    if is_pil_image(img):
        image_module = require_pil("pad")
        array = np.asarray(img)
        hwc = array.ndim == 3
        planes = array.transpose(2, 0, 1) if hwc else array[None]
        if img.mode == "P":
            out = _pad_planes(planes, ltrb, fill if padding_mode == "constant" else 0, padding_mode)
            result = image_module.fromarray(out[0], mode="P")
            result.putpalette(img.getpalette())
            return result
        out = _pad_planes(planes, ltrb, fill, padding_mode)
        return image_module.fromarray(np.ascontiguousarray(out.transpose(1, 2, 0) if hwc else out[0]))
    planes = _Planes(img)
    if planes.kind == "tensor" and isinstance(fill, (tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    return planes.back(_pad_planes(planes.array, ltrb, fill, padding_mode))


def crop(img, top: int, left: int, height: int, width: int):
    """The ``height`` x ``width`` region whose top-left pixel is (``top``, ``left``); parts
    outside the image are zeros.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.crop(np.arange(16, dtype=np.uint8).reshape(4, 4), 1, 2, 2, 3)
    array([[ 6,  7,  0],
           [10, 11,  0]], dtype=uint8)
    """
    if is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    planes = _Planes(img)
    h, w = planes.array.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        inside = planes.array[..., max(top, 0) : bottom, max(left, 0) : right]
        ltrb = (
            max(-left + min(0, right), 0),
            max(-top + min(0, bottom), 0),
            max(right - max(w, left), 0),
            max(bottom - max(h, top), 0),
        )
        return planes.back(_pad_planes(inside, ltrb, 0, "constant"))
    return planes.back(planes.array[..., top:bottom, left:right])


def _setup_size(size, error_msg: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size[0], size[1]


def center_crop(img, output_size):
    """The central ``output_size`` region (zero-padded first where the image is smaller).

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.center_crop(np.arange(9).reshape(3, 3), 1)
    array([[4]])"""
    crop_height, crop_width = _setup_size(output_size, "Please provide only two dimensions (h, w) for size.")
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


def _resized_size(height: int, width: int, size: list[int], max_size: int | None) -> list[int]:
    short, long = (width, height) if width <= height else (height, width)
    if len(size) == 1:
        requested = size[0]
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested size for "
                    f"the smaller edge size = {size}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if width <= height else (new_long, new_short)
        return [new_h, new_w]
    return [size[0], size[1]]


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _resize_weights(in_size: int, out_size: int, mode: str, antialias: bool) -> np.ndarray:
    """The (out_size, in_size) matrix that resamples one axis, as PyTorch's ``interpolate``:
    ``nearest`` takes ``floor(i * in/out)``; ``bilinear`` / ``bicubic`` without antialias take 2 /
    4 taps at ``(i + 0.5) * in/out - 0.5`` (bicubic with a = -0.75, borders clamped); with
    antialias, Pillow's filters stretched by the downscaling factor (bicubic a = -0.5)."""
    scale = in_size / out_size
    rows = np.arange(out_size)
    weights = np.zeros((out_size, in_size))
    if mode in ("nearest", "nearest-exact"):
        src = np.floor((rows + (0.5 if mode == "nearest-exact" else 0.0)) * np.float32(scale))
        weights[rows, np.minimum(src.astype(np.int64), in_size - 1)] = 1.0
        return weights
    if antialias:
        support = (1.0 if mode == "bilinear" else 2.0) * max(scale, 1.0)
        inv = 1.0 / max(scale, 1.0)
        for i in rows:
            center = (i + 0.5) * scale
            lo = max(int(center - support + 0.5), 0)
            hi = min(int(center + support + 0.5), in_size)
            x = (np.arange(lo, hi) - center + 0.5) * inv
            w = np.maximum(0.0, 1.0 - np.abs(x)) if mode == "bilinear" else _cubic(x, -0.5)
            total = w.sum()
            weights[i, lo:hi] = w / total if total != 0 else w
        return weights
    src = (rows + 0.5) * scale - 0.5
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        lo = np.floor(src).astype(np.int64)
        frac = src - lo
        hi = np.minimum(lo + 1, in_size - 1)
        weights[rows, lo] += 1.0 - frac  # one entry per row each time: no index repeats
        weights[rows, hi] += frac  # (at the last pixel, hi == lo: the two weights add up)
        return weights
    base = np.floor(src).astype(np.int64)
    t = src - base
    for k in range(-1, 3):  # taps clamped at the borders add up there
        weights[rows, np.clip(base + k, 0, in_size - 1)] += _cubic(t - k, -0.75)
    return weights


def _resample(array: np.ndarray, size: list[int], mode: str, antialias: bool) -> np.ndarray:
    work = _float_work(array)
    wh = _resize_weights(array.shape[-2], size[0], mode, antialias).astype(work.dtype)
    ww = _resize_weights(array.shape[-1], size[1], mode, antialias).astype(work.dtype)
    out = np.matmul(np.matmul(wh, work), ww.T)
    if mode == "bicubic" and array.dtype == np.uint8:
        out = np.clip(out, 0, 255)
    return _round_back(out, array.dtype)


def resize(
    img,
    size,
    interpolation=InterpolationMode.BILINEAR,
    max_size: int | None = None,
    antialias: bool | None = True,
):
    """Resize to ``size``: (h, w), or one number for the smaller edge (the other keeps the aspect
    ratio, and stays within ``max_size``). Bilinear by default, antialiased when shrinking (as
    Pillow and torchvision do); ``nearest`` and ``bicubic`` too.

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.resize(np.zeros((10, 20), dtype=np.uint8), 5).shape
    (5, 10)
    """
    mode = _interpolation(interpolation).value
    if isinstance(size, int):
        size = [size]
    size = list(size)
    _, height, width = get_dimensions(img)
    out_size = _resized_size(height, width, size, max_size)
    if [height, width] == out_size:
        return img
    if is_pil_image(img):
        return img.resize((out_size[1], out_size[0]), _PIL_FILTERS[mode])
    planes = _Planes(img)
    antialias = bool(antialias) and mode in ("bilinear", "bicubic")
    return planes.back(_resample(planes.array, out_size, mode, antialias))


def _inverse_rotation(angle: float, center: list[float]) -> list[float]:
    """The affine map (2x3, row-major) from an output pixel, centred coordinates, to where it
    comes from in the input: a rotation by ``-angle`` degrees about ``center``."""
    rot = math.radians(-angle)
    cx, cy = center
    m = [math.cos(rot), math.sin(rot), 0.0, -math.sin(rot), math.cos(rot), 0.0]
    m[2] += m[0] * -cx + m[1] * -cy + cx
    m[5] += m[3] * -cx + m[4] * -cy + cy
    return m


def _expanded_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    corners = np.array(
        [
            [-0.5 * w, -0.5 * h, 1.0],
            [-0.5 * w, 0.5 * h, 1.0],
            [0.5 * w, 0.5 * h, 1.0],
            [0.5 * w, -0.5 * h, 1.0],
        ],
        dtype=np.float32,
    )
    theta = np.asarray(matrix, dtype=np.float32).reshape(2, 3)
    moved = corners @ theta.T
    lo = moved.min(axis=0) + np.array([0.5 * w, 0.5 * h], dtype=np.float32)
    hi = moved.max(axis=0) + np.array([0.5 * w, 0.5 * h], dtype=np.float32)
    tol = 1e-4  # so that 1e-15 above an integer does not round up to one more pixel
    hi = np.ceil(np.trunc(hi / tol) * tol)
    lo = np.floor(np.trunc(lo / tol) * tol)
    size = hi - lo
    return int(size[0]), int(size[1])


def _grid_sample(array: np.ndarray, src_x: np.ndarray, src_y: np.ndarray, mode: str) -> np.ndarray:
    """Sample (..., C, H, W) at pixel coordinates (src_y, src_x) (arrays of the output's (h, w));
    outside the image counts as 0 (PyTorch's ``grid_sample``, zeros padding)."""
    h, w = array.shape[-2:]
    if mode == "nearest":
        xi, yi = np.rint(src_x).astype(np.int64), np.rint(src_y).astype(np.int64)
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        out = array[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        return np.where(inside, out, np.zeros((), dtype=array.dtype))
    x0, y0 = np.floor(src_x), np.floor(src_y)
    fx, fy = (src_x - x0).astype(array.dtype), (src_y - y0).astype(array.dtype)
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    out = np.zeros(array.shape[:-2] + src_x.shape, dtype=array.dtype)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            xs, ys = x0 + dx, y0 + dy
            inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
            values = array[..., np.clip(ys, 0, h - 1), np.clip(xs, 0, w - 1)]
            out += np.where(inside, values * (wx * wy), np.zeros((), dtype=array.dtype))
    return out


def rotate(
    img,
    angle: float,
    interpolation=InterpolationMode.NEAREST,
    expand: bool = False,
    center: list[int] | None = None,
    fill: list[float] | float | None = None,
):
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default: the image's
    centre), sampling ``nearest`` or ``bilinear``; ``expand`` grows the output to hold the whole
    rotated image; the corners that come from outside are ``fill`` (default 0).

    >>> import numpy as np
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.rotate(np.array([[1, 2], [3, 4]], dtype=np.uint8), 90)
    array([[2, 4],
           [1, 3]], dtype=uint8)
    """
    mode = _interpolation(interpolation).value
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input")
    if is_pil_image(img):
        fillcolor = fill
        if isinstance(fill, (list, tuple)):
            fillcolor = tuple(int(f) for f in fill) if len(fill) > 1 else int(fill[0])
        elif fill is not None:
            fillcolor = int(fill) if img.mode != "F" else float(fill)
        return img.rotate(angle, _PIL_FILTERS[mode], expand, center, fillcolor=fillcolor)
    planes = _Planes(img)
    array = planes.array
    h, w = array.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [float(c) - s * 0.5 for c, s in zip(center, [w, h])]
    matrix = _inverse_rotation(angle, center_f)
    ow, oh = _expanded_size(matrix, w, h) if expand else (w, h)
    work = _float_work(array)
    theta = np.asarray(matrix, dtype=work.dtype).reshape(2, 3)
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, ow, dtype=work.dtype)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, oh, dtype=work.dtype)[:, None]
    half = np.asarray([0.5 * w, 0.5 * h], dtype=work.dtype)
    gx = xs * (theta[0, 0] / half[0]) + ys * (theta[0, 1] / half[0]) + theta[0, 2] / half[0]
    gy = xs * (theta[1, 0] / half[1]) + ys * (theta[1, 1] / half[1]) + theta[1, 2] / half[1]
    src_x = ((gx + 1) * w - 1) / 2  # grid_sample's align_corners=False
    src_y = ((gy + 1) * h - 1) / 2
    out = _grid_sample(work, src_x, src_y, mode)
    if fill is not None:
        channels = array.shape[-3] if array.ndim >= 3 else 1
        if isinstance(fill, (int, float)):
            fill = [float(fill)] * channels
        values = np.asarray(fill, dtype=work.dtype)
        mask = _grid_sample(np.ones((1, h, w), dtype=work.dtype), src_x, src_y, mode)
        fill_img = np.broadcast_to(values.reshape(-1, 1, 1) if values.size > 1 else values[0], out.shape)
        if mode == "nearest":
            out = np.where(np.broadcast_to(mask < 0.5, out.shape), fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return planes.back(_round_back(out, array.dtype))


# ---------------------------------------------------------------------------- colour
def _blend(img1: np.ndarray, img2: np.ndarray, ratio: float) -> np.ndarray:
    work_dtype = img1.dtype if np.issubdtype(img1.dtype, np.floating) else np.dtype(np.float32)
    mixed = work_dtype.type(ratio) * img1.astype(work_dtype) + work_dtype.type(1.0 - ratio) * np.asarray(
        img2
    ).astype(work_dtype)
    return np.clip(mixed, 0, _max_value(img1.dtype)).astype(img1.dtype)


def _grayscale(array: np.ndarray) -> np.ndarray:
    r, g, b = array[..., 0, :, :], array[..., 1, :, :], array[..., 2, :, :]
    work = np.float32 if not np.issubdtype(array.dtype, np.floating) else array.dtype.type
    gray = work(0.2989) * r.astype(work) + work(0.587) * g.astype(work) + work(0.114) * b.astype(work)
    return gray.astype(array.dtype)[..., None, :, :]


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma ``0.2989 R + 0.587 G + 0.114 B``, as 1 or 3 channels.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.rgb_to_grayscale(mt.ones(3, 1, 2)).shape
    minitorch_conv.Size([1, 1, 2])"""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if is_pil_image(img):
        gray = img.convert("L")
        return gray if num_output_channels == 1 else require_pil("grayscale").merge("RGB", [gray] * 3)
    planes = _Planes(img)
    if planes.array.shape[-3] != 3:
        raise TypeError(
            f"Input image tensor permitted channel values are [3], but found {planes.array.shape[-3]}"
        )
    gray = _grayscale(planes.array)
    if num_output_channels == 3:
        gray = np.broadcast_to(gray, planes.array.shape)
    return planes.back(gray)


def _channels_of(array: np.ndarray) -> int:
    return array.shape[-3] if array.ndim >= 3 else 1


def _check_channels(array: np.ndarray, permitted: list[int]) -> None:
    c = _channels_of(array)
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _pil_enhance(img, name: str, factor: float):
    from PIL import ImageEnhance

    return getattr(ImageEnhance, name)(img).enhance(factor)


def adjust_brightness(img, brightness_factor: float):
    """Multiply by ``brightness_factor`` (0: black, 1: the image), clamped to the valid range.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.adjust_brightness(mt.full((1, 1, 2), 0.6), 2.0)
    tensor([[[1., 1.]]])"""
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    if is_pil_image(img):
        return _pil_enhance(img, "Brightness", brightness_factor)
    planes = _Planes(img)
    _check_channels(planes.array, [1, 3])
    return planes.back(_blend(planes.array, np.zeros((), planes.array.dtype), brightness_factor))


def adjust_contrast(img, contrast_factor: float):
    """Blend with the image's mean grey level (0: flat grey, 1: the image, 2: twice the contrast).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.adjust_contrast(mt.tensor([[[0.0, 1.0]]]), 0.0)
    tensor([[[0.5000, 0.5000]]])"""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    if is_pil_image(img):
        return _pil_enhance(img, "Contrast", contrast_factor)
    planes = _Planes(img)
    array = planes.array
    _check_channels(array, [3, 1])
    work = array.dtype if np.issubdtype(array.dtype, np.floating) else np.dtype(np.float32)
    source = _grayscale(array) if _channels_of(array) == 3 else array
    mean = source.astype(work).mean(axis=(-3, -2, -1), keepdims=True, dtype=work)
    return planes.back(_blend(array, mean, contrast_factor))


def adjust_saturation(img, saturation_factor: float):
    """Blend with the grey image (0: grey, 1: the image, 2: twice as saturated).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> [round(v, 3) for v in F.adjust_saturation(mt.ones(3, 1, 1), 0.0).flatten().tolist()]
    [1.0, 1.0, 1.0]"""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    if is_pil_image(img):
        return _pil_enhance(img, "Color", saturation_factor)
    planes = _Planes(img)
    _check_channels(planes.array, [1, 3])
    if _channels_of(planes.array) == 1:
        return img
    return planes.back(_blend(planes.array, _grayscale(planes.array), saturation_factor))


def _rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    equal = maxc == minc
    span = maxc - minc
    s = span / np.where(equal, 1, maxc)
    divisor = np.where(equal, 1, span)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.fmod(h / 6.0 + 1.0, 1.0).astype(rgb.dtype)
    return np.stack((h, s, maxc), axis=-3)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack((r, g, b), axis=-3).astype(hsv.dtype)


def adjust_hue(img, hue_factor: float):
    """Turn the hue by ``hue_factor`` of a full turn, in [-0.5, 0.5].

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> red = mt.tensor([[[1.0]], [[0.0]], [[0.0]]])
    >>> [round(v, 4) for v in F.adjust_hue(red, 1 / 3).flatten().tolist()]  # a third of a turn: green
    [0.0, 1.0, 0.0]"""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if is_pil_image(img):
        image_module = require_pil("adjust_hue")
        if img.mode in {"L", "1", "I", "F"}:
            return img
        h, s, v = img.convert("HSV").split()
        np_h = np.array(h, dtype=np.uint8)
        np_h += np.array(np.int32(hue_factor * 255)).astype(np.uint8)
        return image_module.merge("HSV", (image_module.fromarray(np_h, "L"), s, v)).convert(img.mode)
    planes = _Planes(img)
    array = planes.array
    _check_channels(array, [1, 3])
    if _channels_of(array) == 1:
        return img
    as_float = convert_image_dtype(array, "float32") if array.dtype != np.float32 else array
    hsv = _rgb_to_hsv(as_float)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.float32(hue_factor), 1.0)
    rgb = _hsv_to_rgb(hsv)
    return planes.back(convert_image_dtype(rgb, backends.to_dtype(array.dtype)))


def erase(img, i: int, j: int, h: int, w: int, v, inplace: bool = False):
    """Set the ``h`` x ``w`` region at (``i``, ``j``) of a (..., C, H, W) tensor to ``v``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.transforms import functional as F
    >>> F.erase(mt.zeros(1, 2, 3), 0, 1, 1, 2, 5.0)
    tensor([[[0., 5., 5.],
             [0., 0., 0.]]])"""
    if isinstance(img, np.ndarray):
        out = img if inplace else img.copy()
        out[..., i : i + h, j : j + w] = v.numpy() if isinstance(v, Tensor) else v
        return out
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    out = img if inplace else img.clone()
    if isinstance(v, Tensor):
        v = v.to(device=out.device, dtype=out.dtype)
    out[..., i : i + h, j : j + w] = v
    return out
