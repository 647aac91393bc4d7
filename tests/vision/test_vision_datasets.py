"""vision.datasets: MNIST's family and CIFAR from their official formats, downloads from a local
HTTP server on 127.0.0.1 (never the internet) serving small files made here: checksums,
atomic placement, resuming, mirrors, offline errors; FakeData and ImageFolder."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import textwrap
import threading

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.vision import datasets, transforms
from minitorch_conv.vision.datasets import CIFAR10, CIFAR100, KMNIST, MNIST, FakeData, FashionMNIST


@pytest.fixture(autouse=True)
def hang_guard():
    def on_alarm(signum, frame):
        raise TimeoutError("test ran past 60 s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------- a local server
class Server:
    """Serves ``files`` (path -> bytes) on 127.0.0.1; ``cut[path] = n`` sends only the first n bytes
    of the full length once, then closes (a server that stops mid-file)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut: dict[str, int] = {}
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                rng = self.headers.get("Range")
                server.requests.append((self.path, rng))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if rng and rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[len("bytes=") : -1])
                    if start >= len(data):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                cut = server.cut.pop(self.path, None)
                self.wfile.write(body if cut is None else body[:cut])
                if cut is not None:
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def mnist_files(rng, n_train: int = 6, n_test: int = 4) -> dict[str, tuple[bytes, np.ndarray]]:
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        out[f"{prefix}-images-idx3-ubyte.gz"] = (gzip.compress(idx(images)), images)
        out[f"{prefix}-labels-idx1-ubyte.gz"] = (gzip.compress(idx(labels)), labels)
    return out


def serve_mnist(server, monkeypatch, cls, rng, folder="/mnist/"):
    files = mnist_files(rng)
    for name, (data, _) in files.items():
        server.files[folder + name] = data
    monkeypatch.setattr(cls, "mirrors", [server.url + folder])
    monkeypatch.setattr(cls, "resources", [(name, md5(data)) for name, (data, _) in files.items()])
    return files


# ---------------------------------------------------------------------------- MNIST family
@pytest.mark.parametrize("cls", [MNIST, FashionMNIST, KMNIST])
def test_mnist_family_downloads_checks_and_reads_the_official_files(tmp_path, server, monkeypatch, rng, cls):
    files = serve_mnist(server, monkeypatch, cls, rng)
    train = cls(tmp_path, train=True, download=True)
    raw = tmp_path / cls.__name__ / "raw"
    assert sorted(os.listdir(raw)) == sorted(list(files) + [n[:-3] for n in files])  # .gz and unpacked
    images, labels = files["train-images-idx3-ubyte.gz"][1], files["train-labels-idx1-ubyte.gz"][1]
    assert len(train) == 6 and train.data.shape == mt.Size([6, 28, 28]) and train.data.dtype == mt.uint8
    assert train.targets.dtype == mt.int64 and train.targets.tolist() == labels.tolist()
    img, target = train[2]
    assert np.array_equal(np.asarray(img), images[2]) and target == int(labels[2]) and type(target) is int
    requests = len(server.requests)
    test = cls(tmp_path, train=False, download=True)  # already there and verified: nothing fetched
    assert len(server.requests) == requests and len(test) == 4
    assert "Split: Test" in repr(test) and f"Dataset {cls.__name__}" in repr(test)
    assert test.class_to_idx[cls.classes[3]] == 3
    tensor_ds = cls(tmp_path, transform=transforms.ToTensor(), target_transform=lambda y: y + 100)
    x, y = tensor_ds[2]
    assert x.shape == mt.Size([1, 28, 28]) and x.dtype == mt.float32 and y == int(labels[2]) + 100
    np.testing.assert_allclose(x.numpy()[0], images[2] / 255.0, rtol=1e-6)


def test_missing_dataset_without_download_says_so(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it"):
        MNIST(tmp_path)
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        CIFAR10(tmp_path)


def test_the_checksum_table_is_torchvisions():
    assert MNIST.resources[0] == ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873")
    assert MNIST.mirrors[0].startswith("https://")
    assert CIFAR10.resources == [("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")]
    assert CIFAR100.resources == [("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8")]
    tv = pytest.importorskip("torchvision")
    assert MNIST.resources == tv.datasets.MNIST.resources and MNIST.mirrors == tv.datasets.MNIST.mirrors
    assert FashionMNIST.resources == tv.datasets.FashionMNIST.resources
    assert KMNIST.resources == tv.datasets.KMNIST.resources
    assert (
        MNIST.classes == tv.datasets.MNIST.classes
        and FashionMNIST.classes == tv.datasets.FashionMNIST.classes
    )


# ---------------------------------------------------------------------------- failed downloads
def test_a_corrupted_download_is_removed_and_reported(tmp_path, server, monkeypatch, rng):
    files = serve_mnist(server, monkeypatch, MNIST, rng)
    name = "train-labels-idx1-ubyte.gz"
    server.files["/mnist/" + name] = b"\x1f\x8b" + b"not the labels at all"
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, download=True)
    message = str(info.value)
    assert f"Error downloading {name}" in message and "corrupted" in message
    assert md5(files[name][0]) in message and "place it at" in message
    raw = tmp_path / "MNIST" / "raw"
    assert not (raw / name).exists() and not (raw / (name + ".part")).exists()
    server.files["/mnist/" + name] = files[name][0]  # the server is fixed: the next try completes
    assert len(MNIST(tmp_path, download=True)) == 6


def test_a_truncated_file_fails_its_checksum_and_is_removed(tmp_path, server, monkeypatch, rng):
    files = serve_mnist(server, monkeypatch, MNIST, rng)
    name = "t10k-images-idx3-ubyte.gz"
    server.files["/mnist/" + name] = files[name][0][:-100]
    with pytest.raises(RuntimeError, match="corrupted"):
        MNIST(tmp_path, train=False, download=True)
    assert not any(p.name.startswith(name) for p in (tmp_path / "MNIST" / "raw").iterdir())


def test_a_server_that_stops_mid_file_leaves_a_part_that_the_next_try_resumes(
    tmp_path, server, monkeypatch, rng
):
    files = serve_mnist(server, monkeypatch, MNIST, rng)
    name = "train-images-idx3-ubyte.gz"
    size = len(files[name][0])
    server.cut["/mnist/" + name] = size // 2
    with pytest.raises(RuntimeError, match=rf"stopped after {size // 2} of {size} bytes"):
        MNIST(tmp_path, download=True)
    raw = tmp_path / "MNIST" / "raw"
    assert not (raw / name).exists() and not (raw / name[:-3]).exists()
    assert (raw / (name + ".part")).stat().st_size == size // 2
    ds = MNIST(tmp_path, download=True)
    assert ("/mnist/" + name, f"bytes={size // 2}-") in server.requests  # resumed, not restarted
    assert not (raw / (name + ".part")).exists() and len(ds) == 6
    np.testing.assert_array_equal(ds.data.numpy(), files[name][1])


def test_a_part_the_server_cannot_resume_is_downloaded_again(tmp_path, server, monkeypatch, rng):
    files = serve_mnist(server, monkeypatch, MNIST, rng)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    name = "train-labels-idx1-ubyte.gz"
    (raw / (name + ".part")).write_bytes(b"x" * (len(files[name][0]) + 50))  # past the end: 416
    assert len(MNIST(tmp_path, download=True)) == 6
    assert not (raw / (name + ".part")).exists()


def test_mirrors_are_tried_in_turn_and_offline_is_a_clear_error(tmp_path, server, monkeypatch, rng):
    serve_mnist(server, monkeypatch, MNIST, rng)
    monkeypatch.setattr(
        MNIST, "mirrors", [server.url + "/missing/", closed_port_url(), server.url + "/mnist/"]
    )
    assert len(MNIST(tmp_path / "a", download=True)) == 6
    dead = closed_port_url()
    monkeypatch.setattr(MNIST, "mirrors", [dead])
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path / "b", download=True)
    message = str(info.value)
    name = MNIST.resources[0][0]
    assert dead + name in message and str(tmp_path / "b" / "MNIST" / "raw" / name) in message
    assert "Download it by hand" in message


# ---------------------------------------------------------------------------- CIFAR
def cifar_archive(rng, folder: str, members: dict[str, int], label_bytes: int, meta: dict[str, str]):
    records, buffer = {}, io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, n in members.items():
            labels = rng.integers(0, 10, (n, label_bytes), dtype=np.uint8)
            pixels = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
            data = np.concatenate([labels, pixels], axis=1).tobytes()
            records[name] = (labels, pixels)
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, text in meta.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return buffer.getvalue(), records


def test_cifar10_from_the_binary_version(tmp_path, server, monkeypatch, rng):
    members = {f"data_batch_{i}.bin": 3 for i in range(1, 6)} | {"test_batch.bin": 2}
    names = "\n".join(
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    )
    archive, records = cifar_archive(
        rng, "cifar-10-batches-bin", members, 1, {"batches.meta.txt": names + "\n\n"}
    )
    server.files["/cifar/cifar-10-binary.tar.gz"] = archive
    monkeypatch.setattr(CIFAR10, "mirrors", [server.url + "/cifar/"])
    monkeypatch.setattr(CIFAR10, "resources", [("cifar-10-binary.tar.gz", md5(archive))])
    monkeypatch.setattr(CIFAR10, "records_per_file", members)
    train = CIFAR10(tmp_path, train=True, download=True)
    assert len(train) == 15 and train.data.shape == (15, 32, 32, 3) and train.data.dtype == np.uint8
    labels, pixels = records["data_batch_2.bin"]
    assert train.targets[3:6] == labels[:, 0].tolist() and train.classes[9] == "truck"
    img, target = train[4]
    expected = pixels[1].reshape(3, 32, 32).transpose(1, 2, 0)  # R plane, G plane, B plane -> HWC
    assert np.array_equal(np.asarray(img), expected) and target == labels[1, 0]
    test = CIFAR10(tmp_path, train=False, transform=transforms.ToTensor())
    x, _ = test[1]
    np.testing.assert_allclose(
        x.numpy(), records["test_batch.bin"][1][1].reshape(3, 32, 32) / 255.0, rtol=1e-6
    )
    (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").write_bytes(b"\x00" * 3073)
    with pytest.raises(RuntimeError, match="truncated or not a CIFAR binary file"):
        CIFAR10(tmp_path, train=False)


def test_cifar100_fine_and_coarse_labels(tmp_path, server, monkeypatch, rng):
    members = {"train.bin": 4, "test.bin": 2}
    archive, records = cifar_archive(
        rng,
        "cifar-100-binary",
        members,
        2,
        {
            "fine_label_names.txt": "\n".join(f"fine{i}" for i in range(100)),
            "coarse_label_names.txt": "\n".join(f"coarse{i}" for i in range(20)),
        },
    )
    server.files["/c100/cifar-100-binary.tar.gz"] = archive
    monkeypatch.setattr(CIFAR100, "mirrors", [server.url + "/c100/"])
    monkeypatch.setattr(CIFAR100, "resources", [("cifar-100-binary.tar.gz", md5(archive))])
    monkeypatch.setattr(CIFAR100, "records_per_file", members)
    ds = CIFAR100(tmp_path, train=True, download=True)
    labels = records["train.bin"][0]
    assert ds.targets == labels[:, 1].tolist() and ds.coarse_targets == labels[:, 0].tolist()
    assert len(ds.classes) == 100 and ds.classes[7] == "fine7"


def test_archives_cannot_write_outside_their_folder(tmp_path):
    from minitorch_conv.vision.datasets.utils import extract_archive

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(RuntimeError, match="refusing to extract"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


# ---------------------------------------------------------------------------- FakeData, ImageFolder
def test_fake_data_is_the_same_for_the_same_index_and_leaves_the_global_generator_alone():
    ds = FakeData(size=5, image_size=(3, 6, 7), num_classes=4)
    mt.manual_seed(0)
    before = mt.rand(3).tolist()
    mt.manual_seed(0)
    a, b = ds[3], ds[3]
    assert mt.rand(3).tolist() == before
    assert np.array_equal(np.asarray(a[0]), np.asarray(b[0])) and a[1] == b[1] and 0 <= a[1] < 4
    assert np.asarray(a[0]).shape == (6, 7, 3) and len(ds) == 5
    assert not np.array_equal(np.asarray(ds[2][0]), np.asarray(a[0]))
    assert np.asarray(FakeData(2, (1, 4, 4))[0][0]).shape == (4, 4)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[5]


def test_image_folder(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for cls, n in (("dog", 2), ("cat", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(tmp_path, transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 5 and [t for _, t in ds.imgs] == [0, 0, 0, 1, 1]
    x, y = ds[4]
    assert x.shape == mt.Size([3, 5, 4]) and y == 1
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 5


def test_image_folder_matches_torchvision(tmp_path):
    tv = pytest.importorskip("torchvision")
    Image = pytest.importorskip("PIL.Image")
    for cls in ("b", "a"):
        (tmp_path / cls / "sub").mkdir(parents=True)
        for name in ("2.jpg", "1.png", "sub/0.bmp"):
            Image.new("RGB", (3, 2)).save(tmp_path / cls / name)
    ours, theirs = datasets.ImageFolder(tmp_path), tv.datasets.ImageFolder(tmp_path)
    assert ours.samples == theirs.samples and ours.classes == theirs.classes


# ---------------------------------------------------------------------------- a PyTorch script, unmodified
PYTORCH_SCRIPT = textwrap.dedent("""
    import os
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    datasets.MNIST.mirrors = [os.environ["MNIST_MIRROR"]]  # a local mirror, as torchvision allows
    datasets.MNIST.resources = [tuple(r.split(":")) for r in os.environ["MNIST_RESOURCES"].split(",")]

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST(os.environ["DATA_ROOT"], train=True, download=True, transform=transform)
    loader = DataLoader(train, batch_size=4, shuffle=True, num_workers=2)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(2):
        for data, target in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(data), target)
            loss.backward()
            optimizer.step()
    print("batches", len(loader), "loss", round(float(loss.item()), 3) > 0)
""")


def test_a_pytorch_script_runs_unmodified_through_as_torch(tmp_path, server, monkeypatch, rng):
    pytest.importorskip("minitorch_conv.as_torch")
    files = mnist_files(rng, n_train=12)
    for name, (data, _) in files.items():
        server.files["/m/" + name] = data
    script = tmp_path / "train_mnist.py"
    script.write_text(PYTORCH_SCRIPT)
    env = dict(
        os.environ,
        MNIST_MIRROR=server.url + "/m/",
        DATA_ROOT=str(tmp_path / "data"),
        MNIST_RESOURCES=",".join(f"{name}:{md5(data)}" for name, (data, _) in files.items()),
        PYTHONPATH=os.pathsep.join([os.getcwd(), *sys.path]),
    )
    done = subprocess.run(
        [sys.executable, "-m", "minitorch_conv.as_torch", str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "batches 3 loss True"
