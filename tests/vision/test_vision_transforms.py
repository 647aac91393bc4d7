"""vision.transforms on tensors, NumPy arrays and PIL images: independent expectations (NumPy,
PIL, PyTorch's own interpolate / grid_sample where installed), torchvision's outputs where it is
installed, determinism under mt.manual_seed, PyTorch's errors; and vision.utils.make_grid."""

from __future__ import annotations

import io

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.vision import transforms as T
from minitorch_conv.vision.transforms import functional as F
from minitorch_conv.vision.utils import make_grid, save_image

I = T.InterpolationMode  # noqa: E741


def image(rng, shape=(3, 9, 11), dtype=np.float32):
    a = rng.random(shape).astype(np.float32)
    return (a * 255).astype(np.uint8) if dtype == np.uint8 else a.astype(dtype)


def host(x) -> np.ndarray:
    return x.numpy() if isinstance(x, mt.Tensor) else np.asarray(x)


# ---------------------------------------------------------------------------- geometry, by hand
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_flips_crops_pads_and_quarter_turns_on_tensors_and_arrays(rng, dtype):
    a = image(rng, dtype=dtype)
    x, hwc = mt.tensor(a), np.ascontiguousarray(a.transpose(1, 2, 0))
    np.testing.assert_array_equal(host(F.hflip(x)), a[..., ::-1])
    np.testing.assert_array_equal(host(F.vflip(x)), a[..., ::-1, :])
    np.testing.assert_array_equal(F.hflip(hwc), hwc[:, ::-1])
    np.testing.assert_array_equal(host(F.crop(x, 2, 3, 4, 5)), a[:, 2:6, 3:8])
    outside = host(F.crop(x, -1, 8, 3, 5))  # zero where the crop leaves the image
    np.testing.assert_array_equal(outside[:, 1:, :3], a[:, 0:2, 8:11])
    assert (outside[:, 0] == 0).all() and (outside[:, :, 3:] == 0).all()
    for mode, np_mode in [
        ("constant", "constant"),
        ("edge", "edge"),
        ("reflect", "reflect"),
        ("symmetric", "symmetric"),
    ]:
        expected = np.pad(a, [(0, 0), (2, 4), (1, 3)], mode=np_mode)
        np.testing.assert_array_equal(host(F.pad(x, [1, 2, 3, 4], padding_mode=mode)), expected)
        np.testing.assert_array_equal(
            F.pad(hwc, [1, 2, 3, 4], padding_mode=mode), expected.transpose(1, 2, 0)
        )
    np.testing.assert_array_equal(host(F.pad(x, [-1, 0, 0, -2])), a[:, :-2, 1:])
    np.testing.assert_array_equal(host(F.center_crop(x, [5, 5])), a[:, 2:7, 3:8])
    square = mt.tensor(image(rng, (2, 6, 6), dtype))
    for angle, k in [(90, 1), (180, 2), (-90, -1)]:
        for mode in (I.NEAREST, I.BILINEAR):
            np.testing.assert_allclose(
                host(F.rotate(square, angle, mode)),
                np.rot90(square.numpy(), k, axes=(1, 2)),
                atol=1e-4 if dtype == np.float32 else 0,
            )


def test_resize_matches_pytorch_interpolate(rng):
    torch = pytest.importorskip("torch")
    a = image(rng, (2, 3, 13, 17))
    for size in ([7, 9], [26, 40], [13, 5]):
        for mode, aa in [
            ("bilinear", True),
            ("bilinear", False),
            ("bicubic", True),
            ("bicubic", False),
            ("nearest", False),
        ]:
            expected = torch.nn.functional.interpolate(
                torch.from_numpy(a),
                size=size,
                mode=mode,
                antialias=aa,
                align_corners=None if mode == "nearest" else False,
            )
            ours = F.resize(mt.tensor(a), size, I(mode), antialias=aa)
            np.testing.assert_allclose(
                ours.numpy(), expected.numpy(), atol=2e-5, err_msg=f"{size} {mode} {aa}"
            )
    u8 = image(rng, (3, 13, 17), np.uint8)
    expected = (
        torch.nn.functional.interpolate(
            torch.from_numpy(u8)[None].float(),
            size=[6, 8],
            mode="bilinear",
            antialias=True,
            align_corners=False,
        )
        .round()[0]
        .byte()
    )
    assert (
        np.abs(F.resize(mt.tensor(u8), [6, 8]).numpy().astype(int) - expected.numpy().astype(int)).max() <= 1
    )
    assert F.resize(np.zeros((10, 20, 3), np.uint8), 5).shape == (5, 10, 3)  # smaller edge to 5
    assert F.resize(np.zeros((10, 40)), 5, max_size=12).shape == (3, 12)


def test_rotate_matches_pytorch_grid_sample(rng):
    torch = pytest.importorskip("torch")
    a = image(rng, (3, 10, 10))
    angle = 33.0
    for mode in ("bilinear", "nearest"):
        rad = np.radians(angle)  # the output-to-input map, in grid_sample's [-1, 1] coordinates
        theta = torch.tensor(
            [[[np.cos(rad), -np.sin(rad), 0.0], [np.sin(rad), np.cos(rad), 0.0]]], dtype=torch.float32
        )
        grid = torch.nn.functional.affine_grid(theta, [1, 3, 10, 10], align_corners=False)
        expected = torch.nn.functional.grid_sample(
            torch.from_numpy(a)[None], grid, mode=mode, padding_mode="zeros", align_corners=False
        )[0]
        ours = F.rotate(mt.tensor(a), angle, I(mode)).numpy()
        if mode == "bilinear":
            np.testing.assert_allclose(ours, expected.numpy(), atol=1e-5)
        else:  # a sample exactly between two pixels may round either way
            assert (np.abs(ours - expected.numpy()) > 1e-6).mean() < 0.02


def test_pil_images_go_through_pillow(rng):
    Image = pytest.importorskip("PIL.Image")
    arr = image(rng, (9, 11, 3), np.uint8)
    pil = Image.fromarray(arr)
    assert isinstance(F.hflip(pil), Image.Image)
    np.testing.assert_array_equal(np.asarray(F.hflip(pil)), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.crop(pil, 1, 2, 3, 4)), arr[1:4, 2:6])
    np.testing.assert_array_equal(
        np.asarray(F.resize(pil, [4, 5])), np.asarray(pil.resize((5, 4), Image.Resampling.BILINEAR))
    )
    np.testing.assert_array_equal(
        np.asarray(F.pad(pil, 2, padding_mode="reflect")),
        np.pad(arr, [(2, 2), (2, 2), (0, 0)], mode="reflect"),
    )
    padded = np.asarray(F.pad(pil, [1, 0], fill=(1, 2, 3)))
    assert padded.shape == (9, 13, 3) and padded[0, 0].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(F.to_tensor(pil).numpy(), arr.transpose(2, 0, 1) / np.float32(255))
    assert F.pil_to_tensor(pil).dtype == mt.uint8 and F.get_dimensions(pil) == [3, 9, 11]
    grey = Image.fromarray(arr[:, :, 0])
    assert F.to_tensor(grey).shape == mt.Size([1, 9, 11])
    back = F.to_pil_image(F.to_tensor(pil))
    assert np.abs(np.asarray(back).astype(int) - arr).max() <= 1


# ---------------------------------------------------------------------------- values
def test_tensor_conversions_and_normalize():
    u8 = mt.tensor(np.array([[[0, 1, 128, 255]]], dtype=np.uint8))
    f = F.convert_image_dtype(u8, mt.float32)
    np.testing.assert_array_equal(f.numpy(), np.array([[[0, 1, 128, 255]]], np.float32) / np.float32(255))
    assert F.convert_image_dtype(f, mt.uint8).numpy().tolist() == [[[0, 1, 128, 255]]]
    assert F.convert_image_dtype(u8, mt.int16).numpy().tolist() == [[[0, 128, 32768 // 256 * 128, 255 * 128]]]
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, mt.int32)
    x = mt.rand(3, 4, 4)
    out = T.Normalize([0.1, 0.2, 0.3], [0.5, 0.25, 2.0])(x)
    expected = (x.numpy() - np.array([0.1, 0.2, 0.3], np.float32)[:, None, None]) / np.array(
        [0.5, 0.25, 2.0], np.float32
    )[:, None, None]
    np.testing.assert_array_equal(out.numpy(), expected)
    grad_in = mt.rand(1, 2, 2, requires_grad=True)
    F.normalize(grad_in, [0.5], [0.5]).sum().backward()  # differentiable
    np.testing.assert_array_equal(grad_in.grad.numpy(), np.full((1, 2, 2), 2.0, np.float32))
    same = mt.rand(1, 2, 2)
    assert T.Normalize([0.0], [2.0], inplace=True)(same) is same
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got"):
        F.normalize(u8, [0.5], [0.5])
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(x, [0.5], [0.0])
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        F.normalize([1.0], [0.5], [0.5])
    np.testing.assert_allclose(T.Normalize([0.5], [0.5])(np.ones((1, 2, 2), np.float32)), np.ones((1, 2, 2)))


def test_colour_adjustments_by_hand(rng):
    a = image(rng, (3, 5, 5))
    x = mt.tensor(a)
    np.testing.assert_allclose(F.adjust_brightness(x, 1.5).numpy(), np.clip(a * 1.5, 0, 1), rtol=1e-6)
    gray = 0.2989 * a[0] + 0.587 * a[1] + 0.114 * a[2]
    np.testing.assert_allclose(F.rgb_to_grayscale(x).numpy()[0], gray, rtol=1e-5)
    np.testing.assert_allclose(F.adjust_contrast(x, 0.0).numpy(), np.full_like(a, gray.mean()), rtol=1e-5)
    np.testing.assert_allclose(F.adjust_saturation(x, 0.0).numpy(), np.broadcast_to(gray, a.shape), rtol=1e-5)
    np.testing.assert_allclose(F.adjust_hue(x, 0.0).numpy(), a, atol=1e-6)
    red = mt.tensor(np.array([1.0, 0.0, 0.0], np.float32).reshape(3, 1, 1))
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3).numpy().ravel(), [0.0, 1.0, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]"):
        F.adjust_hue(x, 0.7)
    erased = F.erase(x, 1, 2, 2, 3, mt.tensor(np.float32(0.25)))
    assert (erased.numpy()[:, 1:3, 2:5] == 0.25).all() and (x.numpy() == a).all()


# ---------------------------------------------------------------------------- the classes
ALL_RANDOM = [
    T.RandomCrop(6, padding=2, padding_mode="reflect"),
    T.RandomHorizontalFlip(),
    T.RandomVerticalFlip(),
    T.RandomRotation(25, interpolation=I.BILINEAR),
    T.RandomRotation((-10, 40)),
    T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2),
]


@pytest.mark.parametrize("transform", ALL_RANDOM, ids=lambda t: type(t).__name__)
def test_random_transforms_are_repeatable_under_manual_seed_on_every_kind(rng, transform):
    kinds = [mt.tensor(image(rng, (3, 8, 8))), image(rng, (8, 8, 3), np.uint8)]
    try:
        from PIL import Image

        kinds.append(Image.fromarray(image(rng, (8, 8, 3), np.uint8)))
    except ImportError:
        pass
    for img in kinds:
        outs = []
        for _ in range(2):
            mt.manual_seed(3)
            outs.append(host(transform(img)))
        np.testing.assert_array_equal(outs[0], outs[1])
        assert type(transform(img)) is type(img)
    mt.manual_seed(3)
    draws = {host(transform(kinds[0])).tobytes() for _ in range(12)}
    assert len(draws) > 1  # it is random


def test_random_erasing_and_crop_rules():
    mt.manual_seed(0)
    out = T.RandomErasing(p=1.0, value=(1.0, 2.0, 3.0))(mt.zeros(3, 10, 10))
    erased = out.numpy() != 0
    assert (
        erased.any() and (erased[0] == erased[1]).all() and set(out.numpy()[2][erased[2]].tolist()) == {3.0}
    )
    assert (T.RandomErasing(p=0.0)(mt.ones(1, 4, 4)).numpy() == 1).all()
    noisy = T.RandomErasing(p=1.0, value="random")(mt.zeros(1, 16, 16))
    assert (noisy.numpy() != 0).sum() > 0
    with pytest.raises(ValueError, match="Required crop size \\(9, 9\\) is larger than input image size"):
        T.RandomCrop(9)(mt.zeros(1, 8, 8))
    assert T.RandomCrop(9, pad_if_needed=True)(mt.zeros(1, 8, 8)).shape == mt.Size([1, 9, 9])
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="Random erasing probability should be between 0 and 1"):
        T.RandomErasing(p=2)
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    with pytest.raises(
        ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"
    ):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative."):
        T.ColorJitter(brightness=-1)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])


def test_a_cifar_style_pipeline_on_each_kind():
    pipeline = T.Compose(
        [
            T.RandomCrop(32, padding=4),
            T.RandomHorizontalFlip(),
            T.ToTensor(),
            T.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)),
        ]
    )
    arr = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    out = pipeline(arr)
    assert out.shape == mt.Size([3, 32, 32]) and out.dtype == mt.float32
    assert repr(pipeline).startswith("Compose(\n    RandomCrop(size=(32, 32), padding=4)")


# ---------------------------------------------------------------------------- torchvision itself
def test_outputs_match_torchvision(rng):
    torch = pytest.importorskip("torch")
    TF = pytest.importorskip("torchvision.transforms.functional")
    from torchvision.transforms import InterpolationMode as TI

    for dtype in (np.float32, np.uint8):
        a = image(rng, (3, 13, 17), dtype)
        x, tx = mt.tensor(a), torch.from_numpy(a.copy())
        tol = 1 if dtype == np.uint8 else 2e-5
        pairs = [
            (F.resize(x, [7, 9]), TF.resize(tx, [7, 9])),
            (F.resize(x, [26, 30], I.BICUBIC), TF.resize(tx, [26, 30], TI.BICUBIC)),
            (F.resize(x, 5, I.NEAREST), TF.resize(tx, 5, TI.NEAREST)),
            (
                F.rotate(x, 33.3, I.BILINEAR, True, None, [0.0] * 3),
                TF.rotate(tx, 33.3, TI.BILINEAR, True, None, [0.0] * 3),
            ),
            (
                F.rotate(x, -17, I.NEAREST, False, [3, 4], [1.0] * 3),
                TF.rotate(tx, -17, TI.NEAREST, False, [3, 4], [1.0] * 3),
            ),
            (F.pad(x, [1, 2, 3, 4], 0, "symmetric"), TF.pad(tx, [1, 2, 3, 4], 0, "symmetric")),
            (F.center_crop(x, [20, 4]), TF.center_crop(tx, [20, 4])),
            (F.adjust_brightness(x, 1.7), TF.adjust_brightness(tx, 1.7)),
            (F.adjust_contrast(x, 0.3), TF.adjust_contrast(tx, 0.3)),
            (F.adjust_saturation(x, 1.7), TF.adjust_saturation(tx, 1.7)),
            (F.adjust_hue(x, 0.25), TF.adjust_hue(tx, 0.25)),
            (F.rgb_to_grayscale(x), TF.rgb_to_grayscale(tx)),
            (F.convert_image_dtype(x, mt.float64), TF.convert_image_dtype(tx, torch.float64)),
        ]
        for i, (ours, theirs) in enumerate(pairs):
            assert ours.shape == mt.Size(theirs.shape), i
            assert np.abs(ours.numpy().astype(np.float64) - theirs.numpy()).max() <= tol, (dtype, i)
    Image = pytest.importorskip("PIL.Image")
    pil = Image.fromarray(image(rng, (13, 17, 3), np.uint8))
    for ours, theirs in [
        (F.to_tensor(pil), TF.to_tensor(pil)),
        (F.pil_to_tensor(pil), TF.pil_to_tensor(pil)),
    ]:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for ours, theirs in [
        (
            F.rotate(pil, 33, I.BILINEAR, True, None, [1, 2, 3]),
            TF.rotate(pil, 33, TI.BILINEAR, True, None, [1, 2, 3]),
        ),
        (F.adjust_hue(pil, 0.2), TF.adjust_hue(pil, 0.2)),
        (F.pad(pil, [1, 2, 3, 4], (5, 6, 7)), TF.pad(pil, [1, 2, 3, 4], (5, 6, 7))),
    ]:
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_reprs_match_torchvision():
    TT = pytest.importorskip("torchvision.transforms")
    for ours, theirs in [
        (T.RandomCrop(32, padding=4), TT.RandomCrop(32, padding=4)),
        (T.Resize(32), TT.Resize(32)),
        (T.ColorJitter(0.4, 0.4), TT.ColorJitter(0.4, 0.4)),
        (T.RandomRotation(10), TT.RandomRotation(10)),
        (T.RandomErasing(), TT.RandomErasing()),
        (T.Pad(4), TT.Pad(4)),
    ]:
        assert repr(ours) == repr(theirs)


# ---------------------------------------------------------------------------- make_grid, save_image
def test_make_grid_and_save_image(tmp_path):
    batch = mt.tensor(np.arange(5 * 4 * 6, dtype=np.float32).reshape(5, 1, 4, 6) / 120)
    grid = make_grid(batch, nrow=2, padding=1, pad_value=0.5).numpy()
    assert grid.shape == (3, 3 * 5 + 1, 2 * 7 + 1)  # 3 rows of 2, one-channel images as three
    np.testing.assert_array_equal(grid[1, 1:5, 8:14], batch.numpy()[1, 0])
    np.testing.assert_array_equal(grid[0, 11:15, 1:7], batch.numpy()[4, 0])
    assert (grid[:, 11:15, 8:14] == 0.5).all() and (grid[:, 0] == 0.5).all()
    normalized = make_grid(batch * 4 - 1, normalize=True).numpy()
    assert normalized.min() == 0.0 and normalized.max() == 1.0
    assert make_grid(batch[:1]).shape == mt.Size([3, 4, 6])
    path = tmp_path / "grid.png"
    save_image(batch, path, nrow=5)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    buffer = io.BytesIO()
    try:
        save_image(batch[0], buffer, format="png")
    except ImportError:
        pytest.skip("neither Pillow nor matplotlib")
    assert buffer.getvalue()[:4] == b"\x89PNG"


def test_make_grid_matches_torchvision():
    torch = pytest.importorskip("torch")
    tvu = pytest.importorskip("torchvision.utils")
    b = np.random.default_rng(1).random((5, 3, 4, 6)).astype(np.float32)
    for kw in [
        {},
        dict(nrow=2, padding=1, pad_value=0.5),
        dict(normalize=True, scale_each=True),
        dict(normalize=True, value_range=(0.2, 0.8)),
    ]:
        np.testing.assert_allclose(
            make_grid(mt.tensor(b), **kw).numpy(), tvu.make_grid(torch.from_numpy(b), **kw).numpy(), atol=1e-6
        )
