"""The exercises, in order: each one's check (what it draws, compares, swaps in and trains)."""

from __future__ import annotations

from .checks_columns import Col2imCheck, ExerciseCheck, Im2colCheck
from .checks_conv import (
    ForwardCheck,
    GroupsCheck,
    InputGradCheck,
    StridePaddingCheck,
    WeightBiasGradCheck,
)
from .checks_pool_function import CustomFunctionCheck, MaxPoolBackwardCheck

EXERCISES: list[ExerciseCheck] = [
    Im2colCheck(), Col2imCheck(), ForwardCheck(), InputGradCheck(), WeightBiasGradCheck(),
    StridePaddingCheck(), GroupsCheck(), MaxPoolBackwardCheck(), CustomFunctionCheck(),
]
"""The nine exercises; each builds on the ones before it."""


def find(name: str | int) -> ExerciseCheck:
    """The exercise called ``name`` (or numbered ``name``); KeyError listing the names otherwise.

    >>> find("im2col").number, find("2").name
    (1, 'col2im')
    """
    for exercise in EXERCISES:
        if str(name) in (exercise.name, str(exercise.number)):
            return exercise
    raise KeyError(f"There is no exercise {name!r}. The exercises: "
                   + ", ".join(f"{e.number} {e.name}" for e in EXERCISES))
