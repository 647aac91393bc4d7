"""The backward pass: walk the recorded graph from the outputs to the leaves.

The graph is made of nodes (``Tensor.grad_fn``); each node lists, per input of the operation that
made it, an edge ``(next_node, output_nr)`` or None for an input that needs no gradient. Leaves that
require grad end in an :class:`AccumulateGrad` node, which writes ``.grad``.

The walk is iterative (Kahn's algorithm over the dependency counts), so a chain of 100,000
operations needs no recursion; each node runs once, after every consumer of its outputs has sent
its cotangent, and each cotangent buffer is dropped as soon as its node has used it.

This module works on whatever objects the nodes hand it: it calls a few Tensor methods
(``sum_to_size``, ``to``, ``new_zeros``, ``detach``, ``clone``, ``+``) but imports nothing above itself.
"""

from __future__ import annotations

import weakref

from ..amp import autocast_mode
from ..backends.base import NO_CONTEXT
from . import anomaly_mode, gradient_reuse
from .grad_mode import set_grad_enabled


class AccumulateGrad:
    """The node that ends every path at a leaf tensor and accumulates into its ``.grad``."""

    next_functions = ()
    _edges = ()
    released = False
    tensor_pre_hooks = None  # {0: {id: hook}}: the leaf's register_hook hooks

    def __init__(self, leaf):
        self.leaf_ref = weakref.ref(leaf)
        self.input_meta = ()
        self.output_meta = ((tuple(leaf.shape), leaf.dtype, leaf.device),)
        if anomaly_mode.state.enabled:
            anomaly_mode.record_forward(self)

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def variable(self):
        return self.leaf_ref()

    def __repr__(self):
        return f"<{self.name()} object>"

    def accumulate(self, grad, create_graph: bool) -> None:
        leaf = self.leaf_ref()
        if leaf is None:
            return
        accumulate_into(leaf, grad, create_graph)
        hooks = leaf._post_accumulate_hooks
        if hooks:
            for hook in list(hooks.values()):
                hook(leaf)


def accumulate_into(tensor, grad, create_graph: bool) -> None:
    """Add ``grad`` into ``tensor.grad``, in place unless the addition itself is being recorded.

    In place, as PyTorch does: a reference to ``.grad`` that a user (or an optimizer) holds stays
    the tensor's gradient. The first gradient is a fresh copy (see :func:`fresh_grad`).
    """
    current = tensor._grad
    if current is None:
        tensor._grad = fresh_grad(grad, create_graph)
    elif create_graph or not getattr(current._array.flags, "writeable", True):
        tensor._grad = current + grad
    else:
        current.xp.add(current._array, grad._array, out=current._array, casting="unsafe")
        current._version_counter[0] += 1


def run_tensor_hooks(hooks, grad):
    """Pass ``grad`` through each ``register_hook`` hook in turn; a hook may return a new one."""
    for hook in list(hooks.values()):
        new = hook(grad)
        if new is None:
            continue
        if not getattr(new, "_is_minitorch_tensor", False):
            raise TypeError(f"expected Tensor or None (got {type(new).__name__}) from a tensor hook")
        if tuple(new.shape) != tuple(grad.shape):
            raise RuntimeError(
                f"hook '{getattr(hook, '__name__', 'hook')}' has changed the size of value"
            )
        grad = new
    return grad


def fresh_grad(grad, create_graph: bool):
    """The first gradient a tensor keeps in ``.grad``: its own contiguous copy (unless recorded).

    The incoming buffer may be a read-only broadcast view, the caller's ``gradient``, or the very
    tensor another leaf receives; in-place updates of one ``.grad`` must not reach the others.
    (Performance seam: a gradient nobody else can hold is kept without the copy, see
    ``gradient_reuse.py``.)
    """
    if create_graph:
        return grad
    if gradient_reuse.take_unshared(grad):
        return grad
    return grad.detach().clone()


def edge_of(tensor):
    """The (node, output_nr) edge where a gradient for ``tensor`` enters the graph, or None."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    if tensor.requires_grad:
        return tensor._grad_accumulator(), 0
    return None


def _discover(root_nodes):
    """Count, for every node reachable from the roots, how many edges point into it."""
    dependencies = {node: 0 for node in root_nodes}
    stack = list(root_nodes)
    seen = set(root_nodes)
    while stack:
        node = stack.pop()
        for edge in node._edges:
            if edge is None:
                continue
            nxt = edge[0]
            dependencies[nxt] = dependencies.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return dependencies


def _needed_nodes(dependencies, target_nodes):
    """Nodes with an edge leading on to some target: the only ones autograd.grad must run.

    A target itself is not run unless another target lies below it: its gradient is captured as
    it arrives, and its saved tensors stay for a later backward (as in PyTorch).
    """
    order = []  # a topological order: every node before the nodes it points to
    remaining = dict(dependencies)
    ready = [n for n, d in remaining.items() if d == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        for edge in node._edges:
            if edge is not None:
                remaining[edge[0]] -= 1
                if remaining[edge[0]] == 0:
                    ready.append(edge[0])
    needed = set()
    for node in reversed(order):
        if any(edge is not None and (edge[0] in needed or edge[0] in target_nodes)
               for edge in node._edges):
            needed.add(node)
    return needed


def _validate_grad(node, index, grad):
    """Give ``grad`` the shape and dtype of the node's ``index``-th input (undo broadcasting)."""
    shape, dtype, _device = node.input_meta[index]
    if grad._array.shape != shape:
        try:
            grad = grad.sum_to_size(shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if grad._dtype is not dtype:
        grad = grad.to(dtype)
    return grad


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None,
                 allow_unused=False):
    """Backpropagate ``grad_tensors`` from ``tensors``.

    With ``inputs=None`` gradients are accumulated into the ``.grad`` of every leaf reached (what
    ``Tensor.backward`` does). With a list of ``inputs`` nothing is accumulated; the gradient with
    respect to each input is returned (what ``autograd.grad`` does).
    """
    if autocast_mode._State.active:  # backward runs without autocast's casts, as in PyTorch
        with autocast_mode.suspended():
            return run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs, allow_unused)
    buffers = {}
    for tensor, grad in zip(tensors, grad_tensors):
        edge = edge_of(tensor)
        if edge is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        node, nr = edge
        slots = buffers.setdefault(node, [None] * len(node.output_meta))
        slots[nr] = grad if slots[nr] is None else slots[nr] + grad

    dependencies = _discover(list(buffers))
    captures = {}
    needed = None
    if inputs is not None:
        for i, inp in enumerate(inputs):
            edge = edge_of(inp)
            if edge is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            captures.setdefault(edge, []).append(i)
        needed = _needed_nodes(dependencies, {edge[0] for edge in captures})
    results = [None] * (0 if inputs is None else len(inputs))

    ready = [node for node in buffers if dependencies[node] == 0]
    outer = anomaly_mode.evaluating_node()  # a backward run from inside another node's backward
    try:
        with gradient_reuse.backward_pass():  # (performance seam, gradient_reuse.py)
            _run_ready_nodes(ready, buffers, dependencies, captures, results, needed, retain_graph,
                             create_graph, accumulate=inputs is None)
    except Exception:
        failed = anomaly_mode.evaluating_node()
        if anomaly_mode.state.enabled and failed is not None and failed is not outer:
            anomaly_mode.warn_failed(failed)  # PyTorch's "Error detected in ..." warning
        raise
    finally:
        anomaly_mode.set_evaluating_node(outer)

    if inputs is not None and not allow_unused:
        for i, res in enumerate(results):
            if res is None:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior."
                )
    return results


def _run_ready_nodes(ready, buffers, dependencies, captures, results, needed, retain_graph,
                     create_graph, accumulate):
    """Kahn's order: run each node whose gradients are complete, then release its successors."""
    anomaly = anomaly_mode.state.enabled
    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            if anomaly:  # the node to blame if this step fails; the parent of the nodes it makes
                anomaly_mode.set_evaluating_node(node)
            grads = buffers.pop(node, None)
            if grads is not None and node.tensor_pre_hooks:
                grads = [g if g is None or nr not in node.tensor_pre_hooks
                         else run_tensor_hooks(node.tensor_pre_hooks[nr], g)
                         for nr, g in enumerate(grads)]
            if grads is not None:
                for nr, grad in enumerate(grads):
                    for i in captures.get((node, nr), ()):
                        results[i] = grad if create_graph or grad is None else grad.detach()
                if needed is None or node in needed:
                    _run_node(node, grads, buffers, retain_graph, create_graph,
                              accumulate=accumulate)
            for edge in node._edges:
                if edge is not None:
                    dependencies[edge[0]] -= 1
                    if dependencies[edge[0]] == 0:
                        ready.append(edge[0])


def _apply_node(node, grads, reference):
    """The node's backward; outputs that got no gradient get zeros unless it asked for None."""
    if node.ctx.materialize_grads and any(g is None for g in grads):
        grads = [reference.new_zeros(meta[0], dtype=meta[1]) if g is None else g
                 for g, meta in zip(grads, node.output_meta)]
    return node.apply(grads)


def _run_node(node, grads, buffers, retain_graph, create_graph, accumulate):
    if isinstance(node, AccumulateGrad):
        if accumulate and grads[0] is not None:
            node.accumulate(grads[0], create_graph)
        return

    if node.retained:
        node.store_retained_grads(grads, create_graph)
    if node.pre_hooks:  # grad_fn.register_prehook
        grads = node._run_pre_hooks(grads)
    reference = next((g for g in grads if g is not None), None)
    # a backward runs with its gradients' GPU current (CuPy allocates on the current device)
    device = NO_CONTEXT if reference is None else reference._backend.device_context()
    if device is NO_CONTEXT:
        input_grads = _apply_node(node, grads, reference)
    else:
        with device:
            input_grads = _apply_node(node, grads, reference)
    if node.post_hooks:  # grad_fn.register_hook
        input_grads = node._run_post_hooks(input_grads, grads)
    if not retain_graph:
        node.release()
    if anomaly_mode.state.enabled and anomaly_mode.state.check_nan:
        anomaly_mode.check_nan(node, input_grads)
    for index, (edge, grad) in enumerate(zip(node._edges, input_grads)):
        if edge is None or grad is None:
            continue
        grad = _validate_grad(node, index, grad)
        nxt, nr = edge
        slots = buffers.setdefault(nxt, [None] * len(nxt.output_meta))
        slots[nr] = grad if slots[nr] is None else slots[nr] + grad
