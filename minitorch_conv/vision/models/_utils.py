"""What the model builders share: refusing pretrained weights, which we do not ship."""

from __future__ import annotations

from typing import Any


def no_weights(weights: Any, name: str) -> None:
    """Raise where pretrained ``weights`` are asked for: minitorch_conv downloads no weights."""
    if weights is not None:
        raise ValueError(
            f"{name}: minitorch_conv ships no pretrained weights (got weights={weights!r}); "
            "build the model with weights=None and load a state_dict "
            "(model.load_state_dict(mt.load(...)))"
        )
