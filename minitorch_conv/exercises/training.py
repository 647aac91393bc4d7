"""The example CNN of ``examples/train_cnn.py``, trained for one epoch: the last step of a check.

``python -m minitorch_conv.exercises check NAME`` ends by training this network on the 8x8 digits
(scikit-learn's, nothing is downloaded) with the learner's function swapped in, and reports the
loss and the test accuracy it reaches. An exercise that is not about the plain network trains a
variant in which its code runs: a strided second convolution (exercise 6) or a grouped one
(exercise 7).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

from .. import nn, no_grad
from ..generator import Generator
from ..optim import Adam
from ..tensor import Tensor, manual_seed


class ExampleCNN(nn.Module):
    """conv(3x3) -> ReLU -> maxpool(2) -> conv(3x3) -> ReLU -> maxpool(2) -> linear, as in
    ``examples/train_cnn.py``; ``stride`` and ``groups`` apply to the second convolution.

    >>> import minitorch_conv as mt
    >>> ExampleCNN((8, 8))(mt.zeros(5, 1, 8, 8)).shape
    minitorch_conv.Size([5, 10])
    >>> ExampleCNN((8, 8), stride=2, groups=4)(mt.zeros(5, 1, 8, 8)).shape
    minitorch_conv.Size([5, 10])
    """

    def __init__(self, image_size: tuple[int, int], channels: tuple[int, int] = (32, 64),
                 num_classes: int = 10, stride: int = 1, groups: int = 1):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1, stride=stride, groups=groups),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        h = image_size[0] // 2
        w = image_size[1] // 2
        h, w = (h - 1) // stride + 1, (w - 1) // stride + 1  # the second convolution (padding 1)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c2 * (h // 2) * (w // 2), num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


def train_one_epoch(stride: int = 1, groups: int = 1, subset: int | None = None, seed: int = 0,
                    batch_size: int = 32, report: Callable[[str], None] | None = None) -> dict:
    """Train :class:`ExampleCNN` for one epoch on the digits (Adam, lr 3e-3, as the example does).

    Returns ``{"losses": [...], "train_loss": mean, "test_accuracy": float, "seconds": float}``;
    ``subset`` keeps the first images of each split (quick checks); ``report`` receives a progress
    line every few batches (default: standard error). Needs scikit-learn, which ships the digits.
    """
    from ..data import DataLoader, TensorDataset, load_digits

    report = report or (lambda line: print(line, file=sys.stderr, flush=True))
    started = time.perf_counter()
    manual_seed(seed)
    train, test = load_digits(True), load_digits(False)
    if subset is not None:
        train = TensorDataset(*(t[:subset] for t in train.tensors))
        test = TensorDataset(*(t[:subset] for t in test.tensors))
    model = ExampleCNN((8, 8), stride=stride, groups=groups)
    optimizer = Adam(model.parameters(), lr=3e-3)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    generator = Generator()
    generator.manual_seed(seed)
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, generator=generator)
    losses = []
    every = max(1, len(loader) // 5)
    model.train()
    for step, (x, y) in enumerate(loader, start=1):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            report(f"    batch {step}/{len(loader)}: the loss is {losses[-1]}: stopping")
            break
        if step % every == 0 or step == len(loader):
            recent = losses[-every:]
            report(f"    batch {step:>3}/{len(loader)}  loss {sum(recent) / len(recent):.4f}")
    model.eval()
    correct = 0
    with no_grad():
        for x, y in DataLoader(test, batch_size=512):
            correct += int((model(x).argmax(1) == y).sum().item())
    return {"losses": losses, "train_loss": sum(losses) / len(losses),
            "test_accuracy": correct / len(test), "seconds": time.perf_counter() - started}
