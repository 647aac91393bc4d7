"""Variable-length sequences for the recurrent layers, PyTorch's ``nn.utils.rnn``.

``pad_sequence`` stacks sequences of different lengths into one padded tensor;
``pack_padded_sequence`` turns a padded batch into a :class:`PackedSequence` (the time steps laid
end to end, each holding only the sequences still running), which ``nn.RNN`` / ``nn.LSTM`` /
``nn.GRU`` accept in place of a tensor; ``pad_packed_sequence`` undoes it. Every function is built
from differentiable slicing, ``cat`` and ``stack``, so gradients flow back to the sequences.

Notation: T time steps (the longest length), B sequences, ``*`` the trailing feature dimensions,
``batch_sizes[t]`` the number of sequences longer than ``t`` (non-increasing in ``t``).

>>> import minitorch_conv as mt
>>> from minitorch_conv.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
>>> padded = pad_sequence([mt.ones(3, 2), mt.ones(1, 2)])
>>> padded.shape
minitorch_conv.Size([3, 2, 2])
>>> packed = pack_padded_sequence(padded, [3, 1])
>>> packed.batch_sizes
tensor([2, 1, 1])
>>> pad_packed_sequence(packed)[1]
tensor([3, 1])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import creation
from ...ops import shape as _shape
from ...tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]


def _int64(values) -> Tensor:
    """A CPU int64 tensor of ``values`` (what PyTorch keeps batch sizes and lengths in)."""
    return creation.tensor(np.asarray(values, dtype=np.int64).reshape(-1))


def _to_list(values) -> list[int]:
    """Lengths or indices given as a Tensor, an array or a list, as Python ints."""
    if isinstance(values, Tensor):
        return [int(v) for v in values.tolist()]
    return [int(v) for v in np.asarray(values).reshape(-1).tolist()]


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation: ``out[permutation[i]] = i`` (None stays None).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import invert_permutation
    >>> invert_permutation(mt.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    order = _to_list(permutation)
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order), dtype=np.int64)
    return _int64(inverse).to(permutation.device)


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences laid out time step by time step.

    ``data`` is (sum of lengths, *): the first ``batch_sizes[0]`` rows are every sequence's first
    element, then the next ``batch_sizes[1]`` rows their second elements, and so on; the sequences
    are ordered by decreasing length (``sorted_indices[i]`` is the original index of sorted
    sequence ``i``, ``unsorted_indices`` its inverse). Build one with :func:`pack_padded_sequence`
    or :func:`pack_sequence`, not directly.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import pack_sequence
    >>> p = pack_sequence([mt.tensor([1., 2.]), mt.tensor([3., 4., 5.])], enforce_sorted=False)
    >>> p.data, p.batch_sizes, p.sorted_indices
    (tensor([3., 1., 4., 2., 5.]), tensor([2, 2, 1]), tensor([1, 0]))
    """

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None, unsorted_indices: Tensor | None = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PyTorch's positional form: PackedSequence(data, batch_sizes)
            raise TypeError("PackedSequence: batch_sizes must be given (use pack_padded_sequence)")
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                "created manually. They should be instantiated by functions like pack_sequence and "
                "pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence"
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data`` moved or cast with ``Tensor.to``; the indices follow to its device, the batch
        sizes stay on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = None if self.sorted_indices is None else self.sorted_indices.to(data.device)
        unsorted = None if self.unsorted_indices is None else self.unsorted_indices.to(data.device)
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        return self.to("cuda" if device is None else device)

    def double(self) -> PackedSequence:
        from ... import float64
        return self.to(dtype=float64)

    def float(self) -> PackedSequence:  # noqa: A003 - PyTorch's name
        from ... import float32
        return self.to(dtype=float32)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a GPU."""
        return self.data.device.type == "cuda"


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (T, B, *) (or (B, T, *) with ``batch_first``), filling
    the missing steps with ``padding_value`` after each sequence (``padding_side='right'``) or
    before it (``'left'``).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import pad_sequence
    >>> pad_sequence([mt.tensor([1, 2, 3]), mt.tensor([4])], batch_first=True, padding_value=-1)
    tensor([[ 1,  2,  3],
            [ 4, -1, -1]])
    """
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.dim() == 0 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                "The size of tensor a must match the size of tensor b at non-singleton trailing "
                f"dimensions: got {tuple(s.shape)} and {tuple(sequences[0].shape)}"
            )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = creation.full((missing, *trailing), padding_value, dtype=s.dtype, device=s.device)
            s = _shape.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return _shape.stack(padded, 0 if batch_first else 1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) whose sequence ``b`` has
    ``lengths[b]`` valid steps.

    With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is sorted here and
    the permutation kept in ``sorted_indices`` (so the RNN's states come back in the input's order).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import pack_padded_sequence
    >>> x = mt.tensor([[1., 4.], [2., 0.], [3., 0.]])          # (T=3, B=2): lengths 3 and 1
    >>> pack_padded_sequence(x, [3, 1]).data
    tensor([1., 4., 2., 3.])
    """
    lengths = _to_list(lengths)
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                "to sidestep this requirement if you do not need ONNX exportability."
            )
        sorted_indices = None
    else:
        order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
        sorted_indices = _int64(order).to(input.device)
        lengths = [lengths[i] for i in order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)  # noqa: A001
    if batch_first:
        input = input.transpose(0, 1)  # noqa: A001
    batch = input.shape[1] if input.dim() > 1 else 0
    if len(lengths) != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
            f"(batch_size={batch})"
        )
    if lengths and lengths[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    if lengths and lengths[0] > input.shape[0]:
        raise RuntimeError(
            f"Expected the longest length ({lengths[0]}) to be at most the padded length "
            f"({input.shape[0]})"
        )
    steps = lengths[0] if lengths else 0
    batch_sizes = [sum(1 for n in lengths if n > t) for t in range(steps)]
    data = _shape.cat([input[t, :bs] for t, bs in enumerate(batch_sizes)], 0)
    return PackedSequence(data, _int64(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Unpack to ``(padded, lengths)``: padded (T, B, *) (or (B, T, *)) in the original batch order
    and the int64 lengths; ``total_length`` pads the time axis further (e.g. to the input's).

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> padded, lengths = pad_packed_sequence(pack_sequence([mt.tensor([1., 2.]), mt.tensor([3.])]),
    ...                                       batch_first=True)
    >>> padded, lengths
    (tensor([[1., 2.],
            [3., 0.]]), tensor([2, 1]))
    """
    data = sequence.data
    batch_sizes = _to_list(sequence.batch_sizes)
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, "
                f"but got total_length={total_length} and max sequence length being {steps}"
            )
    else:
        total_length = steps
    batch = batch_sizes[0] if batch_sizes else 0
    trailing = tuple(data.shape[1:])
    rows = []
    for bs, chunk in zip(batch_sizes, data.split(batch_sizes, 0)):
        if bs < batch:
            fill = creation.full((batch - bs, *trailing), padding_value, dtype=data.dtype,
                                 device=data.device)
            chunk = _shape.cat([chunk, fill], 0)
        rows.append(chunk)
    for _ in range(total_length - steps):
        rows.append(creation.full((batch, *trailing), padding_value, dtype=data.dtype,
                                  device=data.device))
    padded = _shape.stack(rows, 0)
    lengths = np.array([sum(1 for bs in batch_sizes if bs > b) for b in range(batch)], dtype=np.int64)
    if sequence.unsorted_indices is not None:
        order = _to_list(sequence.unsorted_indices)
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[order]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _int64(lengths)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *): ``pack_padded_sequence(pad_sequence(sequences), lengths)``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import pack_sequence
    >>> pack_sequence([mt.tensor([1, 2, 3]), mt.tensor([4, 5]), mt.tensor([6])]).data
    tensor([1, 4, 6, 2, 5, 3])
    """
    lengths = [int(s.shape[0]) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """The list of sequences a padded batch holds: ``padded[:lengths[b], b]`` for each ``b``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import unpad_sequence
    >>> [s.tolist() for s in unpad_sequence(mt.tensor([[1, 2, 3], [4, 0, 0]]), [3, 1], True)]
    [[1, 2, 3], [4]]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _to_list(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a :class:`PackedSequence` holds, in their original order.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> seqs = [mt.tensor([1, 2]), mt.tensor([3, 4, 5])]
    >>> [s.tolist() for s in unpack_sequence(pack_sequence(seqs, enforce_sorted=False))]
    [[1, 2], [3, 4, 5]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
