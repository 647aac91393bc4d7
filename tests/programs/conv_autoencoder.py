"""A convolutional autoencoder: Conv2d down, ConvTranspose2d and Upsample up, MSELoss, Adam."""

import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(8, 1, 3, padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


torch.manual_seed(0)
base = torch.rand(4, 1, 16, 16)
data = base.repeat(16, 1, 1, 1) + 0.05 * torch.randn(64, 1, 16, 16)
data = data.clamp(0, 1)
model = AutoEncoder()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.MSELoss()
losses = []
for epoch in range(25):
    optimizer.zero_grad()
    loss = criterion(model(data), data)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print(f"LOSS first={losses[0]:.6f} last={losses[-1]:.6f}")
