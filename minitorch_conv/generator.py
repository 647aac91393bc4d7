"""``Generator``: a random generator of one's own (PyTorch's ``torch.Generator``), and
``default_generator``, the global CPU generator that ``mt.manual_seed`` seeds.

A Generator holds a NumPy ``PCG64`` generator in ``.rng``; samplers, ``random_split``, the
DataLoader's worker seeds and ``Tensor.uniform_(generator=...)`` draw from it. The algorithm is not
PyTorch's Mersenne Twister, so the same seed gives different numbers than in PyTorch: what carries
over is the API and the reproducibility (same seed, same numbers).

>>> import minitorch_conv as mt
>>> g = mt.Generator().manual_seed(42)
>>> a = g.rng.permutation(5).tolist()
>>> a == mt.Generator().manual_seed(42).rng.permutation(5).tolist()
True
>>> g.initial_seed()
42
"""

from __future__ import annotations

import os

import numpy as np  # a Generator's state is a NumPy bit generator's

from . import backends
from .backends import Device
from .tensor import Tensor

__all__ = ["Generator", "default_generator", "get_rng_state", "initial_seed", "seed", "set_rng_state"]

DEFAULT_SEED = 67280421310721
"""The seed of a new Generator (PyTorch's default seed)."""

_STATE_BYTES = 48  # state (16) + increment (16) + has_uint32 (4) + uinteger (4) + initial seed (8)


def _checked_seed(seed) -> int:
    """PyTorch's rules: an int in [-2**63, 2**64); negative seeds wrap modulo 2**64."""
    if isinstance(seed, Tensor):
        seed = seed.item()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2**64


def _pcg64(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


class Generator:
    """A random generator of its own, as ``torch.Generator``: ``manual_seed`` (returns self),
    ``initial_seed``, ``seed``, ``get_state`` / ``set_state``, and ``device``.

    Its NumPy generator is ``.rng``. ``Generator(42)`` (an int where PyTorch takes a device) is
    kept from earlier versions of minitorch_conv as ``Generator().manual_seed(42)``.

    >>> import minitorch_conv as mt
    >>> g = mt.Generator()
    >>> g.initial_seed(), g.device
    (67280421310721, device(type='cpu'))
    >>> state = g.get_state()
    >>> first = g.rng.random()
    >>> _ = g.set_state(state)
    >>> g.rng.random() == first
    True
    """

    def __init__(self, device: str | Device | int = "cpu"):
        seed = DEFAULT_SEED
        if isinstance(device, (int, np.integer)) and not isinstance(device, bool):
            seed, device = int(device), "cpu"
        device = Device(device)
        if device.type != "cpu":
            raise RuntimeError(
                f"Generator: only 'cpu' generators exist in minitorch_conv, got "
                f"device '{device}' (GPU code draws from the device's global "
                "generator, which mt.manual_seed seeds)"
            )
        self._device = device
        self.manual_seed(seed)

    @property
    def device(self) -> Device:
        """The device whose random numbers this generator draws (always the CPU)."""
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        """Re-seed; returns self (as ``torch.Generator.manual_seed``)."""
        self._initial_seed = _checked_seed(seed)
        self.rng = _pcg64(self._initial_seed)
        return self

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._initial_seed

    def seed(self) -> int:
        """Seed from the operating system's entropy and return that seed (as ``torch``)."""
        seed = int.from_bytes(os.urandom(8), "little") >> 1  # PyTorch's seeds fit in 63 bits
        self.manual_seed(seed)
        return seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor, for ``set_state``."""
        state = self.rng.bit_generator.state
        raw = (
            state["state"]["state"].to_bytes(16, "little")
            + state["state"]["inc"].to_bytes(16, "little")
            + int(state["has_uint32"]).to_bytes(4, "little")
            + int(state["uinteger"]).to_bytes(4, "little")
            + self.initial_seed().to_bytes(8, "little")
        )
        return Tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state``; returns self."""
        if not isinstance(new_state, Tensor) or new_state.dtype != backends.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = new_state.detach().cpu().numpy().tobytes()
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the "
                f"input RNG state size to be {len(raw)}"
            )
        state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(raw[0:16], "little"),
                "inc": int.from_bytes(raw[16:32], "little"),
            },
            "has_uint32": int.from_bytes(raw[32:36], "little"),
            "uinteger": int.from_bytes(raw[36:40], "little"),
        }
        self._set_rng_state(state, int.from_bytes(raw[40:48], "little"))
        return self

    def _set_rng_state(self, state: dict, initial_seed: int) -> None:
        bit_generator = np.random.PCG64()
        bit_generator.state = state
        self.rng = np.random.Generator(bit_generator)
        self._initial_seed = initial_seed

    def __repr__(self) -> str:
        return f"<minitorch_conv.Generator object at {hex(id(self))}>"


class _DefaultGenerator(Generator):
    """The global CPU generator: ``.rng`` is the CPU backend's, which ``mt.manual_seed`` re-seeds."""

    def __init__(self):
        self._device = Device("cpu")

    @property
    def rng(self) -> np.random.Generator:
        return backends.get_backend("cpu").rng

    def manual_seed(self, seed: int) -> Generator:
        """Seed the global generators, as ``mt.manual_seed`` does; returns self."""
        backends.manual_seed(_checked_seed(seed))
        return self

    def initial_seed(self) -> int:
        return backends._seed % 2**64

    def _set_rng_state(self, state: dict, initial_seed: int) -> None:
        self.rng.bit_generator.state = state  # in place: the backend keeps its generator object


default_generator = _DefaultGenerator()
"""The global CPU generator (``torch.default_generator``): what samplers draw from when given no
generator, and what ``mt.manual_seed`` seeds."""


def rng_of(generator) -> np.random.Generator:
    """The NumPy generator behind ``generator``: a :class:`Generator`, a NumPy ``Generator`` itself,
    or None for the global CPU generator."""
    if generator is None:
        return backends.get_backend("cpu").rng
    return getattr(generator, "rng", generator)


def seed() -> int:
    """Seed the global CPU generator from the operating system's entropy; returns the seed.

    >>> import minitorch_conv as mt
    >>> s = mt.seed(); mt.initial_seed() == s
    True
    """
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global CPU generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global CPU generator's state, as a uint8 tensor for :func:`set_rng_state`.

    >>> import minitorch_conv as mt
    >>> state = mt.get_rng_state(); a = mt.rand(2); mt.set_rng_state(state)
    >>> bool((mt.rand(2) == a).all())
    True
    """
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the global CPU generator from a state :func:`get_rng_state` returned."""
    default_generator.set_state(new_state)

