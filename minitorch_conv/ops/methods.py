"""The one place where the differentiable operations become Tensor methods and operators.

``tensor.py`` cannot import the ops (they import Tensor), so the ops bind themselves here, once,
when ``minitorch_conv.ops`` is imported. Read this file to see what ``x + y`` or ``x.sum()`` runs.
"""

from __future__ import annotations

from ..tensor import Tensor, _unary_inplace
from . import conversion, elementwise, indexing, linalg, reduction, shape, sorting
from ._util import is_operand


def _binary(fn):
    """``tensor <op> other``; NotImplemented for operands such as None, so ``x == None`` is False
    and ``x + None`` is Python's TypeError, as with PyTorch. The operands are checked here, so the
    operator calls the op without its argument parser (``__wrapped__``)."""
    fn = fn.__wrapped__ if hasattr(fn, "tensor_method") else fn

    def operator(self, other):
        return fn(self, other) if is_operand(other) else NotImplemented

    return operator


def _swap(fn):
    """``other <op> tensor`` (the reflected operator)."""
    fn = fn.__wrapped__ if hasattr(fn, "tensor_method") else fn

    def reflected(self, other):
        return fn(other, self) if is_operand(other) else NotImplemented

    return reflected


def _register() -> None:
    ew, sh, rd, ix = elementwise, shape, reduction, indexing
    methods = {
        # arithmetic and operators
        "__add__": _binary(ew.add), "__radd__": _swap(ew.add), "__sub__": _binary(ew.sub),
        "__rsub__": _swap(ew.sub), "__mul__": _binary(ew.mul), "__rmul__": _swap(ew.mul),
        "__truediv__": _binary(ew.div), "__rtruediv__": _swap(ew.div), "__pow__": _binary(ew.pow),
        "__rpow__": _swap(ew.pow), "__neg__": ew.neg, "__abs__": ew.abs,
        "__matmul__": _binary(linalg.matmul), "__rmatmul__": _swap(linalg.matmul),
        "__eq__": _binary(ew.eq), "__ne__": _binary(ew.ne), "__lt__": _binary(ew.lt),
        "__le__": _binary(ew.le), "__gt__": _binary(ew.gt), "__ge__": _binary(ew.ge),
        "__and__": _binary(ew.bitwise_and), "__or__": _binary(ew.bitwise_or),
        "__xor__": _binary(ew.bitwise_xor), "__rand__": _swap(ew.bitwise_and),
        "__ror__": _swap(ew.bitwise_or), "__rxor__": _swap(ew.bitwise_xor), "__invert__": ew.invert,
        "__getitem__": sh.getitem, "__setitem__": sh.setitem,
        "add": ew.add, "sub": ew.sub, "mul": ew.mul, "div": ew.div, "pow": ew.pow, "neg": ew.neg,
        "matmul": linalg.matmul, "exp": ew.exp, "log": ew.log, "sqrt": ew.sqrt, "abs": ew.abs,
        "tanh": ew.tanh, "sigmoid": ew.sigmoid, "relu": ew.relu, "clamp": ew.clamp, "clip": ew.clamp,
        "maximum": ew.maximum, "minimum": ew.minimum, "sign": ew.sign, "isfinite": ew.isfinite,
        "isnan": ew.isnan, "masked_fill": ew.masked_fill,
        "where": lambda self, condition, other: ew.where(condition, self, other),
        "eq": ew.eq, "ne": ew.ne, "lt": ew.lt, "le": ew.le, "gt": ew.gt, "ge": ew.ge,
        "logical_not": ew.logical_not, "logical_and": ew.logical_and, "logical_or": ew.logical_or,
        "square": lambda self: ew.mul(self, self),
        "__floordiv__": _binary(ew.floor_divide), "__rfloordiv__": _swap(ew.floor_divide),
        "__mod__": _binary(ew.remainder), "__rmod__": _swap(ew.remainder),
        "floor_divide": ew.floor_divide, "remainder": ew.remainder,
        "sin": ew.sin, "cos": ew.cos, "reciprocal": ew.reciprocal, "rsqrt": ew.rsqrt,
        "erf": ew.erf, "floor": ew.floor, "ceil": ew.ceil, "round": ew.round, "trunc": ew.trunc,
        "mm": linalg.mm, "bmm": linalg.bmm,
        "log1p": ew.log1p, "expm1": ew.expm1, "log2": ew.log2, "log10": ew.log10, "exp2": ew.exp2,
        "divide": ew.div, "lerp": ew.lerp, "addcmul": ew.addcmul, "addcdiv": ew.addcdiv,
        "clamp_min": ew.clamp_min, "clamp_max": ew.clamp_max,
        "isclose": ew.isclose, "allclose": ew.allclose, "logical_xor": ew.logical_xor,
        "bitwise_and": ew.bitwise_and, "bitwise_or": ew.bitwise_or, "bitwise_xor": ew.bitwise_xor,
        "bitwise_not": ew.bitwise_not,
        "addmm": linalg.addmm, "addmv": linalg.addmv, "addbmm": linalg.addbmm, "baddbmm": linalg.baddbmm,
        "outer": linalg.outer, "ger": linalg.outer, "dot": linalg.dot, "mv": linalg.mv,
        # indexing and sorting
        "gather": ix.gather, "scatter": ix.scatter, "scatter_add": ix.scatter_add,
        "index_select": ix.index_select, "index_add": ix.index_add, "masked_select": ix.masked_select,
        "nonzero": ix.nonzero, "argwhere": ix.argwhere, "take_along_dim": ix.take_along_dim,
        "scatter_": ix.scatter_, "scatter_add_": ix.scatter_add_, "index_add_": ix.index_add_,
        "sort": sorting.sort, "argsort": sorting.argsort, "msort": sorting.msort, "topk": sorting.topk,
        # reductions
        "sum": rd.sum, "mean": rd.mean, "max": rd.max, "min": rd.min, "amax": rd.amax,
        "amin": rd.amin, "argmax": rd.argmax, "argmin": rd.argmin, "var": rd.var, "std": rd.std,
        "logsumexp": rd.logsumexp, "softmax": rd.softmax, "log_softmax": rd.log_softmax,
        "all": rd.all, "any": rd.any, "prod": rd.prod, "cumsum": rd.cumsum, "norm": rd.norm,
        "equal": rd.equal,
        # shapes
        "reshape": sh.reshape, "view": sh.view, "permute": sh.permute, "transpose": sh.transpose,
        "t": sh.t, "expand": sh.expand, "expand_as": sh.expand_as, "sum_to_size": sh.sum_to_size,
        "squeeze": sh.squeeze, "unsqueeze": sh.unsqueeze, "flatten": sh.flatten,
        "unflatten": sh.unflatten, "contiguous": sh.contiguous, "split": sh.split,
        "chunk": sh.chunk, "repeat": sh.repeat, "unbind": sh.unbind, "flip": sh.flip,
        "view_as": lambda self, other: sh.view(self, other.shape),
        "narrow": sh.narrow, "select": sh.select, "diagonal": sh.diagonal, "unfold": sh.unfold,
        "movedim": sh.movedim, "moveaxis": sh.movedim, "swapaxes": sh.transpose,
        "swapdims": sh.transpose,
        "reshape_as": lambda self, other: sh.reshape(self, other.shape),
        # conversion
        "to": conversion.to, "cpu": conversion.cpu, "cuda": conversion.cuda,
        "type_as": conversion.type_as, "type": conversion.tensor_type, **conversion.CASTS,
        "clone": conversion.clone,
    }
    for name in ("log1p", "expm1", "log2", "log10", "exp2"):
        methods[f"{name}_"] = _unary_inplace(name)
    from . import composite as cp

    methods.update({
        "tril": cp.tril, "triu": cp.triu, "diag": cp.diag, "trace": cp.trace, "roll": cp.roll,
        "rot90": cp.rot90, "tile": cp.tile, "repeat_interleave": cp.repeat_interleave,
        "broadcast_to": cp.broadcast_to, "tan": cp.tan, "frac": cp.frac, "fmod": cp.fmod,
        "isinf": cp.isinf, "nan_to_num": cp.nan_to_num, "dist": cp.dist,
    })
    from . import arithmetic, special, trigonometric

    for module in (trigonometric, special, arithmetic):  # each lists its own methods
        methods.update(module.METHODS)
    from . import joining, products, scattering

    for module in (joining, scattering, products):  # shapes, joining and indexing: their own lists too
        methods.update(module.METHODS)
    from . import scan, statistics

    for module in (statistics, scan):  # statistics and scans: their own lists too
        methods.update(module.METHODS)
    from . import decompositions

    methods.update(decompositions.METHODS)  # inverse, det, logdet, slogdet, svd, cholesky
    from . import aliases, real_numbers

    methods.update(aliases.METHODS)  # PyTorch's other names (absolute, multiply, greater, ...)
    methods.update(real_numbers.METHODS)  # conj, resolve_conj, angle, ...: real tensors' answers
    for name, fn in methods.items():  # an op with an argument parser binds its method flavour
        setattr(Tensor, name, getattr(fn, "tensor_method", fn))
    Tensor.T = property(sh.T)
    Tensor.mT = property(sh.mT)
    Tensor.H = property(sh.T)  # the conjugate transposes of real tensors
    Tensor.mH = property(sh.mT)
    aliases.bind_in_place_forms()  # clip_, cumsum_, tril_, eq_, ...: after every method is bound


_register()
