"""The table from a public name (``"nn.functional.conv2d"``, ``"Tensor.__add__"``) to the function
that writes its ONNX nodes (a *symbolic*, in PyTorch's word).

A symbolic is called after the real operation ran, as ``symbolic(graph, out, *args, **kwargs)``:
``graph`` is the :class:`~minitorch_conv.onnx.graph.GraphBuilder`, ``out`` what the operation
returned, and the arguments are those the model passed. It adds nodes and binds ``out`` to the
ONNX value that holds it. Its parameters mirror the public function's, so the model's own keyword
arguments reach it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["SYMBOLICS", "symbolic"]

SYMBOLICS: dict[str, Callable] = {}


def symbolic(*names: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as the ONNX translation of each public name in ``names``.

    >>> import minitorch_conv as mt  # importing mt.onnx registers the translations
    >>> SYMBOLICS["nn.functional.conv2d"].__name__, SYMBOLICS["Tensor.__add__"].__name__
    ('conv2d', 'add')
    """

    def register(function: Callable) -> Callable:
        for name in names:
            if name in SYMBOLICS:
                raise ValueError(f"two ONNX translations for {name}")
            SYMBOLICS[name] = function
        return function

    return register
