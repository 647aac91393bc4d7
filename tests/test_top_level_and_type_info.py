"""PyTorch's top-level spellings (torch.conv2d, torch.relu_, torch.compile, ...) and dtype
information (finfo, iinfo, promote_types, result_type, can_cast), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_is_pytorchs(name):
    torch = pytest.importorskip("torch")
    ours, theirs = mt.finfo(getattr(mt, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_is_pytorchs(name):
    torch = pytest.importorskip("torch")
    ours, theirs = mt.iinfo(getattr(mt, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min, repr(ours)) == (theirs.bits, theirs.max, theirs.min, repr(theirs))


def test_type_info_errors():
    with pytest.raises(TypeError, match="requires a floating point input type"):
        mt.finfo(mt.int32)
    with pytest.raises(TypeError, match="requires an integer input type"):
        mt.iinfo(mt.float32)
    with pytest.raises(TypeError, match="not supported by torch.iinfo"):
        mt.iinfo(mt.bool)
    assert mt.finfo().dtype == "float32"


OPERANDS = [
    (lambda L: L.tensor([1]), lambda L: 1.0),
    (lambda L: L.tensor([1.0], dtype=L.float16), lambda L: L.tensor(1.0)),
    (lambda L: L.tensor([1], dtype=L.int8), lambda L: L.tensor(1000)),
    (lambda L: 2, lambda L: 3.0),
    (lambda L: L.tensor([True]), lambda L: 2),
    (lambda L: L.tensor(1, dtype=L.int32), lambda L: L.tensor([1.0], dtype=L.float16)),
    (lambda L: L.tensor(1.0, dtype=L.float64), lambda L: L.tensor([1], dtype=L.int32)),
    (lambda L: L.tensor([1], dtype=L.int16), lambda L: 2.5),
    (lambda L: L.tensor([True]), lambda L: L.tensor(2.5, dtype=L.float64)),
    (lambda L: 1, lambda L: L.tensor(2.0, dtype=L.float64)),
]


@pytest.mark.parametrize("case", range(len(OPERANDS)))
def test_result_type_is_pytorchs(case):
    torch = pytest.importorskip("torch")
    a, b = OPERANDS[case]
    assert mt.result_type(a(mt), b(mt)).name == str(torch.result_type(a(torch), b(torch))).split(".")[-1]


def test_promote_types_and_can_cast_are_pytorchs():
    torch = pytest.importorskip("torch")
    names = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
    for a in names:
        for b in names:
            ours = mt.promote_types(getattr(mt, a), getattr(mt, b)).name
            assert ours == str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1]
            theirs = torch.can_cast(getattr(torch, a), getattr(torch, b))
            assert mt.can_cast(getattr(mt, a), getattr(mt, b)) == theirs


TOP_LEVEL = {
    "conv2d": lambda L, x: L.conv2d(x, L.ones(2, 4, 2, 2), None, 1, 1),
    "max_pool2d": lambda L, x: L.max_pool2d(x, 2),
    "pixel_shuffle": lambda L, x: L.pixel_shuffle(x, 2),
    "layer_norm": lambda L, x: L.layer_norm(x, (3, 3)),
    "group_norm": lambda L, x: L.group_norm(x, 2),
    "batch_norm": lambda L, x: L.batch_norm(x, None, None, L.zeros(4), L.ones(4), False, 0.1, 1e-5, True),
    "dropout eval": lambda L, x: L.dropout(x, 0.5, False),
    "relu_": lambda L, x: L.relu_(x.clone()),
    "sigmoid_": lambda L, x: L.sigmoid_(x.clone()),
    "clamp_": lambda L, x: L.clamp_(x.clone(), -1, 1),
    "detach": lambda L, x: L.detach(x),
    "chain_matmul": lambda L, x: L.chain_matmul(x[0, 0], x[0, 1], x[0, 2]),
    "unravel_index": lambda L, x: L.stack(L.unravel_index(L.tensor([5, 7, -1]), (2, 4))),
    "cosine_similarity": lambda L, x: L.cosine_similarity(x, x + 1, 1),
}


@pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated")
@pytest.mark.parametrize("name", list(TOP_LEVEL))
def test_top_level_spellings_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal((1, 4, 3, 3)).astype(np.float32)
    ours = TOP_LEVEL[name](mt, mt.tensor(data))
    theirs = TOP_LEVEL[name](torch, torch.tensor(data))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_compile_broadcast_shapes_and_matmul_precision():
    torch = pytest.importorskip("torch")
    layer = mt.nn.Linear(2, 2)
    assert mt.compile(layer) is layer and mt.compile()(layer) is layer
    assert mt.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
    with pytest.raises(RuntimeError) as ours:
        mt.broadcast_shapes((2, 3), (4,))
    with pytest.raises(RuntimeError) as theirs:
        torch.broadcast_shapes((2, 3), (4,))
    assert str(ours.value) == str(theirs.value)
    try:
        mt.set_float32_matmul_precision("high")
        assert mt.get_float32_matmul_precision() == "high" and mt.backends.cuda.matmul.allow_tf32
    finally:
        mt.set_float32_matmul_precision("highest")
    assert not mt.backends.cuda.matmul.allow_tf32
    with pytest.raises(RuntimeError, match="Invalid precision"):
        mt.set_float32_matmul_precision("low")
