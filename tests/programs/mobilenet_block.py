"""A MobileNet-style network: depthwise-separable convolutions, BatchNorm, ReLU6, OneCycleLR."""

import torch
import torch.nn as nn


def conv_dw(inp, oup, stride):
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False),
        nn.BatchNorm2d(inp),
        nn.ReLU6(inplace=True),
        nn.Conv2d(inp, oup, 1, 1, 0, bias=False),
        nn.BatchNorm2d(oup),
        nn.ReLU6(inplace=True),
    )


class MobileNetTiny(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(inplace=True),
            conv_dw(8, 16, 1), conv_dw(16, 32, 2),
        )
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = x.mean([2, 3])
        return self.classifier(x)


torch.manual_seed(0)
x = torch.randn(96, 3, 16, 16)
y = x[:, :, 4:12, 4:12].mean(dim=(2, 3)).argmax(dim=1)
model = MobileNetTiny()
epochs, steps_per_epoch = 6, 3
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, epochs=epochs,
                                                steps_per_epoch=steps_per_epoch)
criterion = nn.CrossEntropyLoss()
losses = []
for epoch in range(epochs):
    for i in range(steps_per_epoch):
        xb, yb = x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32]
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
print(f"LOSS first={sum(losses[:3]) / 3:.6f} last={sum(losses[-3:]) / 3:.6f}")
