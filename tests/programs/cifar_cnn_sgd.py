"""The CIFAR-10 tutorial's network and loop: CrossEntropyLoss and SGD with momentum."""

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


torch.manual_seed(0)
inputs_all = torch.randn(256, 3, 32, 32)
labels_all = (inputs_all[:, 0, :16].mean(dim=(1, 2)) > inputs_all[:, 1, 16:].mean(dim=(1, 2))).long()
trainloader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(inputs_all, labels_all), batch_size=16, shuffle=True)

net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
losses = []
for epoch in range(3):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        losses.append(loss.item())
    print(f"[{epoch + 1}] loss: {running_loss / len(trainloader):.3f}")

correct = total = 0
with torch.no_grad():
    for images, labels in trainloader:
        _, predicted = torch.max(net(images).data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print(f"Accuracy: {100 * correct // total} %")
print(f"LOSS first={sum(losses[:5]) / 5:.6f} last={sum(losses[-5:]) / 5:.6f}")
