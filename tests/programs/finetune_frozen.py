"""Transfer-learning style: a pretrained feature extractor is frozen (requires_grad=False), only
the new head is optimized, and the checkpoint is a dict of state_dicts."""

import os
import tempfile

import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(3)
features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
head = nn.Linear(8, 2)
model = nn.Sequential(features, head)
for param in features.parameters():
    param.requires_grad = False
frozen_before = [p.clone() for p in features.parameters()]

x = torch.randn(96, 1, 8, 8)
y = (x[:, :, :4].mean(dim=(1, 2, 3)) > x[:, :, 4:].mean(dim=(1, 2, 3))).long()
optimizer = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.5, momentum=0.9)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
criterion = nn.CrossEntropyLoss()
losses = []
for step in range(30):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
assert all(torch.equal(a, b) for a, b in zip(frozen_before, features.parameters()))
assert all(p.grad is None for p in features.parameters())

path = os.path.join(tempfile.mkdtemp(), "checkpoint.pth")
torch.save({"epoch": 30, "model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
checkpoint = torch.load(path)
model.load_state_dict(checkpoint["model"])
optimizer.load_state_dict(checkpoint["optimizer"])
print(f"epoch {checkpoint['epoch']}, lr {optimizer.param_groups[0]['lr']}")
print(f"LOSS first={losses[0]:.6f} last={losses[-1]:.6f}")
