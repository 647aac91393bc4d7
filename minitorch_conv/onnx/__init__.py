"""Export a model to ONNX, for ONNX Runtime and the other runtimes that read it: ``mt.onnx.export``,
with the names and behaviour of ``torch.onnx.export``'s classic (tracing) form.

How it works, file by file:

- :mod:`.exporter`: :func:`export` prepares the model and its inputs, traces, assembles and checks
  the ``onnx`` model, and writes it;
- :mod:`.tracer`: while ``forward`` runs once, the public functions and Tensor methods record
  themselves (only the outermost call of each);
- :mod:`.registry`, :mod:`.symbolic_nn`, :mod:`.symbolic_tensor`: what each public operation
  becomes in ONNX (``F.conv2d`` -> ``Conv``, ``F.batch_norm`` -> ``BatchNormalization``, ``+``
  -> ``Add``, ``x.view(n, -1)`` -> ``Reshape``, ...);
- :mod:`.graph`: the graph being built, with the ``onnx`` package's helpers.

The ``onnx`` package is needed only to export (``pip install onnx``, or the ``interop`` extra);
``onnxruntime`` runs the result.
"""

from __future__ import annotations

from .errors import OnnxExporterError, UnsupportedOperatorError
from .exporter import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, TrainingMode, export
from .tracer import is_tracing

__all__ = ["export", "is_in_onnx_export", "TrainingMode", "OnnxExporterError",
           "UnsupportedOperatorError", "DEFAULT_OPSET", "MIN_OPSET", "MAX_OPSET"]


def is_in_onnx_export() -> bool:
    """True inside a model's ``forward`` while :func:`export` traces it (``torch.onnx``'s name).

    >>> import minitorch_conv as mt
    >>> mt.onnx.is_in_onnx_export()
    False
    """
    return is_tracing()
