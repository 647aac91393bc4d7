"""PyTorch's regression example: fit a polynomial with one Linear layer and manual SGD on .data."""

import torch
import torch.nn.functional as F

POLY_DEGREE = 4
torch.manual_seed(42)
W_target = torch.randn(POLY_DEGREE, 1) * 5
b_target = torch.randn(1) * 5


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


def get_batch(batch_size=32):
    random = torch.randn(batch_size)
    x = make_features(random)
    y = f(x)
    return x, y


fc = torch.nn.Linear(W_target.size(0), 1)
losses = []
for batch_idx in range(1, 200):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    for param in fc.parameters():
        param.data.add_(-0.01 * param.grad)
    losses.append(loss)
print(f"Loss: {loss:.6f} after {batch_idx} batches")
print(f"LOSS first={sum(losses[:5]) / 5:.6f} last={sum(losses[-5:]) / 5:.6f}")
