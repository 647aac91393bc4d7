"""The exporter's errors, with PyTorch's names (``torch.onnx.errors``)."""

from __future__ import annotations

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """Something in the model or the arguments that :func:`~minitorch_conv.onnx.export` cannot
    turn into an ONNX graph.

    >>> issubclass(OnnxExporterError, RuntimeError)
    True
    """


class UnsupportedOperatorError(OnnxExporterError):
    """An operation met while tracing that has no ONNX translation here; the message names it
    (``'nn.functional.mish'``, ``'Tensor.cumsum'``) and the opset version asked for.

    >>> print(UnsupportedOperatorError("Tensor.cumsum", 20))  # doctest: +ELLIPSIS
    Exporting the operator 'Tensor.cumsum' to ONNX opset version 20 is not supported by ...
    """

    def __init__(self, name: str, opset_version: int, reason: str = ""):
        self.name = name
        self.opset_version = opset_version
        message = (f"Exporting the operator '{name}' to ONNX opset version {opset_version} is not "
                   "supported by minitorch_conv's exporter")
        super().__init__(message + (f": {reason}" if reason else "."))
