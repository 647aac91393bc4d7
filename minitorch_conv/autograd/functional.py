"""Higher-order autograd helpers with PyTorch's names: jacobian, hessian, vjp, jvp, hvp, vhp.

These are ``torch.autograd.functional``'s six functions, with the same signatures, defaults, output
nesting and error messages. Each one is a few calls of :func:`minitorch_conv.autograd.grad`, which
computes one thing only: a **vector-Jacobian product**. This module shows how far that one
primitive goes.

**Notation.** ``func`` maps the inputs ``x`` (a Tensor, or a tuple of Tensors) to the outputs
``y = func(x)``. Flatten and concatenate them: ``x`` has ``n`` numbers, ``y`` has ``m``. The
Jacobian ``J = dy/dx`` is the ``m x n`` matrix whose row ``r`` is the gradient of ``y[r]``. For a
scalar ``func``, ``g(x) = J^T`` is the gradient (``n`` numbers) and ``H = dg/dx`` the ``n x n``
Hessian. ``v`` is a vector you choose; ``e_r`` is the one-hot vector with a 1 at position ``r``.

**The primitive.** One backward pass, ``grad(y, x, grad_outputs=v)``, returns ``v^T J``: a
weighted sum of the rows of ``J``, shaped like ``x``. It never builds ``J``.

**The six, as vector-Jacobian products:**

- ``vjp(func, x, v) = v^T J``: one backward pass, with ``v`` shaped like the outputs.
- ``jacobian(func, x) = J``: row ``r`` is ``e_r^T J``, so ``m`` backward passes, one per output
  element (the graph is kept between them). ``J[i][j]`` has the shape ``y_i.shape + x_j.shape``.
- ``jvp(func, x, v) = J v`` (shaped like the outputs), by the **double-backward trick**: take a
  dummy ``u`` shaped like ``y`` (zeros that require grad) and compute ``h(u) = u^T J`` with
  ``create_graph=True``. ``h`` is linear in ``u`` and its Jacobian with respect to ``u`` is
  ``J^T``, so a second backward pass, of ``h`` with respect to ``u`` along ``v``, gives
  ``v^T J^T = (J v)^T``. The value of ``u`` never matters (zeros are fine); only the graph does.
- ``vhp(func, x, v) = v^T H``: backward once with ``create_graph=True`` to get ``g(x)`` as a
  differentiable tensor, then backward through ``g`` along ``v``.
- ``hvp(func, x, v) = H v``: the double-backward trick applied to ``g``: ``h(u) = u^T H`` is a
  backward of ``g`` with a dummy ``u``, and a backward of ``h`` with respect to ``u`` gives
  ``H v``. ``H`` is symmetric for a twice continuously differentiable ``func``, so ``vhp`` (one
  backward fewer) gives the same numbers.
- ``hessian(func, x) = H = jacobian(g, x)``: the Jacobian of the gradient, ``n`` backward passes
  through ``g``.

**Output nesting.** A single Tensor passed as ``inputs`` (or returned by ``func``) removes one
level of tuple from the result, as in PyTorch: with tuple inputs and tuple outputs
``jacobian(...)[i][j]`` is the block of output ``i`` and input ``j``; with one of them a Tensor the
result is a tuple over the other; with both Tensors it is one Tensor. ``hessian(...)[i][j]`` is the
block of inputs ``i`` and ``j``.

**Flags.** ``func`` runs on ``inp.detach().requires_grad_()`` copies of the inputs, so the inputs
themselves are never modified and their ``.grad`` is untouched. With ``create_graph=False`` the
results are detached; with ``create_graph=True`` the copies are made differentiably instead (for
inputs that require grad) and the results can be differentiated again. With ``strict=False`` an
input the outputs do not depend on gets zeros; ``strict=True`` raises PyTorch's RuntimeError.

**What differs from PyTorch.** ``vectorize=True`` computes the same result with the same loop of
backward passes (minitorch_conv has no vmap). ``strategy="forward-mode"`` (which, as in PyTorch,
requires ``vectorize=True``) builds ``J`` column by column, ``J e_k`` for each input element ``k``,
with the double-backward trick of ``jvp``: the forward-mode order of work, without forward-mode AD.
Two quirks of PyTorch's forward-mode path are not copied: its results come back attached to a graph
(``requires_grad=True``) when an input requires grad, or in ``hessian``, even with
``create_graph=False``, and some of its levels are lists; here results are always tuples, and
detached unless ``create_graph=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..backends import int64
from . import grad as _grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

if TYPE_CHECKING:  # pragma: no cover - annotations only: autograd/ imports nothing above it
    from ..tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---------------------------------------------------------------------------------------- helpers


def _is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a minitorch_conv Tensor (checked by a class flag: no import of Tensor)."""
    return bool(getattr(type(obj), "_is_minitorch_tensor", False))


def _as_tuple_nocheck(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _as_tuple(inp: Any, arg_name: str | None = None, fn_name: str | None = None):
    """``(was_a_tuple, tuple_of_tensors)``; TypeError for anything but a Tensor or a tuple of them.

    Only a tuple counts as a tuple (a list is one wrong-typed value), as in PyTorch.
    """
    if arg_name is None and fn_name is None:
        return _as_tuple_nocheck(inp)
    is_inp_tuple = isinstance(inp, tuple)
    if not is_inp_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not _is_tensor(el):
            if is_inp_tuple:
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                    f" value at index {i} has type {type(el)}."
                )
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                f" given {arg_name} has type {type(el)}."
            )
    return is_inp_tuple, inp


def _tuple_postprocess(res: Any, to_unpack: bool | tuple[bool, bool]) -> Any:
    """Undo :func:`_as_tuple`: unwrap the levels of ``res`` whose argument was a single Tensor.

    ``to_unpack`` is one flag, or ``(outer, inner)`` for a tuple of tuples (outputs, then inputs).
    """
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """New Tensor objects for ``inputs``: ``func`` runs on these, never on the caller's tensors.

    With ``create_graph`` an input that requires grad gets a differentiable alias (``view_as``), so
    the results stay connected to it; otherwise a detached alias that requires grad if
    ``need_graph``. A new object even then, so that a tensor ``func`` captures from its closure is
    told apart from the argument (PyTorch issue 32576).
    """
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs: tuple, create_graph: bool) -> tuple:
    """Detach the results (a tuple, or a tuple of tuples) unless ``create_graph``."""
    if _is_tensor(inputs[0]):
        if not create_graph:
            return tuple(inp.detach() for inp in inputs)
        return inputs
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    """``v`` must have one tensor per entry of ``other``, each of the same size."""
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}."
            )


def _check_requires_grad(inputs: tuple, input_type: str, strict: bool) -> None:
    """In strict mode, raise PyTorch's message for a tensor that does not require grad (or None)."""
    if not strict:
        return
    if input_type not in ("outputs", "grad_inputs", "jacobian", "hessian"):
        raise RuntimeError("Invalid input_type to _check_requires_grad")
    for i, inp in enumerate(inputs):
        if inp is None:  # only for grad_inputs
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}."
                " This is not allowed in strict mode."
            )
        if inp.requires_grad:
            continue
        if input_type == "hessian":
            raise RuntimeError(
                f"The hessian of the user-provided function with respect to input {i}"
                " is independent of the input. This is not allowed in strict mode."
                " You should ensure that your function is thrice differentiable and that"
                " the hessian depends on the inputs."
            )
        if input_type == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided"
                f" function with respect to input {i} is independent of the input. This is not"
                " allowed in strict mode. You should ensure that your function is twice"
                " differentiable and that the jacobian depends on the inputs (this would be"
                " violated by a linear function for example)."
            )
        if input_type == "grad_inputs":
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the"
                " user-provided function. This is not allowed in strict mode."
            )
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients."
            " The outputs must be computed in a differentiable manner from the input"
            " when running in strict mode."
        )


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None,
                   create_graph: bool = False, retain_graph: bool | None = None) -> tuple:
    """``autograd.grad`` that skips outputs that are None or need no grad; None for unused inputs.

    This is the one place where a gradient is computed: ``sum_k grad_outputs[k]^T J_k``, a
    vector-Jacobian product over the outputs that require grad.
    """
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_outputs, new_grad_outputs = [], []
    for out, grad_out in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs.append(out)
            new_grad_outputs.append(grad_out)
    if not new_outputs:  # nothing is differentiable: no need to run the engine
        return (None,) * len(inputs)
    return _grad(new_outputs, inputs, new_grad_outputs, retain_graph=retain_graph,
                 create_graph=create_graph, allow_unused=True)


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Replace a None gradient by zeros shaped like ``refs[i]``, or raise in strict mode.

    ``stage`` names the backward pass, for the message: ``back`` (a vjp), ``back_trick`` (the
    second pass of the double-backward trick), ``double_back`` (backward through a gradient) and
    ``double_back_trick`` (the trick applied to a gradient).
    """
    if stage not in ("back", "back_trick", "double_back", "double_back_trick"):
        raise RuntimeError(f"Invalid stage argument '{stage}' to _fill_in_zeros")
    res = []
    for i, grads_i in enumerate(grads):
        if grads_i is None:
            if strict:
                if stage == "back":
                    raise RuntimeError(
                        "The output of the user-provided function is independent of "
                        f"input {i}. This is not allowed in strict mode."
                    )
                if stage == "back_trick":
                    raise RuntimeError(
                        f"The gradient with respect to the input is independent of entry {i}"
                        " in the grad_outputs when using the double backward trick to compute"
                        " forward mode gradients. This is not allowed in strict mode."
                    )
                if stage == "double_back":
                    raise RuntimeError(
                        "The jacobian of the user-provided function is independent of "
                        f"input {i}. This is not allowed in strict mode."
                    )
                raise RuntimeError(
                    "The hessian of the user-provided function is independent of "
                    f"entry {i} in the grad_jacobian. This is not allowed in strict "
                    "mode as it prevents from using the double backward trick to "
                    "replace forward mode AD."
                )
            grads_i = refs[i].new_zeros(refs[i].shape)
        elif strict and create_graph and not grads_i.requires_grad:
            if "double" not in stage:
                raise RuntimeError(
                    "The jacobian of the user-provided function is independent of "
                    f"input {i}. This is not allowed in strict mode when create_graph=True."
                )
            raise RuntimeError(
                "The hessian of the user-provided function is independent of "
                f"input {i}. This is not allowed in strict mode when create_graph=True."
            )
        res.append(grads_i)
    return tuple(res)


def _stack(tensors: list) -> Tensor:
    """``stack(tensors, dim=0)``, differentiable, so that a ``create_graph=True`` Jacobian is too."""
    # A local import, on purpose: Tensor has no stack method (torch.stack is a function as well),
    # and the ops sit above autograd/, which must not import them while the package loads.
    from ..ops import stack

    return stack(tensors, 0)


def _one_hots(ref: Tensor):
    """``e_0, e_1, ...``: for each flat position ``k`` of ``ref``, a tensor shaped like ``ref`` (same
    dtype and device) with a 1 at ``k`` and zeros elsewhere. Made by comparison, not by writing."""
    positions = ref.new_tensor(list(range(ref.numel())), dtype=int64)
    for k in range(ref.numel()):
        yield (positions == k).to(ref.dtype).reshape(ref.shape)


# ------------------------------------------------------------------------------------- public API


def vjp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
        v: Tensor | tuple[Tensor, ...] | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``: one backward pass.

    Args:
        func: takes the input Tensors as positional arguments and returns a Tensor or a tuple.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like the output(s) of ``func``; may be None when ``func`` returns a single
            Tensor with a single element (then it is 1).
        create_graph: make the outputs and the result differentiable.
        strict: raise when an input does not affect the outputs (otherwise zeros).

    Returns:
        ``(func_output, vjp)``; ``vjp`` is shaped like ``inputs`` (a Tensor or a tuple).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.functional import vjp
    >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> vjp(lambda x: (x ** 2).sum(dim=1), x, mt.tensor([1.0, 10.0]))
    (tensor([ 5., 25.]), tensor([[ 2.,  4.],
            [60., 80.]]))
    >>> vjp(lambda x, y: 2 * x + 3 * y, (mt.ones(2), mt.ones(2)), mt.ones(2))[1]
    (tensor([2., 2.]), tensor([3., 3.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)

        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single Tensor "
                "with a single element."
            )

    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def jvp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
        v: Tensor | tuple[Tensor, ...] | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs``, by the double-backward trick.

    With ``u`` a dummy shaped like the outputs, one backward pass with ``create_graph=True`` gives
    ``h(u) = u^T J``; ``h`` is linear in ``u`` with Jacobian ``J^T``, so a backward pass of ``h``
    with respect to ``u`` along ``v`` gives ``J v``. Two backward passes, no forward-mode AD.

    Args:
        func: takes the input Tensors as positional arguments and returns a Tensor or a tuple.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like ``inputs``; may be None when the input is a single Tensor with a single
            element (then it is 1).
        create_graph: make the outputs and the result differentiable.
        strict: raise when an output does not depend on the inputs (otherwise zeros).

    Returns:
        ``(func_output, jvp)``; ``jvp`` is shaped like the output(s) of ``func``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.functional import jvp
    >>> x = mt.tensor([1.0, 2.0, 3.0])
    >>> jvp(lambda x: x ** 2, x, mt.tensor([1.0, 0.0, 1.0]))
    (tensor([1., 4., 9.]), tensor([2., 0., 6.]))
    >>> jvp(lambda x, y: (x * y).sum(), (x, mt.ones(3)), (mt.ones(3), mt.zeros(3)))[1]
    tensor(3.)
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)

        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a single "
                "Tensor with a single element."
            )

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # The backward pass is linear in grad_outputs, so their values never reach the result:
        # zeros do (they only must not be inf or nan). They require grad so that the first pass
        # records how the input gradients depend on them.
        grad_outputs = tuple(out.new_zeros(out.shape, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)

    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_outputs_tuple)


def _jacfwd(func: Callable[..., Any], inputs: Any, strict: bool = False, vectorize: bool = False) -> Any:
    """``jacobian(..., strategy="forward-mode")``: ``J`` column by column, ``J e_k`` per input element.

    PyTorch pushes a batch of forward-mode tangents through ``func`` under vmap. minitorch_conv has
    neither, so each column comes from the double-backward trick of :func:`jvp`: one first
    backward pass with dummy ``u`` (kept), then one backward pass with respect to ``u`` per input
    element. As in PyTorch, each block has the dtype of its output.
    """
    if strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` "
            'and `strategy="forward-mode"` are not supported together (yet). '
            "Please either set `strict=False` or "
            '`strategy="reverse-mode"`.'
        )
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        # PyTorch's message, missing space ("isonly") included
        raise NotImplementedError(
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
            "only implemented for `vectorize=True`."
        )
    with enable_grad():
        inputs = _grad_preprocess(inputs, create_graph=False, need_graph=True)
        # PyTorch checks the outputs with this argument name and no function name
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs")
        grad_outputs = tuple(out.new_zeros(out.shape, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)

    columns = [[[] for _ in inputs] for _ in outputs]  # columns[i][j][k] = J_ij e_k
    for j, (inp, grad_inp) in enumerate(zip(inputs, grad_inputs)):
        for e_k in _one_hots(inp):
            jv = _autograd_grad((grad_inp,), grad_outputs, (e_k,), retain_graph=True)
            for i, (out, col) in enumerate(zip(outputs, jv)):
                columns[i][j].append(out.new_zeros(out.shape) if col is None else col)
    jac = tuple(
        tuple(
            _stack(columns[i][j]).reshape(inp.numel(), out.numel()).t().reshape(out.shape + inp.shape)
            for j, inp in enumerate(inputs)
        )
        for i, out in enumerate(outputs)
    )
    jac = _grad_postprocess(jac, create_graph=False)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def jacobian(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], create_graph: bool = False,
             strict: bool = False, vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: row ``r`` is the vector-Jacobian product ``e_r^T J``.

    Args:
        func: takes the input Tensors as positional arguments and returns a Tensor or a tuple.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the Jacobian differentiable.
        strict: raise when an output does not depend on an input (otherwise a block of zeros).
        vectorize: accepted for PyTorch compatibility. PyTorch batches the rows with vmap; here the
            same loop of backward passes runs and gives the same result. As in PyTorch,
            ``strict=True`` is refused with it.
        strategy: ``"reverse-mode"`` (one backward pass per output element) or
            ``"forward-mode"`` (one column per input element; requires ``vectorize=True`` and
            ``create_graph=False``, as in PyTorch; computed with the double-backward trick).

    Returns:
        The block of output ``i`` and input ``j`` has the shape ``out_i.shape + in_j.shape``.
        Tuple inputs and tuple outputs: ``jac[i][j]``; one of them a single Tensor: a tuple over
        the other; both single Tensors: one Tensor.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.functional import jacobian
    >>> x = mt.tensor([1.0, 2.0, 3.0])
    >>> jacobian(lambda x: x ** 2, x)
    tensor([[2., 0., 0.],
            [0., 4., 0.],
            [0., 0., 6.]])
    >>> jacobian(lambda x, w: w @ x, (x, mt.tensor([[1.0, 0.0, -1.0]])))
    (tensor([[ 1.,  0., -1.]]), tensor([[[1., 2., 3.]]]))
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` "
                'and `strategy="forward-mode"` are not supported together (yet). '
                "Please either set `create_graph=False` or "
                '`strategy="reverse-mode"`.'
            )
        return _jacfwd(func, inputs, strict, vectorize)

    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)

        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` "
                "and `vectorized=True` are not supported together. "
                "Please either set `strict=False` or "
                "`vectorize=False`."
            )
        # vectorize=True: PyTorch runs the rows below as one batched backward under vmap; the
        # loop gives the same numbers.

        jac = []
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)  # rows[j]: e_r^T J_ij for each element r of out
            flat = out.reshape(-1)
            for r in range(out.nelement()):
                vj = _autograd_grad((flat[r],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (rows_j, vj_j, inp) in enumerate(zip(rows, vj, inputs)):
                    if vj_j is not None:
                        if strict and create_graph and not vj_j.requires_grad:
                            # PyTorch's message, which names the output's index as the input's
                            raise RuntimeError(
                                "The jacobian of the user-provided function is "
                                f"independent of input {i}. This is not allowed in "
                                "strict mode when create_graph=True."
                            )
                        rows_j.append(vj_j)
                    else:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is "
                                f"independent of input {j}. This is not allowed in "
                                "strict mode."
                            )
                        rows_j.append(inp.new_zeros(inp.shape))
            jac.append(tuple(
                _stack(rows_j).view(out.size() + inputs[j].size()) for j, rows_j in enumerate(rows)
            ))

        jac = _grad_postprocess(tuple(jac), create_graph)
        return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient.

    The inner Jacobian (the gradient ``g``) is one backward pass with ``create_graph=True``; the
    outer one differentiates ``g``, one backward pass per input element.

    Args:
        func: takes the input Tensors as positional arguments and returns a Tensor with one element.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the Hessian differentiable.
        strict: raise when the Hessian does not depend on an input (otherwise zeros).
        vectorize: as in :func:`jacobian` (same result, same loop).
        outer_jacobian_strategy: the ``strategy`` of the outer Jacobian (see :func:`jacobian`).

    Returns:
        One input: a Tensor of shape ``x.shape + x.shape``. A tuple of inputs: ``hess[i][j]`` of
        shape ``x_i.shape + x_j.shape``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), mt.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    >>> hessian(lambda x, y: (x * y).sum(), (mt.ones(1), mt.ones(1)))
    ((tensor([[0.]]), tensor([[1.]])), (tensor([[1.]]), tensor([[0.]])))
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not _is_tensor(out):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single element"
            )
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _check_scalar_function(outputs: Any, is_outputs_tuple: bool, name: str) -> None:
    if is_outputs_tuple or not _is_tensor(outputs[0]):
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {name} should contain a single element"
        )


def _prepare_second_order(name: str, func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool,
                          strict: bool):
    """What vhp and hvp share: checked inputs and v, the outputs, and the gradient ``g`` (with graph).

    Runs under enable_grad (the caller's ``with``).
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].nelement() != 1:
        raise RuntimeError(
            "The vector v can only be None if the input to the user-provided function is a single Tensor "
            "with a single element."
        )
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    _check_scalar_function(outputs, is_outputs_tuple, name)
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict=strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac


def vhp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
        v: Tensor | tuple[Tensor, ...] | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The vector-Hessian product ``v^T H`` of a scalar ``func``: a backward pass through its gradient.

    Args:
        func: takes the input Tensors as positional arguments and returns a Tensor with one element.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like ``inputs``; may be None when the input is a single Tensor with a single
            element (then it is 1).
        create_graph: make the output and the result differentiable.
        strict: raise when the gradient does not depend on an input (otherwise zeros).

    Returns:
        ``(func_output, vhp)``; ``vhp`` is shaped like ``inputs``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.functional import vhp
    >>> vhp(lambda x: (x ** 3).sum(), mt.tensor([1.0, 2.0]), mt.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _prepare_second_order(
            "vhp", func, inputs, v, create_graph, strict)

    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def hvp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
        v: Tensor | tuple[Tensor, ...] | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The Hessian-vector product ``H v`` of a scalar ``func``: the double-backward trick on its gradient.

    With ``g`` the gradient (kept differentiable) and ``u`` a dummy shaped like the inputs, a
    backward pass of ``g`` along ``u`` gives ``h(u) = u^T H``; a backward pass of ``h`` with
    respect to ``u`` along ``v`` gives ``H v``. For a twice continuously differentiable ``func``,
    ``H`` is symmetric and :func:`vhp` (one backward pass fewer) gives the same numbers.

    Args:
        func: takes the input Tensors as positional arguments and returns a Tensor with one element.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like ``inputs``; may be None when the input is a single Tensor with a single
            element (then it is 1).
        create_graph: make the output and the result differentiable.
        strict: raise when the Hessian does not depend on an input (otherwise zeros).

    Returns:
        ``(func_output, hvp)``; ``hvp`` is shaped like ``inputs``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.autograd.functional import hvp
    >>> f = lambda x, y: (x ** 2 * y).sum()
    >>> hvp(f, (mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0])), (mt.ones(2), mt.zeros(2)))
    (tensor(19.), (tensor([6., 8.]), tensor([2., 4.])))
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _prepare_second_order(
            "hvp", func, inputs, v, create_graph, strict)
        grad_jac = tuple(inp.new_zeros(inp.shape, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)  # (sic) PyTorch checks jac again here

    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)
