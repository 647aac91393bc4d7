"""Attention: ``F.scaled_dot_product_attention``, ``F.multi_head_attention_forward`` and
``nn.MultiheadAttention``, with PyTorch's arguments, parameter names, mask conventions and errors;
``SDPBackend`` and ``sdpa_kernel`` as in ``torch.nn.attention``.

Everything is written with differentiable ops (``matmul``, ``softmax``, ``where``, ``dropout``,
``linear``), so autograd gives the gradients of inputs, masks (float ones) and weights.

Notation: N batch, H heads, L target (query) length, S source (key) length, E embedding size
(``embed_dim``), D = E / H the size of one head, Ev the size of a value.

    scores  = q k^T * scale + mask                      (..., L, S)
    weights = softmax(scores, -1)   (a row whose scores are all -inf gives zeros, as PyTorch's math
                                     kernel's "safe softmax" does)
    out     = dropout(weights) v                        (..., L, Ev)

Masks: in ``scaled_dot_product_attention`` a boolean mask is True where a key **takes part**; in
``MultiheadAttention`` (and ``multi_head_attention_forward``) a boolean ``attn_mask`` or
``key_padding_mask`` is True where a key is **left out**. Float masks are added to the scores in both.

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
>>> out, weights = mha(mt.randn(3, 5, 8), mt.randn(3, 7, 8), mt.randn(3, 7, 8))
>>> out.shape, weights.shape
(minitorch_conv.Size([3, 5, 8]), minitorch_conv.Size([3, 5, 7]))
"""

from __future__ import annotations

import contextlib
import enum
import math
import warnings

from .. import creation
from .._arguments import parse_args
from ..backends.dtypes import bool_
from ..ops import shape as _shape
from ..tensor import Tensor
from . import init
from .functional import dropout, linear, pad, softmax
from .linear import Linear
from .module import Module, Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "SDPBackend",
           "multi_head_attention_forward", "scaled_dot_product_attention", "sdpa_kernel"]


class SDPBackend(enum.IntEnum):
    """PyTorch's ``torch.nn.attention.SDPBackend``. Only ``MATH`` exists here: the other names are
    accepted by :func:`sdpa_kernel` so that PyTorch code runs, and choosing none of them but those
    makes ``scaled_dot_product_attention`` raise, as PyTorch does without a viable kernel."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_enabled_backends: frozenset = frozenset(SDPBackend) - {SDPBackend.ERROR}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Within the block, ``scaled_dot_product_attention`` may use only ``backends`` (one
    SDPBackend or a list), PyTorch's ``torch.nn.attention.sdpa_kernel``; ``set_priority`` is
    accepted (there is one kernel here, the math one).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.attention import SDPBackend, sdpa_kernel
    >>> q = mt.randn(2, 3, 4)
    >>> with sdpa_kernel(SDPBackend.MATH):
    ...     mt.nn.functional.scaled_dot_product_attention(q, q, q).shape
    minitorch_conv.Size([2, 3, 4])
    """
    global _enabled_backends
    chosen = [backends] if isinstance(backends, SDPBackend) else list(backends)
    if not all(isinstance(b, SDPBackend) for b in chosen):
        raise AssertionError("Backend must be an instance of SDPBackend")
    previous, _enabled_backends = _enabled_backends, frozenset(chosen)
    try:
        yield {}
    finally:
        _enabled_backends = previous

_CPP_TYPE_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half",
                   "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
                   "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                   "bool": "bool"}


def _cpp_name(t: Tensor) -> str:
    return _CPP_TYPE_NAMES.get(t.dtype.name, t.dtype.name)


def _check_sdpa_inputs(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None,
                       is_causal: bool) -> None:
    """The checks of PyTorch's math kernel, with its messages."""
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_cpp_name(query)} key.dtype: {_cpp_name(key)} and value.dtype: {_cpp_name(value)} "
            "instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found {query.dtype.name.capitalize()}")
    if attn_mask is not None:
        if attn_mask.dtype.name not in ("bool", "float32") and attn_mask.dtype != query.dtype:
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_cpp_name(attn_mask)} and  query.dtype: {_cpp_name(query)} "
                "instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                               "when is_causal=True")


@parse_args("Tensor query, Tensor key, Tensor value, Tensor? attn_mask, float dropout_p, "
            "bool is_causal, *, float? scale, bool enable_gqa")
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value`` over the last two dimensions; the leading
    (batch, head) dimensions broadcast.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). ``scale`` defaults to
    1/sqrt(E). A boolean ``attn_mask`` is True where a key takes part, a float one is added to the
    scores; ``is_causal`` keeps key j <= i for query i (top-left aligned) and may not be combined
    with ``attn_mask``. A query that no key may see gives zeros, as PyTorch's math kernel does.
    ``dropout_p`` > 0 drops attention weights (always: there is no training flag).
    ``enable_gqa`` repeats the heads (dim -3) of key and value to the number of query heads.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> q = mt.tensor([[[1.0, 0.0]]])
    >>> k = mt.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    >>> v = mt.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    >>> F.scaled_dot_product_attention(q, k, v, scale=0.0)
    tensor([[[2., 3.]]])
    >>> F.scaled_dot_product_attention(q, k, v, attn_mask=mt.tensor([[False, True]]))
    tensor([[[3., 4.]]])
    """
    _check_sdpa_inputs(query, key, value, attn_mask, is_causal)
    if SDPBackend.MATH not in _enabled_backends:
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is "
                           "likely due to turning off both the math kernel and the fused kernels.")
    if dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p:g}")
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    scale_factor = 1.0 / math.sqrt(E) if scale is None else scale
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3 and value.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk != 0 or hq % hv != 0:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in "
                               f"query (query: {hq}, key: {hk}, value: {hv})")
        if hk != hq:
            key = key.repeat_interleave(hq // hk, dim=-3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, dim=-3)
    scores = query.matmul(key.transpose(-2, -1)) * scale_factor
    neg_inf = float("-inf")
    if is_causal:
        keep = creation.ones(L, S, dtype=bool_, device=query.device).tril()
        scores = scores.masked_fill(keep.logical_not(), neg_inf)
    elif attn_mask is not None:
        if attn_mask.dtype.name == "bool":
            scores = scores.where(attn_mask, neg_inf)
        else:
            scores = scores + attn_mask
    # "safe softmax": a row of -inf scores (no key to attend to) gives zero weights and no NaN
    # in either pass; it is first set to 0 so that softmax and its backward stay finite.
    empty = (scores.detach() == neg_inf).all(-1, keepdim=True)
    if bool(empty.any()):
        weights = softmax(scores.masked_fill(empty, 0.0), -1).masked_fill(empty, 0.0)
    else:
        weights = softmax(scores, -1)
    if dropout_p > 0.0:  # (a negative p is no dropout, as in PyTorch's kernel)
        weights = dropout(weights, dropout_p, training=True)
    return weights.matmul(value)


# ------------------------------------------------------------------ multi-head attention

def _canonical_mask(mask: Tensor | None, mask_name: str, other: Tensor | None, other_name: str,
                    target_dtype, check_other: bool = True) -> Tensor | None:
    """A boolean mask (True = left out) as a float one (-inf = left out), of ``target_dtype``."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype.name != "bool" and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other is not None and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if not is_float:
        mask = creation.zeros(mask.shape, dtype=target_dtype, device=mask.device).masked_fill(
            mask, float("-inf"))
    return mask


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                     attn_mask: Tensor | None, num_heads: int) -> bool:
    """PyTorch's checks of the dimensions; True for batched (3-D) input."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but "
                                 f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` "
                                 f"or 2-D but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or "
                                 f"3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D "
                                 f"but found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 1-D but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, "
                                     f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{_torch_size(attn_mask.shape)}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _torch_size(shape) -> str:
    """A shape as PyTorch prints one in these messages: ``torch.Size([2, 3])``."""
    return f"torch.Size({list(shape)})"


def _in_projection(query: Tensor, key: Tensor, value: Tensor, w_q: Tensor, w_k: Tensor,
                   w_v: Tensor, b: Tensor | None) -> tuple:
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True, key_padding_mask: Tensor | None = None,
        need_weights: bool = True, attn_mask: Tensor | None = None,
        use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
        k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
        static_k: Tensor | None = None, static_v: Tensor | None = None,
        average_attn_weights: bool = True, is_causal: bool = False) -> tuple:
    """The computation of ``nn.MultiheadAttention`` (sequence-first: query (L, N, E), key (S, N, Ek),
    value (S, N, Ev), or unbatched (L, E), ...); returns ``(attn_output, attn_weights)``, the weights
    None unless ``need_weights``, averaged over heads unless ``average_attn_weights=False``.

    Boolean masks are True where a key is left out; ``attn_mask`` is (L, S) or (N*H, L, S),
    ``key_padding_mask`` (N, S). ``is_causal`` is only a hint that ``attn_mask`` is the causal mask.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> E, H = 4, 2
    >>> x = mt.randn(3, 2, E)
    >>> out, w = F.multi_head_attention_forward(x, x, x, E, H, mt.randn(3 * E, E), mt.zeros(3 * E),
    ...                                         None, None, False, 0.0, mt.randn(E, E), mt.zeros(E))
    >>> out.shape, w.shape
    (minitorch_conv.Size([3, 2, 4]), minitorch_conv.Size([2, 3, 3]))
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask",
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to create "
                           "this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone: scaled_dot_product_attention builds the causal mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got "
                             f"{embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {_torch_size(key.shape[:2])} do not "
                                 f"match value's {_torch_size(value.shape[:2])}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            missing = next(n for n, w in (("q", q_proj_weight), ("k", k_proj_weight),
                                          ("v", v_proj_weight)) if w is None)
            raise AssertionError(f"use_separate_proj_weight is True but {missing}_proj_weight is None")
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight,
                                 in_proj_bias)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {_torch_size(key.shape)} does not match value shape "
                                 f"{_torch_size(value.shape)}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection(query, key, value, *in_proj_weight.chunk(3), in_proj_bias)

    if attn_mask is not None:  # as (1 or N*H, L, S)
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {_torch_size(attn_mask.shape)}, "
                                   f"but should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {_torch_size(attn_mask.shape)}, "
                                   f"but should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:  # one more key and value, (1, N, E) each
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = _shape.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _shape.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    # (L, N, E) -> (N*H, L, D)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, "k", bsz * num_heads, head_dim)
    v = _heads(v, static_v, "v", bsz * num_heads, head_dim)
    if add_zero_attn:  # one more key and value of zeros
        zeros = creation.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k = _shape.cat([k, zeros], 1)
        v = _shape.cat([v, zeros], 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights:  # the explicit path: plain softmax (a fully masked row gives NaN, as in PyTorch)
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        scores = q_scaled.matmul(k.transpose(-2, -1))
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = weights.matmul(v)  # (N*H, L, D)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:  # (1 or N*H, L, S) -> (1 or N, H, L, S)
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _heads(t: Tensor, static: Tensor | None, name: str, bh: int, head_dim: int) -> Tensor:
    """(S, N, E) -> (N*H, S, D), or the given ``static_k`` / ``static_v`` after PyTorch's checks."""
    if static is None:
        return t.reshape(t.shape[0], bh, head_dim).transpose(0, 1)
    if static.size(0) != bh:
        raise AssertionError(f"expecting static_{name}.size(0) of {bh}, but got {static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{static.size(2)}")
    return static


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives the output projection of ``MultiheadAttention``."""


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads``, PyTorch's
    ``nn.MultiheadAttention``.

    Parameters, named as PyTorch's: ``in_proj_weight`` (3E, E) when ``kdim == vdim == embed_dim``,
    else ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim);
    ``in_proj_bias`` (3E,) and ``out_proj`` (a Linear(E, E)); ``bias_k``, ``bias_v`` (1, 1, E) with
    ``add_bias_kv``. Initialised as PyTorch does: xavier_uniform_ projections, zero biases,
    xavier_normal_ ``bias_k`` / ``bias_v``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(attn_output, attn_weights)``: output
    (L, N, E) (or (N, L, E) with ``batch_first``, (L, E) unbatched); weights (N, L, S) averaged over
    heads, (N, H, L, S) with ``average_attn_weights=False``, None with ``need_weights=False``.
    Boolean masks are True where a key is left out.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv import nn
    >>> mha = nn.MultiheadAttention(4, 2, kdim=3)
    >>> mha
    MultiheadAttention(
      (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
    )
    >>> x = mt.randn(5, 4)
    >>> out, w = mha(x, mt.randn(6, 3), mt.randn(6, 4), average_attn_weights=False)
    >>> out.shape, w.shape
    (minitorch_conv.Size([5, 4]), minitorch_conv.Size([2, 5, 6]))
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")

        def empty(*size: int) -> Parameter:
            return Parameter(creation.empty(*size, device=device, dtype=dtype))

        if not self._qkv_same_embed_dim:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k / bias_v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        is_batched = query.dim() == 3
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask,
                                           "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if self.batch_first and is_batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and is_batched:
            out = out.transpose(1, 0)
        return out, weights
