"""Train a CIFAR ResNet (He et al., 2015, section 4.2) on CIFAR-10 with augmentation, with
minitorch_conv's torchvision-style datasets, transforms and DataLoader workers.

    pip install -e ".[examples]"
    python examples/train_cifar.py --download                 # fetch CIFAR-10 (170 MB) into data/
    python examples/train_cifar.py --data DIR                 # cifar-10-batches-bin/ already in DIR
    python examples/train_cifar.py --fake --subset 256 --epochs 1   # no data: random images, a smoke run

Augmentation as in the paper: pad by 4 and take a random 32x32 crop, flip horizontally with
probability 1/2, then normalise with CIFAR-10's channel means and deviations. SGD with momentum
0.9, weight decay 1e-4 and a cosine learning-rate schedule from ``--lr``. Each epoch prints the
training loss and accuracy, the test accuracy, and the time; the last line is the final test
accuracy.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import minitorch_conv as mt
from minitorch_conv import nn
from minitorch_conv.utils.data import DataLoader, Subset
from minitorch_conv.vision import datasets, models
from minitorch_conv.vision import transforms as T

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", default="data", help="root folder of cifar-10-batches-bin/")
    parser.add_argument("--download", action="store_true", help="fetch CIFAR-10 if it is not there")
    parser.add_argument("--fake", action="store_true", help="random images instead of CIFAR-10")
    parser.add_argument("--model", default="resnet20", choices=["resnet20", "resnet56"])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    parser.add_argument("--subset", type=int, default=None, help="use only the first N images of each split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    return parser.parse_args(argv)


def load(args):
    train_tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                          T.Normalize(MEAN, STD)])
    test_tf = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    if args.fake:
        train = datasets.FakeData(50000, (3, 32, 32), 10, transform=train_tf)
        test = datasets.FakeData(10000, (3, 32, 32), 10, transform=test_tf, random_offset=50000)
    else:
        train = datasets.CIFAR10(args.data, train=True, transform=train_tf, download=args.download)
        test = datasets.CIFAR10(args.data, train=False, transform=test_tf, download=args.download)
    if args.subset is not None:
        train, test = Subset(train, range(args.subset)), Subset(test, range(min(args.subset, len(test))))
    return train, test


def evaluate(model, loader, device) -> float:
    model.eval()
    correct = seen = 0
    with mt.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += int((model(x).argmax(1) == y).sum().item())
            seen += len(y)
    return correct / seen


def main(argv=None) -> float:
    args = parse_args(argv)
    mt.manual_seed(args.seed)
    train, test = load(args)
    generator = mt.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, drop_last=True,
                              num_workers=args.workers, generator=generator,
                              persistent_workers=args.workers > 0)
    test_loader = DataLoader(test, batch_size=256, num_workers=args.workers)
    model = getattr(models, args.model)(num_classes=10).to(args.device)
    optimizer = mt.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    steps = args.epochs * max(1, len(train_loader))
    scheduler = mt.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    criterion = nn.CrossEntropyLoss()
    print(f"{args.model}: {sum(p.numel() for p in model.parameters())} parameters; "
          f"{len(train)} training and {len(test)} test images; {args.workers} workers", file=sys.stderr)
    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        start, seen, total_loss, correct = time.perf_counter(), 0, 0.0, 0
        for x, y in train_loader:
            x, y = x.to(args.device), y.to(args.device)
            logits = model(x)
            loss = criterion(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            seen += len(y)
            total_loss += loss.item() * len(y)
            correct += int((logits.detach().argmax(1) == y).sum().item())
        train_time = time.perf_counter() - start
        accuracy = evaluate(model, test_loader, args.device)
        print(f"epoch {epoch:>3}/{args.epochs}  loss {total_loss / max(seen, 1):.4f}  "
              f"train acc {correct / max(seen, 1):.4f}  test acc {accuracy:.4f}  "
              f"{train_time:.1f} s ({seen / train_time:.0f} images/s)", file=sys.stderr)
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
