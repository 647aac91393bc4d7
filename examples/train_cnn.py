"""Train a small CNN on handwritten digits, end to end, with minitorch_conv.

    pip install -e ".[examples]" && python examples/train_cnn.py

By default it trains on the 8x8 digits that ship with scikit-learn (1438 training images) and
reports accuracy on a fixed held-out set of 359 (every fifth image, see
``minitorch_conv.data.load_digits``). With ``--dataset {mnist,fashion-mnist,cifar10}`` it trains
on that data set's official files in ``--root`` (``minitorch_conv.vision.datasets``; with
``--download`` they are fetched, checksummed, if missing), and ``--workers N`` loads batches in N
worker processes. ``--data DIR`` reads MNIST-style IDX files you already have in DIR.

Written to ``--out`` (default ``runs/``):
  checkpoint.npz   model, optimizer, scheduler and history (``mt.save``; ``--resume`` continues it)
  curves.png       loss and accuracy per epoch, training and test
  filters.png      the first convolution's filters and their feature maps on one test image

Training minimises cross-entropy with label smoothing 0.1 (the training loss shown includes it,
so it levels off near 0.5); the test loss is plain cross-entropy. The last line printed is the
final test accuracy, e.g. ``test accuracy: 0.9876``. Two runs with the same ``--seed`` on the CPU
print the same numbers.

Data-parallel on several processes, with no other flag (``pip install -e ".[distributed]"``):

    mpiexec -n 2 python examples/train_cnn.py

Each process (rank) holds a replica of the model, wrapped in ``DistributedDataParallel``, and
trains on its share of each batch (``--batch-size`` is the batch of all ranks together: each of N
ranks takes ``batch_size / N`` images, chosen by a ``DistributedSampler``); the gradients are
averaged across ranks in backward. Evaluation is shared out too. Rank 0 alone prints, plots and
writes the checkpoint, which holds the plain model's weights, so ``--resume`` continues it with any
number of ranks (each rank reads the checkpoint: on a cluster, ``--out`` is on a shared disk).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

import minitorch_conv as mt
from minitorch_conv import Generator, nn
from minitorch_conv.utils.data import DataLoader, TensorDataset
from minitorch_conv.vision import datasets
from minitorch_conv.vision.datasets import load_digits, load_mnist

CHECKPOINT = "checkpoint.npz"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", default=None,
                        help="directory with MNIST/Fashion-MNIST IDX files (default: the 8x8 digits)")
    parser.add_argument("--epochs", type=int, default=20, help="total number of epochs")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam's initial learning rate")
    parser.add_argument("--device", default="cpu", help="'cpu' or 'cuda'")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs", help="directory for the checkpoint and plots")
    parser.add_argument("--resume", action="store_true",
                        help="continue from OUT/checkpoint.npz up to --epochs")
    parser.add_argument("--subset", type=int, default=None,
                        help="use only the first N training and test images (quick checks)")
    parser.add_argument("--dataset", default="digits", choices=sorted(DATASETS),
                        help="the bundled 8x8 digits (no network), or a torchvision-style data set "
                             "read from --root")
    parser.add_argument("--root", default="data", help="where --dataset keeps its files")
    parser.add_argument("--download", action="store_true",
                        help="fetch --dataset's official files into --root if they are missing")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    return parser.parse_args(argv)


class SmallCNN(nn.Module):
    """conv(3x3) -> ReLU -> maxpool(2) -> conv(3x3) -> ReLU -> maxpool(2) -> linear."""

    def __init__(self, image_size: tuple[int, int], channels: tuple[int, int] = (32, 64),
                 num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        h, w = image_size[0] // 4, image_size[1] // 4
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c2 * h * w, num_classes))

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.classifier(self.features(x))


DATASETS = {"digits": None, "mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def load_vision_dataset(args, train: bool) -> TensorDataset:
    """``--dataset``: a torchvision-style data set (``minitorch_conv.vision.datasets``), its images
    scaled to [0, 1] and standardized per channel, as one TensorDataset."""
    kind = getattr(datasets, DATASETS[args.dataset])
    source = kind(args.root, train=train, download=args.download)
    images = np.asarray(source.data.numpy() if isinstance(source.data, mt.Tensor) else source.data)
    images = images.astype(np.float32) / 255.0
    images = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)  # (N, C, H, W)
    mean, std = images.mean(axis=(0, 2, 3), keepdims=True), images.std(axis=(0, 2, 3), keepdims=True)
    targets = source.targets.numpy() if isinstance(source.targets, mt.Tensor) else source.targets
    return TensorDataset(mt.tensor((images - mean) / std, device=args.device),
                         mt.tensor(targets.astype(np.int64), device=args.device))


def load_data(args) -> tuple[TensorDataset, TensorDataset]:
    if args.dataset != "digits":
        train, test = load_vision_dataset(args, True), load_vision_dataset(args, False)
    elif args.data is None:
        train, test = load_digits(True, args.device), load_digits(False, args.device)
    else:
        train, test = load_mnist(args.data, True, args.device), load_mnist(args.data, False, args.device)
    if args.subset is not None:
        train = TensorDataset(*(t[: args.subset] for t in train.tensors))
        test = TensorDataset(*(t[: args.subset] for t in test.tensors))
    return train, test


def evaluate(model: nn.Module, dataset: TensorDataset, batch_size: int = 512) -> tuple[float, float]:
    """(mean loss, accuracy) over ``dataset``, in eval mode and without a graph."""
    model.eval()
    total_loss, correct = 0.0, 0
    with mt.no_grad():
        for x, y in DataLoader(dataset, batch_size=batch_size):
            logits = model(x)
            total_loss += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += int((logits.argmax(1) == y).sum().item())
    n = len(dataset)
    return total_loss / n, correct / n


def evaluate_across_ranks(model: nn.Module, dataset: TensorDataset) -> tuple[float, float]:
    """:func:`evaluate` shared out: each rank takes every world_size-th image, then the ranks'
    results are combined (the same numbers on every rank). Alone, it is :func:`evaluate`."""
    rank, world = mt.distributed.get_rank(), mt.distributed.get_world_size()
    if world == 1:
        return evaluate(model, dataset)
    share = TensorDataset(*(t[rank::world] for t in dataset.tensors))
    return average_over_ranks(evaluate(model, share), len(share))


def average_over_ranks(values: tuple[float, ...], count: int) -> tuple[float, ...]:
    """The mean over every rank of each of ``values``, each rank's weighted by its ``count``."""
    totals = mt.tensor([*(v * count for v in values), count], dtype=mt.float64)
    mt.distributed.all_reduce(totals)
    return tuple((totals[:-1] / totals[-1]).tolist())


def train_one_epoch(model, loader, optimizer, criterion, epoch: int,
                    epochs: int, show: bool = True) -> tuple[float, float]:
    """One pass over ``loader``; returns the mean training loss and accuracy (``show``: the
    progress bar)."""
    from tqdm import tqdm

    model.train()
    seen, total_loss, correct = 0, 0.0, 0
    bar = tqdm(loader, desc=f"epoch {epoch:>2}/{epochs}", leave=True, dynamic_ncols=True,
               file=sys.stderr, disable=not show)
    for x, y in bar:
        logits = model(x)
        loss = criterion(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = y.shape[0]
        seen += n
        total_loss += loss.item() * n
        correct += int((logits.detach().argmax(1) == y).sum().item())
        bar.set_postfix({"loss": f"{total_loss / seen:.4f}", "acc": f"{correct / seen:.4f}"})
    bar.close()
    return total_loss / seen, correct / seen


def plot_curves(history: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["train_loss"], label="train")
    ax_loss.plot(epochs, history["test_loss"], label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_acc.plot(epochs, history["train_acc"], label="train")
    ax_acc.plot(epochs, history["test_acc"], label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_filters(model: SmallCNN, image: mt.Tensor, label: int, path: str) -> None:
    """The first conv layer's filters (top) and its ReLU feature maps for ``image`` (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model.eval()
    conv = model.features[0]
    with mt.no_grad():
        maps = model.features[1](conv(image[None]))[0].cpu().numpy()
    weights = conv.weight.detach().cpu().numpy()[:, 0]
    n, cols = weights.shape[0], 16
    rows = -(-n // cols)  # filters take `rows` rows, feature maps the next `rows`
    fig, axes = plt.subplots(2 * rows, cols + 1, figsize=(1.0 * (cols + 1), 2.2 * rows + 0.6),
                             squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
    axes[0, 0].imshow(image.cpu().numpy()[0], cmap="gray")
    axes[0, 0].set_title(f"input ({label})", fontsize=7)
    for i in range(n):
        r, c = divmod(i, cols)
        axes[r, c + 1].imshow(weights[i], cmap="RdBu_r")
        axes[r, c + 1].set_title(f"filter {i}", fontsize=6)
        axes[rows + r, c + 1].imshow(maps[i], cmap="viridis")
        axes[rows + r, c + 1].set_title(f"map {i}", fontsize=6)
    fig.suptitle("first convolution: filters (top) and feature maps of one test image (bottom)",
                 fontsize=9)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> float:
    args = parse_args(argv)
    # started by `mpiexec -n N`: rank r of N; started alone: a world of one (no MPI needed)
    cuda = args.device.startswith("cuda") and mt.distributed.is_nccl_available()
    mt.distributed.init_process_group("nccl" if cuda else "mpi")
    try:
        return train(args)
    finally:
        mt.distributed.destroy_process_group()


def train(args: argparse.Namespace) -> float:
    """Train as ``args`` say, on this rank's share of the data; returns the final test accuracy."""
    rank, world = mt.distributed.get_rank(), mt.distributed.get_world_size()
    is_main = rank == 0  # rank 0 alone prints, plots and writes the checkpoint
    if world > 1 and args.device.startswith("cuda"):
        local_rank = mt.distributed.get_node_local_rank(fallback_rank=rank)
        args.device = f"cuda:{local_rank % mt.cuda.device_count()}"  # one GPU per rank
    started = time.perf_counter()
    mt.manual_seed(args.seed)
    train_set, test_set = load_data(args)
    image_size = tuple(train_set.tensors[0].shape[-2:])
    model = SmallCNN(image_size, in_channels=train_set.tensors[0].shape[1]).to(args.device)
    optimizer = mt.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = mt.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    # label smoothing keeps the 1438 training images from being fit with full confidence
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start_epoch = 0
    os.makedirs(args.out, exist_ok=True)
    checkpoint_path = os.path.join(args.out, CHECKPOINT)
    if args.resume:
        if not os.path.exists(checkpoint_path):
            raise SystemExit(f"--resume: no checkpoint at {checkpoint_path}")
        state = mt.load(checkpoint_path, map_location=args.device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history = state["history"]
        start_epoch = state["epoch"]
        if scheduler.T_max != args.epochs:  # a longer (or shorter) run: stretch the cosine
            scheduler.T_max = args.epochs
            for group, base in zip(optimizer.param_groups, scheduler.base_lrs):
                group["lr"] = base * (1 + math.cos(math.pi * start_epoch / args.epochs)) / 2
        if is_main:
            print(f"resumed from {checkpoint_path} after epoch {start_epoch}", file=sys.stderr)

    net, sampler, batch_size = model, None, args.batch_size
    if world > 1:  # rank 0's weights are copied to every rank; backward averages the gradients
        net = nn.parallel.DistributedDataParallel(model)
        sampler = mt.utils.data.DistributedSampler(train_set, num_replicas=world, rank=rank, seed=args.seed)
        batch_size = max(1, args.batch_size // world)
    generator = Generator()
    for epoch in range(start_epoch, args.epochs):
        if sampler is None:
            generator.manual_seed(args.seed * 100003 + epoch)  # each epoch's shuffle is reproducible
            loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator,
                                num_workers=args.workers)
        else:
            sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
            loader = DataLoader(train_set, batch_size=batch_size, sampler=sampler, num_workers=args.workers)
        train_loss, train_acc = train_one_epoch(net, loader, optimizer, criterion, epoch + 1,
                                                args.epochs, show=is_main)
        if sampler is not None:
            train_loss, train_acc = average_over_ranks((train_loss, train_acc), len(sampler))
        scheduler.step()
        test_loss, test_acc = evaluate_across_ranks(model, test_set)
        for key, value in (("train_loss", train_loss), ("train_acc", train_acc),
                           ("test_loss", test_loss), ("test_acc", test_acc)):
            history[key].append(value)
        if is_main:
            print(f"epoch {epoch + 1:>2}: train loss {train_loss:.4f} acc {train_acc:.4f} | "
                  f"test loss {test_loss:.4f} acc {test_acc:.4f}", file=sys.stderr)
            mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "scheduler": scheduler.state_dict(), "history": history, "epoch": epoch + 1,
                     "args": vars(args)}, checkpoint_path)

    test_loss, test_acc = evaluate_across_ranks(model, test_set)
    if not is_main:
        return test_acc
    if history["train_loss"]:
        plot_curves(history, os.path.join(args.out, "curves.png"))
    image, label = test_set[0]
    plot_filters(model, image, int(label.item()), os.path.join(args.out, "filters.png"))
    print(f"wrote {args.out}/{{{CHECKPOINT}, curves.png, filters.png}} in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(f"test accuracy: {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main()
