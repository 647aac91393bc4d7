"""An MLP classifier with LayerNorm, AdamW, CosineAnnealingLR and gradient clipping; the model is
saved with torch.save and loaded back into a fresh one."""

import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.randn(400, 20)
y = (X[:, :5].sum(dim=1) > 0).long() + (X[:, 5] > 1).long()


class MLP(nn.Module):
    def __init__(self, d_in=20, hidden=64, classes=3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d_in, hidden), nn.LayerNorm(hidden), nn.GELU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, classes),
        )

    def forward(self, x):
        return self.net(x)


model = MLP()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=40)
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
losses = []
for epoch in range(40):
    model.train()
    idx = torch.randperm(400)[:64]
    optimizer.zero_grad(set_to_none=True)
    loss = criterion(model(X[idx]), y[idx])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())

path = os.path.join(tempfile.mkdtemp(), "mlp.pt")
torch.save(model.state_dict(), path)
restored = MLP()
restored.load_state_dict(torch.load(path, weights_only=True))
restored.eval()
model.eval()
with torch.no_grad():
    assert torch.allclose(model(X), restored(X))
print(f"last lr {scheduler.get_last_lr()[0]:.6f}")
print(f"LOSS first={sum(losses[:4]) / 4:.6f} last={sum(losses[-4:]) / 4:.6f}")
