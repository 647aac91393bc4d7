"""Recurrent layers (RNN/LSTM/GRU and their cells) and nn.utils.rnn against PyTorch: PyTorch's
weights loaded through state_dict, then outputs and the gradients of inputs, states and every
parameter compared; float64 gradchecks; reprs, parameter names, initialisation and errors."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.nn as nn
from minitorch_conv.nn.utils import rnn as rnn_utils

torch = pytest.importorskip("torch")
TU = torch.nn.utils.rnn


def _flat(out) -> list:
    """Every tensor of a (possibly nested) output, in order."""
    if isinstance(out, (rnn_utils.PackedSequence, TU.PackedSequence)):  # (a tuple itself)
        return [out.data]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _pair_module(cls_name: str, *args, **kwargs):
    """(ours, theirs), ours holding PyTorch's (float64) weights via load_state_dict."""
    theirs = getattr(torch.nn, cls_name)(*args, **kwargs, dtype=torch.float64)
    ours = getattr(nn, cls_name)(*args, **kwargs, dtype=mt.float64)
    state = {k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys
    return ours, theirs


def _states(shapes, rng):
    return [rng.standard_normal(s) for s in shapes]


def _compare(ours, theirs, x_shape, state_shapes=None, lstm=False, seed=0, rtol=1e-9):
    """Same forward values; same gradients (of a random upstream on every output) for the input,
    the initial states and every parameter."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    states = None if state_shapes is None else _states(state_shapes, rng)
    ox, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    o_in, t_in = [ox], [tx]
    o_hx = t_hx = None
    if states is not None:
        o_st = [mt.tensor(s, requires_grad=True) for s in states]
        t_st = [torch.tensor(s, requires_grad=True) for s in states]
        o_in += o_st
        t_in += t_st
        o_hx, t_hx = (tuple(o_st), tuple(t_st)) if lstm else (o_st[0], t_st[0])
    o_out, t_out = _flat(ours(ox, o_hx)), _flat(theirs(tx, t_hx))
    assert len(o_out) == len(t_out)
    for a, b in zip(o_out, t_out):
        assert tuple(a.shape) == tuple(b.shape)
        assert a.dtype == mt.float64
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-12)
    upstream = [rng.standard_normal(tuple(t.shape)) for t in t_out]
    o_params = [p for _, p in ours.named_parameters()]
    t_params = [p for _, p in theirs.named_parameters()]
    got = mt.autograd.grad(o_out, o_in + o_params, [mt.tensor(u) for u in upstream],
                           allow_unused=True)
    want = torch.autograd.grad(t_out, t_in + t_params, [torch.tensor(u) for u in upstream],
                               allow_unused=True)
    assert len(got) == len(want) == len(o_in) + len(o_params)
    for g, w in zip(got, want):
        g = np.zeros(()) if g is None else g.numpy()
        w = np.zeros(()) if w is None else w.numpy()
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-10)


# ----------------------------------------------------------------------------------- cells

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("RNNCell", {"bias": False}),
         ("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}), ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("name,kwargs", CELLS)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cells_match_pytorch(name, kwargs, batched, with_state):
    ours, theirs = _pair_module(name, 3, 4, **kwargs)
    lstm = name == "LSTMCell"
    x_shape, h_shape = ((2, 3), (2, 4)) if batched else ((3,), (4,))
    states = None if not with_state else [h_shape, h_shape] if lstm else [h_shape]
    _compare(ours, theirs, x_shape, states, lstm=lstm)


def test_cell_parameters_and_init():
    mt.manual_seed(0)
    for cls, chunks in ((nn.RNNCell, 1), (nn.LSTMCell, 4), (nn.GRUCell, 3)):
        cell = cls(5, 16)
        names = [n for n, _ in cell.named_parameters()]
        assert names == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        assert tuple(cell.weight_ih.shape) == (chunks * 16, 5)
        assert tuple(cell.weight_hh.shape) == (chunks * 16, 16)
        assert tuple(cell.bias_hh.shape) == (chunks * 16,)
        bound = 1 / math.sqrt(16)
        for p in cell.parameters():
            assert float(p.abs().max()) <= bound
            assert p.dtype == mt.float32
        assert [n for n, _ in cls(5, 16, bias=False).named_parameters()] == ["weight_ih", "weight_hh"]
        assert cls(5, 16, bias=False).bias_ih is None
    assert nn.GRUCell(2, 3, dtype=mt.float64).weight_hh.dtype == mt.float64


def test_cell_reprs():
    assert repr(nn.RNNCell(3, 4)) == repr(torch.nn.RNNCell(3, 4)) == "RNNCell(3, 4)"
    for args, kwargs in (((3, 4), {"bias": False, "nonlinearity": "relu"}),):
        assert repr(nn.RNNCell(*args, **kwargs)) == repr(torch.nn.RNNCell(*args, **kwargs))
    assert repr(nn.LSTMCell(3, 4, bias=False)) == repr(torch.nn.LSTMCell(3, 4, bias=False))
    assert repr(nn.GRUCell(3, 4)) == repr(torch.nn.GRUCell(3, 4))


def _same_error(our_call, their_call):
    with pytest.raises(Exception) as theirs:
        their_call()
    with pytest.raises(Exception) as ours:
        our_call()
    assert type(ours.value) is type(theirs.value)
    want = str(theirs.value).replace("torch.", "minitorch_conv.")
    assert str(ours.value) == want


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors(name):
    ours, theirs = getattr(nn, name)(3, 4), getattr(torch.nn, name)(3, 4)
    lstm = name == "LSTMCell"

    def run(m, lib, x, h=None):
        x = lib.zeros(*x)
        if h is None:
            return m(x)
        return m(x, (lib.zeros(*h), lib.zeros(*h)) if lstm else lib.zeros(*h))

    cases = [((2, 5), None), ((2, 3), (2, 5)), ((2, 3), (3, 4)), ((3,), (2, 4)), ((2, 3, 1), None),
             ((2, 3), (1, 2, 4))]
    for x, h in cases:
        _same_error(lambda x=x, h=h: run(ours, mt, x, h), lambda x=x, h=h: run(theirs, torch, x, h))
    if lstm:  # the cell state is checked too
        _same_error(lambda: ours(mt.zeros(2, 3), (mt.zeros(2, 4), mt.zeros(2, 5))),
                    lambda: theirs(torch.zeros(2, 3), (torch.zeros(2, 4), torch.zeros(2, 5))))


def test_rnn_cell_unknown_nonlinearity():
    _same_error(lambda: nn.RNNCell(3, 4, nonlinearity="gelu")(mt.zeros(3)),
                lambda: torch.nn.RNNCell(3, 4, nonlinearity="gelu")(torch.zeros(3)))
    _same_error(lambda: nn.RNNCell(3, 4, nonlinearity="gelu")(mt.zeros(5)),  # checked first
                lambda: torch.nn.RNNCell(3, 4, nonlinearity="gelu")(torch.zeros(5)))


# ------------------------------------------------------------------------------ full layers

LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]


@pytest.mark.parametrize("name,kwargs", LAYERS)
@pytest.mark.parametrize("num_layers,bidirectional,batch_first",
                         list(itertools.product([1, 2], [False, True], [False, True])))
def test_layers_match_pytorch(name, kwargs, num_layers, bidirectional, batch_first):
    ours, theirs = _pair_module(name, 3, 4, num_layers=num_layers, bidirectional=bidirectional,
                                batch_first=batch_first, **kwargs)
    lstm = name == "LSTM"
    x_shape = (2, 5, 3) if batch_first else (5, 2, 3)
    h_shape = (num_layers * (2 if bidirectional else 1), 2, 4)
    _compare(ours, theirs, x_shape, None, lstm=lstm)
    _compare(ours, theirs, x_shape, [h_shape, h_shape] if lstm else [h_shape], lstm=lstm, seed=1)


@pytest.mark.parametrize("name,kwargs", LAYERS + [("LSTM", {"proj_size": 2})])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_and_no_bias(name, kwargs, batch_first):
    lstm = name == "LSTM"
    ours, theirs = _pair_module(name, 3, 4, num_layers=2, bidirectional=True, bias=False,
                                batch_first=batch_first, **kwargs)
    h = (4, kwargs.get("proj_size", 4))
    _compare(ours, theirs, (5, 3), None, lstm=lstm)
    _compare(ours, theirs, (5, 3), [h, (4, 4)] if lstm else [h], lstm=lstm, seed=2)


@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
def test_lstm_projection(num_layers, bidirectional):
    ours, theirs = _pair_module("LSTM", 3, 5, num_layers=num_layers, bidirectional=bidirectional,
                                proj_size=2)
    d = 2 if bidirectional else 1
    assert tuple(ours.weight_hr_l0.shape) == (2, 5)
    assert tuple(ours.weight_hh_l0.shape) == (20, 2)
    if num_layers == 2:
        assert tuple(ours.weight_ih_l1.shape) == (20, 2 * d)
    _compare(ours, theirs, (4, 2, 3), [(num_layers * d, 2, 2), (num_layers * d, 2, 5)], lstm=True)


def test_gradcheck_lstm_and_gru():
    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h = mt.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    c = mt.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    lstm = nn.LSTM(2, 3, bidirectional=True, dtype=mt.float64)
    params = list(lstm.parameters())  # perturbed in place by gradcheck, so their gradients count

    def run_lstm(x, h, c, *_):
        out, (h_n, c_n) = lstm(x, (h, c))
        return out, h_n, c_n

    assert mt.autograd.gradcheck(run_lstm, (x, h, c, *params))
    gru = nn.GRU(2, 3, num_layers=2, dtype=mt.float64)
    h2 = mt.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    assert mt.autograd.gradcheck(lambda x, h, *_: gru(x, h), (x, h2, *gru.parameters()))
    cell = nn.GRUCell(2, 3, dtype=mt.float64)
    h3 = mt.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    x3 = mt.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    assert mt.autograd.gradcheck(lambda x, h, *_: cell(x, h), (x3, h3, *cell.parameters()))


def test_parameter_names_shapes_and_init():
    mt.manual_seed(0)
    for name in ("RNN", "LSTM", "GRU"):
        kwargs = {"num_layers": 2, "bidirectional": True, "proj_size": 3} if name == "LSTM" else \
            {"num_layers": 2, "bidirectional": True}
        ours, theirs = getattr(nn, name)(5, 8, **kwargs), getattr(torch.nn, name)(5, 8, **kwargs)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
        assert ours._flat_weights_names == theirs._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in ours.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in theirs.all_weights]
        for p in ours.parameters():
            assert float(p.abs().max()) <= 1 / math.sqrt(8)
        assert float(ours.weight_ih_l0.std()) > 0.1  # drawn, not left empty or zero


def test_layer_reprs():
    cases = [("RNN", (3, 4), {}), ("RNN", (3, 4), {"nonlinearity": "relu"}),
             ("LSTM", (3, 4, 2), {"dropout": 0.5, "bidirectional": True, "batch_first": True,
                                  "proj_size": 2, "bias": False}),
             ("GRU", (3, 4), {"num_layers": 3})]
    for name, args, kwargs in cases:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_constructor_errors_and_warning():
    bad = [("RNN", (3, 4), {"nonlinearity": "gelu"}), ("RNN", (3, 4), {"proj_size": 1}),
           ("GRU", (3, 4), {"proj_size": 1}), ("LSTM", (3, 4), {"proj_size": 4}),
           ("LSTM", (3, 4), {"proj_size": -1}), ("LSTM", (3, 0), {}), ("LSTM", (0, 4), {}),
           ("GRU", (3, 4), {"num_layers": 0}), ("GRU", (3, 4), {"dropout": 1.5}),
           ("GRU", (3, 4), {"dropout": True}), ("RNN", (3, 4), {"bias": 1}),
           ("RNN", (3, 4), {"batch_first": None}), ("RNN", (3.0, 4), {})]
    for name, args, kwargs in bad:
        _same_error(lambda n=name, a=args, k=kwargs: getattr(nn, n)(*a, **k),
                    lambda n=name, a=args, k=kwargs: getattr(torch.nn, n)(*a, **k))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.5)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_forward_errors(name):
    ours, theirs = getattr(nn, name)(3, 4), getattr(torch.nn, name)(3, 4)
    lstm = name == "LSTM"

    def run(m, lib, x, h=None, c=None):
        x = lib.zeros(*x)
        if h is None:
            return m(x)
        return m(x, (lib.zeros(*h), lib.zeros(*(c or h)))) if lstm else m(x, lib.zeros(*h))

    cases = [((5, 2, 6), None), ((5, 2, 3), (1, 3, 4)), ((5, 2, 3), (1, 2, 5)), ((5, 3), (1, 1, 4)),
             ((5, 2, 3), (2, 4)), ((5, 2, 3, 1), None), ((3,), None)]
    if lstm:
        cases.append(((5, 2, 3), (1, 2, 4), (1, 2, 5)))
    for case in cases:
        _same_error(lambda c=case: run(ours, mt, *c), lambda c=case: run(theirs, torch, *c))
    _same_error(lambda: ours(mt.zeros(5, 2, 3, dtype=mt.float64)),
                lambda: theirs(torch.zeros(5, 2, 3, dtype=torch.float64)))
    _same_error(lambda: ours(mt.zeros(0, 2, 3)), lambda: theirs(torch.zeros(0, 2, 3)))
    empty_batch = ours(mt.zeros(5, 0, 3))  # an empty batch is fine
    assert tuple(empty_batch[0].shape) == (5, 0, 4)


def test_dropout_between_layers_only_in_training():
    mt.manual_seed(0)
    m = nn.GRU(3, 6, num_layers=2, dropout=0.5, dtype=mt.float64)
    x = mt.randn(4, 2, 3, dtype=mt.float64)
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # a fresh mask each call
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())
    # a single layer has nothing between layers: dropout never applies, even in training
    with pytest.warns(UserWarning):
        single = nn.RNN(3, 6, dropout=0.9, dtype=mt.float64)
    np.testing.assert_array_equal(single(x)[0].detach().numpy(), single(x)[0].detach().numpy())
    # dropout 1 between layers: the second layer sees zeros, so its output ignores the input
    zero = nn.RNN(3, 6, num_layers=2, dropout=1.0, dtype=mt.float64)
    y1, y2 = zero(x)[0], zero(x * 3)[0]
    np.testing.assert_allclose(y1.detach().numpy(), y2.detach().numpy())


def test_training_step_and_to_dtype():
    mt.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    out, (h, c) = m(mt.randn(2, 5, 3))
    (out.sum() + h.sum() + c.sum()).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in m.parameters())
    m.double()
    assert m(mt.randn(2, 5, 3, dtype=mt.float64))[0].dtype == mt.float64
    assert all(p.dtype == mt.float64 for p in m.all_weights[0])


# ------------------------------------------------------------------------------ nn.utils.rnn

def _seqs(lengths, feat=(3,), seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, *feat)) for n in lengths]
    return ([mt.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _check_grads(our_out, their_out, our_in, their_in, seed=1):
    rng = np.random.default_rng(seed)
    up = rng.standard_normal(tuple(their_out.shape))
    got = mt.autograd.grad([our_out], our_in, [mt.tensor(up)], retain_graph=True)
    want = torch.autograd.grad([their_out], their_in, [torch.tensor(up)], retain_graph=True)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    ours, theirs = _seqs([2, 4, 1], feat=(2, 3))
    o = rnn_utils.pad_sequence(ours, batch_first, -1.5, padding_side)
    t = TU.pad_sequence(theirs, batch_first, -1.5, padding_side)
    np.testing.assert_array_equal(o.detach().numpy(), t.detach().numpy())
    _check_grads(o, t, ours, theirs)
    ints = rnn_utils.pad_sequence([mt.tensor([1, 2]), mt.tensor([3])], batch_first=True)
    assert ints.dtype == mt.int64 and ints.tolist() == [[1, 2], [3, 0]]


def test_pad_sequence_errors():
    _same_error(lambda: rnn_utils.pad_sequence([]), lambda: TU.pad_sequence([]))
    with pytest.raises(RuntimeError):
        rnn_utils.pad_sequence([mt.zeros(2, 3), mt.zeros(2, 4)])
    with pytest.raises(ValueError):
        rnn_utils.pad_sequence([mt.zeros(2)], padding_side="middle")


@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [4, 2, 2, 1]), (False, [2, 4, 1, 2])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_packed(enforce_sorted, lengths, batch_first):
    ours, theirs = _seqs(lengths)
    o_pad = rnn_utils.pad_sequence(ours, batch_first)
    t_pad = TU.pad_sequence(theirs, batch_first)
    o = rnn_utils.pack_padded_sequence(o_pad, lengths, batch_first, enforce_sorted)
    t = TU.pack_padded_sequence(t_pad, torch.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(o.data.detach().numpy(), t.data.detach().numpy())
    assert o.batch_sizes.tolist() == t.batch_sizes.tolist()
    for a, b in ((o.sorted_indices, t.sorted_indices), (o.unsorted_indices, t.unsorted_indices)):
        assert (a is None and b is None) or a.tolist() == b.tolist()
    _check_grads(o.data, t.data, ours, theirs)
    o_back, o_len = rnn_utils.pad_packed_sequence(o, batch_first, 7.0, total_length=6)
    t_back, t_len = TU.pad_packed_sequence(t, batch_first, 7.0, total_length=6)
    np.testing.assert_array_equal(o_back.detach().numpy(), t_back.detach().numpy())
    assert o_len.tolist() == t_len.tolist() == lengths and o_len.dtype == mt.int64
    _check_grads(o_back, t_back, ours, theirs)
    unpacked = rnn_utils.unpack_sequence(o)
    assert [tuple(s.shape) for s in unpacked] == [(n, 3) for n in lengths]
    np.testing.assert_array_equal(unpacked[1].detach().numpy(), ours[1].detach().numpy())
    packed = rnn_utils.pack_sequence(ours, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(packed.data.detach().numpy(), o.data.detach().numpy())


def test_packing_errors():
    x, tx = mt.zeros(3, 2, 1), torch.zeros(3, 2, 1)
    _same_error(lambda: rnn_utils.pack_padded_sequence(x, [1, 2]),
                lambda: TU.pack_padded_sequence(tx, [1, 2]))
    _same_error(lambda: rnn_utils.pack_padded_sequence(x, [2, 0]),
                lambda: TU.pack_padded_sequence(tx, [2, 0]))
    _same_error(lambda: rnn_utils.pack_padded_sequence(x, [3, 2, 1]),
                lambda: TU.pack_padded_sequence(tx, [3, 2, 1]))
    packed = rnn_utils.pack_padded_sequence(x, [3, 2])
    tpacked = TU.pack_padded_sequence(tx, [3, 2])
    _same_error(lambda: rnn_utils.pad_packed_sequence(packed, total_length=2),
                lambda: TU.pad_packed_sequence(tpacked, total_length=2))


@pytest.mark.parametrize("name,kwargs", [("RNN", {}), ("LSTM", {}), ("GRU", {}),
                                         ("LSTM", {"proj_size": 2})])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_layers_on_packed_sequences(name, kwargs, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    ours, theirs = _pair_module(name, 3, 4, num_layers=2, bidirectional=True, **kwargs)
    o_seqs, t_seqs = _seqs(lengths, seed=3)
    lstm = name == "LSTM"
    h = kwargs.get("proj_size", 4)
    rng = np.random.default_rng(4)
    st = [rng.standard_normal((4, 4, h))] + ([rng.standard_normal((4, 4, 4))] if lstm else [])
    o_st = [mt.tensor(s, requires_grad=True) for s in st]
    t_st = [torch.tensor(s, requires_grad=True) for s in st]
    o_in = rnn_utils.pack_sequence(o_seqs, enforce_sorted=enforce_sorted)
    t_in = TU.pack_sequence(t_seqs, enforce_sorted=enforce_sorted)
    o_out = ours(o_in, tuple(o_st) if lstm else o_st[0])
    t_out = theirs(t_in, tuple(t_st) if lstm else t_st[0])
    assert isinstance(o_out[0], rnn_utils.PackedSequence)
    assert o_out[0].batch_sizes.tolist() == t_out[0].batch_sizes.tolist()
    o_flat, t_flat = _flat(o_out), _flat(t_out)
    for a, b in zip(o_flat, t_flat):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)
    up = [rng.standard_normal(tuple(t.shape)) for t in t_flat]
    o_wrt = o_seqs + o_st + list(ours.parameters())
    t_wrt = t_seqs + t_st + list(theirs.parameters())
    got = mt.autograd.grad(o_flat, o_wrt, [mt.tensor(u) for u in up])
    want = torch.autograd.grad(t_flat, t_wrt, [torch.tensor(u) for u in up])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-9, atol=1e-10)
    # no initial state: zeros, as PyTorch
    o_zero, t_zero = _flat(ours(o_in)), _flat(theirs(t_in))
    for a, b in zip(o_zero, t_zero):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)
