"""How much do DataLoader workers help? One epoch of a dataset whose ``__getitem__`` does real work
(decode a PNG, then CIFAR-style augmentation), with ``num_workers`` 0, 1 and 2.

    python examples/dataloader_workers.py [--images 3000] [--batch-size 64] [--repeat 3]

The images are generated here (32x32 RGB, smooth random patterns) and kept as PNG bytes in memory,
as a dataset read from disk keeps compressed files; decoding needs Pillow (without it, each image
is zlib-compressed raw pixels instead). Each sample is decoded, padded by 4 and randomly cropped,
flipped, colour-jittered, made a tensor and normalised. Nothing trains: the loop only takes the
batches, so the time is the loading alone. Each setting is timed ``--repeat`` times, interleaved
(median), the workers' start-up included (``persistent_workers=False``: every epoch starts them again).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import time
import zlib

import numpy as np

import minitorch_conv as mt
from minitorch_conv.utils.data import DataLoader, Dataset
from minitorch_conv.vision import transforms as T

try:
    from PIL import Image
except ImportError:
    Image = None


def make_images(n: int, seed: int = 0) -> np.ndarray:
    """``n`` smooth 32x32 RGB images (sums of a few random waves), uint8."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32] / 32.0
    out = np.empty((n, 32, 32, 3), np.uint8)
    for i in range(n):
        f = rng.uniform(0.5, 4.0, (3, 2))
        phase = rng.uniform(0, 2 * np.pi, 3)
        waves = [np.sin(2 * np.pi * (f[c, 0] * xx + f[c, 1] * yy) + phase[c]) for c in range(3)]
        out[i] = (127.5 * (1 + np.stack(waves, -1))).astype(np.uint8)
    return out


class EncodedImages(Dataset):
    """Compressed images in memory: each item is decoded, then augmented."""

    def __init__(self, images: np.ndarray):
        self.labels = np.arange(len(images)) % 10
        self.blobs = [self.encode(img) for img in images]
        self.augment = T.Compose([
            T.RandomCrop(32, padding=4, padding_mode="reflect"),
            T.RandomHorizontalFlip(),
            T.ColorJitter(brightness=0.4, contrast=0.4),
            T.ToTensor(),
            T.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)),
        ])

    @staticmethod
    def encode(img: np.ndarray) -> bytes:
        if Image is None:
            return zlib.compress(img.tobytes())
        buffer = io.BytesIO()
        Image.fromarray(img).save(buffer, format="PNG")
        return buffer.getvalue()

    def decode(self, blob: bytes):
        if Image is None:
            return np.frombuffer(zlib.decompress(blob), np.uint8).reshape(32, 32, 3)
        return Image.open(io.BytesIO(blob)).convert("RGB")

    def __len__(self) -> int:
        return len(self.blobs)

    def __getitem__(self, i: int):
        return self.augment(self.decode(self.blobs[i])), int(self.labels[i])


def epoch_seconds(dataset: Dataset, workers: int, batch_size: int) -> float:
    mt.manual_seed(0)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers)
    start = time.perf_counter()
    seen = sum(len(y) for _, y in loader)
    elapsed = time.perf_counter() - start
    assert seen == len(dataset)
    return elapsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    dataset = EncodedImages(make_images(args.images))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    decode = "PNG" if Image else "zlib"
    print(f"{args.images} images, batch {args.batch_size}, {decode} decode + augmentation; "
          f"{cores} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    epoch_seconds(dataset, 0, args.batch_size)  # warm-up: imports, first-call costs
    times: dict[int, list[float]] = {w: [] for w in args.workers}
    for _ in range(args.repeat):  # interleaved, so that a busy moment of the machine hits every setting
        for workers in args.workers:
            times[workers].append(epoch_seconds(dataset, workers, args.batch_size))
    base = statistics.median(times[args.workers[0]])
    print(f"{'num_workers':>11} {'epoch (s)':>10} {'images/s':>9} {'speed-up':>9}")
    for workers in args.workers:
        seconds = statistics.median(times[workers])
        print(f"{workers:>11} {seconds:>10.2f} {args.images / seconds:>9.0f} {base / seconds:>8.2f}x")

if __name__ == "__main__":
    main()
