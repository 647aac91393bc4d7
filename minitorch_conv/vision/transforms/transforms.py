"""The transforms, as classes (``torchvision.transforms``): each one is called on an image, a
tensor, a PIL image or a NumPy array (see ``functional.py`` for how each kind is read), and gives
back the same kind.

Random transforms draw from the global generator, so ``mt.manual_seed`` makes them repeatable,
and in DataLoader workers each worker draws its own numbers (each is seeded ``base_seed + id``).

>>> import minitorch_conv as mt
>>> from minitorch_conv.vision import transforms as T
>>> pipeline = T.Compose([T.RandomCrop(4, padding=1), T.RandomHorizontalFlip(), T.Normalize([0.5], [0.5])])
>>> mt.manual_seed(0); a = pipeline(mt.rand(1, 4, 4))
>>> mt.manual_seed(0); b = pipeline(mt.rand(1, 4, 4))
>>> bool((a == b).all()), tuple(a.shape)
(True, (1, 4, 4))
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence

import numpy as np  # random parameters are drawn on the host

from ...generator import rng_of
from ...nn.module import Module
from ...tensor import Tensor
from .._pil import is_pil_image
from . import functional as F
from .functional import InterpolationMode, _interpolation, _setup_size

__all__ = [
    "Compose",
    "ToTensor",
    "PILToTensor",
    "ToPILImage",
    "ConvertImageDtype",
    "Normalize",
    "Resize",
    "CenterCrop",
    "Pad",
    "Lambda",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "RandomRotation",
    "ColorJitter",
    "RandomErasing",
    "InterpolationMode",
]


def _rand() -> float:
    """One uniform draw in [0, 1) from the global generator (``torch.rand(1)``)."""
    return float(rng_of(None).random())


def _randint(low: int, high: int) -> int:
    """An int in [low, high) from the global generator (``torch.randint``)."""
    return int(rng_of(None).integers(low, high))


def _uniform(low: float, high: float) -> float:
    return low + (high - low) * _rand()


class Compose:
    """Apply ``transforms`` one after the other.

    >>> from minitorch_conv.vision import transforms as T
    >>> T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    Compose(
        ToTensor()
        Normalize(mean=(0.5,), std=(0.5,))
    )
    """

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + "("] + [f"    {t}" for t in self.transforms] + [")"]
        return "\n".join(lines)


class ToTensor:
    """A PIL image or an (H, W[, C]) uint8 array to a (C, H, W) float tensor in [0, 1].

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.ToTensor()(np.zeros((2, 3), dtype=np.uint8)).shape
    minitorch_conv.Size([1, 2, 3])
    """

    def __call__(self, pic) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class PILToTensor:
    """A PIL image (or array) to a (C, H, W) tensor of its own dtype, not rescaled.

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.PILToTensor()(np.zeros((2, 3, 3), dtype=np.uint8)).dtype
    minitorch_conv.uint8
    """

    def __call__(self, pic) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class ToPILImage:
    """A tensor or array to a PIL image (needs Pillow).

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.ToPILImage()(np.zeros((2, 3, 3), dtype=np.uint8)).size  # needs Pillow
    (3, 2)"""

    def __init__(self, mode: str | None = None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({'' if self.mode is None else f'mode={self.mode}'})"


class ConvertImageDtype(Module):
    """Convert a tensor image to ``dtype``, rescaling its values.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision import transforms as T
    >>> T.ConvertImageDtype(mt.uint8)(mt.tensor([[[0.0, 1.0]]]))
    tensor([[[  0, 255]]], dtype=minitorch_conv.uint8)
    """

    def __init__(self, dtype) -> None:
        super().__init__()
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class Normalize(Module):
    """``(image - mean) / std`` per channel of a float tensor image.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision import transforms as T
    >>> T.Normalize([0.5], [0.25])(mt.ones(1, 1, 2))
    tensor([[[2., 2.]]])
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        super().__init__()
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Resize(Module):
    """Resize to ``size`` ((h, w), or one int for the smaller edge); see ``functional.resize``.

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.Resize((4, 6))(np.zeros((8, 8, 3), dtype=np.uint8)).shape
    (4, 6, 3)
    """

    def __init__(
        self,
        size,
        interpolation=InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool | None = True,
    ):
        super().__init__()
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = _interpolation(interpolation)
        self.antialias = antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, "
            f"max_size={self.max_size}, antialias={self.antialias})"
        )


class CenterCrop(Module):
    """The central ``size`` region.

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.CenterCrop(2)(np.arange(16, dtype=np.uint8).reshape(4, 4))
    array([[ 5,  6],
           [ 9, 10]], dtype=uint8)
    """

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class Pad(Module):
    """Pad the borders (see ``functional.pad``).

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.Pad(1, fill=9)(np.zeros((1, 1), dtype=np.uint8))
    array([[9, 9, 9],
           [9, 0, 9],
           [9, 9, 9]], dtype=uint8)
    """

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        super().__init__()
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in [1, 2, 4]:
            raise ValueError(
                f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple"
            )
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        name = self.__class__.__name__
        return f"{name}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class Lambda:
    """A function as a transform.

    >>> from minitorch_conv.vision import transforms as T
    >>> T.Lambda(lambda x: x + 1)(1)
    2
    """

    def __init__(self, lambd: Callable):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class RandomCrop(Module):
    """A random ``size`` region, after optional ``padding`` (``padding_mode`` constant with
    ``fill``, edge, reflect or symmetric); ``pad_if_needed`` pads an image smaller than ``size``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision import transforms as T
    >>> tuple(T.RandomCrop(32, padding=4)(mt.rand(3, 32, 32)).shape)
    (3, 32, 32)
    """

    @staticmethod
    def get_params(img, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """A random (top, left, height, width) for a crop of ``output_size``."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = _randint(0, h - th + 1)
        j = _randint(0, w - tw + 1)
        return i, j, th, tw

    def __init__(
        self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"
    ):
        super().__init__()
        self.size = tuple(_setup_size(size, error_msg="Please provide only two dimensions (h, w) for size."))
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip(Module):
    """Mirror left to right with probability ``p``.

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.RandomHorizontalFlip(p=1.0)(np.array([[1, 2]]))
    array([[2, 1]])
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        if _rand() < self.p:
            return F.hflip(img)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(Module):
    """Mirror top to bottom with probability ``p``.

    >>> import numpy as np
    >>> from minitorch_conv.vision import transforms as T
    >>> T.RandomVerticalFlip(p=1.0)(np.array([[1], [2]]))
    array([[2],
           [1]])
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        if _rand() < self.p:
            return F.vflip(img)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


def _check_sequence_input(x, name: str, req_sizes: tuple[int, ...]) -> None:
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {' or '.join(map(str, req_sizes))}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {' or '.join(map(str, req_sizes))}.")


class RandomRotation(Module):
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d means (-d, d)), sampling
    ``nearest`` (default) or ``bilinear``; see ``functional.rotate``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision import transforms as T
    >>> tuple(T.RandomRotation(15, interpolation=T.InterpolationMode.BILINEAR)(mt.rand(1, 8, 8)).shape)
    (1, 8, 8)
    """

    def __init__(
        self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None, fill=0
    ):
        super().__init__()
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = [-degrees, degrees]
        else:
            _check_sequence_input(degrees, "degrees", req_sizes=(2,))
        self.degrees = [float(d) for d in degrees]
        self.interpolation = _interpolation(interpolation)
        self.expand = expand
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill

    @staticmethod
    def get_params(degrees: list[float]) -> float:
        """An angle drawn uniformly from [degrees[0], degrees[1]]."""
        return _uniform(float(degrees[0]), float(degrees[1]))

    def forward(self, img):
        fill = self.fill
        if not is_pil_image(img):
            channels = F.get_dimensions(img)[0]
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        text = (
            f"{self.__class__.__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
            f"expand={self.expand}"
        )
        if self.center is not None:
            text += f", center={self.center}"
        return text + f", fill={self.fill})"


class ColorJitter(Module):
    """Random brightness, contrast, saturation and hue, applied in a random order.

    ``brightness`` b draws a factor in [max(0, 1 - b), 1 + b] (or give the (min, max)); likewise
    ``contrast`` and ``saturation``; ``hue`` h draws in [-h, h], h <= 0.5.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision import transforms as T
    >>> jitter = T.ColorJitter(brightness=0.4, contrast=0.4)
    >>> out = jitter(mt.rand(3, 4, 4))
    >>> float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    True
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0) -> None:
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(
        value, name: str, center: float = 1, bound=(0, float("inf")), clip_first_on_zero: bool = True
    ):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        if value[0] == value[1] == center:
            return None
        return tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """A random order of the four adjustments, and each one's factor (None: not applied)."""
        order = rng_of(None).permutation(4).tolist()
        b = None if brightness is None else _uniform(brightness[0], brightness[1])
        c = None if contrast is None else _uniform(contrast[0], contrast[1])
        s = None if saturation is None else _uniform(saturation[0], saturation[1])
        h = None if hue is None else _uniform(hue[0], hue[1])
        return order, b, c, s, h

    def forward(self, img):
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        for fn_id in order:
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(brightness={self.brightness}, contrast={self.contrast}, "
            f"saturation={self.saturation}, hue={self.hue})"
        )


class RandomErasing(Module):
    """With probability ``p``, set a random rectangle of a (..., C, H, W) tensor to ``value`` (a
    number, one per channel, or ``"random"`` for normal noise). Its area is a fraction in
    ``scale`` of the image's, its aspect ratio in ``ratio`` (drawn log-uniformly).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision import transforms as T
    >>> out = T.RandomErasing(p=1.0, value=0.0)(mt.ones(1, 8, 8))
    >>> 0 < int((out == 0).sum()) < 64
    True
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace: bool = False):
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """A random (top, left, height, width, value) to erase; the whole image, unchanged, if ten
        draws find no rectangle that fits."""
        shape = img.shape
        img_c, img_h, img_w = shape[-3], shape[-2], shape[-1]
        area = img_h * img_w
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = rng_of(None).standard_normal((img_c, h, w), dtype=np.float32)
            else:
                v = np.asarray(value, dtype=np.float32)[:, None, None]
            i = _randint(0, img_h - h + 1)
            j = _randint(0, img_w - w + 1)
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def forward(self, img):
        if _rand() < self.p:
            if isinstance(self.value, (int, float)):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            channels = img.shape[-3]
            if value is not None and len(value) not in (1, channels):
                raise ValueError(
                    "If value is a sequence, it should have either a single value or "
                    f"{channels} (number of input channels)"
                )
            x, y, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
            if v is img:
                return img
            if isinstance(img, Tensor):
                v = Tensor(v.astype(img.dtype.numpy)).to(img.device)
            return F.erase(img, x, y, h, w, v, self.inplace)
        return img

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
            f"value={self.value}, inplace={self.inplace})"
        )
