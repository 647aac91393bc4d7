"""PyTorch's spatial transformer tutorial, shrunk: a localisation network predicts an affine
transform, F.affine_grid and F.grid_sample warp the input, a small CNN classifies the result."""

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3)
        self.fc1 = nn.Linear(8 * 5 * 5, 3)
        self.localization = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3), nn.MaxPool2d(2, stride=2), nn.ReLU(True))
        self.fc_loc = nn.Sequential(nn.Linear(4 * 5 * 5, 16), nn.ReLU(True), nn.Linear(16, 3 * 2))
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 4 * 5 * 5)
        theta = self.fc_loc(xs).view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)

    def forward(self, x):
        x = self.stn(x)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        return F.log_softmax(self.fc1(x.flatten(1)), dim=1)


# three classes of 12x12 images: a bright square at a class-dependent place, randomly shifted
def batch(n=32):
    labels = torch.randint(0, 3, (n,))
    images = torch.zeros(n, 1, 12, 12)
    for i in range(n):
        r = 2 + 3 * int(labels[i]) + int(torch.randint(0, 2, (1,)))
        images[i, 0, r:r + 3, 3:9] = 1.0
    return images + 0.1 * torch.randn(n, 1, 12, 12), labels


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
losses = []
for step in range(60):
    data, target = batch()
    optimizer.zero_grad()
    loss = F.nll_loss(model(data), target)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print(f"LOSS first={sum(losses[:5]) / 5:.6f} last={sum(losses[-5:]) / 5:.6f}")
