"""Views, in-place operations and version counters: how a write through one alias keeps every
gradient right.

PyTorch's model, which users rely on:

- A **view** (a slice, ``view``, ``t()``, ``unsqueeze``, ``expand``, ...) shares its **base**'s
  memory and its **version counter**. The base is always a tensor that is not itself a view, so a
  view of a view points at the same base as its parent.
- Every in-place operation, in any grad mode, moves that counter by one. A Function that saved a
  tensor for backward remembers the version it saw; backward refuses a saved tensor whose version
  moved ("modified by an inplace operation"), whichever alias the write went through.
- An in-place operation on a view writes into the base's memory, so it also **rewrites the base's
  history**. The base gets a new node, :class:`CopySlices`, with two inputs: the base's old history
  and the result of the operation. Its backward sends the gradient of the viewed region through the
  operation (and from there, through the view, back to the old base) and the rest of the gradient
  straight to the old base. The view's own ``grad_fn`` is then rebuilt from the base, by replaying
  the view operations on it.
- Other views of the same base notice the change lazily: each view remembers the counter's value
  when its ``grad_fn`` was made, and rebuilds it from the base when the counter has moved.

Where PyTorch refuses (a view of a leaf that requires grad, one output of ``split``/``unbind``, a
view made under ``no_grad`` and written in grad mode), we refuse with its message.

Each view carries a :class:`ViewInfo`: its base, how to replay it from the base, and how it was made.
"""

from __future__ import annotations

from .function import Function, rename_node
from .grad_mode import enable_grad, is_grad_enabled, is_inference_mode_enabled

#: how a view was made, which decides whether it may be written in place (PyTorch's CreationMeta)
DEFAULT, NO_GRAD_MODE, MULTI_OUTPUT_NODE = "default", "no_grad_mode", "multi_output_node"
IN_CUSTOM_FUNCTION = "in_custom_function"
INFERENCE_MODE = "inference_mode"

INFERENCE_INPLACE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to "
    "get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
    "more details."
)


class _NoVersionCounter(list):
    """The version counter of inference tensors, which in PyTorch have none: it reads 0, and moving
    it (an in-place write) raises outside inference mode and does nothing inside."""

    def __setitem__(self, index, value) -> None:
        if not is_inference_mode_enabled():
            raise RuntimeError(INFERENCE_INPLACE_MESSAGE)


#: the counter every inference tensor holds (and shares with its views) in place of its own
NO_VERSION = _NoVersionCounter([0])


class ViewInfo:
    """What a view knows about itself: its base, the replay that rebuilds it from the base, how it
    was made, and the version counter's value when its ``grad_fn`` was last set."""

    __slots__ = ("base", "replay", "creation", "producer", "output_nr", "version")

    def __init__(self, base, replay, creation, version):
        self.base = base
        self.replay = replay
        self.creation = creation
        self.producer = None  # for an output of split/unbind: PyTorch's name of that function
        self.output_nr = 0
        self.version = version


def make_view(out, source, replay_step) -> None:
    """Record that ``out`` is a view of ``source``, made by ``replay_step(source)``.

    ``replay_step`` rebuilds ``out`` from ``source``: a call of the same view Function with the same
    arguments. For a view of a view, the steps are chained so that one replay goes from the base.
    A view of an inference tensor is an inference tensor that PyTorch does not track as a view.
    """
    out._inference = source._inference
    if source._inference:
        out._version_counter = source._version_counter
        return
    parent = source._view
    if parent is None:
        base, replay, creation = source, replay_step, DEFAULT
    else:
        parent_replay = parent.replay
        base, creation = parent.base, parent.creation

        def replay(tensor):
            return replay_step(parent_replay(tensor))

    if is_inference_mode_enabled():  # (a normal tensor's view, made in inference mode)
        creation = INFERENCE_MODE
    elif not is_grad_enabled():
        creation = NO_GRAD_MODE
    out._base = base
    out._version_counter = base._version_counter
    out._view = ViewInfo(base, replay, creation, base._version_counter[0])
    if parent is not None and parent.producer is not None:  # a view of one output of split()
        out._view.producer, out._view.output_nr = parent.producer, parent.output_nr


def mark_multi_output(views, producer: str, grad_mode: bool) -> None:
    """Mark the outputs of ``split``/``chunk``/``unbind``: PyTorch refuses to write them in place."""
    for nr, view in enumerate(views):
        info = view._view
        if info is None or info.creation == INFERENCE_MODE:
            continue
        info.creation = MULTI_OUTPUT_NODE if grad_mode else NO_GRAD_MODE
        info.producer = producer
        info.output_nr = nr


def mark_custom_function_views(outputs, sources, producer: str) -> None:
    """Outputs of a custom Function that are an input's memory (returned as-is, or viewed inside
    forward) become views of it, which PyTorch refuses to write in place: the rewritten history
    would bypass the Function's own backward."""
    grad_mode = is_grad_enabled()
    several = sum(1 for out, source in zip(outputs, sources)
                  if source is not None and out._grad_fn is not None) > 1
    for nr, (out, source) in enumerate(zip(outputs, sources)):
        if source is None:
            continue
        if out is source:  # a non-differentiable output handed back unchanged: it is the input
            continue
        out._base = out._view = None
        make_view(out, source, _no_replay)
        info = out._view
        if info is None:  # a view of an inference tensor: not tracked
            continue
        info.producer, info.output_nr = producer, nr
        if grad_mode:
            info.creation = MULTI_OUTPUT_NODE if several else IN_CUSTOM_FUNCTION


def _no_replay(base):
    raise RuntimeError("a view made inside a custom Function cannot be rebuilt from its base")


# ---------------------------------------------------------------------------- refusals
_NO_GRAD_ADVICE = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)
_INFERENCE_ADVICE = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the inference_mode block (if "
    "you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked)."
)
_MULTI_OUTPUT_ADVICE = (
    "This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by an "
    "out-of-place one."
)


def _refuse_rebase(tensor, indirect: bool) -> None:
    """Raise PyTorch's error if this view may not have its history rewritten (``handle_view_on_rebase``)."""
    info = tensor._view
    if info.creation == DEFAULT:
        return
    modified = ("its base or another view of its base has been modified inplace" if indirect
                else "is being modified inplace")
    if info.creation == INFERENCE_MODE:
        raise RuntimeError(f"A view was created in inference mode and {modified} in normal mode. "
                           f"{_INFERENCE_ADVICE}")
    if info.creation == MULTI_OUTPUT_NODE:
        if tensor._grad_fn is not None:
            head = f"Output {info.output_nr} of {info.producer} is a view and {modified}."
        else:  # made in grad mode from a base outside the graph
            head = f"A view was created in no_grad mode and {modified} with grad mode enabled."
        raise RuntimeError(f"{head} {_MULTI_OUTPUT_ADVICE}")
    if info.creation == IN_CUSTOM_FUNCTION:
        raise RuntimeError(
            f"Output {info.output_nr} of {info.producer} is a view and {modified}. This view was "
            "created inside a custom Function (or because an input was returned as-is) and the "
            "autograd logic to handle view+inplace would override the custom backward associated "
            "with the custom Function, leading to incorrect gradients. This behavior is forbidden. "
            "You can fix this by cloning the output of the custom Function."
        )
    raise RuntimeError(f"A view was created in no_grad mode and {modified} with grad mode enabled. "
                       f"{_NO_GRAD_ADVICE}")


def check_inplace(tensor, tracked: bool) -> None:
    """PyTorch's checks before an in-place write that autograd records (``check_inplace``).

    ``tracked``: grad mode is on and the operation's result requires grad.
    """
    if not tracked:
        return
    info = tensor._view
    if info is not None:
        _refuse_rebase(tensor, indirect=False)
        if tensor.requires_grad and info.base.is_leaf:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )
    if tensor.is_leaf and tensor.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


# ---------------------------------------------------------------------------- rewriting history
class CopySlices(Function):
    """The base's new node after an in-place operation on one of its views.

    Inputs: the base's old value (its old history) and ``result``, the operation's output, which
    now fills the view's region of the base. Backward: the gradient inside the region goes to
    ``result``; the gradient outside it goes to the old base.
    """

    node_name = "CopySlices"  # PyTorch's name for this node

    @staticmethod
    def forward(ctx, old_base, result, replay):
        ctx.replay = replay
        # the region of the base the view covers, as a boolean mask: True outside it
        outside = old_base._new(old_base.xp.ones(old_base.shape, dtype=bool))
        replay(outside)._array[...] = False
        ctx.outside = outside
        return old_base._array  # already holds the new values: the write happened before

    @staticmethod
    def backward(ctx, grad):
        grad_old_base = grad.where(ctx.outside, grad.new_zeros(())) if ctx.needs_input_grad[0] else None
        grad_result = ctx.replay(grad) if ctx.needs_input_grad[1] else None
        return grad_old_base, grad_result, None


def rebase_history(tensor, result) -> None:
    """Give ``tensor``, just overwritten in place with ``result``'s values, ``result``'s history.

    Not a view: ``tensor`` takes ``result``'s node. A view: the base's history is rewritten with
    :class:`CopySlices`, and the view's ``grad_fn`` is replayed from the rewritten base.
    """
    if result.dtype != tensor.dtype:  # e.g. a float64 result written into a float32 tensor
        with enable_grad():
            result = result.to(tensor.dtype)
    old_node, nr = tensor._grad_fn, tensor._output_nr
    info = tensor._view
    if info is None:
        tensor._set_history(result._grad_fn, result._output_nr)
    else:
        base = info.base
        old_base = base._alias(base)
        if base.requires_grad:  # (never a leaf: check_inplace refuses views of those)
            old_base._set_history(base.grad_fn, base._output_nr)
        with enable_grad():
            new_base = CopySlices.apply(old_base, result, info.replay)
            base._set_history(new_base._grad_fn, 0)
            replayed = info.replay(base)
        _name_as_pytorch(replayed)
        tensor._set_history(replayed._grad_fn, replayed._output_nr)
        info.version = tensor._version_counter[0]
    _move_retained(tensor, old_node, nr)


def _name_as_pytorch(replayed) -> None:
    """PyTorch rebuilds a view's node as one as_strided from the base: name ours the same, so that
    messages (and pictures of the graph) read alike."""
    if replayed._grad_fn is not None:
        rename_node(replayed._grad_fn, "AsStridedBackward0")


def _move_retained(tensor, old_node, nr) -> None:
    """``retain_grad()`` follows the tensor to its new node (its old node computes the old value)."""
    retained = getattr(old_node, "retained", None)
    if not retained or nr not in retained or retained[nr]() is not tensor:
        return
    tensor._grad_fn.retained[tensor._output_nr] = retained.pop(nr)


def refresh_view_history(view) -> None:
    """Rebuild a view's ``grad_fn`` from its base after an in-place write through another alias."""
    info = view._view
    base = info.base
    if view._grad_fn is None and not base.requires_grad:
        return  # nothing to rebuild; checked again if the counter moves further
    if info.version == view._version_counter[0]:
        return
    _refuse_rebase(view, indirect=True)
    with enable_grad():
        replayed = info.replay(base)
    _name_as_pytorch(replayed)
    view._grad_fn, view._output_nr = replayed._grad_fn, replayed._output_nr
    view._requires_grad = replayed._requires_grad
    info.version = view._version_counter[0]
