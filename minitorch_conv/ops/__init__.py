"""Differentiable operations on tensors, one module per family.

Importing this package binds them onto :class:`~minitorch_conv.tensor.Tensor` (see ``methods.py``).
"""

from . import conversion, elementwise, linalg, methods, reduction, shape  # noqa: F401
from .elementwise import (  # noqa: F401
    abs,
    add,
    clamp,
    div,
    eq,
    exp,
    ge,
    gt,
    isfinite,
    isnan,
    le,
    log,
    logical_not,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    relu,
    sigmoid,
    sign,
    sqrt,
    sub,
    tanh,
    where,
)
from .linalg import matmul  # noqa: F401
from .reduction import (  # noqa: F401
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    std,
    sum,
    var,
)
from .shape import (  # noqa: F401
    cat,
    chunk,
    contiguous,
    expand,
    flatten,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
)
