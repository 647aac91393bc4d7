"""scaled_dot_product_attention, MultiheadAttention and the Transformer layers against PyTorch:
PyTorch's weights loaded through state_dict, then outputs and every gradient compared (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv import nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


def _randn(*shape) -> np.ndarray:
    return RNG.standard_normal(shape)


def _pair(a: np.ndarray | None, grad: bool = True):
    """The same float64 data as a PyTorch tensor and as ours (None stays None)."""
    if a is None:
        return None, None
    is_float = a.dtype.kind == "f"
    return (torch.tensor(a, requires_grad=grad and is_float),
            mt.tensor(a, requires_grad=grad and is_float))


def _close(ours, theirs, atol: float = 1e-10) -> None:
    if theirs is None:
        assert ours is None
        return
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9,
                               atol=atol, equal_nan=True)


def _load(ours: nn.Module, theirs) -> None:
    """PyTorch's state_dict into ours; the keys must be the same, in the same order."""
    sd = theirs.state_dict()
    assert list(ours.state_dict().keys()) == list(sd.keys())
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in sd.items()})


def _check_grads(ours: nn.Module, theirs, out_ours, out_theirs, inputs: list) -> None:
    """Backward of one random upstream gradient; inputs' and parameters' gradients compared."""
    g = _randn(*out_theirs.shape)
    out_theirs.backward(torch.tensor(g))
    out_ours.backward(mt.tensor(g))
    for t, m in inputs:
        if t is not None and t.requires_grad:
            _close(m.grad, t.grad)
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is None:
            assert ours_params[name].grad is None or not ours_params[name].grad.numpy().any()
        else:
            _close(ours_params[name].grad, p.grad)


# ------------------------------------------------------------------ scaled_dot_product_attention

SDPA_CASES = [
    ({}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    ({"is_causal": True}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    ({"is_causal": True}, (3, 6, 5), (3, 4, 5), (3, 4, 2)),  # L > S: the first rows see one key
    ({"scale": 0.3}, (4, 5), (6, 5), (6, 3)),  # 2-D, no batch
    ({"bool_mask": (4, 6)}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    ({"float_mask": (3, 4, 6)}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    ({"float_mask": (2, 1, 4, 6)}, (2, 3, 4, 5), (1, 6, 5), (3, 6, 7)),  # broadcast batch dims
    ({"enable_gqa": True}, (2, 4, 3, 5), (2, 2, 6, 5), (2, 1, 6, 7)),
]


@pytest.mark.parametrize("kwargs,qs,ks,vs", SDPA_CASES)
def test_sdpa_matches_torch(kwargs, qs, ks, vs):
    kwargs = dict(kwargs)
    q, k, v = _pair(_randn(*qs)), _pair(_randn(*ks)), _pair(_randn(*vs))
    if "bool_mask" in kwargs:
        mask = RNG.random(kwargs.pop("bool_mask")) > 0.4
        mask[1] = False  # a query that sees no key: zeros, and zero gradients
        kwargs["attn_mask"] = mask
    if "float_mask" in kwargs:
        mask = _randn(*kwargs.pop("float_mask"))
        mask[..., 0, :] = -np.inf  # fully masked row
        mask[..., 1, 2] = -np.inf
        kwargs["attn_mask"] = mask
    tk, mk = dict(kwargs), dict(kwargs)
    inputs = [q, k, v]
    if "attn_mask" in kwargs:
        pair = _pair(kwargs["attn_mask"])
        tk["attn_mask"], mk["attn_mask"] = pair
        inputs.append(pair)
    expected = torch.nn.functional.scaled_dot_product_attention(q[0], k[0], v[0], **tk)
    got = F.scaled_dot_product_attention(q[1], k[1], v[1], **mk)
    assert got.shape == tuple(expected.shape) and got.dtype == mt.float64
    _close(got, expected)
    g = _randn(*expected.shape)
    expected.backward(torch.tensor(g))
    got.backward(mt.tensor(g))
    for t, m in inputs:
        if t.requires_grad:
            _close(m.grad, t.grad)


def test_sdpa_fully_masked_rows_are_zero_not_nan():
    q, k, v = (mt.randn(1, 2, 3, dtype=mt.float64, requires_grad=True) for _ in range(3))
    mask = mt.tensor([[False, False], [True, False]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert out[0, 0].tolist() == [0.0, 0.0, 0.0]
    out.sum().backward()
    assert np.isfinite(q.grad.numpy()).all() and q.grad[0, 0].tolist() == [0.0, 0.0, 0.0]


def test_sdpa_float32_mask_with_float64_query():
    q = mt.randn(2, 3, 4, dtype=mt.float64)
    mask = mt.randn(3, 3)
    got = F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
    tq = torch.tensor(q.numpy())
    expected = torch.nn.functional.scaled_dot_product_attention(tq, tq, tq,
                                                                attn_mask=torch.tensor(mask.numpy()))
    assert got.dtype == mt.float64
    _close(got, expected, atol=1e-7)


def test_sdpa_kernel_context():
    from minitorch_conv.nn.attention import SDPBackend, sdpa_kernel
    q = mt.randn(2, 3, 4)
    with sdpa_kernel([SDPBackend.MATH, SDPBackend.FLASH_ATTENTION]):
        F.scaled_dot_product_attention(q, q, q)
    with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION), pytest.raises(RuntimeError) as ours:
        F.scaled_dot_product_attention(q, q, q)
    tq = torch.randn(2, 3, 4)
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.EFFICIENT_ATTENTION), \
            pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.scaled_dot_product_attention(tq, tq, tq)
    assert str(ours.value) == str(theirs.value)
    assert F.scaled_dot_product_attention(q, q, q).shape == (2, 3, 4)  # restored on exit
    theirs = torch.nn.attention.SDPBackend.__members__
    assert {n: int(b) for n, b in SDPBackend.__members__.items()} == {n: int(b) for n, b in theirs.items()}


def test_sdpa_gradcheck():
    q = mt.randn(2, 3, 4, dtype=mt.float64, requires_grad=True)
    k = mt.randn(2, 5, 4, dtype=mt.float64, requires_grad=True)
    v = mt.randn(2, 5, 3, dtype=mt.float64, requires_grad=True)
    mask = mt.randn(3, 5, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), (q, k, v, mask))
    assert mt.autograd.gradcheck(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
        (q, k, v))
    assert mt.autograd.gradgradcheck(F.scaled_dot_product_attention, (q, k, v))


def test_sdpa_dropout():
    mt.manual_seed(0)
    q, k, v = mt.randn(4, 8, 4), mt.randn(4, 8, 4), mt.randn(4, 8, 4)
    plain = F.scaled_dot_product_attention(q, k, v)
    assert not mt.allclose(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5), plain)
    assert (F.scaled_dot_product_attention(q, k, v, dropout_p=1.0) == 0).all()
    assert mt.equal(F.scaled_dot_product_attention(q, k, v, dropout_p=-0.5), plain)
    with pytest.raises(RuntimeError, match="between 0 and 1, but got 2$"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=2.0)
    with pytest.raises(TypeError):  # scale and enable_gqa are keyword-only, as in PyTorch
        F.scaled_dot_product_attention(q, k, v, None, 0.0, False, 0.5)


@pytest.mark.parametrize("make,kwargs", [
    (lambda: (mt.randn(2, 3, 4), mt.randn(2, 5, 4, dtype=mt.float64), mt.randn(2, 5, 4)), {}),
    (lambda: (mt.randn(4), mt.randn(5, 4), mt.randn(5, 4)), {}),
    (lambda: (mt.randn(3, 4), mt.randn(5, 4), mt.randn(5, 4)),
     {"attn_mask": mt.ones(3, 5, dtype=mt.bool), "is_causal": True}),
    (lambda: (mt.randn(3, 4), mt.randn(5, 4), mt.randn(5, 4)),
     {"attn_mask": mt.ones(3, 5, dtype=mt.int64)}),
    (lambda: (mt.randn(3, 3, 4), mt.randn(2, 5, 4), mt.randn(2, 5, 4)), {"enable_gqa": True}),
    (lambda: (mt.randn(3, 4), mt.randn(5, 4), mt.randn(5, 4)),
     {"attn_mask": mt.zeros(3, 5, dtype=mt.float64)}),  # float32 masks only, or the query's dtype
])
def test_sdpa_errors(make, kwargs):
    args = make()
    with pytest.raises(RuntimeError) as ours:
        F.scaled_dot_product_attention(*args, **kwargs)
    targs = [torch.tensor(a.numpy()) for a in args]
    tkwargs = {k: torch.tensor(v.numpy()) if isinstance(v, mt.Tensor) else v
               for k, v in kwargs.items()}
    from torch.nn.attention import SDPBackend, sdpa_kernel
    with sdpa_kernel(SDPBackend.MATH), pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.scaled_dot_product_attention(*targs, **tkwargs)
    assert str(ours.value).startswith(str(theirs.value).split(",")[0])


# ------------------------------------------------------------------------ MultiheadAttention

def _mha_pair(**kwargs):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(dtype=torch.float64, **kwargs)
    ours = nn.MultiheadAttention(dtype=mt.float64, **kwargs)
    _load(ours, theirs)
    return ours, theirs


MHA_CONFIGS = [
    {"embed_dim": 8, "num_heads": 2},
    {"embed_dim": 8, "num_heads": 4, "batch_first": True},
    {"embed_dim": 6, "num_heads": 3, "kdim": 5, "vdim": 4},
    {"embed_dim": 8, "num_heads": 2, "bias": False},
    {"embed_dim": 8, "num_heads": 2, "add_bias_kv": True, "add_zero_attn": True},
]

MASKS = ["none", "bool_attn", "float_attn", "bool_kpm", "float_kpm", "both_bool", "causal",
         "3d_attn"]


def _masks(kind: str, n: int, heads: int, L: int, S: int, batched: bool, extra: int) -> dict:
    """The mask arguments of one case (numpy arrays); ``extra`` keys come from bias_kv/zero_attn."""
    out = {}
    if kind in ("bool_attn", "both_bool"):
        m = RNG.random((L, S)) > 0.7
        m[:, 0] = False
        out["attn_mask"] = m
    if kind == "float_attn":
        out["attn_mask"] = _randn(L, S)
    if kind == "3d_attn":
        out["attn_mask"] = _randn(n * heads if batched else heads, L, S)
    if kind in ("bool_kpm", "both_bool"):
        m = RNG.random((n, S) if batched else (S,)) > 0.6
        m[..., 0] = False  # no query is left without keys (that case is tested apart)
        out["key_padding_mask"] = m
    if kind == "float_kpm":
        out["key_padding_mask"] = _randn(*((n, S) if batched else (S,)))
    if kind == "causal":
        out["attn_mask"] = np.triu(np.ones((L, S), dtype=bool), 1)
        out["is_causal"] = True
    return out


@pytest.mark.parametrize("config", MHA_CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_matches_torch(config, mask, need_weights, average):
    ours, theirs = _mha_pair(**config)
    E, H = config["embed_dim"], config["num_heads"]
    kdim, vdim = config.get("kdim", E), config.get("vdim", E)
    extra = config.get("add_bias_kv", False) + config.get("add_zero_attn", False)
    n, L, S = 2, 3, 3 if mask == "causal" else 4
    batch_first = config.get("batch_first", False)
    shape = (lambda s, e: (n, s, e)) if batch_first else (lambda s, e: (s, n, e))
    q, k, v = _pair(_randn(*shape(L, E))), _pair(_randn(*shape(S, kdim))), _pair(_randn(*shape(S, vdim)))
    masks = _masks(mask, n, H, L, S, True, extra)
    pairs = {name: _pair(a, grad=False) for name, a in masks.items() if name != "is_causal"}
    tk = {name: p[0] for name, p in pairs.items()}
    mk = {name: p[1] for name, p in pairs.items()}
    if "is_causal" in masks:
        tk["is_causal"] = mk["is_causal"] = True
    common = {"need_weights": need_weights, "average_attn_weights": average}
    out_t, w_t = theirs(q[0], k[0], v[0], **tk, **common)
    out_m, w_m = ours(q[1], k[1], v[1], **mk, **common)
    _close(out_m, out_t)
    _close(w_m, w_t)
    _check_grads(ours, theirs, out_m, out_t, [q, k, v])


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_fully_masked_rows(need_weights):
    """PyTorch's two paths differ: NaN with need_weights (plain softmax), zeros without (SDPA)."""
    ours, theirs = _mha_pair(embed_dim=4, num_heads=2)
    x = _pair(_randn(3, 2, 4))
    kpm = _pair(np.array([[True, True, True], [False, True, False]]), grad=False)
    out_t, w_t = theirs(x[0], x[0], x[0], key_padding_mask=kpm[0], need_weights=need_weights)
    out_m, w_m = ours(x[1], x[1], x[1], key_padding_mask=kpm[1], need_weights=need_weights)
    assert np.isnan(out_m.detach().numpy()[:, 0]).all() == need_weights
    _close(out_m, out_t)
    _close(w_m, w_t)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask", ["none", "bool_kpm", "3d_attn"])
def test_mha_unbatched(need_weights, mask):
    ours, theirs = _mha_pair(embed_dim=6, num_heads=2, batch_first=True)
    x = _pair(_randn(3, 6))
    masks = _masks(mask, 1, 2, 3, 3, False, 0)
    pairs = {name: _pair(a, grad=False) for name, a in masks.items()}
    out_t, w_t = theirs(x[0], x[0], x[0], need_weights=need_weights, average_attn_weights=False,
                        **{n: p[0] for n, p in pairs.items()})
    out_m, w_m = ours(x[1], x[1], x[1], need_weights=need_weights, average_attn_weights=False,
                      **{n: p[1] for n, p in pairs.items()})
    assert out_m.shape == (3, 6)
    _close(out_m, out_t)
    _close(w_m, w_t)
    _check_grads(ours, theirs, out_m, out_t, [x])


def test_mha_parameters_init_and_repr():
    m = nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=3)
    names = [n for n, _ in m.named_parameters()]
    assert names == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k",
                     "bias_v", "out_proj.weight", "out_proj.bias"]
    assert m.in_proj_weight is None and m.k_proj_weight.shape == (8, 3)
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    bound = np.sqrt(6.0 / (8 + 3))  # xavier_uniform_
    assert np.abs(m.k_proj_weight.detach().numpy()).max() <= bound
    same = nn.MultiheadAttention(8, 2, bias=False)
    assert same.in_proj_weight.shape == (24, 8) and same.in_proj_bias is None
    assert same.out_proj.bias is None
    assert repr(same) == repr(torch.nn.MultiheadAttention(8, 2, bias=False))
    assert repr(m) == repr(torch.nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=3))


def test_mha_dropout_only_in_training():
    mt.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = mt.randn(4, 2, 8)
    m.eval()
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    assert mt.equal(a, b)
    m.train()
    c, w = m(x, x, x, average_attn_weights=False)
    assert not mt.allclose(a, c)


@pytest.mark.parametrize("args,exc", [((8, 3), AssertionError), ((0, 2), ValueError),
                                      ((4, -1), ValueError)])
def test_mha_constructor_errors_match_torch(args, exc):
    with pytest.raises(exc) as ours:
        nn.MultiheadAttention(*args)
    with pytest.raises(exc) as theirs:
        torch.nn.MultiheadAttention(*args)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shapes,kwargs,exc", [
    (((3, 2, 6), (3, 2, 6), (3, 2, 6)), {}, AssertionError),  # wrong embed_dim
    (((3, 2, 8), (4, 2, 8), (4, 2, 8)), {"attn_mask": ((3, 3), "bool")}, RuntimeError),
    (((3, 2, 8), (4, 2, 8), (4, 2, 8)), {"attn_mask": ((2, 3, 4), "bool")}, RuntimeError),
    (((3, 2, 8), (4, 2, 8), (4, 2, 8)), {"attn_mask": ((1, 3, 4, 1), "bool")}, AssertionError),
    (((3, 2, 8), (4, 2, 8), (4, 2, 8)), {"key_padding_mask": ((2, 5), "bool")}, AssertionError),
    (((3, 2, 8), (4, 2, 8), (4, 2, 8)), {"attn_mask": ((3, 4), "int64")}, AssertionError),
    (((3, 2, 8), (4, 8), (4, 8)), {}, AssertionError),  # batched query, unbatched key
    (((3, 8), (4, 8), (4, 8)), {"attn_mask": ((3, 3, 4), "bool")}, AssertionError),
    (((3, 2, 8), (4, 2, 8), (5, 2, 8)), {}, AssertionError),  # key and value differ
    (((2, 3, 2, 8), (4, 2, 8), (4, 2, 8)), {}, AssertionError),
    (((3, 2, 8), (4, 2, 8), (4, 2, 8)), {"is_causal": True}, RuntimeError),
])
def test_mha_forward_errors_match_torch(shapes, kwargs, exc):
    ours_m, torch_m = nn.MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)

    def call(module, lib):
        args = [lib.zeros(*s) for s in shapes]
        kw = {k: lib.zeros(*v[0], dtype=getattr(lib, v[1])) if isinstance(v, tuple) else v
              for k, v in kwargs.items()}
        return module(*args, **kw)

    with pytest.raises(exc) as ours:
        call(ours_m, mt)
    with pytest.raises(exc) as theirs:
        call(torch_m, torch)
    assert str(ours.value) == str(theirs.value)


# ------------------------------------------------------------------------------ Transformers

def _layer_pair(cls_name: str, **kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls_name)(dtype=torch.float64, **kwargs)
    ours = getattr(nn, cls_name)(dtype=mt.float64, **kwargs)
    _load(ours, theirs)
    theirs.eval()
    ours.eval()
    return ours, theirs


LAYER_CONFIGS = [
    {},
    {"norm_first": True, "activation": "gelu", "batch_first": True},
    {"bias": False, "layer_norm_eps": 1e-3},
]


@pytest.mark.parametrize("config", LAYER_CONFIGS)
@pytest.mark.parametrize("mask", ["none", "bool", "float_causal", "kpm"])
def test_encoder_layer_and_encoder(config, mask):
    base = {"d_model": 8, "nhead": 2, "dim_feedforward": 12, "dropout": 0.0}
    ours, theirs = _layer_pair("TransformerEncoderLayer", **base, **config)
    batch_first = config.get("batch_first", False)
    n, S = 2, 4
    x = _pair(_randn(*((n, S, 8) if batch_first else (S, n, 8))))
    kw = {}
    if mask == "bool":
        m = RNG.random((S, S)) > 0.6
        np.fill_diagonal(m, False)
        kw["src_mask"] = m
    if mask == "float_causal":
        kw["src_mask"] = torch.nn.Transformer.generate_square_subsequent_mask(
            S, dtype=torch.float64).numpy()
    if mask == "kpm":
        m = np.zeros((n, S), dtype=bool)
        m[0, -1] = True
        kw["src_key_padding_mask"] = m
    pairs = {name: _pair(a, grad=False) for name, a in kw.items()}
    out_t = theirs(x[0], **{k: p[0] for k, p in pairs.items()})
    out_m = ours(x[1], **{k: p[1] for k, p in pairs.items()})
    _close(out_m, out_t)
    _check_grads(ours, theirs, out_m, out_t, [x])

    # the stack of two, with a final norm, and the mask under its TransformerEncoder name
    ours.zero_grad(set_to_none=True)
    theirs.zero_grad(set_to_none=True)
    torch.manual_seed(1)
    t_enc = torch.nn.TransformerEncoder(theirs, 2, norm=torch.nn.LayerNorm(8, dtype=torch.float64),
                                        enable_nested_tensor=False)
    m_enc = nn.TransformerEncoder(ours, 2, norm=nn.LayerNorm(8, dtype=mt.float64),
                                  enable_nested_tensor=False)
    _load(m_enc, t_enc)
    renamed = {"src_mask": "mask"}
    x = _pair(x[0].detach().numpy())
    out_t = t_enc(x[0], **{renamed.get(k, k): p[0] for k, p in pairs.items()})
    out_m = m_enc(x[1], **{renamed.get(k, k): p[1] for k, p in pairs.items()})
    _close(out_m, out_t)
    _check_grads(m_enc, t_enc, out_m, out_t, [x])


@pytest.mark.parametrize("config", LAYER_CONFIGS)
def test_decoder_layer(config):
    base = {"d_model": 8, "nhead": 2, "dim_feedforward": 12, "dropout": 0.0}
    ours, theirs = _layer_pair("TransformerDecoderLayer", **base, **config)
    batch_first = config.get("batch_first", False)
    n, T, S = 2, 3, 4
    tgt = _pair(_randn(*((n, T, 8) if batch_first else (T, n, 8))))
    mem = _pair(_randn(*((n, S, 8) if batch_first else (S, n, 8))))
    causal = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64).numpy()
    tmask = _pair(causal, grad=False)
    kpm = np.zeros((n, S), dtype=bool)
    kpm[1, 0] = True
    mkpm = _pair(kpm, grad=False)
    out_t = theirs(tgt[0], mem[0], tgt_mask=tmask[0], memory_key_padding_mask=mkpm[0],
                   tgt_is_causal=True)
    out_m = ours(tgt[1], mem[1], tgt_mask=tmask[1], memory_key_padding_mask=mkpm[1],
                 tgt_is_causal=True)
    _close(out_m, out_t)
    _check_grads(ours, theirs, out_m, out_t, [tgt, mem])


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(batch_first):
    kw = {"d_model": 8, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 1,
          "dim_feedforward": 12, "dropout": 0.0, "batch_first": batch_first}
    ours, theirs = _layer_pair("Transformer", **kw)
    n, S, T = 2, 5, 3
    src = _pair(_randn(*((n, S, 8) if batch_first else (S, n, 8))))
    tgt = _pair(_randn(*((n, T, 8) if batch_first else (T, n, 8))))
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    ours_mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=mt.float64)
    _close(ours_mask, tmask)
    out_t = theirs(src[0], tgt[0], tgt_mask=tmask)
    out_m = ours(src[1], tgt[1], tgt_mask=ours_mask)
    _close(out_m, out_t)
    _check_grads(ours, theirs, out_m, out_t, [src, tgt])
    with pytest.raises(RuntimeError, match="feature number"):
        ours(mt.randn(*src[1].shape[:2], 4, dtype=mt.float64), tgt[1])


def test_transformer_reprs_and_init():
    layer = dict(d_model=8, nhead=2, dim_feedforward=12)
    assert repr(nn.TransformerEncoderLayer(**layer)) == repr(torch.nn.TransformerEncoderLayer(**layer))
    assert repr(nn.TransformerDecoder(nn.TransformerDecoderLayer(**layer), 2)) == repr(
        torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(**layer), 2))
    with_module = nn.TransformerEncoderLayer(activation=nn.GELU(), **layer)
    assert "(activation): GELU(approximate='none')" in repr(with_module)
    model = nn.Transformer(num_encoder_layers=1, num_decoder_layers=1, **layer)
    tmodel = torch.nn.Transformer(num_encoder_layers=1, num_decoder_layers=1, **layer)
    assert list(model.state_dict()) == list(tmodel.state_dict())
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= np.sqrt(6.0 / (8 + 12))  # xavier_uniform_ over every matrix
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(activation="tanh", **layer)
