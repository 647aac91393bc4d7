"""The argument parser (``minitorch_conv/_arguments.py``) and the entry points that declare with it.

Each rule has a call that passes and a call that fails; a failing call is checked twice: against
the exception class and message written here (no PyTorch needed), and, where PyTorch is installed,
against what PyTorch raises for the same call.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv._arguments import (
    check_probability,
    check_size,
    convert,
    invalid_type,
    parse_args,
    type_name,
    wrap_dim,
    wrap_dims,
)


def _functional(m):
    return F if m is mt else m.nn.functional


# (call written against a module ``m``: mt or torch, the class raised, its message)
BAD_CALLS = {
    # types: bool only for flags, dtypes only for dtype=, Tensors where a Tensor is required
    "requires_grad=1": (lambda m: m.zeros(3, requires_grad=1), TypeError,
                        "zeros(): argument 'requires_grad' must be bool, not int"),
    "tensor requires_grad=1": (lambda m: m.tensor([1.0], requires_grad=1), TypeError,
                               "tensor(): argument 'requires_grad' must be bool, not int"),
    "dtype='float32'": (lambda m: m.zeros(3, dtype="float32"), TypeError,
                        "zeros(): argument 'dtype' must be torch.dtype, not str"),
    "zeros_like dtype str": (lambda m: m.zeros_like(m.ones(2), dtype="float32"), TypeError,
                             "zeros_like(): argument 'dtype' must be torch.dtype, not str"),
    "keepdim=0 positional": (lambda m: m.ones(2, 3).sum(1, 0), TypeError,
                             "sum(): argument 'keepdim' (position 2) must be bool, not int"),
    "keepdim=0 function": (lambda m: m.sum(m.ones(2, 3), 1, 0), TypeError,
                           "sum(): argument 'keepdim' (position 3) must be bool, not int"),
    "device float": (lambda m: m.zeros(2, device=1.5), TypeError,
                     "zeros(): argument 'device' must be torch.device, not float"),
    "zeros_like list": (lambda m: m.zeros_like([1, 2]), TypeError,
                        "zeros_like(): argument 'input' (position 1) must be Tensor, not list"),
    "sum of a list": (lambda m: m.sum([1, 2]), TypeError,
                      "sum(): argument 'input' (position 1) must be Tensor, not list"),
    "linear list": (lambda m: _functional(m).linear([1.0], m.ones(2, 1)), TypeError,
                    "linear(): argument 'input' (position 1) must be Tensor, not list"),
    "add str": (lambda m: m.add(m.ones(2), "a"), TypeError,
                "add(): argument 'other' (position 2) must be Tensor, not str"),
    "equal number": (lambda m: m.equal(m.ones(2), 1), TypeError,
                     "equal(): argument 'other' (position 2) must be Tensor, not int"),
    "full fill str": (lambda m: m.full((2,), "a"), TypeError,
                      "full(): argument 'fill_value' (position 2) must be Number, not str"),
    "transpose list dim": (lambda m: m.ones(2, 3).transpose([0], 1), TypeError,
                           "transpose(): argument 'dim0' (position 1) must be int, not list"),
    "transpose bool dim": (lambda m: m.ones(2, 3).transpose(True, 0), TypeError,
                           "transpose(): argument 'dim0' (position 1) must be int, not bool"),
    "unsqueeze float": (lambda m: m.ones(2).unsqueeze(1.0), TypeError,
                        "unsqueeze(): argument 'dim' (position 1) must be int, not float"),
    "eye float": (lambda m: m.eye(2.0), TypeError, "eye(): argument 'n' (position 1) must be int, not float"),
    "randperm float": (lambda m: m.randperm(3.0), TypeError,
                       "randperm(): argument 'n' (position 1) must be int, not float"),
    "randint size int": (lambda m: m.randint(5, 3), TypeError,
                         "randint(): argument 'size' (position 2) must be tuple of ints, not int"),
    "keepdim numpy bool": (lambda m: m.ones(2).sum(0, np.bool_(True)), TypeError,
                           "sum(): argument 'keepdim' (position 2) must be bool, not numpy.bool"),
    # sizes: ints or sequences of ints
    "zeros float": (lambda m: m.zeros(2.5), TypeError,
                    "zeros(): argument 'size' (position 1) must be tuple of ints, not float"),
    "full bytes": (lambda m: m.full(b"xy", 1.5), TypeError,
                   "full(): argument 'size' (position 1) must be tuple of ints, not bytes"),
    "full int size": (lambda m: m.full(3, 1.0), TypeError,
                      "full(): argument 'size' (position 1) must be tuple of ints, not int"),
    "empty element float": (lambda m: m.empty(2, 3.5), TypeError,
                            "empty(): argument 'size' failed to unpack the object at pos 2 with error "
                            "\"type must be tuple of ints,but got float\""),
    "new_zeros float": (lambda m: m.ones(2).new_zeros(2.0), TypeError,
                        "new_zeros(): argument 'size' (position 1) must be tuple of ints, not float"),
    "cat generator": (lambda m: m.cat(iter([m.ones(2)])), TypeError,
                      "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not list_iterator"),
    "cat tensor": (lambda m: m.cat(m.ones(2, 3)), TypeError,
                   "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"),
    "cat element": (lambda m: m.cat([m.ones(2), 1]), TypeError,
                    "expected Tensor as element 1 in argument 0, but got int"),
    "stack element": (lambda m: m.stack([m.ones(1), [1]]), TypeError,
                      "expected Tensor as element 1 in argument 0, but got list"),
    "repeat float": (lambda m: m.ones(2).repeat(2.0), TypeError,
                     "repeat(): argument 'repeats' (position 1) must be tuple of ints, not float"),
    # a sequence's first element is matched with the argument's class; later ones are unpacked
    # after every argument matched (an unpacking error waits for the other arguments' classes)
    "zeros first element float": (
        lambda m: m.zeros((2.0, 3)), TypeError,
        "zeros(): argument 'size' (position 1) must be tuple of ints, but found element of type float at "
        "pos 0"),
    "avg_pool2d first element": (
        lambda m: _functional(m).avg_pool2d(m.ones(1, 1, 4, 4), (2.0, 2)), TypeError,
        "avg_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, but found element of type "
        "float at pos 0"),
    "permute numpy array": (
        lambda m: m.ones(2, 3).permute(np.array([1, 0])), TypeError,
        "permute(): argument 'dims' (position 1) must be tuple of ints, not numpy.ndarray"),
    "sum later element float": (
        lambda m: m.ones(2, 3).sum((0, 1.0)), TypeError,
        "sum(): argument 'dim' failed to unpack the object at pos 2 with error \"type must be tuple of "
        "ints,but got float\""),
    "sum unpacking after matching": (lambda m: m.ones(2, 3).sum((0, 1.0), 1.5), TypeError,
                                     "sum(): argument 'keepdim' (position 2) must be bool, not float"),
    "sum dim overflow": (lambda m: m.ones(2, 3).sum(2 ** 63), ValueError,
                         "Overflow when unpacking long long"),
    # a position is named when the argument came by position: after a left-out one it cannot have
    "keyword after a left-out argument": (
        lambda m: _functional(m).avg_pool2d(m.ones(1, 1, 4, 4), 2, padding=1.5), TypeError,
        "avg_pool2d(): argument 'padding' must be tuple of ints, not float"),
    "explicit None is given": (
        lambda m: _functional(m).avg_pool2d(m.ones(1, 1, 4, 4), 2, None, 1.5), TypeError,
        "avg_pool2d(): argument 'padding' (position 4) must be tuple of ints, not float"),
    # values: sizes >= 0, dims in range and not repeated
    "randperm(-7)": (lambda m: m.randperm(-7), RuntimeError,
                     "Trying to create tensor with negative dimension -7: [-7]"),
    "ones negative": (lambda m: m.ones(2, -3), RuntimeError,
                      "Trying to create tensor with negative dimension -3: [2, -3]"),
    "zeros negative": (lambda m: m.zeros(2, -7), RuntimeError, "zeros: Dimension size must be non-negative."),
    "full negative": (lambda m: m.full((-1,), 1.0), RuntimeError,
                      "Trying to create tensor with negative dimension -1: [-1]"),
    "new_ones negative": (lambda m: m.ones(2).new_ones((2, -1)), RuntimeError,
                          "Trying to create tensor with negative dimension -1: [2, -1]"),
    "flatten end_dim=7": (lambda m: m.ones(2, 3).flatten(end_dim=7), IndexError,
                          "Dimension out of range (expected to be in range of [-2, 1], but got 7)"),
    "sum repeated dim": (lambda m: m.ones(2, 3, 4).sum(dim=(-1, 2)), RuntimeError,
                         "dim 2 appears multiple times in the list of dims"),
    "amax repeated dim": (lambda m: m.ones(2, 3).amax((0, -2)), RuntimeError,
                          "dim 0 appears multiple times in the list of dims"),
    "0-d dim range": (lambda m: m.tensor(1.0).sum(2), IndexError,
                      "Dimension out of range (expected to be in range of [-1, 0], but got 2)"),
    "softmax dim range": (lambda m: m.ones(2, 3).softmax(-3), IndexError,
                          "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    "reshape -2": (lambda m: m.ones(2, 3).reshape(-2, 3), RuntimeError,
                   "invalid shape dimension -2 at index 0 of shape [-2, 3]"),
    "arange inf": (lambda m: m.arange(-3, math.inf), RuntimeError, "unsupported range: -3 -> inf"),
    "arange nan": (lambda m: m.arange(0, math.nan), RuntimeError, "unsupported range: 0 -> nan"),
    "arange 2**63": (lambda m: m.arange(0, 2 ** 63), RuntimeError,
                     "value cannot be converted to type int64_t without overflow"),
    "randint low >= high": (lambda m: m.randint(5, 5, (2,)), RuntimeError,
                            "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
    "int overflow": (lambda m: m.ones(2, 3).transpose(2 ** 63, 0), ValueError,
                     "Overflow when unpacking long long"),
    "tensor of an object": (lambda m: m.tensor([object()]), RuntimeError, "Could not infer dtype of object"),
    "tensor of bytes": (lambda m: m.tensor(b"xy"), TypeError, "new(): invalid data type 'bytes'"),
    "requires_grad attribute": (lambda m: setattr(m.ones(2), "requires_grad", 1), RuntimeError,
                                "requires_grad must be a bool"),
    "requires_grad_(1)": (lambda m: m.ones(2).requires_grad_(1), TypeError,
                          "requires_grad_(): argument 'requires_grad' (position 1) must be bool, not int"),
    "size(5)": (lambda m: m.ones(2).size(5), IndexError,
                "Dimension out of range (expected to be in range of [-1, 0], but got 5)"),
}

# several overloads take as many arguments: PyTorch's "invalid combination" message (first line)
INVALID_COMBINATIONS = {
    "sum dim str": (lambda m: m.ones(2, 3).sum("a"), "sum() received an invalid combination of arguments - "
                    "got (str), but expected one of:"),
    "sum dtype str": (lambda m: m.ones(2, 3).sum(dtype="float32"), "sum() received an invalid combination of "
                      "arguments - got (dtype=str, ), but expected one of:"),
    "sum dim float": (lambda m: m.sum(m.ones(2, 3), 1.0), "sum() received an invalid combination of "
                      "arguments - got (Tensor, float), but expected one of:"),
    "sum dim tuple of bools": (lambda m: m.ones(2, 3).sum((True,)), "sum() received an invalid combination "
                               "of arguments - got (tuple), but expected one of:"),
    "arange dtype str": (lambda m: m.arange(3, dtype="int64"), "arange() received an invalid combination of "
                         "arguments - got (int, dtype=str), but expected one of:"),
    "clamp list": (lambda m: m.clamp([1], 0), "clamp() received an invalid combination of arguments - got "
                   "(list, int), but expected one of:"),
    "eq list": (lambda m: m.eq([1], 1), "eq() received an invalid combination of arguments - got "
                "(list, int), but expected one of:"),
    "sum keepdim alone": (lambda m: m.ones(2, 3).sum(keepdim=1), "sum() received an invalid combination of "
                          "arguments - got (keepdim=int, ), but expected one of:"),
}

VALID_CALLS = {  # calls that PyTorch accepts: the same shape and dtype here
    "x[..., ...]": lambda m: m.ones(2, 3)[..., ...],
    "x[..., 0, ...]": lambda m: m.ones(2, 3, 4)[..., 0, ...],
    "x[0, ..., ..., 0]": lambda m: m.ones(2, 3)[0, ..., ..., 0],
    "x[..., None, ...]": lambda m: m.ones(2, 3)[..., None, ...],
    "sum dtype int32": lambda m: m.ones(2, 3).sum(dtype=m.int32),
    "sum dtype bool": lambda m: m.ones(2, 3).sum(1, dtype=m.bool),
    "sum int32 tensor": lambda m: m.ones(2, 3, dtype=m.int32).sum(),
    "sum dim list": lambda m: m.ones(2, 3).sum([0, 1]),
    "sum dim numpy int": lambda m: m.ones(2, 3).sum(np.int64(1)),
    "sum dim 0-d tensor": lambda m: m.ones(2, 3).sum(m.tensor(1)),
    "zeros numpy int": lambda m: m.zeros(np.int64(2)),
    "zeros Size": lambda m: m.zeros(m.ones(2, 3).shape),
    "zeros dtype float": lambda m: m.zeros(2, dtype=float),
    "full numpy fill": lambda m: m.full((2,), np.float64(1.5)),
    "full 0-d tensor fill": lambda m: m.full((2,), m.tensor(2)),
    "arange 0-d tensor": lambda m: m.arange(m.tensor(3)),
    "arange bool": lambda m: m.arange(True),
    "arange step inf": lambda m: m.arange(0, 1, math.inf),
    "randperm numpy int": lambda m: m.randperm(np.int64(3)),
    "linspace numpy steps": lambda m: m.linspace(0, 1, np.int64(3)),
    "transpose numpy int": lambda m: m.ones(2, 3).transpose(np.int32(1), 0),
    "select 0-d tensor index": lambda m: m.ones(2, 3).select(0, m.tensor(1)),
    "new_full": lambda m: m.ones(2).new_full((2, 3), 1.5),
    "zeros later bool": lambda m: m.zeros((2, True)),  # only the first element's class is matched
    "str as bytes": lambda m: m.ones(2).div(2, rounding_mode=b"floor"),
}


def _torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_call_raises_pytorchs_class_and_message(name):
    call, error, message = BAD_CALLS[name]
    with pytest.raises(error) as ours:
        call(mt)
    assert str(ours.value).splitlines()[0] == message


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_call_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    call, _, _ = BAD_CALLS[name]
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(mt)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value).splitlines()[0] == str(theirs.value).splitlines()[0]


@pytest.mark.parametrize("name", list(INVALID_COMBINATIONS))
def test_invalid_combination_message(name):
    call, first_line = INVALID_COMBINATIONS[name]
    with pytest.raises(TypeError) as ours:
        call(mt)
    assert str(ours.value).splitlines()[0] == first_line
    torch = _torch_or_none()
    if torch is not None:
        with pytest.raises(TypeError) as theirs:
            call(torch)
        assert str(theirs.value).splitlines()[0] == first_line


def test_the_overloads_are_listed_as_pytorch_lists_them():
    with pytest.raises(TypeError) as ours:
        mt.ones(2, 3).sum("a")
    assert str(ours.value).splitlines()[1:] == [
        " * (*, torch.dtype dtype = None)",
        " * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)",
    ]


@pytest.mark.parametrize("name", list(VALID_CALLS))
def test_valid_call_gives_pytorchs_shape_and_dtype(name):
    ours = VALID_CALLS[name](mt)
    torch = _torch_or_none()
    if torch is None:
        assert isinstance(ours, mt.Tensor)
        return
    theirs = VALID_CALLS[name](torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")


def test_sum_with_a_dtype_keeps_it():
    x = mt.tensor([[1, 2], [3, 4]], dtype=mt.int32)
    assert x.sum(dtype=mt.int32).dtype == mt.int32 and x.sum(dtype=mt.int32).item() == 10
    assert x.sum().dtype == mt.int64  # without dtype, integers widen to int64
    flags = mt.tensor([[0, 2], [0, 0]]).sum(1, dtype=mt.bool)
    assert flags.dtype == mt.bool and flags.tolist() == [True, False]
    big = mt.full((3,), 2 ** 30, dtype=mt.int32).sum(dtype=mt.int32)  # wraps as int32 does
    assert big.item() == np.array([2 ** 30] * 3, dtype=np.int32).sum(dtype=np.int32)


def test_several_ellipses_read_as_pytorch_reads_them():
    x = mt.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(x[..., ...].numpy(), x.numpy())
    np.testing.assert_array_equal(x[..., 0, ...].numpy(), x.numpy()[..., 0])
    y = mt.arange(6).reshape(2, 3)
    assert y[0, ..., ..., 1].item() == 1
    with pytest.raises(IndexError):
        x[..., ..., 0]  # past the end of the tensor, as in PyTorch
    y[..., ...] = 7
    assert y.tolist() == [[7, 7, 7], [7, 7, 7]]


# ------------------------------------------------------------------- the parser on its own
@parse_args("Tensor input, dim[]? dim, bool keepdim, *, ScalarType? dtype",
            overloads=("Tensor input, *, ScalarType? dtype=None",
                       "Tensor input, dim[] dim, bool keepdim=False, *, ScalarType? dtype=None"))
def _reduce(a, dim=None, keepdim=False, *, dtype=None):
    return a, dim, keepdim, dtype


@parse_args("int[] size, *, bool requires_grad")
def _make(*size, requires_grad=False):
    return size


def test_the_common_types_pass_through_unchanged():
    x = mt.ones(2, 3)
    assert _reduce(x) == (x, None, False, None)
    out = _reduce(x, 1, True, dtype=mt.float64)
    assert out[0] is x and out[1:] == (1, True, mt.float64)
    assert _reduce(x, -1)[1] == 1 and _reduce(x, (0, -1))[1] == (0, 1)  # dims come back wrapped
    assert _make(2, 3) == _make((2, 3)) == _make([2, 3]) == (2, 3) and _make() == ()


def test_conversions():
    x = mt.ones(2, 3)
    assert _reduce(x, np.int64(1))[1] == 1 and type(_reduce(x, np.int64(1))[1]) is int
    assert _reduce(x, mt.tensor(-1))[1] == 1
    assert _reduce(x, dtype=float)[3] is mt.float64 and _reduce(x, dtype=int)[3] is mt.int64
    assert _make(np.int64(2), 3) == (2, 3) and _make(mt.Size([4])) == (4,)
    assert convert("float", 2, "f", "p") == 2.0 and convert("Number", mt.tensor(1.5), "f", "v") == 1.5


@pytest.mark.parametrize("call, error, message", [
    (lambda: _reduce([1]), TypeError, "_reduce(): argument 'input' (position 1) must be Tensor, not list"),
    (lambda: _reduce(mt.ones(2), 0, 1), TypeError,
     "_reduce(): argument 'keepdim' (position 3) must be bool, not int"),
    (lambda: _reduce.tensor_method(mt.ones(2), 0, 1), TypeError,  # methods count without self
     "_reduce(): argument 'keepdim' (position 2) must be bool, not int"),
    (lambda: _reduce(mt.ones(2), 0, dtype=np.float32), TypeError,
     "_reduce(): argument 'dtype' must be torch.dtype, not type"),
    (lambda: _reduce(mt.ones(2), 1), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda: _reduce(mt.ones(2, 2), (1, -1)), RuntimeError,
     "dim 1 appears multiple times in the list of dims"),
    (lambda: _reduce(mt.ones(2), "a"), TypeError,
     "_reduce() received an invalid combination of arguments - got (Tensor, str), but expected one of:"),
    (lambda: _make(2, (3,)), TypeError, "_make(): argument 'size' failed to unpack the object at pos 2 with "
                                       "error \"type must be tuple of ints,but got tuple\""),
    (lambda: _make(True), TypeError, "_make(): argument 'size' (position 1) must be tuple of ints, not bool"),
    (lambda: _make(2 ** 64), TypeError, "_make(): argument 'size' failed to unpack the object at pos 1 with "
                                        "error \"Overflow when unpacking long long\""),
    (lambda: _make(2, requires_grad=0), TypeError, "_make(): argument 'requires_grad' must be bool, not int"),
    (lambda: _make(2, dtype=None), TypeError, "_make() got an unexpected keyword argument 'dtype'"),
])
def test_each_rule_fails_with_its_class_and_message(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value).splitlines()[0] == message
    assert caught.value.__suppress_context__ or caught.value.__context__ is None  # no parser internals


@parse_args("Tensor input, int[2]|str padding, int groups")
def _pad(a, padding=0, groups=1):
    return padding, groups


def test_a_union_takes_either_type():
    x = mt.ones(1)
    assert _pad(x) == (0, 1) and _pad(x, "same") == ("same", 1) and _pad(x, [1, 2]) == ((1, 2), 1)
    assert _pad(x, b"valid") == ("valid", 1)  # (PyTorch takes bytes for a str)
    with pytest.raises(TypeError) as caught:
        _pad(x, 1.5)
    assert str(caught.value) == ("_pad(): argument 'padding' (position 2) must be tuple of ints or str, not "
                                 "float")
    with pytest.raises(TypeError) as caught:
        _pad(x, (1, 1.5))  # its first element matched the ints: the unpacking error stands
    assert str(caught.value).startswith("_pad(): argument 'padding' failed to unpack the object at pos 2")


def test_the_wrapper_tells_a_left_out_argument_from_its_default_given():
    import inspect

    assert [p.default for p in inspect.signature(_pad).parameters.values()] == [inspect.Parameter.empty, 0, 1]
    with pytest.raises(TypeError) as caught:
        _pad(mt.ones(1), 0, 1.5)  # the default given by position: groups came by position too
    assert str(caught.value) == "_pad(): argument 'groups' (position 3) must be int, not float"
    with pytest.raises(TypeError) as caught:
        _pad(mt.ones(1), groups=1.5)
    assert str(caught.value) == "_pad(): argument 'groups' must be int, not float"


def test_a_declaration_that_disagrees_with_the_function_is_refused():
    with pytest.raises(ValueError, match="declaration names"):
        parse_args("Tensor input")(lambda a, b: a)
    with pytest.raises(ValueError, match="keyword-only"):
        parse_args("Tensor input, *, bool flag")(lambda a, flag=False: a)
    with pytest.raises(ValueError, match="unknown argument type"):
        parse_args("Tensr input")(lambda a: a)


def test_the_wrapper_keeps_the_function_s_name_signature_and_docstring():
    import inspect

    assert _reduce.__name__ == "_reduce" and _reduce.__wrapped__.__name__ == "_reduce"
    assert list(inspect.signature(_reduce).parameters) == ["input", "dim", "keepdim", "dtype"]
    assert list(inspect.signature(mt.sum).parameters) == ["input", "dim", "keepdim", "dtype"]
    assert mt.sum(input=mt.ones(2), dim=0).item() == 2.0  # PyTorch's keyword names
    assert "sum over" in mt.sum.__doc__


def test_value_helpers():
    assert wrap_dim(-1, 3) == 2 and wrap_dim(0, 0) == 0 and wrap_dim(-1, 0) == 0
    assert wrap_dims((0, -1), 2) == (0, 1) and wrap_dims(-2, 2) == 0
    assert check_size((0, 2)) == (0, 2)
    with pytest.raises(RuntimeError, match=r"negative dimension -1: \[2, -1\]"):
        check_size((2, -1))
    assert check_probability(0.0) == 0.0 and check_probability(1) == 1
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        check_probability(1.5)
    assert type_name(np.float32(1)) == "numpy.float32" and type_name(mt.ones(1)) == "Tensor"
    assert str(invalid_type("f", "x", "int", 1.5)) == "f(): argument 'x' must be int, not float"


# ------------------------------------------------------------------ tensor creation: bad values
HUGE = 2**62
# (call against a module ``m``, the class raised, its message's first line, whether PyTorch's first
# line is the same: False where only the class is PyTorch's)
CREATION_BAD_CALLS = {
    "zeros(2**62)": (lambda m: m.zeros(HUGE), RuntimeError,
                     f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "ones(2, 2**62)": (lambda m: m.ones(2, HUGE), RuntimeError,
                       f"Storage size calculation overflowed with sizes=[2, {HUGE}]", True),
    "empty(2**61)": (lambda m: m.empty(2**61), RuntimeError,
                     f"Storage size calculation overflowed with sizes=[{2**61}]", True),
    "zeros(2**62, 2**62, 0)": (lambda m: m.zeros(HUGE, HUGE, 0), RuntimeError,
                               f"Storage size calculation overflowed with sizes=[{HUGE}, {HUGE}, 0]", True),
    "zeros(0, 2**62, 2**62)": (lambda m: m.zeros(0, HUGE, HUGE), RuntimeError,
                               "Stride calculation overflowed", True),
    "rand(2**62)": (lambda m: m.rand(HUGE), RuntimeError,
                    f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "randn(2**62, dtype=int64)": (lambda m: m.randn(HUGE, dtype=m.int64), RuntimeError,
                                  f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "full((2**62,), 1.0)": (lambda m: m.full((HUGE,), 1.0), RuntimeError,
                            f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "arange(2**62)": (lambda m: m.arange(HUGE), RuntimeError,
                      f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "linspace(0, 1, 2**62)": (lambda m: m.linspace(0, 1, HUGE), RuntimeError,
                              f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "eye(2**62)": (lambda m: m.eye(HUGE), RuntimeError, "numel: integer multiplication overflow", True),
    "eye(1, 2**62)": (lambda m: m.eye(1, HUGE), RuntimeError,
                      f"Storage size calculation overflowed with sizes=[1, {HUGE}]", True),
    "randperm(2**62)": (lambda m: m.randperm(HUGE), RuntimeError,
                        f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "randint(3, (2**62,))": (lambda m: m.randint(3, (HUGE,)), RuntimeError,
                             f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "repeat(2**62)": (lambda m: m.zeros(1).repeat(HUGE), RuntimeError,
                      f"Storage size calculation overflowed with sizes=[{HUGE}]", True),
    "expand(2**62, 2**62)": (lambda m: m.zeros(1).expand(HUGE, HUGE), RuntimeError,
                             "numel: integer multiplication overflow", True),
    "Linear(2**62, 1)": (lambda m: m.nn.Linear(HUGE, 1), RuntimeError,
                         f"Storage size calculation overflowed with sizes=[1, {HUGE}]", True),
    "Embedding(2**62, 1)": (lambda m: m.nn.Embedding(HUGE, 1), RuntimeError,
                            f"Storage size calculation overflowed with sizes=[{HUGE}, 1]", True),
    # the random kernels have no integer versions
    "rand(int64)": (lambda m: m.rand(2, dtype=m.int64), NotImplementedError,
                    "\"check_uniform_bounds\" not implemented for 'Long'", True),
    "rand(0, bool)": (lambda m: m.rand(0, dtype=m.bool), NotImplementedError,
                      "\"check_uniform_bounds\" not implemented for 'Bool'", True),
    "randn(int32)": (lambda m: m.randn(2, dtype=m.int32), NotImplementedError,
                     "\"normal_kernel_cpu\" not implemented for 'Int'", True),
    "rand_like(uint8)": (lambda m: m.rand_like(m.zeros(2, dtype=m.uint8)), NotImplementedError,
                         "\"check_uniform_bounds\" not implemented for 'Byte'", True),
    "randn_like(bool)": (lambda m: m.randn_like(m.zeros(2, dtype=m.bool)), NotImplementedError,
                         "\"normal_kernel_cpu\" not implemented for 'Bool'", True),
    "arange(bool)": (lambda m: m.arange(3, dtype=m.bool), NotImplementedError,
                     "\"arange_cpu\" not implemented for 'Bool'", True),
    "arange(3, 0, bool)": (lambda m: m.arange(3, 0, dtype=m.bool), NotImplementedError,
                           "\"arange_cpu\" not implemented for 'Bool'", True),
    # None where an int belongs
    "eye(3, None)": (lambda m: m.eye(3, None), TypeError,
                     "eye(): argument 'm' (position 2) must be int, not NoneType", False),
    "randint(8, None)": (lambda m: m.randint(8, None), TypeError,
                         "randint(): argument 'size' (position 2) must be tuple of ints, not NoneType", True),
    "randint(8)": (lambda m: m.randint(8), TypeError,
                   "randint() received an invalid combination of arguments - got (int), but expected one of:",
                   True),
    "arange(0, None)": (lambda m: m.arange(0, None), TypeError,
                        "arange() received an invalid combination of arguments - got (int, NoneType), but "
                        "expected one of:", True),
    # ints past int64, None among the numbers
    "tensor(2**63)": (lambda m: m.tensor(2**63), ValueError, "Overflow when unpacking long long", True),
    "tensor([1, -2**63-1])": (lambda m: m.tensor([1, -2**63 - 1]), ValueError,
                              "Overflow when unpacking long long", True),
    "tensor(None, float32)": (lambda m: m.tensor(None, dtype=m.float32), TypeError,
                              "must be real number, not NoneType", True),
    "tensor([1, None], int64)": (lambda m: m.tensor([1, None], dtype=m.int64), TypeError,
                                 "'NoneType' object cannot be interpreted as an integer", True),
    "tensor(200, int8)": (lambda m: m.tensor(200, dtype=m.int8), RuntimeError,
                          "value cannot be converted to type int8 without overflow", True),
    "tensor(nan, int64)": (lambda m: m.tensor(float("nan"), dtype=m.int64), RuntimeError,
                           "value cannot be converted to type int64 without overflow", True),
    "tensor([[1, 2], [3]])": (lambda m: m.tensor([[1, 2], [3]]), ValueError,
                              "expected sequence of length 2 at dim 1 (got 1)", True),
    "tensor([1.5, [1, 2]])": (lambda m: m.tensor([1.5, [1, 2]]), TypeError,
                              "must be real number, not list", True),
    "tensor([[1, 2], 3])": (lambda m: m.tensor([[1, 2], 3]), TypeError, "not a sequence", True),
    "tensor([1, 'a'])": (lambda m: m.tensor([1, "a"]), TypeError, "new(): invalid data type 'str'", True),
    "tensor(['a', [1]])": (lambda m: m.tensor(["a", [1]]), ValueError, "too many dimensions 'str'", True),
    "tensor(['', 2.0])": (lambda m: m.tensor(["", 2.0]), TypeError, "new(): invalid data type 'str'", True),
    "tensor([b'ab'])": (lambda m: m.tensor([b"ab"]), TypeError, "new(): invalid data type 'bytes'", True),
    "tensor(object(), bool)": (lambda m: m.tensor(object(), dtype=m.bool), TypeError,
                               "'object' object cannot be interpreted as an integer", True),
    "tensor([object()], float32)": (lambda m: m.tensor([object()], dtype=m.float32), TypeError,
                                    "must be real number, not object", True),
    "arange(0, 1, nan)": (lambda m: m.arange(0, 1, float("nan")), RuntimeError, "step must be nonzero", True),
    "arange(0, 2**63)": (lambda m: m.arange(0, 2**63), RuntimeError,
                         "value cannot be converted to type int64_t without overflow", True),
    "arange(-2**63-1, 0)": (lambda m: m.arange(-2**63 - 1, 0), OverflowError,
                            "can't convert negative int to unsigned", True),
    "arange(0, 10, 2**64)": (lambda m: m.arange(0, 10, 2**64), OverflowError, "int too big to convert", True),
    "arange(0, 2, 0.5, int64)": (lambda m: m.arange(0, 2, 0.5, dtype=m.int64), ValueError,
                                 "step must be nonzero", True),
    "randint(-2**63-1, 2.5)": (lambda m: m.randint(-2**63 - 1, 2.5), TypeError,
                               "randint(): argument 'size' (position 2) must be tuple of ints, not float",
                               True),
    "linspace(-2**63-1, 0, 3)": (lambda m: m.linspace(-2**63 - 1, 0, 3), OverflowError,
                                 "can't convert negative int to unsigned", True),
    "linspace(0, 2**64, 3)": (lambda m: m.linspace(0, 2**64, 3), OverflowError, "int too big to convert",
                              True),
    "linspace(0, nan, 3, int64)": (lambda m: m.linspace(0, float("nan"), 3, dtype=m.int64), RuntimeError,
                                   "value cannot be converted to type int64_t without overflow", True),
    # a fill value the dtype cannot hold
    "full(nan, int64)": (lambda m: m.full((2,), float("nan"), dtype=m.int64), RuntimeError,
                         "value cannot be converted to type int64_t without overflow", True),
    "full(inf, int32)": (lambda m: m.full((2,), float("inf"), dtype=m.int32), RuntimeError,
                         "value cannot be converted to type int without overflow", True),
    "full(-0.5, uint8)": (lambda m: m.full((2,), -0.5, dtype=m.uint8), RuntimeError,
                          "value cannot be converted to type uint8_t without overflow", True),
    "full(127.5, int8)": (lambda m: m.full((2,), 127.5, dtype=m.int8), RuntimeError,
                          "value cannot be converted to type int8_t without overflow", True),
    "full(1e300, float32)": (lambda m: m.full((2,), 1e300, dtype=m.float32), RuntimeError,
                             "value cannot be converted to type float without overflow", True),
    "full(-2**63-1)": (lambda m: m.full((2,), -2**63 - 1, dtype=m.float32), OverflowError,
                       "can't convert negative int to unsigned", True),
    "full_like(int64, nan)": (lambda m: m.full_like(m.zeros(2, dtype=m.int64), float("nan")),
                              RuntimeError, "value cannot be converted to type int64_t without overflow",
                              True),
    "masked_fill(int64, inf)": (lambda m: m.zeros(2, dtype=m.int64).masked_fill(m.tensor([False, False]),
                                                                                float("inf")),
                                RuntimeError, "value cannot be converted to type int64_t without overflow",
                                True),
    "masked_fill(uint8, -1.5)": (lambda m: m.zeros(2, dtype=m.uint8).masked_fill(m.tensor([True, False]),
                                                                                 -1.5),
                                 RuntimeError, "value cannot be converted to type uint8_t without overflow",
                                 True),
    "masked_fill(int64, tensor(nan))": (lambda m: m.zeros(2, dtype=m.int64).masked_fill(
        m.tensor(True), m.tensor(float("nan"))), RuntimeError,
        "value cannot be converted to type int64_t without overflow", True),
}


@pytest.mark.parametrize("name", list(CREATION_BAD_CALLS))
def test_bad_creation_raises_pytorchs_class(name):
    call, error, message, _ = CREATION_BAD_CALLS[name]
    with pytest.raises(error) as ours:
        call(mt)
    assert type(ours.value) is error
    assert str(ours.value).splitlines()[0] == message


@pytest.mark.parametrize("name", list(CREATION_BAD_CALLS))
def test_bad_creation_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    call, error, message, same_message = CREATION_BAD_CALLS[name]
    with pytest.raises(Exception) as theirs:
        call(torch)
    assert type(theirs.value) is error
    if same_message:
        assert str(theirs.value).splitlines()[0] == message


# (call, the values expected): what PyTorch accepts, and how
CREATION_VALUES = {
    "linspace(0, nan, 3)": (lambda m: m.linspace(0, float("nan"), 3), [math.nan] * 3),
    "linspace(inf, 1, 3)": (lambda m: m.linspace(float("inf"), 1, 3), [math.nan, math.inf, math.nan]),
    "linspace(0, inf, 3)": (lambda m: m.linspace(0, float("inf"), 3), [math.nan] * 3),
    "linspace(0, inf, 1)": (lambda m: m.linspace(0, float("inf"), 1), [0.0]),
    "linspace(inf, 0, 2)": (lambda m: m.linspace(float("inf"), 0, 2), [math.nan, math.nan]),
    "linspace(-3, 10, 4, int64)": (lambda m: m.linspace(-3, 10, 4, dtype=m.int64), [-3, 1, 5, 10]),
    "full(-1.5, int64)": (lambda m: m.full((2,), -1.5, dtype=m.int64), [-1, -1]),
    "full(-1, uint8)": (lambda m: m.full((2,), -1, dtype=m.uint8), [255, 255]),
    "full(-129, uint8)": (lambda m: m.full((1,), -129, dtype=m.uint8), [127]),
    "full(nan, bool)": (lambda m: m.full((2,), float("nan"), dtype=m.bool), [True, True]),
    "full(2**63, bool)": (lambda m: m.full((1,), 2**63, dtype=m.bool), [True]),
    "masked_fill(int64, -1.5)": (lambda m: m.zeros(2, dtype=m.int64).masked_fill(m.tensor([True, False]),
                                                                                 -1.5), [-1, 0]),
    "masked_fill(uint8, -1)": (lambda m: m.zeros(2, dtype=m.uint8).masked_fill(m.tensor([True, False]), -1),
                               [255, 0]),
    "tensor([-3, 1.5], uint8)": (lambda m: m.tensor([-3, 1.5], dtype=m.uint8), [253, 1]),
    "tensor(2**63, float32)": (lambda m: m.tensor(2**63, dtype=m.float32), 2.0**63),
    "tensor([[], [1]])": (lambda m: m.tensor([[], [1]]).shape, [2, 0]),
    "randn(0, int64)": (lambda m: m.randn(0, dtype=m.int64), []),
    "arange(0.5, 3.7, 1.5, int64)": (lambda m: m.arange(0.5, 3.7, 1.5, dtype=m.int64), [0, 1, 2]),
    "arange(-3.7, 2, 1.5, int64)": (lambda m: m.arange(-3.7, 2, 1.5, dtype=m.int64), [-3, -2, -1, 0, 1]),
    "arange(0, 2, 0.5, uint8)": (lambda m: m.arange(0, 2, 0.5, dtype=m.uint8), [0, 0, 0, 0]),
    "arange(2**62, 2**62 + 3)": (lambda m: m.arange(2**62, 2**62 + 3), [2**62, 2**62 + 1, 2**62 + 2]),
}


def _listed(value):
    return list(value) if not hasattr(value, "tolist") else value.tolist()


@pytest.mark.parametrize("name", list(CREATION_VALUES))
def test_creation_values(name):
    call, expected = CREATION_VALUES[name]
    ours = _listed(call(mt))
    assert repr(ours) == repr(expected)  # (NaN matches NaN, and an int never matches a float)
    torch = _torch_or_none()
    if torch is not None:
        assert repr(ours) == repr(_listed(call(torch)))
