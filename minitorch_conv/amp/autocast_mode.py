"""``autocast``: inside it, the matrix products and convolutions run in a lower precision.

As in PyTorch, an operation's inputs are cast on their way in, by the operation's policy:

- **lower precision** (``conv1d``, ``conv2d``, ``conv_transpose1d/2d``, ``linear``, ``matmul``,
  ``mm``, ``bmm``, ``addmm``, ``mv``, ``addmv``, ``baddbmm``, ``addbmm``): float32 inputs become
  the autocast dtype (float16; float64 inputs are left alone);
- **float32** (``cross_entropy``, ``nll_loss``, ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``,
  ``huber_loss``, ``kl_div``, ``binary_cross_entropy_with_logits``, ``prod``; on the GPU also
  ``softmax``, ``log_softmax``, ``layer_norm``, ``group_norm``, ``exp``, ``log``, ``pow``,
  ``sum``, ``cumsum``): float16 inputs become float32, where float16's range and rounding would
  hurt (PyTorch's CPU and CUDA lists differ so);
- everything else runs in its inputs' dtypes.

Only inputs on the autocast's device type are cast, and only while it is enabled. The casts are
ordinary differentiable ``.to()`` calls, so gradients flow back in each input's own dtype.
``binary_cross_entropy`` refuses to run under autocast (use ``binary_cross_entropy_with_logits``),
as in PyTorch. bfloat16 does not exist here: an autocast asking for it warns and disables itself,
as PyTorch does for a dtype a device does not support.

>>> import minitorch_conv as mt
>>> layer = mt.nn.Linear(4, 2)
>>> with mt.autocast("cpu", dtype=mt.float16):
...     out = layer(mt.ones(3, 4))
...     probabilities = out.softmax(1)
...     loss = mt.nn.functional.cross_entropy(out, mt.tensor([0, 1, 1]))
>>> out.dtype, probabilities.dtype, loss.dtype
(minitorch_conv.float16, minitorch_conv.float16, minitorch_conv.float32)
"""

from __future__ import annotations

import contextlib
import functools
import warnings

from ..backends import float16, float32, to_dtype

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
           "set_autocast_dtype", "is_autocast_available", "cast_inputs"]

_DEFAULT_DTYPES = {"cpu": "bfloat16", "cuda": "float16"}  # PyTorch's defaults


class _State:
    enabled = {"cpu": False, "cuda": False}
    dtypes = {"cpu": float16, "cuda": float16}  # (cpu's default, bfloat16, is not a dtype here)
    active = False  # any device type enabled: the one flag the operations check


def _refresh() -> None:
    _State.active = any(_State.enabled.values())


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast knows ``device_type`` ('cpu' and 'cuda')."""
    return device_type in _State.enabled


def _device_type(device_type) -> str:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in _State.enabled:
        raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
    return device_type


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (the GPU's by default, as in PyTorch)."""
    return _State.enabled[_device_type(device_type or "cuda")]


def get_autocast_dtype(device_type: str):
    """The dtype autocast casts to on ``device_type``."""
    return _State.dtypes[_device_type(device_type)]


def set_autocast_enabled(device_type, enabled=None) -> None:
    """Switch autocast on ``device_type`` on or off (``set_autocast_enabled(True)``: the GPU's)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _State.enabled[_device_type(device_type)] = bool(enabled)
    _refresh()


def set_autocast_dtype(device_type: str, dtype) -> None:
    _State.dtypes[_device_type(device_type)] = to_dtype(dtype)


class autocast:  # noqa: N801 - PyTorch's name
    """A context manager (and decorator) that runs the operations inside it with autocast's
    casting policies on ``device_type`` ('cuda' or 'cpu'), in ``dtype`` (float16)."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None):
        self.device_type = _device_type(device_type)
        self.fast_dtype = _State.dtypes[device_type] if dtype is None else None
        self.enabled = bool(enabled)
        if dtype is None and _DEFAULT_DTYPES[device_type] == "bfloat16":
            dtype = "bfloat16"
        if dtype is not None:
            name = dtype if isinstance(dtype, str) else getattr(dtype, "name", str(dtype).split(".")[-1])
            if name == "bfloat16":
                if self.enabled:
                    warnings.warn(f"In {device_type.upper()} autocast, but the target dtype bfloat16 is not "
                                  "supported by minitorch_conv (it has no bfloat16). Disabling autocast.",
                                  UserWarning, stacklevel=2)
                self.enabled = False
                self.fast_dtype = float16
            else:
                self.fast_dtype = to_dtype(dtype)
                if self.fast_dtype not in (float16, float32) and self.enabled:
                    warnings.warn(f"In {device_type.upper()} autocast, but the target dtype is not "
                                  "supported. Disabling autocast.", UserWarning, stacklevel=2)
                    self.enabled = False
        if device_type == "cuda" and self.enabled:
            from ..backends import cuda_is_available

            if not cuda_is_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling",
                              UserWarning, stacklevel=2)
                self.enabled = False

    def __enter__(self):
        self._previous = (_State.enabled[self.device_type], _State.dtypes[self.device_type])
        _State.enabled[self.device_type] = self.enabled
        _State.dtypes[self.device_type] = self.fast_dtype
        _refresh()
        return self

    def __exit__(self, *exc) -> None:
        _State.enabled[self.device_type], _State.dtypes[self.device_type] = self._previous
        _refresh()

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with autocast(self.device_type, self.fast_dtype, self.enabled):
                return fn(*args, **kwargs)
        return wrapped


@contextlib.contextmanager
def suspended():
    """No casts inside (the engine runs backward so): autocast's settings are kept for after."""
    previous, _State.active = _State.active, False
    try:
        yield
    finally:
        _State.active = previous


def cast_inputs(policy: str, *tensors):
    """``tensors`` as an operation of ``policy`` ('lower' or 'fp32') takes them under autocast;
    unchanged (the same objects) when autocast is off. Called first thing by the operations."""
    if not _State.active:
        return tensors
    device_type = None
    for t in tensors:
        if getattr(t, "_is_minitorch_tensor", False) and t.dtype.is_floating_point:
            device_type = t.device.type
            break
    if device_type is None or not _State.enabled.get(device_type, False):
        return tensors
    if policy == "fp32_gpu" and device_type != "cuda":  # float32 on the GPU only (PyTorch's lists)
        return tensors
    if policy == "lower":
        target, castable = _State.dtypes[device_type], ("float32",)
    else:
        target, castable = float32, ("float16",)
    return tuple(t.to(target) if getattr(t, "_is_minitorch_tensor", False) and t.dtype.name in castable
                 and t.device.type == device_type else t for t in tensors)


def refuse_unsafe(name: str) -> None:
    """PyTorch's refusal of ``binary_cross_entropy`` under autocast."""
    if _State.active and any(_State.enabled.values()):
        raise RuntimeError(
            f"torch.nn.functional.{name} and torch.nn.BCELoss are unsafe to autocast.\n"
            "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
            "In this case, combine the two layers using "
            "torch.nn.functional.binary_cross_entropy_with_logits\n"
            "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
            "safe to autocast.")
