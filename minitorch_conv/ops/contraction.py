"""``einsum``: sums of products named by subscripts, with its gradient written as einsums too.

The equation ``"ij,jk->ik"`` names each dimension of each operand by a letter; letters missing from
the output are summed over. PyTorch's rules: ``...`` stands for the broadcast leading dimensions,
a size-1 dimension broadcasts against a larger one, and without ``->`` the output is the ellipsis
dimensions followed by the letters used once, in alphabetical order.

The gradient with respect to operand ``i`` is another einsum: the upstream gradient (subscripts of
the output) times every other operand, summed to operand ``i``'s letters. Three corrections follow:

- a letter only operand ``i`` has (summed away inside it) never reaches that einsum; the gradient
  is constant along it, so it is expanded back;
- where operand ``i`` had size 1 against a larger size elsewhere (broadcasting), that dimension is
  summed back to 1;
- a letter repeated within operand ``i`` (``"ii->i"``, a diagonal) takes the gradient on the
  diagonal only: an einsum with identity matrices puts it there.

Each step is itself differentiable, so gradients of gradients work.
"""

from __future__ import annotations

import string

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import check_same_device, scalar_type_name

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


class Einsum(Function):
    """``einsum(",".join(specs) + "->" + output, *operands)`` with explicit letters (no ``...``)."""

    @staticmethod
    def forward(ctx, specs, output, *operands):
        ctx.specs, ctx.output = specs, output
        ctx.save_for_backward(*operands)
        xp = operands[0].xp
        return xp.einsum(",".join(specs) + "->" + output, *[t._array for t in operands],
                         optimize=len(operands) > 1)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        grads = [
            _operand_grad(i, grad, operands, ctx.specs, ctx.output) if ctx.needs_input_grad[2 + i] else None
            for i in range(len(operands))
        ]
        return (None, None, *grads)


def _operand_grad(i: int, grad: Tensor, operands, specs, output: str) -> Tensor:
    spec, operand = specs[i], operands[i]
    sizes = dict(zip(spec, operand.shape))  # this operand's own size of each of its letters
    unique = "".join(dict.fromkeys(spec))  # its letters, each once, in order
    elsewhere = set(output).union(*[set(s) for j, s in enumerate(specs) if j != i])
    reached = "".join(c for c in unique if c in elsewhere)
    others = [(s, t) for j, (s, t) in enumerate(zip(specs, operands)) if j != i]
    g = Einsum.apply((output, *[s for s, _ in others]), reached, grad, *[t for _, t in others])
    # back to one dimension per unique letter: size 1 for the letters summed inside this operand,
    # broadcast dimensions summed back to 1, then expanded to this operand's sizes
    g = g.reshape([g.shape[reached.index(c)] if c in reached else 1 for c in unique])
    g = g.sum_to_size([sizes[c] if c in reached else 1 for c in unique])
    g = g.expand([sizes[c] for c in unique])
    if len(unique) == len(spec):
        return g.permute([unique.index(c) for c in spec]) if unique != spec else g
    # a repeated letter: the gradient sits on the diagonal, put there by identity matrices
    used = set("".join(specs) + output)
    spare = iter(c for c in _LETTERS if c not in used)
    full_spec, eye_specs, eyes, seen = "", [], [], set()
    for c in spec:
        if c in seen:
            fresh = next(spare)
            eye_specs.append(c + fresh)
            eyes.append(grad._new(grad.xp.eye(sizes[c], dtype=grad._array.dtype)))
            full_spec += fresh
        else:
            seen.add(c)
            full_spec += c
    return Einsum.apply((unique, *eye_specs), full_spec, g, *eyes)


def einsum(*args) -> Tensor:
    """Sum of products over the dimensions an equation names: ``einsum("ij,jk->ik", a, b)`` is
    ``a @ b``. The operands may also come as one list, or in PyTorch's sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    >>> import minitorch_conv as mt
    >>> a, b = mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 10.0])
    >>> mt.einsum("ij,j->i", a, b), mt.einsum("ii", a), mt.einsum("i,j", b, b)
    (tensor([21., 43.]), tensor(5.), tensor([[  1.,  10.],
            [ 10., 100.]]))
    """
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at least "
                        "one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for k, operand in enumerate(operands):
        if not isinstance(operand, Tensor):
            raise TypeError("einsum(): argument 'operands' must be tuple of Tensors, but found element of "
                            f"type {type(operand).__name__} at pos {k}")
        if operand.dtype is not operands[0].dtype:
            raise RuntimeError(f"expected scalar type {scalar_type_name(operands[0].dtype)} but found "
                               f"{scalar_type_name(operand.dtype)}")
    check_same_device(*operands)
    specs, output = _parse(equation, operands)
    return Einsum.apply(specs, output, *operands)


# ---------------------------------------------------------------------------- the equation
def _sublist_equation(args) -> tuple[str, list]:
    """PyTorch's second form, ``einsum(op1, [0, 1], op2, [1, 2], [0, 2])``, as an equation."""
    operands, terms = [], []
    args = list(args)
    while len(args) >= 2 and isinstance(args[0], Tensor):
        operands.append(args.pop(0))
        terms.append(args.pop(0))
    output = args.pop(0) if args else None

    def letters(sublist):
        out = ""
        for s in sublist:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, int) and 0 <= s < 52:
                out += _LETTERS[s]  # (upper case first: the implicit output keeps numeric order)
            else:
                raise RuntimeError(f"einsum(): expected subscript to be within the range [0, 52) but got {s}")
        return out

    equation = ",".join(letters(t) for t in terms)
    if output is not None:
        equation += "->" + letters(output)
    return equation, operands


def _parse(equation: str, operands) -> tuple[tuple[str, ...], str]:
    """``(specs, output)`` with ``...`` replaced by letters and the implicit output made explicit;
    PyTorch's errors for equations that do not fit the operands."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for c in equation.replace("...", "").replace("->", "").replace(",", ""):
        if c not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {equation.index(c)} in the "
                               "equation string, subscripts must be in [a-zA-Z]")
    spare = [c for c in _LETTERS if c not in equation]
    ellipsis_dims = 0
    for k, (term, operand) in enumerate(zip(terms, operands)):
        named = len(term.replace("...", ""))
        if "..." in term:
            ellipsis_dims = max(ellipsis_dims, operand.ndim - named)
        elif named != operand.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match the number of "
                f"dimensions ({operand.ndim}) for operand {k} and no ellipsis was given"
            )
        if "..." in term and operand.ndim < named:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) is more than the number of "
                f"dimensions ({operand.ndim}) for operand {k}"
            )
    broadcast = "".join(spare[:ellipsis_dims])
    specs = []
    for term, operand in zip(terms, operands):
        own = operand.ndim - len(term.replace("...", ""))
        specs.append(term.replace("...", broadcast[len(broadcast) - own:] if own else ""))
    if arrow:
        output = rhs.replace("...", broadcast)
        for c in output:
            if output.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in s for s in specs):
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
    else:
        counts = "".join(t.replace("...", "") for t in terms)
        output = broadcast + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    _check_sizes(specs, operands)
    return tuple(specs), output


def _check_sizes(specs, operands) -> None:
    seen = {}
    for k, (spec, operand) in enumerate(zip(specs, operands)):
        own = {}
        for c, n in zip(spec, operand.shape):
            if c in own and own[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't "
                                   f"match, {own[c]} != {n}")
            own[c] = n
        for c, n in own.items():
            if c in seen and n != seen[c] and 1 not in (n, seen[c]):
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                                   f"broadcast with previously seen size {seen[c]}")
            seen[c] = n if c not in seen or seen[c] == 1 else seen[c]
