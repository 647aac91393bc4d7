"""A sequence classifier in the style of PyTorch's NLP tutorials: an Embedding, a bidirectional
LSTM over padded and packed variable-length sequences, and a Linear head on the final states."""

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
VOCAB, CLASSES = 12, 2


def batch(n=16):
    """Class 1 sequences contain token 7 somewhere; class 0 ones never do."""
    sequences, labels = [], []
    for _ in range(n):
        length = int(torch.randint(3, 9, (1,)))
        tokens = torch.randint(1, VOCAB, (length,))
        tokens[tokens == 7] = 3
        label = int(torch.randint(0, 2, (1,)))
        if label:
            tokens[int(torch.randint(0, length, (1,)))] = 7
        sequences.append(tokens)
        labels.append(label)
    lengths = torch.tensor([len(s) for s in sequences])
    return pad_sequence(sequences, batch_first=True), lengths, torch.tensor(labels)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 8, padding_idx=0)
        self.lstm = nn.LSTM(8, 16, batch_first=True, bidirectional=True)
        self.head = nn.Linear(32, CLASSES)

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        output, (h_n, c_n) = self.lstm(packed)
        padded, _ = pad_packed_sequence(output, batch_first=True)
        assert padded.shape[1] == int(lengths.max())
        return self.head(torch.cat([h_n[0], h_n[1]], dim=1))


model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
losses = []
for step in range(80):
    tokens, lengths, labels = batch()
    optimizer.zero_grad()
    loss = criterion(model(tokens, lengths), labels)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    losses.append(loss.item())
print(f"LOSS first={sum(losses[:5]) / 5:.6f} last={sum(losses[-5:]) / 5:.6f}")
