"""Exercises: write a piece of the framework yourself, and the whole framework runs on it.

::

    python -m minitorch_conv.exercises list
    python -m minitorch_conv.exercises start im2col      # copies the stub to my_exercises/im2col.py
    python -m minitorch_conv.exercises check im2col      # your im2col against ours, then a CNN on it

Nine exercises, each building on the ones before: im2col for one image; col2im, its adjoint;
conv2d's forward by im2col and GEMM; its input gradient; its weight and bias gradients; stride
and padding; groups; a max-pool backward; conv2d as a custom ``autograd.Function`` with its
gradcheck. Each stub has a docstring, an example and hints. ``check`` compares your function with
ours on examples drawn by hypothesis and says what is wrong in words, runs the framework with
your function swapped in through ``mt.backends.override`` (never by monkeypatching), and trains
the example CNN for one epoch on it. The check needs ``pip install -e ".[exercises]"``
(hypothesis, and scikit-learn for the digits). Worked solutions are in
``minitorch_conv.exercises.solutions``, out of the way: try first.

>>> from minitorch_conv.exercises import EXERCISES
>>> [exercise.name for exercise in EXERCISES][:3]
['im2col', 'col2im', 'conv2d_forward']
"""

from __future__ import annotations

from .catalog import EXERCISES, find
from .commands import DEFAULT_FOLDER, check, list_exercises, main, start

__all__ = ["EXERCISES", "DEFAULT_FOLDER", "check", "find", "list_exercises", "main", "start"]
