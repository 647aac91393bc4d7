"""Datasets, the DataLoader in one process, default_collate, the digits split and the IDX reader on
files written here. (Worker processes: test_dataloader_workers.py; samplers: test_data_samplers.py.)"""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from helpers import to_numpy

import minitorch_conv as mt
from minitorch_conv import Generator
from minitorch_conv.utils.data import DataLoader, Dataset, TensorDataset, default_collate
from minitorch_conv.vision.datasets import load_digits, load_mnist, read_idx


def test_tensor_dataset():
    x, y = mt.arange(12.0).reshape(6, 2), mt.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert to_numpy(xi).tolist() == [8.0, 9.0] and yi.item() == 4
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(mt.zeros(3, 2), mt.zeros(4))


@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_covers_every_sample_once(drop_last):
    ds = TensorDataset(mt.arange(10), mt.arange(10) * 10)
    loader = DataLoader(ds, batch_size=4, shuffle=True, drop_last=drop_last, generator=Generator(1))
    batches = list(loader)
    assert len(batches) == len(loader) == (2 if drop_last else 3)
    assert [len(b[0]) for b in batches] == ([4, 4] if drop_last else [4, 4, 2])
    seen = np.concatenate([to_numpy(b[0]) for b in batches])
    assert len(set(seen.tolist())) == len(seen)
    if not drop_last:
        assert sorted(seen.tolist()) == list(range(10))
    for xb, yb in batches:  # the fields stay aligned
        np.testing.assert_array_equal(to_numpy(yb), to_numpy(xb) * 10)


def test_shuffle_is_seeded_and_changes_per_epoch():
    ds = TensorDataset(mt.arange(20))

    def order(loader):
        return np.concatenate([to_numpy(b[0]) for b in loader]).tolist()

    a = DataLoader(ds, batch_size=5, shuffle=True, generator=Generator(3))
    b = DataLoader(ds, batch_size=5, shuffle=True, generator=Generator(3))
    first = order(a)
    assert first == order(b) and first != list(range(20))
    assert order(a) != first  # the next epoch draws a new permutation
    mt.manual_seed(5)
    c = order(DataLoader(ds, batch_size=5, shuffle=True))  # the global generator
    mt.manual_seed(5)
    assert order(DataLoader(ds, batch_size=5, shuffle=True)) == c
    assert order(DataLoader(ds, batch_size=5)) == list(range(20))
    # a NumPy generator works too: each epoch first draws the workers' base seed, then the order
    numpy_gen = np.random.default_rng(3)
    expected = np.random.default_rng(3)
    expected.integers(0, 2**63)
    assert order(DataLoader(ds, batch_size=5, shuffle=True, generator=numpy_gen)) == \
        expected.permutation(20).tolist()


def test_default_collate_and_custom_datasets():
    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": mt.full((2,), float(i)), "y": i, "w": np.float32(i) / 2, "name": str(i)}

    batches = list(DataLoader(Pairs(), batch_size=2))
    assert len(batches) == 3
    first = batches[0]
    assert first["x"].shape == mt.Size([2, 2]) and to_numpy(first["y"]).tolist() == [0, 1]
    assert first["y"].dtype == mt.int64 and first["name"] == ["0", "1"]
    assert to_numpy(first["w"]).tolist() == [0.0, 0.5]
    xs, ys = default_collate([(mt.zeros(3), 1.5), (mt.ones(3), 2.5)])
    assert xs.shape == mt.Size([2, 3]) and ys.dtype == mt.float64  # Python floats: float64, as PyTorch
    assert DataLoader(Pairs(), batch_size=None).__iter__().__next__()["y"] == 0
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Pairs(), batch_size=0)
    with pytest.raises(TypeError):
        default_collate([object()])


def test_batched_fetch_equals_per_sample_collate():
    ds = TensorDataset(mt.randn(9, 3), mt.arange(9))
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=Generator(0)))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=Generator(0),
                           collate_fn=lambda samples: default_collate(samples)))
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(to_numpy(xf), to_numpy(xs))
        np.testing.assert_array_equal(to_numpy(yf), to_numpy(ys))


def test_digits_split_is_fixed_and_disjoint():
    pytest.importorskip("sklearn")
    train, test = load_digits(True), load_digits(False)
    assert len(train) == 1438 and len(test) == 359
    x, y = test.tensors
    assert x.shape == mt.Size([359, 1, 8, 8]) and x.dtype == mt.float32 and y.dtype == mt.int64
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    from sklearn.datasets import load_digits as sk

    raw = sk()
    np.testing.assert_array_equal(to_numpy(y), raw.target[4::5])
    np.testing.assert_array_equal(to_numpy(x)[:, 0] * 16, raw.images[4::5])
    assert set(to_numpy(train.tensors[1]).tolist()) == set(range(10))


# ---------------------------------------------------------------------------- IDX
def idx_bytes(array: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                        (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)])
@pytest.mark.parametrize("gzipped", [False, True])
def test_read_idx_round_trip(tmp_path, rng, dtype, code, gzipped):
    array = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    data = idx_bytes(array, code)
    path = tmp_path / "x-idx3"
    path.write_bytes(gzip.compress(data) if gzipped else data)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out, array)


def test_read_idx_rejects_bad_files(tmp_path):
    good = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 0x08)
    cases = {
        "wrong magic": (b"\x00\x01" + good[2:], "wrong magic number"),
        "unknown type": (good[:2] + b"\x07" + good[3:], "wrong magic number"),
        "truncated data": (good[:-5], "truncated"),
        "truncated header": (good[:9], "truncated"),
        "tiny": (b"\x00\x00", "truncated"),
        "trailing": (good + b"\x00", "unexpected bytes"),
        "bad gzip": (gzip.compress(good)[:-12], "gzip"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name.replace(" ", "_")
        path.write_bytes(data)
        with pytest.raises(ValueError, match=message) as info:
            read_idx(path)
        assert str(path) in str(info.value), name


def test_load_mnist_from_idx_files(tmp_path, rng):
    images = rng.integers(0, 256, (6, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 6).astype(np.uint8)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, 8)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels, 8))
    ds = load_mnist(tmp_path, train=True)
    x, y = ds.tensors
    assert x.shape == mt.Size([6, 1, 28, 28]) and x.dtype == mt.float32 and y.dtype == mt.int64
    np.testing.assert_allclose(to_numpy(x)[:, 0], images / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(to_numpy(y), labels)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist(tmp_path, train=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels[:5], 8))
    with pytest.raises(ValueError, match="do not"):
        load_mnist(tmp_path, train=True)


def test_the_old_data_module_is_an_alias():
    from minitorch_conv import data, utils, vision

    assert data.DataLoader is utils.data.DataLoader and data.TensorDataset is utils.data.TensorDataset
    assert data.Generator is mt.Generator and data.default_collate is utils.data.default_collate
    assert data.load_digits is vision.datasets.load_digits and data.read_idx is vision.datasets.read_idx
    assert data.load_mnist is vision.datasets.load_mnist and data.DIGITS_TEST_EVERY == 5
