"""Automatic differentiation: the graph's Function, the backward engine, grad mode, and checks.

Layers, bottom up: ``grad_mode`` and ``engine`` import nothing above them; ``function`` builds
graph nodes; ``functional`` and ``gradcheck`` (with ``gradcheck_report``, its explainer) are built on
``grad`` and work on the Tensors they are given.
"""

from __future__ import annotations

from . import graph  # noqa: E402,F401  (mt.autograd.graph: Node, saved_tensors_hooks, save_on_cpu)
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Context, Function
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)


def Variable(data, requires_grad: bool = False, volatile: bool = False):  # noqa: N802 - PyTorch's name
    """PyTorch's deprecated ``Variable``: since PyTorch 0.4 a tensor is its own Variable, so this
    returns ``data`` itself (with ``requires_grad`` set when asked), for old tutorials.

    >>> import minitorch_conv as mt
    >>> v = mt.autograd.Variable(mt.ones(2), requires_grad=True)
    >>> v.requires_grad, type(v).__name__
    (True, 'Tensor')
    """
    if requires_grad:
        data.requires_grad_(True)
    return data


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool = False, materialize_grads: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor(2.0, requires_grad=True)
    >>> (g,) = mt.autograd.grad(x ** 3, x, create_graph=True)
    >>> g, mt.autograd.grad(g, x)[0]
    (tensor(12., grad_fn=<MulBackward0>), tensor(12.))
    """
    single_input = not isinstance(inputs, (list, tuple))
    outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = out.new_ones(out.shape)
        roots.append(out)
        root_grads.append(g)
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(roots, root_grads, retain_graph, create_graph, inputs,
                           allow_unused or materialize_grads)
    if materialize_grads:
        results = [inp.new_zeros(inp.shape) if r is None else r for inp, r in zip(inputs, results)]
    return tuple(results)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate into the leaves' ``.grad`` the gradients of several ``tensors`` at once, with
    upstream ``grad_tensors`` (one per tensor; None for a one-element tensor): one backward pass,
    as PyTorch's ``torch.autograd.backward``.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> mt.autograd.backward([x * 2, (x * x).sum()], [mt.ones(2), None])
    >>> x.grad
    tensor([4., 6.])
    """
    tensors = [tensors] if getattr(tensors, "_is_minitorch_tensor", False) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif getattr(grad_tensors, "_is_minitorch_tensor", False):
        grad_tensors = [grad_tensors]
    else:
        grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"grad_tensors should have the same length as tensors: got {len(grad_tensors)} "
                           f"and {len(tensors)}")
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(tensors, grad_tensors)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = out.new_ones(out.shape)
        elif tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        roots.append(out)
        root_grads.append(g)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        run_backward(roots, root_grads, retain_graph, create_graph)
        return
    from .engine import accumulate_into

    inputs = [inputs] if getattr(inputs, "_is_minitorch_tensor", False) else list(inputs)
    for inp, g in zip(inputs, run_backward(roots, root_grads, retain_graph, create_graph, inputs,
                                           allow_unused=True)):
        if g is not None:
            accumulate_into(inp, g, create_graph)


from . import functional  # noqa: E402 - jacobian, hessian, vjp, ...: built on grad, defined above
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402 - built on grad, like functional

# ``autograd.gradcheck`` is the function, as in PyTorch; the module of the same name stays reachable by
# import (``from minitorch_conv.autograd.gradcheck import jacobian_errors``). gradcheck.py and its
# report import nothing above the engine: Tensors reach them only as arguments.
__all__ = ["Context", "Function", "Variable", "GradcheckError", "backward", "detect_anomaly", "enable_grad",
           "functional", "grad", "gradcheck", "gradgradcheck", "inference_mode",
           "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "is_grad_enabled",
           "is_inference_mode_enabled", "no_grad", "run_backward", "set_detect_anomaly", "set_grad_enabled"]
