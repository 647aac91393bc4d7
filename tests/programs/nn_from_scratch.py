""""What is torch.nn really?": logistic regression from raw tensors, then refactored with
nn.Module, nn.Linear, optim, TensorDataset and DataLoader."""

import math

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
n, features = 600, 64
x_train = torch.randn(n, features)
true_w = torch.randn(features, 10)
y_train = (x_train @ true_w).argmax(dim=1)

# from scratch
weights = torch.randn(features, 10) / math.sqrt(features)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


loss_func = nll
bs, lr = 64, 0.5
scratch_losses = []
for epoch in range(2):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        xb, yb = x_train[start_i:start_i + bs], y_train[start_i:start_i + bs]
        loss = loss_func(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
        scratch_losses.append(loss.item())
assert scratch_losses[-1] < scratch_losses[0]


# refactored
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(features, 10)

    def forward(self, xb):
        return self.lin(xb)


def get_model():
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=bs, shuffle=True)
model, opt = get_model()
losses = []
for epoch in range(3):
    model.train()
    for xb, yb in train_dl:
        losses.append(loss_batch(model, F.cross_entropy, xb, yb, opt)[0])
    model.eval()
    with torch.no_grad():
        val_loss = sum(loss_batch(model, F.cross_entropy, xb, yb)[0] for xb, yb in train_dl) / len(train_dl)
    print(epoch, val_loss)
print(f"LOSS first={sum(losses[:3]) / 3:.6f} last={sum(losses[-3:]) / 3:.6f}")
