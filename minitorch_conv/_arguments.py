"""One argument parser for every public entry point: PyTorch's argument types, values and errors.

Usage (what an entry point writes):

    from ._arguments import parse_args          # (``from .._arguments`` inside a sub-package)

    @parse_args("Tensor input, dim[]? dim, bool keepdim, *, ScalarType? dtype")
    def sum(input, dim=None, keepdim=False, *, dtype=None):
        ...                                      # the body sees checked, converted values

The declaration names each parameter of the Python signature, in order, with its type (the
defaults and the ``*`` come from the Python signature, and must agree with it: a mismatch is an
error at import; a positional parameter may carry PyTorch's name, ``Tensor input`` for ``def f(a)``,
which becomes the wrapper's keyword; a type without ``?`` and a Python default of None, ``int m``
for ``m=None``, takes None only when left out: ``eye(3)`` but not ``eye(3, None)``). It is compiled
once, into a wrapper with the function's own signature that tests each argument's class first
(``x.__class__ is int``: a few tens of nanoseconds) and only converts or explains when that fast test
fails. Options:

- ``parse_args(decl, name="sum")`` names the function in messages (default: ``fn.__name__``);
- ``overloads=("Tensor input, *, ScalarType? dtype=None", ...)`` lists PyTorch's overloads
  (declaration syntax, with defaults) for its "received an invalid combination of arguments"
  message, given when more than one of them takes as many arguments as the call gave (PyTorch's
  rule); otherwise the message names the one argument;
- a function bound as a Tensor method binds ``fn.tensor_method`` (``ops/methods.py`` does): the same
  checks, with positions counted as PyTorch's methods count them (``self`` is not an argument);
  ``method=True`` decorates a method of the Tensor class itself that way.

:func:`convert` checks one value as a declared type does (for arguments no declaration describes);
:func:`wrap_dim`, :func:`wrap_dims`, :func:`check_size`, :func:`check_probability`, :func:`type_name`
and :func:`invalid_type` raise the same errors from code that checks by hand.

The rules (declared type; what it accepts; what the body receives; the error for anything else):

=================  ===================================================  ============================
declaration        accepts -> the body receives                         otherwise
=================  ===================================================  ============================
``Tensor``         a Tensor (subclasses too)                             TypeError "f(): argument
                                                                         'input' (position 1) must be
                                                                         Tensor, not list"
``Tensor[]``       a list or tuple of Tensors -> a tuple                 TypeError "... must be tuple
                                                                         of Tensors, not Tensor";
                                                                         "expected Tensor as element
                                                                         1 in argument 0, but got int"
``Number``         bool, int, float, complex, a NumPy number, a 0-d      TypeError "... must be
(``Scalar``)       Tensor (-> its ``item()``)                            Number, not str"
``Tensor|Number``  a Tensor or a Number (kept as given)                  TypeError "... must be Tensor"
``int``            an int, a NumPy integer, a 0-d integer Tensor -> int; TypeError "... must be int,
                   not bool, not float                                   not float"; ValueError
                                                                         "Overflow when unpacking long
                                                                         long" outside int64
``int[]``          an int sequence (tuple, list, Size) -> tuple; a bare  TypeError "... must be tuple
                   int too for ``int[N]`` (kept an int); varargs for     of ints, not float"; "...
                   ``*size``. As in PyTorch only the first element's     but found element of type
                   class is matched (a later bool passes, as an int);    float at pos 0" (the first
                   later elements are unpacked once every argument       element); "failed to unpack
                   matched                                               the object at pos 2 with
                                                                         error ..." (a later one)
``size``           ``int[]`` whose elements are >= 0 -> tuple            RuntimeError "Trying to
                                                                         create tensor with negative
                                                                         dimension -7: [-7]"
``dim``            ``int``, wrapped against the first Tensor argument    IndexError "Dimension out of
                   -> an int in ``[0, ndim)``                            range (expected to be in range
                                                                         of [-2, 1], but got 7)"
``dim[]``          an int or int sequence, each wrapped as ``dim``; an   RuntimeError "dim 1 appears
                   int stays an int, a sequence becomes a tuple          multiple times in the list of
                                                                         dims"
``bool``           ``True`` or ``False`` only (not 0/1, not NumPy bool)  TypeError "... must be bool,
                                                                         not int"
``float``          a real number or 0-d Tensor -> float                  TypeError "... must be float"
``ScalarType``     a dtype; Python's ``float``/``int``/``bool`` -> their TypeError "... must be
                   dtype (float64/int64/bool)                            torch.dtype, not str"
``Device``         a device, a device string, an int (a CUDA index)      TypeError "... must be
                                                                         torch.device, not float"
``str``            a str; bytes, decoded (PyTorch takes them)            TypeError "... must be str"
``Generator``      a ``mt.Generator``                                    TypeError "... must be
                                                                         torch.Generator"
``object``         anything (the body checks it: ``tensor(data)``)
``T?``             ``T`` or None                                         (as ``T``)
``A|B``            the first of ``A``, ``B`` whose class matches         TypeError "... must be tuple
                   (``int[2]|str``: conv2d's padding)                    of ints or str, not float"
=================  ===================================================  ============================

As in PyTorch, an unpacking error (an element after the first of the wrong class, an int out of
int64's range) is raised only when every argument's class matched: another argument's mismatch
is reported first. PyTorch's messages name the arguments a call gave, and the position of one
given by position. The wrapper's defaults tell a left-out argument from one given with its
default's value; an argument given after a left-out one came by keyword, and the others are taken
as given by position (Python's binding does not tell which they were: ``sum(x, 0, keepdim=1)``
reads as ``sum(x, 0, 1)``, "(position 3)", where PyTorch names no position). Arity errors (too
many positional arguments, an unknown keyword) are Python's own TypeError, as in PyTorch.

>>> import minitorch_conv as mt
>>> @parse_args("Tensor input, dim[] dim, bool keepdim")
... def total(input, dim, keepdim=False):
...     return input.sum(dim, keepdim)
>>> total(mt.ones(2, 3), -1)
tensor([3., 3.])
>>> total(mt.ones(2, 3), (0, -2))
Traceback (most recent call last):
  ...
RuntimeError: dim 0 appears multiple times in the list of dims
>>> total(mt.ones(2, 3), 1, keepdim=1)
Traceback (most recent call last):
  ...
TypeError: total(): argument 'keepdim' (position 3) must be bool, not int
"""

from __future__ import annotations

import inspect
import numbers
import operator
from collections.abc import Callable
from typing import Any

from .backends import Device, DType, bool_, float64, int64

__all__ = ["parse_args", "convert", "wrap_dim", "wrap_dims", "check_size", "check_probability", "type_name",
           "invalid_type", "register_tensor_class"]

_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_PYTHON_DTYPES = {float: float64, int: int64, bool: bool_}
_INT_ONLY = frozenset({int})


# ------------------------------------------------------------------------------------ value rules
def wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` as an index in ``[0, ndim)``; a 0-d tensor takes -1 and 0 (PyTorch's rule).

    >>> wrap_dim(-1, 3), wrap_dim(0, 0)
    (2, 0)
    """
    rank = ndim if ndim > 0 else 1
    if not -rank <= dim < rank:
        if not _INT64_MIN <= dim <= _INT64_MAX:  # PyTorch's parser refuses it first
            raise ValueError("Overflow when unpacking long long")
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                         f"but got {dim})")
    return dim + rank if dim < 0 else dim if ndim else 0


def wrap_dims(dims, ndim: int):
    """Each of ``dims`` wrapped by :func:`wrap_dim` (an int stays an int), none repeated.

    >>> wrap_dims((0, -1), 3), wrap_dims(-2, 3)
    ((0, 2), 1)
    """
    if dims.__class__ is int:
        return wrap_dim(dims, ndim)
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        seen = set()
        for d in out:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
    return out


def check_size(size: tuple) -> tuple:
    """``size`` unchanged when no element is negative, else PyTorch's RuntimeError.

    >>> check_size((2, 0))
    (2, 0)
    """
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def check_probability(p: float, what: str = "dropout probability") -> float:
    """``p`` when ``0 <= p <= 1``, else PyTorch's ValueError ("dropout probability has to be
    between 0 and 1, but got 1.5").

    >>> check_probability(0.25)
    0.25
    """
    if not 0 <= p <= 1:
        raise ValueError(f"{what} has to be between 0 and 1, but got {p}")
    return p


def type_name(value: Any) -> str:
    """The name PyTorch's messages give the class of ``value`` (C types keep their module).

    >>> import numpy as np
    >>> type_name([1]), type_name(np.bool_(True)), type_name(None)
    ('list', 'numpy.bool', 'NoneType')
    """
    cls = value.__class__
    if cls.__flags__ & (1 << 9) or cls.__module__ == "builtins":  # a class defined in Python
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def invalid_type(function: str, argument: str, expected: str, value: Any,
                 position: int | None = None) -> TypeError:
    """PyTorch's TypeError for an argument of the wrong class, to raise from hand-written checks.

    >>> str(invalid_type("cat", "tensors", "tuple of Tensors", None, 1))
    "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not NoneType"
    """
    where = f"argument '{argument}'" + (f" (position {position})" if position else "")
    return TypeError(f"{function}(): {where} must be {expected}, not {type_name(value)}")


# ------------------------------------------------------------------------------- the type table
class _Mismatch(Exception):
    """Raised by a converter: ``value`` is not of the declared type.

    PyTorch's parser works in two stages, and so do we: first it matches each argument's class
    (of a sequence, the first element's only), then it unpacks the values (later elements, the
    int64 range); an unpacking error (``unpacking``) is raised only when every argument matched.
    ``detail`` is the message when it is not the plain "must be X, not Y" (a ValueError, or with
    ``plain`` the TypeError's text after the argument's name); ``first_type`` names the class of a
    sequence's first element when that element is what failed to match.
    """

    def __init__(self, value, detail: str | None = None, plain: bool = False, unpacking: bool = False,
                 first_type: str | None = None):
        super().__init__(detail)
        self.value, self.detail, self.plain, self.unpacking = value, detail, plain, unpacking
        self.first_type = first_type


_tensor_class: list = []  # [Tensor] once tensor.py has made it (it imports this module)
_pending: list[dict] = []  # namespaces of wrappers made before Tensor existed


def register_tensor_class(cls) -> None:
    """Called once by ``tensor.py``: the class that ``Tensor`` declarations test for."""
    _tensor_class[:] = [cls]
    for namespace in _pending:
        namespace["Tensor"] = cls
    _pending.clear()


def _is_tensor(value) -> bool:
    return bool(_tensor_class) and isinstance(value, _tensor_class[0])


def _to_int(value) -> int:
    cls = value.__class__
    if cls is int:
        result = value
    elif _is_tensor(value):
        if value.ndim != 0 or value.dtype.is_floating_point or value.dtype is bool_:
            raise _Mismatch(value)
        result = int(value.item())
    elif cls is bool or getattr(value, "dtype", None) is not None and value.dtype.kind == "b":
        raise _Mismatch(value)
    elif hasattr(value, "__index__") and not isinstance(value, (float, complex)):
        try:
            result = operator.index(value)
        except TypeError:  # (a NumPy array of more than one element)
            raise _Mismatch(value) from None
    else:
        raise _Mismatch(value)
    if not _INT64_MIN <= result <= _INT64_MAX:
        raise _Mismatch(value, "Overflow when unpacking long long", unpacking=True)
    return result


def _to_int_list(value, single_int: bool):
    if value.__class__ in (tuple, list) or isinstance(value, tuple):
        if not value or _INT_ONLY.issuperset(map(type, value)) and _INT64_MIN <= min(value) \
                and max(value) <= _INT64_MAX:
            return tuple(value)  # the common case, tested in C
        out = []
        for i, item in enumerate(value):
            if item.__class__ is bool and i:  # only the first element's class is matched: a later
                out.append(int(item))          # bool unpacks as an int, as in PyTorch
                continue
            try:
                out.append(item if item.__class__ is int and _INT64_MIN <= item <= _INT64_MAX
                           else _to_int(item))
            except _Mismatch as error:
                if i == 0 and not error.unpacking:
                    raise _Mismatch(value, first_type=type_name(item)) from None
                detail = error.detail or f"type must be tuple of ints,but got {type_name(item)}"
                raise _Mismatch(value, f"failed to unpack the object at pos {i + 1} with error \"{detail}\"",
                                plain=True, unpacking=True) from None
        return tuple(out)
    if single_int:  # (a bare int out of int64's range: PyTorch's ValueError, as for an int)
        return _to_int(value)
    raise _Mismatch(value)


def _unpack_varargs(value):
    """The one argument of ``zeros(x)``: a sequence is the size itself, an int-like is one size."""
    if isinstance(value, (tuple, list)) or value.__class__ is bool or not hasattr(value, "__index__"):
        return value
    try:
        operator.index(value)
    except TypeError:  # (a NumPy array: not one size)
        return value
    return (value,)


def _to_tensor_list(value):
    if value.__class__ not in (tuple, list):
        raise _Mismatch(value)
    for i, item in enumerate(value):
        if not _is_tensor(item):
            raise _Mismatch(value, f"expected Tensor as element {i} in argument {{index}}, but got "
                                   f"{type_name(item)}", plain=True)
    return tuple(value)


def _to_number(value):
    if isinstance(value, (numbers.Number,)) and not _is_tensor(value):
        return value
    if _is_tensor(value) and value.ndim == 0:
        return value.item()
    if hasattr(value, "dtype") and getattr(value, "shape", None) == () and value.dtype.kind in "biufc":
        return value  # a NumPy scalar
    raise _Mismatch(value)


def _to_tensor_or_number(value):
    if _is_tensor(value) or isinstance(value, numbers.Number):
        return value
    if hasattr(value, "dtype") and getattr(value, "shape", None) == () and value.dtype.kind in "biufc":
        return value
    raise _Mismatch(value)


def _to_float(value):
    if isinstance(value, (int, float)) or (
        hasattr(value, "dtype") and getattr(value, "ndim", None) == 0 and value.dtype.kind in "biuf"
    ):
        return float(value)
    if _is_tensor(value) and value.ndim == 0:
        return float(value.item())
    raise _Mismatch(value)


def _to_bool(value):
    raise _Mismatch(value)  # the fast test already let True and False through


def _to_dtype(value):
    if isinstance(value, DType):
        return value
    if value in _PYTHON_DTYPES and value.__class__ is type:
        return _PYTHON_DTYPES[value]
    raise _Mismatch(value)


def _to_device(value):
    if isinstance(value, (Device, str)) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _Mismatch(value)


def _to_str(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):  # PyTorch's parser takes bytes for a str, decoded
        return value.decode()
    raise _Mismatch(value)


def _to_generator(value):
    from .generator import Generator  # generator.py sits above tensor.py

    if isinstance(value, Generator):
        return value
    raise _Mismatch(value)


def _to_tensor(value):
    if _is_tensor(value):
        return value
    raise _Mismatch(value)


_FAST_NAMES = {"_Mismatch": _Mismatch, "DType": DType, "wrap_dim": wrap_dim, "wrap_dims": wrap_dims,
               "check_size": check_size, "_NUMBERS": (int, float, bool), "_unpack": _unpack_varargs,
               "_INT_ONLY": _INT_ONLY}


class _Type:
    """One declared type: its name in messages, the fast test (Python source over ``{v}``) that
    lets the common case through, the converter that handles the rest or raises _Mismatch, and
    the value check run after all types passed (a condition and an action, over ``{v}`` and
    ``_n``, the first Tensor's ndim)."""

    def __init__(self, shown: str, fast: str, convert: Callable, after: tuple | None = None):
        self.shown, self.fast, self.convert, self.after = shown, fast, convert, after


# a tuple of ints within int64, tested in C (map, min, max): the common ``size`` and ``dims``
_INTS_FAST = ("{v}.__class__ is tuple and (not {v} or _INT_ONLY.issuperset(map(type, {v})) and "
              "-9223372036854775808 <= min({v}) and max({v}) <= 9223372036854775807)")


def _union(token: str) -> _Type:
    """``A|B``: the first of the types whose class matches decides (its unpacking errors stand);
    a value that matches none is a mismatch of the union."""
    parts = [_converter(part) for part in token.split("|")]

    def convert(value):
        for kind, _, test in parts:
            if test(value):
                return value
            try:
                return kind.convert(value)
            except _Mismatch as error:
                if error.unpacking:
                    raise
        raise _Mismatch(value)

    return _Type(" or ".join(kind.shown for kind, _, _ in parts),
                 " or ".join(f"({kind.fast})" for kind, _, _ in parts), convert)


def _type(token: str) -> tuple[_Type, bool]:
    optional = token.endswith("?")
    base = token.rstrip("?")
    if "|" in base and base != "Tensor|Number":
        t = _union(base)
    elif base == "object":
        t = _Type("object", "True", _to_tensor)
    elif base == "Tensor":
        t = _Type("Tensor", "isinstance({v}, Tensor)", _to_tensor)
    elif base == "Tensor[]":
        t = _Type("tuple of Tensors", "False", _to_tensor_list)
    elif base in ("Number", "Scalar"):
        t = _Type("Number", "{v}.__class__ in _NUMBERS", _to_number)
    elif base == "Tensor|Number":
        t = _Type("Tensor", "{v}.__class__ in _NUMBERS or isinstance({v}, Tensor)", _to_tensor_or_number)
    elif base == "int":
        t = _Type("int", "{v}.__class__ is int and -9223372036854775808 <= {v} <= 9223372036854775807",
                  _to_int)
    elif base == "dim":
        t = _Type("int", "{v}.__class__ is int", _to_int,
                  after=("not 0 <= {v} < _n", "{v} = wrap_dim({v}, _n)"))
    elif base == "dim[]":
        t = _Type("tuple of ints", "{v}.__class__ is int", lambda v: _to_int_list(v, True),
                  after=("{v}.__class__ is not int or not 0 <= {v} < _n", "{v} = wrap_dims({v}, _n)"))
    elif base.startswith("int[") and base.endswith("]"):
        single = base != "int[]"  # int[2] takes a bare int too (the body receives it as given)
        fast = ("{v}.__class__ is int and -9223372036854775808 <= {v} <= 9223372036854775807 or "
                if single else "") + _INTS_FAST
        t = _Type("tuple of ints", fast, lambda v: _to_int_list(v, single))
    elif base == "size":
        t = _Type("tuple of ints", _INTS_FAST, lambda v: _to_int_list(v, False),
                  after=("{v} and min({v}) < 0", "check_size({v})"))
    elif base == "bool":
        t = _Type("bool", "{v} is True or {v} is False", _to_bool)
    elif base == "float":
        t = _Type("float", "{v}.__class__ is float", _to_float)
    elif base == "ScalarType":
        t = _Type("torch.dtype", "{v}.__class__ is DType", _to_dtype)
    elif base == "Device":
        t = _Type("torch.device", "{v}.__class__ is str", _to_device)
    elif base == "str":
        t = _Type("str", "{v}.__class__ is str", _to_str)
    elif base == "Generator":
        t = _Type("torch.Generator", "False", _to_generator)
    else:
        raise ValueError(f"parse_args: unknown argument type {token!r}")
    return t, optional


def convert(type_token: str, value: Any, function: str, argument: str, position: int | None = None):
    """``value`` checked and converted as a declared ``type_token`` is, for arguments that a
    declaration cannot describe (``randint(high, size)`` or ``randint(low, high, size)``).

    >>> convert("int[]", [2, 3], "randint", "size")
    (2, 3)
    >>> convert("bool", 1, "zeros", "requires_grad")
    Traceback (most recent call last):
      ...
    TypeError: zeros(): argument 'requires_grad' must be bool, not int
    """
    kind, optional, test = _converters.get(type_token) or _converter(type_token)
    if optional and value is None:
        return None
    try:
        return value if test(value) else kind.convert(value)
    except _Mismatch as error:
        raise _error(function, argument, position or 1, bool(position), kind.shown, error) from None


def _error(function: str, argument: str, position: int, by_position: bool, shown: str,
           error: _Mismatch) -> Exception:
    """PyTorch's exception for ``error`` in an argument (at ``position``; named with it when it
    was given by position)."""
    if error.plain and error.detail.startswith("expected Tensor"):
        return TypeError(error.detail.format(index=position - 1))
    where = f"argument '{argument}'"
    if error.plain:
        return TypeError(f"{function}(): {where} {error.detail}")
    if error.detail:  # an int out of int64's range
        return ValueError(error.detail)
    if by_position:
        where += f" (position {position})"
        if error.first_type:  # PyTorch names the element only for a sequence given by position
            return TypeError(f"{function}(): {where} must be {shown}, but found element of type "
                             f"{error.first_type} at pos 0")
    return TypeError(f"{function}(): {where} must be {shown}, not {type_name(error.value)}")


_converters: dict = {}


def _converter(type_token: str):
    kind, optional = _type(type_token)
    namespace = {**_FAST_NAMES, "Tensor": _tensor_class[0] if _tensor_class else None}
    if not _tensor_class:
        _pending.append(namespace)
    test = eval("lambda v: " + kind.fast.format(v="v"), namespace)  # noqa: S307 - our own source
    _converters[type_token] = kind, optional, test
    return _converters[type_token]


# ------------------------------------------------------------------------------ the compilation
class _Omitted:
    """The wrapper's default for every parameter that has one: it tells an argument left out from
    one given with the default's value (PyTorch's messages list the arguments given)."""

    def __repr__(self):
        return "<omitted>"


_OMITTED = _Omitted()


class _Param:
    def __init__(self, decl: str, index: int, keyword_only: bool):
        type_token, _, name = decl.strip().rpartition(" ")
        self.token = type_token.strip()
        self.type, self.optional = _type(self.token)
        self.name, self.index, self.keyword_only = name.lstrip("*"), index, keyword_only
        self.varargs = name.startswith("*")


def _parse_declaration(declaration: str) -> list[_Param]:
    params, keyword_only = [], False
    for part in declaration.split(","):
        part = part.strip()
        if not part:
            continue
        if part == "*":
            keyword_only = True
            continue
        params.append(_Param(part, len(params), keyword_only))
    return params


class _Overload:
    """One of PyTorch's overloads, for the "invalid combination" message: written in declaration
    syntax with defaults (``"Tensor input, dim[] dim, bool keepdim=False"``), shown as PyTorch
    shows it (``(Tensor input, tuple of ints dim, bool keepdim = False)``)."""

    def __init__(self, text: str, is_method: bool):
        shown, self.min_args, self.max_args = [], 0, 0
        for i, part in enumerate(p.strip() for p in text.split(",")):
            if part == "*":
                shown.append("*")
                continue
            decl, _, default = part.partition("=")
            type_token, _, name = decl.strip().rpartition(" ")
            if i == 0 and is_method and type_token == "Tensor":
                continue
            text = f"{_type(type_token)[0].shown} {name}" + (f" = {default.strip()}" if default else "")
            shown.append(text)
            self.max_args += 1
            self.min_args += not default
        self.text = "(" + ", ".join(shown) + ")"


def _match_error(param: _Param, value) -> _Mismatch | None:
    """The mismatch of ``value``'s class with ``param``'s type (PyTorch's first stage), if any."""
    if value is _OMITTED or param.optional and value is None:
        return None
    kind, _, test = _converters.get(param.token) or _converter(param.token)
    if test(value):
        return None
    try:
        kind.convert(value)
    except _Mismatch as error:
        return None if error.unpacking else error
    return None


def _reporter(name: str, params: list[_Param], is_method: bool, overloads):
    """The function that turns a _Mismatch into PyTorch's TypeError (the slow path only)."""
    shift = 0 if is_method else 1
    shown_params = params[1:] if is_method else params
    listed = [_Overload(o, is_method) for o in overloads]

    def given(values: tuple) -> list:
        """(parameter, given by keyword) for each argument the call gave. A parameter given after
        one that was not cannot have come by position, so it came by keyword; the others are taken
        as given by position (Python's binding does not tell the wrapper which they were)."""
        out, gap = [], False
        for q in shown_params:
            if values[q.index] is _OMITTED:
                gap = gap or not q.keyword_only
            else:
                out.append((q, q.keyword_only or gap))
        return out

    def report(index: int, error: _Mismatch, values: tuple):
        if error.unpacking:  # PyTorch unpacks only once every argument's class matched
            for q in params[index + 1:]:
                mismatch = _match_error(q, values[q.index])
                if mismatch is not None:
                    return report(q.index, mismatch, values)
        p = params[index]
        arguments = given(values)
        if not error.unpacking and not (error.plain and error.detail.startswith("expected Tensor")):
            plausible = [o for o in listed if o.min_args <= len(arguments) <= o.max_args]
            if len(plausible) > 1:
                positional = [type_name(values[q.index]) for q, keyword in arguments if not keyword]
                keywords = [f"{q.name}={type_name(values[q.index])}" for q, keyword in arguments if keyword]
                got = ", ".join(positional + keywords) if positional else "".join(k + ", " for k in keywords)
                options = "".join(f" * {o.text}\n" for o in listed)
                raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but "
                                f"expected one of:\n{options}") from None
        by_position = not p.keyword_only and all(keyword is False for q, keyword in arguments if q is p)
        raise _error(name, p.name, p.index + shift, by_position, p.type.shown, error) from None

    return report


def _compile(fn, params: list[_Param], name: str, is_method: bool, overloads) -> Callable:
    signature = inspect.signature(fn)
    python_params = list(signature.parameters.values())
    if len(python_params) != len(params):
        raise ValueError(f"parse_args({name}): the declaration names {[p.name for p in params]}, the "
                         f"function {[p.name for p in python_params]}")
    defaults = {p.name: q.default for p, q in zip(params, python_params) if q.default is not q.empty}
    for p, q in zip(params, python_params):
        p.varargs = q.kind is q.VAR_POSITIONAL
        if (q.kind is q.KEYWORD_ONLY) != p.keyword_only:
            raise ValueError(f"parse_args({name}): '{p.name}' is keyword-only in one of the declaration "
                             "and the function but not in the other")
        # a positional parameter may take PyTorch's name in the declaration (``input`` for ``a``):
        # the wrapper has the declared name, and passes the value on by position
        if p.name != q.name and q.kind not in (q.POSITIONAL_OR_KEYWORD, q.VAR_POSITIONAL):
            raise ValueError(f"parse_args({name}): the declaration names '{p.name}', the function "
                             f"'{q.name}'")
    namespace = {**_FAST_NAMES, "_fn": fn, "_report": _reporter(name, params, is_method, overloads),
                 "_OMITTED": _OMITTED}
    if _tensor_class:
        namespace["Tensor"] = _tensor_class[0]
    else:
        _pending.append(namespace)
    first_tensor = next((p.name if p.name not in defaults else f"_a{p.index}" for p in params
                         if p.type.convert is _to_tensor and not p.optional), None)
    header, call, checks, afters = [], [], [], []
    star = False
    for p in params:
        if p.varargs:
            header.append(f"*{p.name}")
            star = True
        elif p.keyword_only and not star:
            header.append("*")
            star = True
        v = p.name
        checks.append(f"_i = {p.index}")
        if not p.varargs:
            if p.name in defaults:  # the header's default says "not given"; the body gets the real one
                namespace[f"_d{p.index}"] = defaults[p.name]
                header.append(f"{p.name}=_OMITTED")
                v = f"_a{p.index}"  # (the argument itself stays as given, for the messages)
                checks.append(f"{v} = _d{p.index} if {p.name} is _OMITTED else {p.name}")
            else:
                header.append(p.name)
        call.append(f"{p.name}={v}" if p.keyword_only else (f"*{v}" if p.varargs else v))
        namespace[f"_c{p.index}"] = p.type.convert
        if p.varargs:  # zeros(2, 3) or zeros((2, 3)): one sequence given alone is the size itself
            checks.append(f"if len({v}) == 1 and {v}[0].__class__ is not int: {v} = _unpack({v}[0])")
        fast = p.type.fast.format(v=v)
        omitted_none = not p.optional and defaults.get(p.name, 0) is None  # eye(3) but not eye(3, None)
        if p.optional:
            fast = f"{v} is None or {fast}"
        elif omitted_none:
            fast = f"{p.name} is _OMITTED or {fast}"
        checks.append(f"if not ({fast}): {v} = _c{p.index}({v})")
        if p.type.after:
            condition, action = (part.format(v=v) for part in p.type.after)
            if "_n" in condition and first_tensor is None:
                raise ValueError(f"parse_args({name}): '{p.name}' is a dim but no Tensor is declared")
            if "_n" in condition and not any("_n =" in line for line in afters):
                afters.append(f"_n = {first_tensor}.ndim")
            optional = f"{v} is not None and " if p.optional or omitted_none else ""
            afters.append(f"if {optional}({condition}): {action}")
    values = "(" + "".join(f"{p.name}, " for p in params) + ")"
    body = "\n        ".join(checks)
    after = "".join(f"\n    {line}" for line in afters)
    call_text = ", ".join(call)
    source = (f"def {fn.__name__}({', '.join(header)}):\n"
              f"    try:\n        {body}\n"
              f"    except _Mismatch as _error:\n"
              f"        _report(_i, _error, {values})"
              f"{after}\n"
              f"    return _fn({call_text})\n")
    exec(compile(source, f"<parse_args {name}>", "exec"), namespace)  # noqa: S102 - our own source
    wrapper = namespace[fn.__name__]
    wrapper.__signature__ = inspect.signature(wrapper).replace(  # its own names (PyTorch's), not fn's
        parameters=[q.replace(default=defaults[q.name]) if q.name in defaults else q
                    for q in inspect.signature(wrapper).parameters.values()])
    wrapper.parser_source = source  # what runs before fn: print(mt.sum.parser_source)
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__", "__annotations__"):
        setattr(wrapper, attribute, getattr(fn, attribute))
    wrapper.__wrapped__ = fn
    return wrapper


def parse_args(declaration: str, *, name: str | None = None, overloads: tuple = (),
               method: bool = False) -> Callable:
    """Compile ``declaration`` (the rules in this module's docstring) into a checking wrapper.

    The wrapper has ``fn``'s signature; ``wrapper.tensor_method`` is the same check with
    PyTorch's method messages, for binding onto Tensor (``method=True`` returns that flavour
    alone: for a method written in the Tensor class). A varargs parameter (``*size``) reaches
    ``fn`` as ints: ``zeros(2, 3)`` and ``zeros((2, 3))`` both call ``fn(2, 3)``.

    >>> import minitorch_conv as mt
    >>> @parse_args("int[] *size, *, bool requires_grad")
    ... def shape_of(*size, requires_grad=False):
    ...     return size
    >>> shape_of(2, 3), shape_of([2, 3])
    ((2, 3), (2, 3))
    >>> shape_of(2, 3.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    TypeError: shape_of(): argument 'size' failed to unpack the object at pos 2 with error "type must...
    """

    def decorate(fn):
        title = name or fn.__name__
        if method:  # a method defined in the Tensor class itself
            return _compile(fn, _parse_declaration(declaration), title, True, overloads)
        wrapper = _compile(fn, _parse_declaration(declaration), title, False, overloads)
        wrapper.tensor_method = _compile(fn, _parse_declaration(declaration), title, True, overloads)
        return wrapper

    return decorate
