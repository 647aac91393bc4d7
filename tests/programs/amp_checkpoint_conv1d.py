"""A training loop in the style of PyTorch's AMP recipe: autocast and GradScaler switched on only
where CUDA exists (on a CPU they are disabled, as the recipe does), a 1-D CNN whose middle block
runs under activation checkpointing, and a scaler state saved with the model."""

import io

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(1, 8, 5, padding=2), nn.ReLU())
        self.block = nn.Sequential(nn.Conv1d(8, 8, 3, padding=1), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(8, 2))

    def forward(self, x):
        x = self.stem(x)
        x = checkpoint(self.block, x, use_reentrant=False)
        return self.head(x)


def batch(n=32):
    """Class 1 signals are sines, class 0 noise."""
    labels = torch.randint(0, 2, (n,))
    t = torch.linspace(0, 6.28, 32)
    signal = torch.sin(t * 3).expand(n, 32) * labels[:, None]
    return (signal + 0.3 * torch.randn(n, 32)).unsqueeze(1).to(device), labels.to(device)


model = Net().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scaler = torch.amp.GradScaler(device, enabled=use_amp)
losses = []
for step in range(60):
    x, y = batch()
    with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
        loss = nn.functional.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    losses.append(loss.item())
buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "scaler": scaler.state_dict()}, buffer)
print(f"LOSS first={sum(losses[:5]) / 5:.6f} last={sum(losses[-5:]) / 5:.6f}")
