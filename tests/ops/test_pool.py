"""Pooling's arguments: PyTorch's types, values and exception classes (ops/pool.py)."""

from __future__ import annotations

import warnings

import pytest

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

# (function, positional arguments after the input, keyword arguments, what PyTorch does:
#  an exception class, or the output shape)
CASES = [
    ("max_pool2d", (2,), {}, (1, 2, 2, 2)),
    ("max_pool2d", ((1, 2, 3),), {}, RuntimeError),
    ("max_pool2d", (2.0,), {}, TypeError),
    ("max_pool2d", ("a",), {}, TypeError),
    ("max_pool2d", (True,), {}, TypeError),
    ("max_pool2d", ([],), {}, RuntimeError),
    ("max_pool2d", (None,), {}, TypeError),
    ("max_pool2d", (2,), {"stride": 0}, RuntimeError),
    ("max_pool2d", (2,), {"stride": [2]}, (1, 2, 2, 2)),
    ("max_pool2d", (2,), {"stride": []}, (1, 2, 2, 2)),
    ("max_pool2d", (2,), {"stride": (1, 2, 3)}, RuntimeError),
    ("max_pool2d", (2,), {"stride": 2**63}, ValueError),
    ("max_pool2d", (2,), {"stride": (2**63,)}, TypeError),
    ("max_pool2d", (2,), {"padding": 2}, RuntimeError),
    ("max_pool2d", (2,), {"dilation": 0}, RuntimeError),
    ("max_pool2d", (2,), {"dilation": (1, 2, 3)}, RuntimeError),
    ("max_pool2d", (2,), {"ceil_mode": 1}, TypeError),
    ("max_pool2d", (3,), {"stride": 2, "ceil_mode": True}, (1, 2, 2, 2)),
    ("avg_pool2d", (2,), {"divisor_override": 0}, RuntimeError),
    ("avg_pool2d", (2,), {"divisor_override": 2.5}, TypeError),
    ("avg_pool2d", (2.5,), {}, TypeError),
    ("avg_pool2d", (2,), {"count_include_pad": 0}, TypeError),
    ("avg_pool2d", (5,), {}, RuntimeError),
    ("avg_pool2d", (2,), {"padding": -1}, RuntimeError),
    ("adaptive_avg_pool2d", (2.5,), {}, TypeError),
    ("adaptive_avg_pool2d", ((2,),), {}, RuntimeError),
    ("adaptive_avg_pool2d", ((2, 3, 4),), {}, RuntimeError),
    ("adaptive_avg_pool2d", ("ab",), {}, TypeError),
    ("adaptive_avg_pool2d", ((2, "a"),), {}, TypeError),
    ("adaptive_avg_pool2d", ((None, 3),), {}, (1, 2, 4, 3)),
    ("adaptive_avg_pool2d", (0,), {}, (1, 2, 0, 0)),
]


def _outcome(module, functional, name, args, kwargs):
    x = module.arange(32.0).reshape(1, 2, 4, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return tuple(getattr(functional, name)(x, *args, **kwargs).shape)
        except Exception as error:  # noqa: BLE001 - the class is what is compared
            return type(error)


@pytest.mark.parametrize("name, args, kwargs, expected", CASES)
def test_pooling_arguments_get_pytorchs_answer(name, args, kwargs, expected):
    assert _outcome(mt, F, name, args, kwargs) == expected


@pytest.mark.parametrize("name, args, kwargs, expected", CASES)
def test_the_expected_answers_are_pytorchs(name, args, kwargs, expected):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    assert _outcome(torch, TF, name, args, kwargs) == expected


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"])
@pytest.mark.parametrize("bad", [[1.0, 2.0], None, "x"])
def test_a_non_tensor_input_is_a_type_error_naming_the_argument(name, bad):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' \(position 1\) must be Tensor"):
        getattr(F, name)(bad, 2)


def test_return_indices_takes_any_truth_value_as_pytorch_does():
    out, indices = F.max_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=1)
    assert indices.tolist() == [[[[5, 7], [13, 15]]]] and out.shape == (1, 1, 2, 2)
