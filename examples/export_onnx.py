"""Train a small CNN on the 8x8 digits, export it to ONNX, and run the export in ONNX Runtime.

    pip install -e ".[examples,interop]" && python examples/export_onnx.py

It trains for a few epochs (seconds on a laptop), writes ``--out``/digits_cnn.onnx with a dynamic
batch dimension, runs the held-out images through ONNX Runtime, and prints the test accuracy of
both the model and its export, and the largest difference between their logits. Any ONNX runtime
(ONNX Runtime on CPU or GPU, TensorRT, OpenVINO, a browser...) can load the file.
"""

from __future__ import annotations

import argparse
import os

import onnxruntime as ort

import minitorch_conv as mt
from minitorch_conv import nn
from minitorch_conv.data import DataLoader, load_digits


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default="runs", help="directory for digits_cnn.onnx")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> float:
    """Train, export, run in ONNX Runtime; returns the largest |difference| of the logits."""
    args = parse_args(argv)
    mt.manual_seed(args.seed)
    train, test = load_digits(True), load_digits(False)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(32 * 2 * 2, 10))
    optimizer = mt.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(args.epochs):
        model.train()
        for images, labels in DataLoader(train, batch_size=64, shuffle=True):
            loss = nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}: training loss {loss.item():.4f}")

    # export: the model is traced once, on one image; the batch dimension stays free
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits_cnn.onnx")
    images, labels = test.tensors
    mt.onnx.export(model, images[:1], path, input_names=["image"], output_names=["logits"],
                   dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})

    # run the export on all 359 test images at once, and compare with the model itself
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (exported,) = session.run(None, {"image": images.numpy()})
    model.eval()
    with mt.no_grad():
        ours = model(images).numpy()
    truth = labels.numpy()
    difference = float(abs(exported - ours).max())
    print(f"wrote {path} ({os.path.getsize(path) / 1024:.1f} KiB)")
    print(f"test accuracy: minitorch_conv {(ours.argmax(1) == truth).mean():.4f}, "
          f"ONNX Runtime {(exported.argmax(1) == truth).mean():.4f}")
    print(f"largest difference between the logits: {difference:.2e}")
    return difference


if __name__ == "__main__":
    main()
