"""A pickle reader that can only build data: the opcodes ``torch.load(weights_only=True)`` accepts,
and globals looked up in an explicit table.

A PyTorch checkpoint's ``data.pkl`` is a pickle: a small stack-machine program. Python's own
unpickler runs it with the power to import any module and call any function the file names
(``os.system`` through ``__reduce__``). Overriding ``find_class`` in a subclass narrows that, but
leaves every other path of a large class (``persistent_load``, extension registries, ``BUILD``
calling ``__setstate__``, ...) to get right. This module is a separate interpreter instead, written
so that the dangerous paths do not exist:

- ``GLOBAL module name`` is a lookup of ``"module.name"`` in the table the caller passes. A name
  that is not there is refused. Nothing is imported; no attribute is looked up by a name from the
  file.
- ``REDUCE`` and ``NEWOBJ`` call only :class:`SafeCallable` objects, which only that table can hold
  (each wraps a function of ours that checks its arguments). Anything else, such as the result of
  another ``REDUCE``, is refused.
- ``BUILD`` sets plain attributes on an ``OrderedDict`` (``state_dict()._metadata``) and nothing
  else; ``APPEND(S)`` only extend lists; ``SETITEM(S)`` only fill dicts.
- ``BINPERSID`` (PyTorch's storages) goes to the caller's ``persistent_load``.
- Any other opcode (``STACK_GLOBAL``, ``INST``, ``OBJ``, ``EXT*``, protocol 4/5 framing...) is
  refused, as PyTorch's ``weights_only`` reader refuses it.

The opcodes are those of pickle protocol 2, the protocol ``torch.save`` writes. Their byte values
are written out below (from the pickle format's specification), so this file needs nothing from
the ``pickle`` module.
"""

from __future__ import annotations

import struct
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

from .files import CheckpointError

__all__ = ["SafeCallable", "WeightsOnlyUnpickler", "UnpicklingError"]

# ---------------------------------------------------------------------------- opcodes
MARK = ord("(")             # push a mark: the start of a tuple, list items or dict items
STOP = ord(".")             # the end: the top of the stack is the result
NONE = ord("N")
NEWTRUE = 0x88
NEWFALSE = 0x89
BININT = ord("J")           # a 4-byte signed int
BININT1 = ord("K")          # a 1-byte unsigned int
BININT2 = ord("M")          # a 2-byte unsigned int
LONG1 = 0x8A                # a 1-byte length, then a little-endian two's complement int
BINFLOAT = ord("G")         # an 8-byte big-endian float
BINUNICODE = ord("X")       # a 4-byte length, then UTF-8
SHORT_BINSTRING = ord("U")  # a 1-byte length, then bytes (a Python 2 str)
EMPTY_TUPLE = ord(")")
TUPLE = ord("t")
TUPLE1 = 0x85
TUPLE2 = 0x86
TUPLE3 = 0x87
EMPTY_LIST = ord("]")
APPEND = ord("a")
APPENDS = ord("e")
EMPTY_DICT = ord("}")
SETITEM = ord("s")
SETITEMS = ord("u")
EMPTY_SET = 0x8F
GLOBAL = ord("c")           # two lines, "module\nname\n"
REDUCE = ord("R")           # call stack[-2](*stack[-1])
NEWOBJ = 0x81               # cls.__new__(cls, *args), here: the same as REDUCE
BUILD = ord("b")            # set the state of stack[-2] from stack[-1]
BINPERSID = ord("Q")        # a persistent id: a storage, for PyTorch
BINGET = ord("h")
LONG_BINGET = ord("j")
BINPUT = ord("q")
LONG_BINPUT = ord("r")
PROTO = 0x80

_MAX_GLOBAL_NAME = 256  # bytes per GLOBAL line: module and attribute names are short


class UnpicklingError(CheckpointError):
    """A pickle that the restricted reader refuses (PyTorch raises ``UnpicklingError`` for the
    same files with ``weights_only=True``); a :class:`CheckpointError`."""


class SafeCallable:
    """A function the pickle may call through ``REDUCE`` or ``NEWOBJ``, under the name the pickle
    gives it (``"torch._utils._rebuild_tensor_v2"``). Only the globals table creates these.

    >>> SafeCallable("builtins.complex", complex)
    builtins.complex
    """

    __slots__ = ("name", "function")

    def __init__(self, name: str, function: Callable[..., Any]):
        self.name = name
        self.function = function

    def __repr__(self) -> str:
        return self.name


# Python 2 module names that protocol-2 pickles use for builtins
_MODULE_ALIASES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


class WeightsOnlyUnpickler:
    """Interpret one pickle from ``data`` starting at ``position``; :meth:`load` returns the object
    and leaves :attr:`position` just after its STOP (files may hold several pickles in a row).

    ``allowed_globals`` maps ``"module.name"`` to what GLOBAL pushes: a :class:`SafeCallable` for
    what may be called, any other object for a plain value (a dtype, say). ``persistent_load``
    receives each persistent id (a tuple) and returns the object it stands for.

    >>> data = b"\\x80\\x02}q\\x00X\\x01\\x00\\x00\\x00aK\\x01s."  # {'a': 1}, in protocol 2
    >>> WeightsOnlyUnpickler(data, {}, persistent_load=None).load()
    {'a': 1}
    >>> evil = b"\\x80\\x02cos\\nsystem\\nX\\x02\\x00\\x00\\x00lsR."  # os.system('ls')
    >>> WeightsOnlyUnpickler(evil, {}, persistent_load=None).load()
    Traceback (most recent call last):
    ...
    minitorch_conv.serialization.weights_only_unpickler.UnpicklingError: Unsupported global: ...
    """

    def __init__(self, data: bytes | memoryview, allowed_globals: dict[str, Any],
                 persistent_load: Callable[[tuple], Any], *, position: int = 0,
                 refusal_hint: str = ""):
        self.data = memoryview(data)
        self.position = position
        self.allowed_globals = allowed_globals
        self.persistent_load = persistent_load
        self.refusal_hint = refusal_hint

    # ------------------------------------------------------------------ reading bytes
    def _read(self, n: int) -> memoryview:
        end = self.position + n
        if n < 0 or end > len(self.data):
            raise UnpicklingError("truncated pickle: the data ends in the middle of an instruction")
        chunk = self.data[self.position:end]
        self.position = end
        return chunk

    def _readline(self) -> str:
        rest = self.data[self.position:self.position + _MAX_GLOBAL_NAME]
        end = bytes(rest).find(b"\n")
        if end < 0:
            raise UnpicklingError("malformed GLOBAL: no end of line within 256 bytes")
        line = self._read(end + 1)[:-1]
        try:
            return bytes(line).decode("utf-8")
        except UnicodeDecodeError:
            raise UnpicklingError("malformed GLOBAL: the name is not UTF-8") from None

    def _fail(self, message: str) -> UnpicklingError:
        return UnpicklingError(message + (" " + self.refusal_hint if self.refusal_hint else ""))

    # ------------------------------------------------------------------ the machine
    def load(self) -> Any:
        stack: list[Any] = []
        marks: list[list[Any]] = []  # the stacks saved by MARK
        memo: dict[int, Any] = {}

        def pop_mark() -> list[Any]:
            nonlocal stack
            if not marks:
                raise UnpicklingError("malformed pickle: no MARK on the stack")
            items, stack = stack, marks.pop()
            return items

        def top(n: int = 1) -> None:
            if len(stack) < n:
                raise UnpicklingError("malformed pickle: the stack is too short")

        while True:
            offset = self.position
            (op,) = self._read(1)
            if op == PROTO:
                (protocol,) = self._read(1)
                if protocol > 5:
                    raise UnpicklingError(f"unsupported pickle protocol {protocol}")
            elif op == STOP:
                top()
                result = stack.pop()
                if marks:
                    raise UnpicklingError("malformed pickle: a MARK was never closed")
                return result
            # -------------------------------------------------------------- plain values
            elif op == NONE:
                stack.append(None)
            elif op == NEWTRUE:
                stack.append(True)
            elif op == NEWFALSE:
                stack.append(False)
            elif op == BININT:
                stack.append(struct.unpack("<i", self._read(4))[0])
            elif op == BININT1:
                stack.append(self._read(1)[0])
            elif op == BININT2:
                stack.append(struct.unpack("<H", self._read(2))[0])
            elif op == LONG1:
                (n,) = self._read(1)
                stack.append(int.from_bytes(self._read(n), "little", signed=True))
            elif op == BINFLOAT:
                stack.append(struct.unpack(">d", self._read(8))[0])
            elif op == BINUNICODE:
                (n,) = struct.unpack("<I", self._read(4))
                try:
                    stack.append(str(self._read(n), "utf-8", "surrogatepass"))
                except UnicodeDecodeError:
                    raise UnpicklingError("malformed pickle: a string is not UTF-8") from None
            elif op == SHORT_BINSTRING:
                (n,) = self._read(1)
                try:
                    stack.append(str(self._read(n), "utf-8"))
                except UnicodeDecodeError:
                    raise UnpicklingError("malformed pickle: a string is not UTF-8") from None
            # -------------------------------------------------------------- containers
            elif op == MARK:
                marks.append(stack)
                stack = []
            elif op == EMPTY_TUPLE:
                stack.append(())
            elif op == TUPLE:
                items = pop_mark()
                stack.append(tuple(items))
            elif op in (TUPLE1, TUPLE2, TUPLE3):
                n = op - TUPLE1 + 1
                top(n)
                stack[-n:] = [tuple(stack[-n:])]
            elif op == EMPTY_LIST:
                stack.append([])
            elif op == EMPTY_DICT:
                stack.append({})
            elif op == EMPTY_SET:
                stack.append(set())
            elif op == APPEND:
                top(2)
                item = stack.pop()
                self._check_type(stack[-1], (list,), "append to")
                stack[-1].append(item)
            elif op == APPENDS:
                items = pop_mark()
                top()
                self._check_type(stack[-1], (list,), "extend")
                stack[-1].extend(items)
            elif op == SETITEM:
                top(3)
                value, key = stack.pop(), stack.pop()
                self._check_type(stack[-1], (dict, OrderedDict, Counter), "SETITEM on")
                stack[-1][_hashable(key)] = value
            elif op == SETITEMS:
                items = pop_mark()
                top()
                self._check_type(stack[-1], (dict, OrderedDict, Counter), "SETITEMS on")
                if len(items) % 2:
                    raise UnpicklingError("malformed pickle: SETITEMS with an odd number of items")
                for i in range(0, len(items), 2):
                    stack[-1][_hashable(items[i])] = items[i + 1]
            # -------------------------------------------------------------- memo
            elif op in (BINPUT, LONG_BINPUT):
                index = self._read(1)[0] if op == BINPUT else struct.unpack("<I", self._read(4))[0]
                top()
                memo[index] = stack[-1]
            elif op in (BINGET, LONG_BINGET):
                index = self._read(1)[0] if op == BINGET else struct.unpack("<I", self._read(4))[0]
                if index not in memo:
                    raise UnpicklingError(f"malformed pickle: memo entry {index} was never stored")
                stack.append(memo[index])
            # -------------------------------------------------------------- the risky ones
            elif op == GLOBAL:
                module, name = self._readline(), self._readline()
                module = _MODULE_ALIASES.get(module, module)
                full_name = f"{module}.{name}"
                if full_name not in self.allowed_globals:
                    raise self._fail(
                        f"Unsupported global: GLOBAL {full_name} was not an allowed global: only "
                        "tensors, containers and plain values can be loaded, and minitorch_conv "
                        "never runs code from a checkpoint."
                    )
                stack.append(self.allowed_globals[full_name])
            elif op in (REDUCE, NEWOBJ):
                top(2)
                args = stack.pop()
                function = stack.pop()
                if not isinstance(function, SafeCallable):
                    raise self._fail(
                        f"Trying to call reduce for unrecognized function {_describe(function)}: "
                        "only the tensor-rebuilding functions of PyTorch's checkpoints can be called."
                    )
                if type(args) is not tuple:
                    raise UnpicklingError(f"malformed pickle: {function.name} called with "
                                          f"{type(args).__name__} arguments")
                try:
                    stack.append(function.function(*args))
                except TypeError as exc:  # a wrong number of arguments, say
                    raise UnpicklingError(f"malformed pickle: {function.name}: {exc}") from None
            elif op == BUILD:
                top(2)
                state = stack.pop()
                target = stack[-1]
                if type(target) is not OrderedDict:
                    raise self._fail(
                        f"Can only build OrderedDict (a state_dict's metadata), but got "
                        f"{_describe(target)}."
                    )
                _set_plain_attributes(target, state)
            elif op == BINPERSID:
                top()
                pid = stack.pop()
                if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
                    raise self._fail(f"Only persistent_load of storage is allowed, but got "
                                     f"{_describe(pid)}")
                stack.append(self.persistent_load(pid))
            else:
                raise self._fail(f"Unsupported operand {op} (opcode {bytes([op])!r} at byte "
                                 f"{offset}); PyTorch's weights_only reader refuses it too.")

    @staticmethod
    def _check_type(target: Any, types: tuple, action: str) -> None:
        if type(target) not in types:
            names = ", ".join(t.__name__ for t in types)
            raise UnpicklingError(f"Can only {action} {names}, but got {_describe(target)}")


def _hashable(key: Any) -> Any:
    if isinstance(key, (list, dict, set)):
        raise UnpicklingError(f"malformed pickle: unhashable dict key of type {type(key).__name__}")
    return key


def _describe(obj: Any) -> str:
    """A short, safe description of an object from the pickle (no repr of arbitrary objects)."""
    if isinstance(obj, SafeCallable):
        return obj.name
    if isinstance(obj, (str, int, float, bool, type(None))):
        return repr(obj)[:80]
    return f"an object of type {type(obj).__name__}"


def _set_plain_attributes(target: OrderedDict, state: Any) -> None:
    """``BUILD`` on an OrderedDict: PyTorch saves ``state_dict()._metadata`` this way. Only plain
    attribute names are set; none can reach a method (an instance dict does not shadow them)."""
    if state is None:
        return
    if type(state) is not dict:
        raise UnpicklingError(f"Can only build an OrderedDict from a dict, but got "
                              f"{_describe(state)}")
    for name, value in state.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("__"):
            raise UnpicklingError(f"refusing to set attribute {_describe(name)} on an OrderedDict")
        vars(target)[name] = value
