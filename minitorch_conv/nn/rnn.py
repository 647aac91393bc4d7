"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step cells ``RNNCell``,
``LSTMCell``, ``GRUCell``, with PyTorch's arguments, parameter names, gate order and errors.

Every step is written with differentiable ops (``F.linear``, ``sigmoid``, ``tanh``, ``relu``,
``cat``, ``stack``), so autograd gives the gradients of inputs, states and weights. The input
projection of a whole sequence is one GEMM per layer and direction; only the hidden-to-hidden
product runs step by step.

Notation: T time steps, B batch, I input size, H hidden size, P projection size (LSTM, 0 = none),
G = gates * H (1 for RNN, 4 for LSTM in the order i, f, g, o, 3 for GRU in the order r, z, n),
D = 2 if bidirectional else 1, L layers.

    RNN:  h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)            (or relu)
    LSTM: i, f, g, o = sigma, sigma, tanh, sigma of (x W_ih^T + b_ih + h W_hh^T + b_hh)
          c' = f * c + i * g,   h' = o * tanh(c')   (then h' W_hr^T with a projection)
    GRU:  r, z = sigma(x W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T + b_h{r,z})
          n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)),   h' = (1 - z) * n + z * h

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> lstm = nn.LSTM(10, 20, num_layers=2)
>>> output, (h_n, c_n) = lstm(mt.randn(5, 3, 10))
>>> output.shape, h_n.shape, c_n.shape
(minitorch_conv.Size([5, 3, 20]), minitorch_conv.Size([2, 3, 20]), minitorch_conv.Size([2, 3, 20]))
"""

from __future__ import annotations

import math
import numbers
import warnings

from .. import creation
from ..ops import shape as _shape
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _empty_parameter(size: tuple, device, dtype) -> Parameter:
    return Parameter(creation.empty(size, device=device, dtype=dtype))


# ----------------------------------------------------------------------------- one time step
# gi: (B, G), the input projection x W_ih^T + b_ih (computed for all steps at once); h, c: (B, H)
# (h is (B, P) with an LSTM projection); the weights as named in the notation above.

def _rnn_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, relu: bool) -> Tensor:
    pre = gi + F.linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def _lstm_step(gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None) -> tuple:
    h, c = state
    i, f, g, o = (gi + F.linear(h, w_hh, b_hh)).chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (h - n)


# ------------------------------------------------------------------------------------ cells

class RNNCellBase(Module):
    """What the three cells share: ``weight_ih`` (G, I), ``weight_hh`` (G, H), ``bias_ih`` and
    ``bias_hh`` (G,), all drawn from U(-1/sqrt(H), 1/sqrt(H)); input and state checks."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _empty_parameter((num_chunks * hidden_size, input_size), device, dtype)
        self.weight_hh = _empty_parameter((num_chunks * hidden_size, hidden_size), device, dtype)
        if bias:
            self.bias_ih = _empty_parameter((num_chunks * hidden_size,), device, dtype)
            self.bias_hh = _empty_parameter((num_chunks * hidden_size,), device, dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batched(self, input: Tensor, states: list, what: list) -> tuple:  # noqa: A002
        """PyTorch's dimension checks; unbatched (1-D) input and states get a batch of one; missing
        states are zeros. The sizes are checked apart (``_check_sizes``), as PyTorch's kernel does."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for label, s in zip(what, states):
            if s is not None and s.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {s.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)  # noqa: A001
            states = [None if s is None else s.unsqueeze(0) for s in states]
        if states[0] is None:
            zeros = creation.zeros(input.shape[0], self.hidden_size, dtype=input.dtype,
                                   device=input.device)
            states = [zeros for _ in states]
        return input, states, is_batched

    def _check_sizes(self, input: Tensor, states: list) -> None:  # noqa: A002
        """The checks of PyTorch's cell kernels: input size, then each state's batch and size."""
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}"
            )
        for k, s in enumerate(states):
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(
                    f"Input batch size {input.shape[0]} doesn't match hidden{k} batch size "
                    f"{s.shape[0]}"
                )
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{k} has inconsistent hidden_size: got {s.shape[1]}, "
                    f"expected {self.hidden_size}"
                )


class RNNCell(RNNCellBase):
    """One Elman RNN step, ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ``relu``).

    Input (B, I) or (I,); ``hx`` (B, H) or (H,), zeros when omitted; returns h' of the same form.

    >>> import minitorch_conv as mt
    >>> cell = mt.nn.RNNCell(10, 20, nonlinearity="relu")
    >>> cell
    RNNCell(10, 20, nonlinearity=relu)
    >>> cell(mt.randn(3, 10)).shape
    minitorch_conv.Size([3, 20])
    """

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, (hx,), is_batched = self._batched(input, [hx], ["hidden"])  # noqa: A001
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        self._check_sizes(input, [hx])
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        h = _rnn_step(gi, hx, self.weight_hh, self.bias_hh, self.nonlinearity == "relu")
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; gates in PyTorch's order i, f, g, o (rows of ``weight_ih`` / ``weight_hh``).

    Input (B, I) or (I,); ``hx = (h, c)`` each (B, H) or (H,), zeros when omitted; returns (h', c').

    >>> import minitorch_conv as mt
    >>> cell = mt.nn.LSTMCell(10, 20)
    >>> h, c = cell(mt.randn(3, 10))
    >>> h.shape, cell.weight_ih.shape
    (minitorch_conv.Size([3, 20]), minitorch_conv.Size([80, 10]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:  # noqa: A002
        states = [None, None] if hx is None else list(hx)
        input, states, is_batched = self._batched(input, states, ["hx[0]", "hx[1]"])  # noqa: A001
        self._check_sizes(input, states)
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        h, c = _lstm_step(gi, tuple(states), self.weight_hh, self.bias_hh, None)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; gates in PyTorch's order r, z, n, with ``n = tanh(W_in x + b_in + r * (W_hn h
    + b_hn))`` and ``h' = (1 - z) * n + z * h``.

    Input (B, I) or (I,); ``hx`` (B, H) or (H,), zeros when omitted; returns h'.

    >>> import minitorch_conv as mt
    >>> cell = mt.nn.GRUCell(10, 20, bias=False)
    >>> cell
    GRUCell(10, 20, bias=False)
    >>> cell(mt.randn(10)).shape
    minitorch_conv.Size([20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, (hx,), is_batched = self._batched(input, [hx], ["hidden"])  # noqa: A001
        self._check_sizes(input, [hx])
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        h = _gru_step(gi, hx, self.weight_hh, self.bias_hh)
        return h if is_batched else h.squeeze(0)


# ----------------------------------------------------------------------------- full layers

class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: argument checks, the parameters
    ``weight_ih_l{k}[_reverse]`` (G, I or D*H or D*P), ``weight_hh_l{k}[_reverse]`` (G, H or P),
    ``bias_ih_l{k}`` / ``bias_hh_l{k}`` (G,) and ``weight_hr_l{k}`` (P, H), all drawn from
    U(-1/sqrt(H), 1/sqrt(H)); and the layer-by-layer, direction-by-direction loop."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}",
                UserWarning, stacklevel=3,
            )
        for label, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{label} should be of type bool, got: {type(value).__name__}")
        for label, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{label} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{label} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        num_directions = 2 if bidirectional else 1
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {"weight_ih": (gate_size, layer_input_size),
                          "weight_hh": (gate_size, real_hidden_size)}
                if bias:
                    shapes["bias_ih"] = (gate_size,)
                    shapes["bias_hh"] = (gate_size,)
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, size in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, _empty_parameter(size, device, dtype))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters, one list per layer and direction, in ``_flat_weights_names`` order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op (PyTorch compacts cuDNN's weight buffer here; there is no cuDNN path)."""

    def reset_parameters(self) -> None:
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- checks (PyTorch's messages)
    def check_input(self, input: Tensor, batch_sizes) -> None:  # noqa: A002
        weight = self._flat_weights[0]
        if input.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: model.to({input.dtype})"
            )
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. "
                f"Expected {self.input_size}, got {input.shape[-1]}"
            )

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple:  # noqa: A002
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.shape[0] if self.batch_first else input.shape[1]
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.shape)))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes) -> None:  # noqa: A002
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    # ---- the computation
    def _prepare(self, input, hx, states: int):  # noqa: A002
        """Unpack a PackedSequence or add the batch dimension of unbatched input; returns
        (input, hx list or None, batch_sizes, sorted_indices, unsorted_indices, is_batched)."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in batch_sizes.tolist()]
            if hx is not None and sorted_indices is not None:
                hx = [h.index_select(1, sorted_indices) for h in hx]
            return data, hx, batch_sizes, sorted_indices, unsorted_indices, True
        if input.dim() not in (2, 3):
            tail = " tensor instead" if name == "RNN" else " instead"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
        is_batched = input.dim() == 3
        if not is_batched:
            input = input.unsqueeze(0 if self.batch_first else 1)  # noqa: A001
        if hx is not None:
            want = 3 if is_batched else 2
            if any(h.dim() != want for h in hx):
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                if states == 1:
                    raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                       f"{hx[0].dim()}-D tensor")
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            if not is_batched:
                hx = [h.unsqueeze(1) for h in hx]
        return input, hx, None, None, None, is_batched

    def _zeros(self, input: Tensor, batch_sizes, size: int) -> Tensor:  # noqa: A002
        if batch_sizes is not None:
            batch = batch_sizes[0]
        else:
            batch = input.shape[0] if self.batch_first else input.shape[1]
        num_directions = 2 if self.bidirectional else 1
        return creation.zeros(self.num_layers * num_directions, batch, size, dtype=input.dtype,
                              device=input.device)

    def _run(self, input: Tensor, hx: list, batch_sizes) -> tuple:  # noqa: A002
        """All layers and directions. ``input`` is (T, B, I) ((B, T, I) batch first) or packed
        data (sum of lengths, I); ``hx`` holds (L*D, B, H) states. Returns (output, final states)."""
        if batch_sizes is None and self.batch_first:
            input = input.transpose(0, 1)  # noqa: A001
        if batch_sizes is None and input.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        num_directions = 2 if self.bidirectional else 1
        weights = self._flat_weights
        per_direction = len(weights) // (self.num_layers * num_directions)
        layer_input = input
        finals: list[list[Tensor]] = [[] for _ in hx]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                w = weights[k * per_direction:(k + 1) * per_direction]
                w_ih, w_hh = w[0], w[1]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                w_hr = w[-1] if self.proj_size > 0 else None
                gi = F.linear(layer_input, w_ih, b_ih)
                out, last = self._direction(gi, [h[k] for h in hx], batch_sizes, direction == 1,
                                            w_hh, b_hh, w_hr)
                outputs.append(out)
                for store, state in zip(finals, last):
                    store.append(state)
            layer_input = outputs[0] if num_directions == 1 else _shape.cat(outputs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        if batch_sizes is None and self.batch_first:
            output = output.transpose(0, 1)
        return output, [_shape.stack(store, 0) for store in finals]

    def _direction(self, gi: Tensor, state: list, batch_sizes, reverse: bool, w_hh, b_hh, w_hr):
        """One direction of one layer over time. ``gi``: (T, B, G) or packed (sum, G); ``state``:
        the initial (B, H) tensors. Returns (outputs (T, B, H) or (sum, H), final states)."""
        if batch_sizes is None:
            steps = list(gi.unbind(0))
            sizes = [gi.shape[1]] * len(steps)
        else:
            steps = list(gi.split(batch_sizes, 0))
            sizes = batch_sizes
        order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
        outs: list = [None] * len(steps)
        initial = state
        # forward: finished sequences (the tail rows) drop out; reverse: new ones join at the tail
        current = state if not reverse or not sizes else [s[:sizes[-1]] for s in state]
        finished: list[list[Tensor]] = [[] for _ in state]
        for t in order:
            bs, rows = sizes[t], current[0].shape[0]
            if bs < rows:
                for store, s in zip(finished, current):
                    store.append(s[bs:])
                current = [s[:bs] for s in current]
            elif bs > rows:
                current = [_shape.cat([s, s0[rows:bs]], 0) for s, s0 in zip(current, initial)]
            current = self._cell(steps[t], current, w_hh, b_hh, w_hr)
            outs[t] = current[0]
        finals = [_shape.cat([s, *reversed(store)], 0) if store else s
                  for s, store in zip(current, finished)]
        output = _shape.stack(outs, 0) if batch_sizes is None else _shape.cat(outs, 0)
        return output, finals

    def _cell(self, gi: Tensor, state: list, w_hh, b_hh, w_hr) -> list:
        if self.mode == "LSTM":
            return list(_lstm_step(gi, tuple(state), w_hh, b_hh, w_hr))
        if self.mode == "GRU":
            return [_gru_step(gi, state[0], w_hh, b_hh)]
        return [_rnn_step(gi, state[0], w_hh, b_hh, self.mode == "RNN_RELU")]

    def _forward_single(self, input, hx=None):  # noqa: A002
        """RNN and GRU: one state tensor."""
        orig_input = input
        input, hx, batch_sizes, sorted_indices, unsorted_indices, is_batched = self._prepare(  # noqa: A001
            input, None if hx is None else [hx], 1)
        hx = self._zeros(input, batch_sizes, self.hidden_size) if hx is None else hx[0]
        self.check_forward_args(input, hx, batch_sizes)
        output, (h_n,) = self._run(input, [hx], batch_sizes)
        if isinstance(orig_input, PackedSequence):
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
            return PackedSequence(output, orig_input.batch_sizes, sorted_indices, unsorted_indices), h_n
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            h_n = h_n.squeeze(1)
        return output, h_n


class RNN(RNNBase):
    """A multi-layer Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, device=None, dtype=None)``. Input (T, B, I) ((B, T, I) with
    ``batch_first``), (T, I) unbatched, or a PackedSequence; ``hx`` (L*D, B, H), zeros when
    omitted. Returns ``(output, h_n)``: output (T, B, D*H), h_n (L*D, B, H).

    >>> import minitorch_conv as mt
    >>> rnn = mt.nn.RNN(10, 20, 2, bidirectional=True)
    >>> output, h_n = rnn(mt.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    (minitorch_conv.Size([5, 3, 40]), minitorch_conv.Size([4, 3, 20]))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx: Tensor | None = None):  # noqa: A002
        return self._forward_single(input, hx)


class GRU(RNNBase):
    """A multi-layer GRU; gates in PyTorch's order r, z, n (see the module notes).

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None)``; inputs and outputs as for :class:`RNN`.

    >>> import minitorch_conv as mt
    >>> gru = mt.nn.GRU(10, 20, batch_first=True)
    >>> output, h_n = gru(mt.randn(3, 5, 10))
    >>> output.shape, h_n.shape
    (minitorch_conv.Size([3, 5, 20]), minitorch_conv.Size([1, 3, 20]))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):  # noqa: A002
        return self._forward_single(input, hx)


class LSTM(RNNBase):
    """A multi-layer LSTM; gates in PyTorch's order i, f, g, o; an optional projection
    ``h_t = W_hr (o_t * tanh(c_t))`` of size ``proj_size``.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None)``. ``hx = (h_0, c_0)`` with h_0
    (L*D, B, P or H) and c_0 (L*D, B, H). Returns ``(output, (h_n, c_n))``.

    >>> import minitorch_conv as mt
    >>> lstm = mt.nn.LSTM(10, 20, proj_size=5)
    >>> output, (h_n, c_n) = lstm(mt.randn(7, 10))          # unbatched
    >>> output.shape, h_n.shape, c_n.shape
    (minitorch_conv.Size([7, 5]), minitorch_conv.Size([1, 5]), minitorch_conv.Size([1, 20]))
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes) -> tuple:  # noqa: A002
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.shape[0] if self.batch_first else input.shape[1]
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden: tuple, batch_sizes) -> None:  # noqa: A002
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def forward(self, input, hx: tuple | None = None):  # noqa: A002
        orig_input = input
        input, hx, batch_sizes, sorted_indices, unsorted_indices, is_batched = self._prepare(  # noqa: A001
            input, None if hx is None else list(hx), 2)
        if hx is None:
            real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
            hx = [self._zeros(input, batch_sizes, real_hidden_size),
                  self._zeros(input, batch_sizes, self.hidden_size)]
        self.check_forward_args(input, hx, batch_sizes)
        output, (h_n, c_n) = self._run(input, hx, batch_sizes)
        if isinstance(orig_input, PackedSequence):
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = c_n.index_select(1, unsorted_indices)
            packed = PackedSequence(output, orig_input.batch_sizes, sorted_indices, unsorted_indices)
            return packed, (h_n, c_n)
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return output, (h_n, c_n)
